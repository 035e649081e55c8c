import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { automationCondition, nameConflict, poolSpecOf } from './kinds.js';

const example = parse(readFileSync('examples/managednodepool.yaml', 'utf8')) as Record<string, unknown> & {
  spec: Record<string, unknown>;
};

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

  test('the automation condition lists what runs, with its settings', () => {
    const r = poolSpecOf('ManagedNodePool', {
      ...example,
      spec: { ...example.spec, autoPatch: { enabled: false } },
    });
    if (!r.ok || !r.managed) throw new Error('invalid');
    const [on, reason, message] = automationCondition('ManagedNodePool', r.pool)!;
    expect([on, reason]).toEqual([true, 'AutomationActive']);
    expect(message).toMatch(
      /^active: instant elasticity \(scale-out on pending pods\); autoRepair \(notReadyTimeout 10m, maxUnhealthy 20%, (reboot first|replace)\); systemEvents \(.*\); autoUpgrade \(rotation, maxSurge \S+, maxUnavailable \S+, [^;]*\); consolidation \(WhenEmptyOrUnderutilized after 10m, [^;]*\)$/,
    );
    expect(message).not.toMatch(/autoPatch/);
    const off = poolSpecOf('ManagedNodePool', {
      ...example,
      spec: {
        ...example.spec,
        autoRepair: { enabled: false },
        systemEvents: { enabled: false },
        autoUpgrade: { enabled: false },
        autoPatch: { enabled: true, severities: ['High'] },
        maintenance: {
          windows: [{ days: ['Sat'], start: '02:00', duration: '4h', timeZone: 'Asia/Shanghai' }],
        },
      },
    });
    if (!off.ok) throw new Error('invalid');
    expect(automationCondition('ManagedNodePool', off.pool)).toEqual([
      true,
      'AutomationActive',
      'active: instant elasticity (scale-out on pending pods); autoPatch (severities High, inside the maintenance windows Sat 02:00 for 4h (Asia/Shanghai)); consolidation (WhenEmptyOrUnderutilized after 10m, inside the maintenance windows Sat 02:00 for 4h (Asia/Shanghai))',
    ]);
  });

  test('a NodePool has the condition only when its management turns a block on, or when it is billed Spot', () => {
    const np = (management?: Record<string, unknown>, billing?: Record<string, unknown>) => {
      const r = poolSpecOf('NodePool', {
        apiVersion: 'nodepool.alicloud.dev/v1beta1',
        kind: 'NodePool',
        metadata: { name: 'np' },
        spec: {
          region: 'cn-hangzhou',
          vpcId: 'vpc-1',
          vSwitchIds: ['vsw-1'],
          scaling: { mode: 'Manual', desiredSize: 1 },
          instanceTypes: ['ecs.g7.xlarge'],
          image: { type: 'AliyunLinux3ContainerOptimized' },
          securityGroup: { ids: ['sg-1'] },
          ramRoleName: 'r',
          ...(management ? { management } : {}),
          ...(billing ? { billing } : {}),
        },
      });
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return r.pool;
    };
    expect(automationCondition('NodePool', np())).toBeUndefined();
    expect(automationCondition('NodePool', np({}))).toBeUndefined();
    expect(automationCondition('NodePool', np({ autoRepair: { enabled: true } }))).toEqual([
      true,
      'AutomationActive',
      'active: autoRepair (notReadyTimeout 10m, maxUnhealthy 20%, replace)',
    ]);
    const spot = np(undefined, { chargeType: 'Spot', spot: { replaceBeforeReclaim: true } });
    expect(automationCondition('NodePool', spot)).toEqual([
      true,
      'AutomationActive',
      'active: spotInterruption (replacement launched on the notice, drained when Ready)',
    ]);
  });
});

describe('pool names across kinds', () => {
  test('the later pool of the same name is the one in conflict; on a tie the ManagedNodePool waits', () => {
    const early = '2026-11-23T01:00:00Z';
    const late = '2026-11-23T02:00:00Z';
    expect(nameConflict({ kind: 'NodePool', name: 'a', created: late }, { created: early })).toMatch(
      /^the name a is already used by ManagedNodePool a: pool names must be unique/,
    );
    expect(
      nameConflict({ kind: 'ManagedNodePool', name: 'a', created: early }, { created: late }),
    ).toBeUndefined();
    expect(nameConflict({ kind: 'ManagedNodePool', name: 'a', created: early }, { created: early })).toMatch(
      /already used by NodePool a/,
    );
    expect(nameConflict({ kind: 'NodePool', name: 'a', created: early }, { created: early })).toBeUndefined();
    expect(nameConflict({ kind: 'NodePool', name: 'a', created: early }, undefined)).toBeUndefined();
  });
});
