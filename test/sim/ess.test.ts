import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/log.js';
import { priceOf, startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { $Ecs, ecsClient, rpcClient, sdkError, type SignatureVersion } from './clients.js';
import { until } from './poll.js';

const log = createLogger({ level: 'silent' });
const IMAGE = 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd';
const running: Simulator[] = [];

async function sim(): Promise<Simulator> {
  const s = await startSimulator({ log, timeScale: 200 });
  running.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

interface Member {
  InstanceId: string;
  LifecycleState: string;
  ZoneId: string;
  InstanceType: string;
  SpotStrategy: string;
  CreationType: string;
}

function helpers(s: Simulator, signature: SignatureVersion) {
  const ess = rpcClient(s, 'ess', { signature });
  const region = s.world.regions[0];
  const vsw = region?.vpcs[0]?.vSwitches.slice(0, 3).map((v) => v.vSwitchId) ?? [];
  const sg = region?.securityGroups[0]?.securityGroupId ?? '';
  const members = async (groupId: string): Promise<Member[]> => {
    const b = await ess('DescribeScalingInstances', { ScalingGroupId: groupId, PageSize: 100 });
    return (b.ScalingInstances as { ScalingInstance: Member[] }).ScalingInstance;
  };
  const inService = (groupId: string, n: number): Promise<Member[]> =>
    until(`${n} InService in ${groupId}`, async () => {
      const m = await members(groupId);
      return m.length === n && m.every((x) => x.LifecycleState === 'InService') ? m : undefined;
    });
  const group = async (
    args: Record<string, unknown>,
    config: Record<string, unknown> = {},
  ): Promise<string> => {
    const g = await ess('CreateScalingGroup', {
      ScalingGroupName: `g-${Math.random().toString(36).slice(2, 10)}`,
      MinSize: 0,
      MaxSize: 20,
      DesiredCapacity: 0,
      VSwitchIds: vsw,
      ...args,
    });
    const id = g.ScalingGroupId as string;
    const c = await ess('CreateScalingConfiguration', {
      ScalingGroupId: id,
      ImageId: IMAGE,
      InstanceTypes: ['ecs.g7.large'],
      SecurityGroupIds: [sg],
      ...config,
    });
    await ess('EnableScalingGroup', {
      ScalingGroupId: id,
      ActiveScalingConfigurationId: c.ScalingConfigurationId as string,
    });
    return id;
  };
  return { ess, vsw, sg, members, inService, group, zones: region?.zones.map((z) => z.zoneId) ?? [] };
}

describe.each<SignatureVersion>(['v3', 'v1'])('ESS through generic callApi, signature %s', (signature) => {
  it('keeps the group at its desired capacity: 0 → 5 → 2, with Successful activities and group tags', async () => {
    const s = await sim();
    const h = helpers(s, signature);
    const id = await h.group(
      { Tag: [{ Key: 'team', Value: 'infra', Propagate: true }] },
      { Tags: JSON.stringify({ pool: 'p1' }) },
    );
    await h.ess('ModifyScalingGroup', { ScalingGroupId: id, DesiredCapacity: 5 });
    const five = await h.inService(id, 5);
    const inst = s.cloud.instances.get(five[0]?.InstanceId ?? '');
    expect(inst?.tags).toEqual(
      expect.arrayContaining([
        { key: 'acs:autoscaling:scalingGroupId', value: id },
        { key: 'team', value: 'infra' },
        { key: 'pool', value: 'p1' },
      ]),
    );
    await h.ess('ModifyScalingGroup', { ScalingGroupId: id, DesiredCapacity: 2 });
    await h.inService(id, 2);
    const groups = await h.ess('DescribeScalingGroups', { ScalingGroupId: [id] });
    const g = (groups.ScalingGroups as { ScalingGroup: Record<string, unknown>[] }).ScalingGroup[0];
    expect(g).toMatchObject({
      LifecycleState: 'Active',
      DesiredCapacity: 2,
      TotalCapacity: 2,
      ActiveCapacity: 2,
    });
    expect((g?.VSwitchIds as { VSwitchId: string[] }).VSwitchId).toEqual(h.vsw);
    await until('activities done', async () => {
      const a = await h.ess('DescribeScalingActivities', { ScalingGroupId: id });
      const list = (a.ScalingActivities as { ScalingActivity: { StatusCode: string; Description: string }[] })
        .ScalingActivity;
      return list.length >= 2 && list.every((x) => x.StatusCode === 'Successful') ? list : undefined;
    });
    // three instances were released
    expect([...s.cloud.instances.values()].filter((i) => i.tags.some((t) => t.value === id))).toHaveLength(2);
  });

  it('falls back to the next instance type, then the next zone, when stock runs out (PRIORITY)', async () => {
    const s = await sim();
    const h = helpers(s, signature);
    const [z1 = '', z2 = ''] = h.zones;
    s.setStock({ zoneId: z1, instanceType: 'ecs.c7.large', onDemand: 0 });
    s.setStock({ zoneId: z1, instanceType: 'ecs.g7.large', onDemand: 2 });
    const id = await h.group({ DesiredCapacity: 4 }, { InstanceTypes: ['ecs.c7.large', 'ecs.g7.large'] });
    const m = await h.inService(id, 4);
    const placed = m.map((x) => `${x.ZoneId}/${x.InstanceType}`).sort();
    expect(placed).toEqual([
      `${z1}/ecs.g7.large`,
      `${z1}/ecs.g7.large`,
      `${z2}/ecs.c7.large`,
      `${z2}/ecs.c7.large`,
    ]);
  });

  it('records a Failed activity with OperationDenied.NoStock when nothing can be created, and retries', async () => {
    const s = await sim();
    const h = helpers(s, signature);
    for (const z of h.zones) s.setStock({ zoneId: z, instanceType: 'ecs.r7.large', onDemand: 0 });
    const id = await h.group({ DesiredCapacity: 1 }, { InstanceTypes: ['ecs.r7.large'] });
    const failed = await until('a Failed activity', async () => {
      const a = await h.ess('DescribeScalingActivities', { ScalingGroupId: id, StatusCode: 'Failed' });
      return (a.ScalingActivities as { ScalingActivity: { ErrorCode: string; StatusMessage: string }[] })
        .ScalingActivity[0];
    });
    expect(failed.ErrorCode).toBe('OperationDenied.NoStock');
    s.setStock({ zoneId: h.zones[2] ?? '', instanceType: 'ecs.r7.large', onDemand: 5 });
    const m = await h.inService(id, 1);
    expect(m[0]?.ZoneId).toBe(h.zones[2]);
  });

  it('COST_OPTIMIZED picks the cheapest type and zone; BALANCE spreads over zones', async () => {
    const s = await sim();
    const h = helpers(s, signature);
    const types = ['ecs.g7.large', 'ecs.g8i.large', 'ecs.c7.xlarge'];
    const region = s.world.regions[0];
    let cheapest = '';
    let best = Infinity;
    for (const z of region?.zones ?? []) {
      for (const t of types) {
        const p = priceOf(s.world, z, t).onDemand;
        if (p < best) [best, cheapest] = [p, `${z.zoneId}/${t}`];
      }
    }
    const cost = await h.group(
      { DesiredCapacity: 3, MultiAZPolicy: 'COST_OPTIMIZED' },
      { InstanceTypes: types },
    );
    const m = await h.inService(cost, 3);
    expect(new Set(m.map((x) => `${x.ZoneId}/${x.InstanceType}`))).toEqual(new Set([cheapest]));

    const balance = await h.group({ DesiredCapacity: 6, MultiAZPolicy: 'BALANCE' });
    const b = await h.inService(balance, 6);
    const perZone = h.zones.map((z) => b.filter((x) => x.ZoneId === z).length);
    expect(perZone).toEqual([2, 2, 2]);
  });

  it('spot with on-demand compensation when spot stock is gone', async () => {
    const s = await sim();
    const h = helpers(s, signature);
    for (const z of h.zones) s.setStock({ zoneId: z, instanceType: 'ecs.g7.large', spot: 0 });
    const id = await h.group(
      {
        DesiredCapacity: 2,
        MultiAZPolicy: 'COST_OPTIMIZED',
        OnDemandPercentageAboveBaseCapacity: 0,
        CompensateWithOnDemand: true,
      },
      { SpotStrategy: 'SpotAsPriceGo' },
    );
    const m = await h.inService(id, 2);
    expect(m.map((x) => x.SpotStrategy)).toEqual(['NoSpot', 'NoSpot']);
    for (const z of h.zones) s.setStock({ zoneId: z, instanceType: 'ecs.g7.large', spot: 100 });
    await h.ess('ModifyScalingGroup', { ScalingGroupId: id, DesiredCapacity: 3 });
    const three = await h.inService(id, 3);
    expect(three.filter((x) => x.SpotStrategy === 'SpotAsPriceGo')).toHaveLength(1);
  });

  it('ForceDelete releases created instances and detaches attached ones; errors as the real API', async () => {
    const s = await sim();
    const h = helpers(s, signature);
    const id = await h.group({ DesiredCapacity: 1, MinSize: 1 });
    const [created] = await h.inService(id, 1);
    const run = await ecsClient(s, { signature }).runInstances(
      new $Ecs.RunInstancesRequest({
        regionId: 'cn-hangzhou',
        imageId: IMAGE,
        instanceType: 'ecs.g7.large',
        vSwitchId: h.vsw[0],
        securityGroupIds: [h.sg],
        instanceChargeType: 'PrePaid',
        period: 1,
      }),
    );
    const attached = run.body?.instanceIdSets?.instanceIdSet?.[0] ?? '';
    await until('Running', () => (s.cloud.instances.get(attached)?.status === 'Running' ? true : undefined));
    await h.ess('AttachInstances', { ScalingGroupId: id, InstanceId: [attached] });
    await h.inService(id, 2);

    const minErr = await sdkError(
      h.ess('RemoveInstances', { ScalingGroupId: id, InstanceId: [created?.InstanceId, attached] }),
    );
    expect([minErr.code, minErr.statusCode]).toEqual(['IncorrectCapacity.MinSize', 400]);
    const inUse = await sdkError(h.ess('DeleteScalingGroup', { ScalingGroupId: id }));
    expect(inUse.code).toBe('InstanceInUse');
    await h.ess('ModifyScalingGroup', { ScalingGroupId: id, GroupDeletionProtection: true });
    const prot = await sdkError(h.ess('DeleteScalingGroup', { ScalingGroupId: id, ForceDelete: true }));
    expect(prot.code).toBe('Forbidden.GroupDeletionProtection');
    await h.ess('ModifyScalingGroup', { ScalingGroupId: id, GroupDeletionProtection: false });

    await h.ess('DeleteScalingGroup', { ScalingGroupId: id, ForceDelete: true });
    await until('group gone', async () => {
      const e = await h
        .ess('DescribeScalingGroups', { ScalingGroupId: [id] })
        .then((b) => (b.ScalingGroups as { ScalingGroup: unknown[] }).ScalingGroup.length);
      return e === 0 ? true : undefined;
    });
    expect(s.cloud.instances.has(created?.InstanceId ?? '')).toBe(false);
    expect(
      s.cloud.instances.get(attached)?.tags.some((t) => t.key === 'acs:autoscaling:scalingGroupId'),
    ).toBe(false);
    const nf = await sdkError(
      h
        .ess('DescribeScalingInstances', { ScalingGroupId: id })
        .then(() => h.ess('EnableScalingGroup', { ScalingGroupId: id })),
    );
    expect([nf.code, nf.statusCode]).toEqual(['InvalidScalingGroupId.NotFound', 404]);
  });

  it('validation errors: duplicate name, missing configuration, configuration quota, bad capacity', async () => {
    const s = await sim();
    const h = helpers(s, signature);
    await h.ess('CreateScalingGroup', { ScalingGroupName: 'dup', MinSize: 0, MaxSize: 1, VSwitchIds: h.vsw });
    const dup = await sdkError(
      h.ess('CreateScalingGroup', { ScalingGroupName: 'dup', MinSize: 0, MaxSize: 1, VSwitchIds: h.vsw }),
    );
    expect(dup.code).toBe('InvalidScalingGroupName.Duplicate');
    const bare = (await h.ess('CreateScalingGroup', { MinSize: 0, MaxSize: 1, VSwitchIds: h.vsw }))
      .ScalingGroupId as string;
    const missing = await sdkError(h.ess('EnableScalingGroup', { ScalingGroupId: bare }));
    expect(missing.code).toBe('MissingActiveScalingConfiguration');
    for (let k = 0; k < 10; k++) {
      await h.ess('CreateScalingConfiguration', {
        ScalingGroupId: bare,
        ImageId: IMAGE,
        InstanceTypes: ['ecs.g7.large'],
        SecurityGroupIds: [h.sg],
      });
    }
    const quota = await sdkError(
      h.ess('CreateScalingConfiguration', {
        ScalingGroupId: bare,
        ImageId: IMAGE,
        InstanceTypes: ['ecs.g7.large'],
        SecurityGroupIds: [h.sg],
      }),
    );
    expect(quota.code).toBe('QuotaExceeded.ScalingConfiguration');
    const cap = await sdkError(h.ess('CreateScalingGroup', { MinSize: 3, MaxSize: 1, VSwitchIds: h.vsw }));
    expect(cap.code).toBe('InvalidParameter');
    expect(cap.data.Message).toContain('MinSize');
    const other = (await h.ess('CreateScalingGroup', { MinSize: 0, MaxSize: 1, VSwitchIds: h.vsw }))
      .ScalingGroupId as string;
    const tags = await sdkError(
      h.ess('CreateScalingConfiguration', {
        ScalingGroupId: other,
        ImageId: IMAGE,
        InstanceTypes: ['ecs.g7.large'],
        SecurityGroupIds: [h.sg],
        Tags: '{"acs:x":"y"}',
      }),
    );
    expect(tags.code).toBe('InvalidTagKey.Malformed');
  });

  it('a SCALE_IN lifecycle hook holds instances in Removing:Wait until CompleteLifecycleAction', async () => {
    const s = await sim();
    const h = helpers(s, signature);
    const id = await h.group({ DesiredCapacity: 2 });
    await h.inService(id, 2);
    const hook = await h.ess('CreateLifecycleHook', {
      ScalingGroupId: id,
      LifecycleTransition: 'SCALE_IN',
      HeartbeatTimeout: 21600,
      DefaultResult: 'CONTINUE',
    });
    const res = await h.ess('ScaleWithAdjustment', {
      ScalingGroupId: id,
      AdjustmentType: 'TotalCapacity',
      AdjustmentValue: 1,
    });
    const activityId = res.ScalingActivityId as string;
    expect(activityId).toMatch(/^asa-/);
    const waiting = await until('Removing:Wait', async () => {
      const m = await h.members(id);
      return m.find((x) => x.LifecycleState === 'Removing:Wait');
    });
    const actions = await h.ess('DescribeLifecycleActions', { ScalingActivityId: activityId });
    const action = (
      actions.LifecycleActions as {
        LifecycleAction: { LifecycleActionToken: string; InstanceIds: { InstanceId: string[] } }[];
      }
    ).LifecycleAction[0];
    expect(action?.InstanceIds.InstanceId).toEqual([waiting.InstanceId]);
    expect(s.cloud.instances.has(waiting.InstanceId)).toBe(true);
    await h.ess('CompleteLifecycleAction', {
      LifecycleHookId: hook.LifecycleHookId as string,
      LifecycleActionToken: action?.LifecycleActionToken,
      LifecycleActionResult: 'CONTINUE',
    });
    await h.inService(id, 1);
    expect(s.cloud.instances.has(waiting.InstanceId)).toBe(false);
  });
});

describe('ESS health check and spot remedy', () => {
  it('replaces an instance that is no longer Running, and a spot instance on its reclamation notice; an unresponsive but Running one stays', async () => {
    const s = await sim();
    const h = helpers(s, 'v3');
    const id = await h.group(
      {
        DesiredCapacity: 3,
        SpotInstanceRemedy: true,
        OnDemandPercentageAboveBaseCapacity: 0,
        MultiAZPolicy: 'COST_OPTIMIZED',
      },
      { SpotStrategy: 'SpotAsPriceGo' },
    );
    const [a, b, c] = await h.inService(id, 3);
    s.cloud.stop(a?.InstanceId ?? '', 'KeepCharging');
    s.reclaimSpot(b?.InstanceId ?? '', 3000);
    s.failInstance(c?.InstanceId ?? ''); // still Running: ESS's check (not Running = unhealthy) passes it
    const after = await until('both replaced', async () => {
      const m = await h.members(id);
      const ids = m.map((x) => x.InstanceId);
      return m.length === 3 &&
        m.every((x) => x.LifecycleState === 'InService') &&
        !ids.includes(a?.InstanceId ?? '') &&
        !ids.includes(b?.InstanceId ?? '')
        ? m
        : undefined;
    });
    expect(after.map((x) => x.InstanceId)).toContain(c?.InstanceId);
  });
});
