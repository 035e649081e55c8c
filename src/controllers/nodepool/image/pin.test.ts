import { describe, expect, it } from '@jest/globals';
import type { PoolImage } from '../../../apis/v1beta1/index.js';
import type { FamilyImage } from '../../disruption/rotation/image.js';
import { pinImage, type PinInput } from './pin.js';

const F = 'acs:containeros_3_x64';
const v1: FamilyImage = { id: 'm-1', name: 'cos-1', version: '1', created: 1, kubeletVersion: 'v1.34.4' };
const v2: FamilyImage = {
  id: 'm-2',
  name: 'cos-2',
  version: '2',
  created: 2,
  fixedCves: [{ id: 'CVE-2026-0001', severity: 'Low' }],
};
const v3: FamilyImage = {
  id: 'm-3',
  name: 'cos-3',
  version: '3',
  created: 3,
  kubeletVersion: 'v1.34.9',
  fixedCves: [{ id: 'CVE-2026-0002', severity: 'High' }],
};
const pinned = (id: string, family = F): PoolImage => ({ id, name: id, family, adoptedBy: 'Resolved' });
const off = { autoUpgrade: false, patchSeverities: [] };
const input = (over: Partial<PinInput>): PinInput => ({
  source: { kind: 'family', family: F },
  prior: undefined,
  family: [v1, v2, v3],
  configurationImage: undefined,
  policy: off,
  now: Date.parse('2026-03-01T00:00:00Z'),
  ...over,
});

describe('pinImage', () => {
  it('a new pool pins the newest image of its family', () => {
    const r = pinImage(input({}))!;
    expect(r.image).toMatchObject({
      id: 'm-3',
      family: F,
      version: '3',
      kubeletVersion: 'v1.34.9',
      adoptedBy: 'Resolved',
      adoptedAt: '2026-03-01T00:00:00Z',
    });
    expect(r.change).toMatchObject({ kind: 'pinned' });
    expect(r.upgradeAvailable).toEqual([
      false,
      'UpToDate',
      expect.stringContaining('cos-3 (version 3), kubelet v1.34.9'),
    ]);
  });

  it('a pinned pool stays on its image when a newer one appears; UpgradeAvailable says which', () => {
    const r = pinImage(input({ prior: pinned('m-1') }))!;
    expect(r.image.id).toBe('m-1');
    expect(r.change).toBeUndefined();
    expect(r.upgradeAvailable[0]).toBe(true);
    expect(r.upgradeAvailable[1]).toBe('NewerImage');
    expect(r.upgradeAvailable[2]).toContain('cos-3 (version 3)');
  });

  it('the record is refreshed from the listing (name, version, kubelet) without changing the pin', () => {
    const r = pinImage(input({ prior: { id: 'm-1', family: F, adoptedBy: 'Resolved', adoptedAt: 'x' } }))!;
    expect(r.image).toEqual({
      id: 'm-1',
      name: 'cos-1',
      version: '1',
      kubeletVersion: 'v1.34.4',
      family: F,
      adoptedBy: 'Resolved',
      adoptedAt: 'x',
    });
  });

  it('an existing pool without a record pins what its scaling configuration launches, not the newest', () => {
    const r = pinImage(input({ configurationImage: 'm-1' }))!;
    expect(r.image).toMatchObject({ id: 'm-1', adoptedBy: 'Configuration' });
    expect(r.change).toMatchObject({ kind: 'pinned' });
    expect(r.upgradeAvailable[0]).toBe(true);
  });

  it('… and with autoUpgrade on, the newer image is adopted from there (a rotation, not a silent switch)', () => {
    const r = pinImage(
      input({ configurationImage: 'm-1', policy: { autoUpgrade: true, patchSeverities: [] } }),
    )!;
    expect(r.image).toMatchObject({ id: 'm-3', adoptedBy: 'AutoUpgrade' });
    expect(r.change).toMatchObject({ kind: 'adopted', from: 'm-1', by: 'autoUpgrade' });
  });

  it('a configuration image the family no longer lists: the newest is pinned', () => {
    expect(pinImage(input({ configurationImage: 'm-0' }))!.image).toMatchObject({
      id: 'm-3',
      adoptedBy: 'Resolved',
    });
  });

  it('autoUpgrade adopts the newest, naming the reason', () => {
    const r = pinImage(input({ prior: pinned('m-1'), policy: { autoUpgrade: true, patchSeverities: [] } }))!;
    expect(r.image).toMatchObject({
      id: 'm-3',
      adoptedBy: 'AutoUpgrade',
      reason: expect.stringContaining('autoUpgrade: a newer image'),
    });
    expect(r.upgradeAvailable[0]).toBe(false);
  });

  it('autoPatch [High]: a Low-only fix is reported, a High fix adopted', () => {
    const high = { autoUpgrade: false, patchSeverities: ['High'] };
    const low = pinImage(input({ prior: pinned('m-1'), family: [v1, v2], policy: high }))!;
    expect(low.image.id).toBe('m-1');
    expect(low.upgradeAvailable).toEqual([
      true,
      'NewerImage',
      expect.stringContaining('CVE-2026-0001 (Low)'),
    ]);
    const both = pinImage(input({ prior: pinned('m-1'), policy: high }))!;
    expect(both.image).toMatchObject({
      id: 'm-3',
      adoptedBy: 'AutoPatch',
      reason: expect.stringContaining('CVE-2026-0002 (High)'),
    });
    expect(both.change).toMatchObject({ kind: 'adopted', by: 'autoPatch' });
  });

  it('a change of spec.image to another family resolves again (the user adopts)', () => {
    const r = pinImage(input({ prior: pinned('u-1', 'acs:ubuntu_22_04_x64') }))!;
    expect(r.image).toMatchObject({ id: 'm-3', family: F, adoptedBy: 'Spec' });
    expect(r.change).toMatchObject({ kind: 'spec', from: 'u-1' });
  });

  it('a pinned image the family no longer lists (deprecated) stays pinned', () => {
    const r = pinImage(input({ prior: pinned('m-0') }))!;
    expect(r.image.id).toBe('m-0');
    expect(r.upgradeAvailable[0]).toBe(true);
  });

  it('an empty family with nothing pinned: no answer (the caller reports it); with a pin: kept', () => {
    expect(pinImage(input({ family: [] }))).toBeUndefined();
    expect(pinImage(input({ family: [], prior: pinned('m-1') }))!.image.id).toBe('m-1');
  });

  it('a Custom image is pinned by its id; changing the id is a spec change', () => {
    const custom = { kind: 'custom' as const, id: 'm-custom', name: 'my-image' };
    const first = pinImage(input({ source: custom }))!;
    expect(first.image).toMatchObject({ id: 'm-custom', name: 'my-image', adoptedBy: 'Resolved' });
    expect(first.image.family).toBeUndefined();
    expect(first.upgradeAvailable).toEqual([false, 'CustomImage', expect.stringContaining('spec.image.id')]);
    expect(pinImage(input({ source: custom, prior: first.image }))!.change).toBeUndefined();
    const moved = pinImage(input({ source: { kind: 'custom', id: 'm-other' }, prior: first.image }))!;
    expect(moved.change).toMatchObject({ kind: 'spec', from: 'm-custom' });
    expect(pinImage(input({ source: custom, prior: pinned('m-3') }))!.image).toMatchObject({
      id: 'm-custom',
      adoptedBy: 'Spec',
    });
  });
});
