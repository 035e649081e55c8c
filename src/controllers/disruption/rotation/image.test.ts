import { describe, expect, it } from '@jest/globals';
import { decideImage, type FamilyImage } from './image.js';

const v1: FamilyImage = { id: 'm-1', name: 'cos-1', version: '1', created: 1 };
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
  kubeletVersion: '1.34.5',
  fixedCves: [{ id: 'CVE-2026-0002', severity: 'High' }],
};
const off = { autoUpgrade: false, patchSeverities: [] };

describe('decideImage', () => {
  it('nothing pinned yet: pin the newest', () => {
    expect(decideImage([v1, v3, v2], undefined, off)).toEqual({ kind: 'pin', image: v3 });
  });
  it('pinned is the newest: stay', () => {
    expect(decideImage([v1, v2], 'm-2', off)).toEqual({ kind: 'stay', image: v2 });
  });
  it('autoUpgrade: rotate onto the newest', () => {
    expect(decideImage([v1, v2, v3], 'm-1', { autoUpgrade: true, patchSeverities: [] })).toMatchObject({
      kind: 'rotate',
      image: v3,
      from: 'm-1',
      by: 'autoUpgrade',
    });
  });
  it('autoPatch for High: a newer image fixing a High CVE is adopted, and the reason names it', () => {
    const d = decideImage([v1, v2, v3], 'm-1', { autoUpgrade: false, patchSeverities: ['High'] });
    expect(d).toMatchObject({ kind: 'rotate', image: v3, by: 'autoPatch' });
    expect(d?.kind === 'rotate' && d.reason).toContain('CVE-2026-0002 (High)');
  });
  it('autoPatch for High only: a Low fix alone is reported, not adopted', () => {
    const d = decideImage([v1, v2], 'm-1', { autoUpgrade: false, patchSeverities: ['High'] });
    expect(d).toMatchObject({ kind: 'available', image: v2 });
    expect(d?.kind === 'available' && d.message).toContain('CVE-2026-0001 (Low)');
  });
  it('no automation: UpgradeAvailable with the newest image', () => {
    expect(decideImage([v1, v2, v3], 'm-1', off)).toMatchObject({ kind: 'available', image: v3, pinned: v1 });
  });
  it('a pinned image no longer listed in the family: everything listed counts as newer', () => {
    expect(decideImage([v2, v3], 'm-0', off)).toMatchObject({
      kind: 'available',
      image: v3,
      pinned: undefined,
    });
  });
  it('an empty family: no decision', () => {
    expect(decideImage([], 'm-1', off)).toBeUndefined();
  });
});
