import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { automationCondition, nameConflict, poolSpecOf } from './kinds.js';

const example = parse(readFileSync('examples/managednodepool.yaml', 'utf8')) as Record<string, unknown> & { spec: Record<string, unknown> }; // prettier-ignore

describe('ManagedNodePool in NodePool terms', () => {
  test('the example becomes an Auto, PayAsYouGo, ContainerOS, Managed-bootstrap pool with its own placement, types, disks and metadata', () => {
    const r = poolSpecOf('ManagedNodePool', example);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const s = r.pool.spec;
    expect(s.scaling).toMatchObject({ mode: 'Auto', minSize: 0, maxSize: 50 });
    expect(s.billing.chargeType).toBe('PayAsYouGo');
    expect(s.image.type).toBe('ContainerOS');
    expect(s.bootstrap.mode).toBe('Managed');
    expect(s.login).toBeUndefined();
    expect(s.securityHardening).toBe('Disabled');
    expect(s.vSwitchIds).toEqual(['vsw-bp1zonea', 'vsw-bp1zoneb']);
    expect(s.instanceTypes).toEqual(['ecs.g7.xlarge', 'ecs.c7.2xlarge', 'ecs.g8i.xlarge']);
    expect(s.systemDisk).toMatchObject({ category: 'cloud_essd', sizeGiB: 20 });
    expect(s.labels).toEqual({ workload: 'elastic' });
    expect(s.registrationTimeout).toBe('10m');
    expect(r.pool.metadata.name).toBe('example-elastic');
  });

  test('the managed defaults apply: a 20 GiB system disk, maxSize 50', () => {
    const { systemDisk: _d, scaling: _s, ...rest } = example.spec;
    const r = poolSpecOf('ManagedNodePool', { ...example, spec: { ...rest, scaling: { minSize: 1 } } });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.pool.spec.systemDisk.sizeGiB).toBe(20);
    expect(r.pool.spec.scaling).toMatchObject({ mode: 'Auto', minSize: 1, maxSize: 50 });
  });

  test("a ManagedNodePool's own rules still hold (no Manual mode, no login)", () => {
    const r = poolSpecOf('ManagedNodePool', {
      ...example,
      spec: { ...example.spec, login: { keyPairName: 'k' } },
    });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problems.map((p) => p.message).join()).toMatch(/login is not available on a ManagedNodePool/);
  });

  test('the automation condition names what the spec turns on and says it is not active', () => {
    const r = poolSpecOf('ManagedNodePool', {
      ...example,
      spec: { ...example.spec, autoPatch: { enabled: false } },
    });
    if (!r.ok || !r.managed) throw new Error('invalid');
    const [on, reason, message] = automationCondition(r.managed);
    expect([on, reason]).toEqual([false, 'AutomationNotActive']);
    expect(message).toBe(
      'active: instant elasticity (scale-out on pending pods), consolidation (WhenEmptyOrUnderutilized after 10m); not active in this version: autoRepair, autoUpgrade, systemEvents; consolidation removes nodes only inside the maintenance windows',
    );
  });
});

describe('pool names across kinds', () => {
  test('the later pool of the same name is the one in conflict; on a tie the ManagedNodePool waits', () => {
    const early = '2026-11-23T01:00:00Z';
    const late = '2026-11-23T02:00:00Z';
    expect(nameConflict({ kind: 'NodePool', name: 'a', created: late }, { created: early })).toMatch(/^the name a is already used by ManagedNodePool a: pool names must be unique/); // prettier-ignore
    expect(
      nameConflict({ kind: 'ManagedNodePool', name: 'a', created: early }, { created: late }),
    ).toBeUndefined();
    expect(nameConflict({ kind: 'ManagedNodePool', name: 'a', created: early }, { created: early })).toMatch(/already used by NodePool a/); // prettier-ignore
    expect(nameConflict({ kind: 'NodePool', name: 'a', created: early }, { created: early })).toBeUndefined();
    expect(nameConflict({ kind: 'NodePool', name: 'a', created: early }, undefined)).toBeUndefined();
  });
});
