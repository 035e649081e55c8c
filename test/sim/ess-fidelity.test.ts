import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { $Ecs, ecsClient, rpcClient, sdkError } from './clients.js';
import { until } from './poll.js';

// ESS behaviours the real API documents and the simulator must show (sources beside the simulator code and in
// docs/simulator.md): ClientToken replay on Attach/Detach, DetachInstances' LifecycleHook, lifecycle heartbeats and
// stale tokens, the order of DescribeScalingActivities, capacity rules, Deleting groups, RemoveInstances' policies.

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
}

function helpers(s: Simulator) {
  const ess = rpcClient(s, 'ess');
  const region = s.world.regions[0]!;
  const vsw = region.vpcs[0]!.vSwitches.slice(0, 3).map((v) => v.vSwitchId);
  const sg = region.securityGroups[0]!.securityGroupId;
  const members = async (groupId: string): Promise<Member[]> => {
    const b = await ess('DescribeScalingInstances', { ScalingGroupId: groupId, PageSize: 100 });
    return (b.ScalingInstances as { ScalingInstance: Member[] }).ScalingInstance;
  };
  const inService = (groupId: string, n: number): Promise<Member[]> =>
    until(`${n} InService in ${groupId}`, async () => {
      const m = await members(groupId);
      return m.length === n && m.every((x) => x.LifecycleState === 'InService') ? m : undefined;
    });
  const group = async (args: Record<string, unknown> = {}): Promise<string> => {
    const g = await ess('CreateScalingGroup', {
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
    });
    await ess('EnableScalingGroup', {
      ScalingGroupId: id,
      ActiveScalingConfigurationId: c.ScalingConfigurationId,
    });
    return id;
  };
  const runInstance = async (): Promise<string> => {
    const r = await ecsClient(s).runInstances(
      new $Ecs.RunInstancesRequest({
        regionId: 'cn-hangzhou',
        imageId: IMAGE,
        instanceType: 'ecs.g7.large',
        vSwitchId: vsw[0],
        securityGroupIds: [sg],
      }),
    );
    return r.body?.instanceIdSets?.instanceIdSet?.[0] ?? '';
  };
  const hook = async (groupId: string): Promise<string> =>
    (
      await ess('CreateLifecycleHook', {
        ScalingGroupId: groupId,
        LifecycleTransition: 'SCALE_IN',
        HeartbeatTimeout: 3600,
        DefaultResult: 'CONTINUE',
      })
    ).LifecycleHookId as string;
  return { ess, vsw, sg, members, inService, group, runInstance, hook };
}

describe('ESS member writes', () => {
  it('AttachInstances and DetachInstances replay the first answer for the same ClientToken', async () => {
    const s = await sim();
    const h = helpers(s);
    const id = await h.group();
    const inst = await h.runInstance();
    await until('Running', () => (s.cloud.instances.get(inst)?.status === 'Running' ? true : undefined));
    const attach = { ScalingGroupId: id, InstanceId: [inst], ClientToken: 'attach-1' };
    const first = await h.ess('AttachInstances', attach);
    const again = await h.ess('AttachInstances', attach);
    expect(again.ScalingActivityId).toBe(first.ScalingActivityId);
    expect(await h.members(id)).toHaveLength(1);
    const mismatch = await sdkError(h.ess('AttachInstances', { ...attach, Entrusted: true }));
    expect([mismatch.code, mismatch.statusCode]).toEqual(['IdempotentParameterMismatch', 400]);

    const detach = { ScalingGroupId: id, InstanceId: [inst], ClientToken: 'detach-1' };
    const d1 = await h.ess('DetachInstances', detach);
    await until('detached', async () => ((await h.members(id)).length === 0 ? true : undefined));
    const d2 = await h.ess('DetachInstances', detach);
    expect(d2.ScalingActivityId).toBe(d1.ScalingActivityId);
    expect(s.cloud.instances.get(inst)?.status).toBe('Running');
  });

  it('DetachInstances waits on the SCALE_IN hook only with LifecycleHook=true', async () => {
    const s = await sim();
    const h = helpers(s);
    const id = await h.group();
    await h.hook(id);
    const [a, b] = [await h.runInstance(), await h.runInstance()];
    await until('Running', () =>
      [a, b].every((x) => s.cloud.instances.get(x)?.status === 'Running') ? true : undefined,
    );
    await h.ess('AttachInstances', { ScalingGroupId: id, InstanceId: [a, b] });
    await h.ess('DetachInstances', { ScalingGroupId: id, InstanceId: [a] });
    await until('a detached without a wait', async () => {
      const m = await h.members(id);
      return !m.some((x) => x.InstanceId === a) ? true : undefined;
    });
    await h.ess('DetachInstances', { ScalingGroupId: id, InstanceId: [b], LifecycleHook: true });
    const held = await h.members(id);
    expect(held).toEqual([expect.objectContaining({ InstanceId: b, LifecycleState: 'Removing:Wait' })]);
  });

  it('AttachInstances refuses a stopped instance with 400 IncorrectInstanceStatus, as documented', async () => {
    const s = await sim();
    const h = helpers(s);
    const id = await h.group();
    const inst = await h.runInstance();
    const err = await sdkError(h.ess('AttachInstances', { ScalingGroupId: id, InstanceId: [inst] }));
    expect([err.code, err.statusCode]).toEqual(['IncorrectInstanceStatus', 400]);
  });

  it('RemoveInstances in release mode stops an instance before releasing it; recycle needs a recycle group', async () => {
    const s = await sim();
    const h = helpers(s);
    const id = await h.group({ DesiredCapacity: 2 });
    const [x, y] = await h.inService(id, 2);
    const seen: string[] = [];
    s.onLifecycle((e) => {
      if (e.instance.instanceId === x?.InstanceId) seen.push(e.type);
    });
    await h.ess('RemoveInstances', { ScalingGroupId: id, InstanceId: [x?.InstanceId] });
    await until('x released', () => (seen.includes('released') ? true : undefined));
    expect(seen).toEqual(['stopped', 'released']);

    // RemovePolicy=recycle on a release-mode group releases (it does not keep a Stopped member)
    await h.ess('RemoveInstances', {
      ScalingGroupId: id,
      InstanceId: [y?.InstanceId],
      RemovePolicy: 'recycle',
    });
    await until('y released', () => (s.cloud.instances.has(y?.InstanceId ?? '') ? undefined : true));
    expect(await h.members(id)).toEqual([]);

    const eco = await h.group({ DesiredCapacity: 1, ScalingPolicy: 'recycle' });
    const [z] = await h.inService(eco, 1);
    await h.ess('RemoveInstances', {
      ScalingGroupId: eco,
      InstanceId: [z?.InstanceId],
      RemovePolicy: 'recycle',
    });
    const stopped = await until('z Stopped in the group', async () =>
      (await h.members(eco)).find((m) => m.LifecycleState === 'Stopped'),
    );
    expect(stopped.InstanceId).toBe(z?.InstanceId);
  });

  it('a Standby instance counts toward the expected number: no scale-out replaces it', async () => {
    const s = await sim();
    const h = helpers(s);
    const id = await h.group({ DesiredCapacity: 2 });
    const [a] = await h.inService(id, 2);
    await h.ess('EnterStandby', { ScalingGroupId: id, InstanceId: [a?.InstanceId] });
    const g = s.ess.state.groups.get(id)!;
    for (let k = 0; k < 5; k++) s.ess.engine.tickGroup(g);
    const m = await h.members(id);
    expect(m.map((x) => x.LifecycleState).sort()).toEqual(['InService', 'Standby']);
    // and scale-in does not pick it
    await h.ess('ModifyScalingGroup', { ScalingGroupId: id, DesiredCapacity: 1 });
    for (let k = 0; k < 3; k++) s.ess.engine.tickGroup(g);
    const after = await until('one left', async () => {
      const list = await h.members(id);
      return list.length === 1 ? list : undefined;
    });
    expect(after).toEqual([
      expect.objectContaining({ InstanceId: a?.InstanceId, LifecycleState: 'Standby' }),
    ]);
  });
});

describe('ESS errors', () => {
  it('authentication errors have the statuses of the ESS common error table; configurations name existing key pairs, RAM roles and unique names', async () => {
    const s = await sim();
    const unknown = await sdkError(
      rpcClient(s, 'ess', { accessKeyId: 'LTAI-nobody' })('DescribeScalingGroups'),
    );
    expect([unknown.code, unknown.statusCode]).toEqual(['InvalidAccessKeyId.NotFound', 400]);
    const badSecret = await sdkError(
      rpcClient(s, 'ess', { accessKeySecret: 'wrong' })('DescribeScalingGroups'),
    );
    expect([badSecret.code, badSecret.statusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    const ecsUnknown = await sdkError(rpcClient(s, 'ecs', { accessKeyId: 'LTAI-nobody' })('DescribeRegions'));
    expect(ecsUnknown.statusCode).toBe(404);

    const h = helpers(s);
    const g = await h.ess('CreateScalingGroup', { MinSize: 0, MaxSize: 1, VSwitchIds: h.vsw });
    const base = {
      ScalingGroupId: g.ScalingGroupId,
      ImageId: IMAGE,
      InstanceTypes: ['ecs.g7.large'],
      SecurityGroupIds: [h.sg],
    };
    const key = await sdkError(h.ess('CreateScalingConfiguration', { ...base, KeyPairName: 'no-such-key' }));
    expect([key.code, key.statusCode]).toEqual(['InvalidKeyPairName.NotFound', 404]);
    const role = await sdkError(
      h.ess('CreateScalingConfiguration', { ...base, RamRoleName: 'no-such-role' }),
    );
    expect([role.code, role.statusCode]).toEqual(['InvalidRamRole.NotFound', 404]);
    const arch = await sdkError(
      h.ess('CreateScalingConfiguration', { ...base, InstanceTypes: ['ecs.g8y.large'] }),
    );
    expect([arch.code, arch.statusCode]).toEqual(['InvalidInstanceType.NotSupported', 400]);
    const first = await h.ess('CreateScalingConfiguration', {
      ...base,
      ScalingConfigurationName: 'cfg-a',
      KeyPairName: 'ops-key',
      RamRoleName: 'k8s-worker-role',
    });
    const dup = await sdkError(
      h.ess('CreateScalingConfiguration', { ...base, ScalingConfigurationName: 'cfg-a' }),
    );
    expect([dup.code, dup.statusCode]).toEqual(['InvalidScalingConfigurationName.Duplicate', 400]);
    const second = await h.ess('CreateScalingConfiguration', { ...base, ScalingConfigurationName: 'cfg-b' });
    const rename = await sdkError(
      h.ess('ModifyScalingConfiguration', {
        ScalingConfigurationId: second.ScalingConfigurationId,
        ScalingConfigurationName: 'cfg-a',
      }),
    );
    expect(rename.code).toBe('InvalidScalingConfigurationName.Duplicate');
    const modRole = await sdkError(
      h.ess('ModifyScalingConfiguration', {
        ScalingConfigurationId: first.ScalingConfigurationId,
        RamRoleName: 'gone-role',
      }),
    );
    expect(modRole.code).toBe('InvalidRamRole.NotFound');
  });
});

describe('ESS lifecycle actions', () => {
  it('RecordLifecycleActionHeartbeat takes lower-case parameters, ≤ 20 extensions and ≤ 6 h; stale tokens are 400', async () => {
    const s = await sim();
    const h = helpers(s);
    const id = await h.group({ DesiredCapacity: 1 });
    const hookId = await h.hook(id);
    await h.inService(id, 1);
    const scale = await h.ess('ScaleWithAdjustment', {
      ScalingGroupId: id,
      AdjustmentType: 'TotalCapacity',
      AdjustmentValue: 0,
    });
    const actions = await h.ess('DescribeLifecycleActions', { ScalingActivityId: scale.ScalingActivityId });
    const token = (actions.LifecycleActions as { LifecycleAction: { LifecycleActionToken: string }[] })
      .LifecycleAction[0]!.LifecycleActionToken;

    const upper = await sdkError(
      h.ess('RecordLifecycleActionHeartbeat', { LifecycleHookId: hookId, LifecycleActionToken: token }),
    );
    expect([upper.code, upper.data.Message]).toEqual([
      'MissingParameter',
      expect.stringContaining('lifecycleHookId'),
    ]);
    const beat = { lifecycleHookId: hookId, lifecycleActionToken: token, heartbeatTimeout: 600 };
    const tooLong = await sdkError(
      h.ess('RecordLifecycleActionHeartbeat', { ...beat, heartbeatTimeout: 21_600 }),
    );
    // the wait began when the instance entered Removing:Wait, so 6 h from now is more than 6 h in all
    expect([tooLong.code, tooLong.statusCode]).toEqual(['LifecycleAction.TimeExceeded', 400]);
    for (let k = 0; k < 20; k++) await h.ess('RecordLifecycleActionHeartbeat', beat);
    const member = [...s.ess.state.instances.values()].find((m) => m.groupId === id);
    expect(member?.hookDeadline).toBeGreaterThan(s.clock.now() + 500_000);
    const twentyFirst = await sdkError(h.ess('RecordLifecycleActionHeartbeat', beat));
    expect([twentyFirst.code, twentyFirst.statusCode]).toEqual(['LifecycleAction.RecordTimesExceeded', 400]);

    const complete = {
      LifecycleHookId: hookId,
      LifecycleActionToken: token,
      LifecycleActionResult: 'CONTINUE',
    };
    await h.ess('CompleteLifecycleAction', complete);
    const stale = await sdkError(h.ess('CompleteLifecycleAction', complete));
    expect([stale.code, stale.statusCode]).toEqual(['LifecycleHookIdAndLifecycleActionToken.Invalid', 400]);
  });
});

describe('ESS groups', () => {
  it('DescribeScalingActivities does not list the newest first: callers sort by StartTime', async () => {
    const s = await sim();
    const h = helpers(s);
    const id = await h.group();
    for (let n = 0; n < 4; n++) {
      await h.ess('ModifyScalingGroup', { ScalingGroupId: id, DesiredCapacity: 1 });
      await h.inService(id, 1);
      await h.ess('ModifyScalingGroup', { ScalingGroupId: id, DesiredCapacity: 0 });
      await until('empty', async () => ((await h.members(id)).length === 0 ? true : undefined));
    }
    const body = await h.ess('DescribeScalingActivities', { ScalingGroupId: id, PageSize: 50 });
    const list = (
      body.ScalingActivities as { ScalingActivity: { ScalingActivityId: string; StartTime: string }[] }
    ).ScalingActivity;
    expect(list.length).toBeGreaterThanOrEqual(8);
    const ids = list.map((a) => a.ScalingActivityId);
    expect(ids).toEqual([...ids].sort());
  });

  it('ModifyScalingGroup refuses a MaxSize / MinSize that leaves out the expected number', async () => {
    const s = await sim();
    const h = helpers(s);
    const id = await h.group({ DesiredCapacity: 3, MinSize: 1 });
    const max = await sdkError(h.ess('ModifyScalingGroup', { ScalingGroupId: id, MaxSize: 2 }));
    expect([max.code, max.statusCode]).toEqual(['InvalidParameter', 400]);
    expect(max.data.Message).toContain('MaxSize');
    const min = await sdkError(h.ess('ModifyScalingGroup', { ScalingGroupId: id, MinSize: 4 }));
    expect(min.data.Message).toContain('MinSize');
    expect(s.ess.state.groups.get(id)).toMatchObject({ minSize: 1, maxSize: 20, desiredCapacity: 3 });
    await h.ess('ModifyScalingGroup', { ScalingGroupId: id, MaxSize: 2, DesiredCapacity: 2 });
    expect(s.ess.state.groups.get(id)).toMatchObject({ maxSize: 2, desiredCapacity: 2 });
  });

  it('writes on a group being deleted answer IncorrectScalingGroupStatus; it is listed as Deleting', async () => {
    const s = await sim();
    const h = helpers(s);
    const id = await h.group({ DesiredCapacity: 1 });
    await h.inService(id, 1);
    s.ess.engine.stop(); // no engine pass finishes the deletion until it starts again
    await h.ess('DeleteScalingGroup', { ScalingGroupId: id, ForceDelete: true });
    const err = await sdkError(h.ess('ModifyScalingGroup', { ScalingGroupId: id, DesiredCapacity: 0 }));
    expect([err.code, err.statusCode]).toEqual(['IncorrectScalingGroupStatus', 400]);
    const g = await h.ess('DescribeScalingGroups', { ScalingGroupId: [id] });
    expect(
      (g.ScalingGroups as { ScalingGroup: { LifecycleState: string }[] }).ScalingGroup[0]?.LifecycleState,
    ).toBe('Deleting');
    s.ess.engine.start();
    const gone = await until('gone', async () => {
      const e = await sdkError(h.ess('ModifyScalingGroup', { ScalingGroupId: id, DesiredCapacity: 0 }));
      return e.code === 'InvalidScalingGroupId.NotFound' ? e : undefined;
    });
    expect(gone.statusCode).toBe(404);
  });

  it('ScaleWithAdjustment answers ActivityType: CapacityChange when it only changed the expected number', async () => {
    const s = await sim();
    const h = helpers(s);
    const id = await h.group();
    s.ess.engine.stop(); // the first activity's instances stay Pending (no engine pass) while the second call comes
    const first = await h.ess('ScaleWithAdjustment', {
      ScalingGroupId: id,
      AdjustmentType: 'TotalCapacity',
      AdjustmentValue: 2,
    });
    expect(first.ActivityType).toBe('Normal');
    expect(first.ScalingActivityId).toMatch(/^asa-/);
    const second = await h.ess('ScaleWithAdjustment', {
      ScalingGroupId: id,
      AdjustmentType: 'TotalCapacity',
      AdjustmentValue: 3,
    });
    expect(second.ActivityType).toBe('CapacityChange');
    expect(s.ess.state.groups.get(id)?.desiredCapacity).toBe(3);
    s.ess.engine.start();
    await h.inService(id, 3);
  });
});

describe('ESS placement options', () => {
  it('a public IP for instances with bandwidth; a deployment set holds 20 per zone, then the group spreads to the next zone, then fails; a Target private pool until it is used up', async () => {
    const s = await sim();
    const h = helpers(s);
    const region = s.world.regions[0]!;
    const ds = region.deploymentSets[0]!.deploymentSetId;
    const g = await h.ess('CreateScalingGroup', {
      MinSize: 0,
      MaxSize: 60,
      DesiredCapacity: 0,
      VSwitchIds: h.vsw.slice(0, 2),
    });
    const id = g.ScalingGroupId as string;
    const missing = await sdkError(
      h.ess('CreateScalingConfiguration', {
        ScalingGroupId: id,
        ImageId: IMAGE,
        InstanceTypes: ['ecs.g7.large'],
        SecurityGroupIds: [h.sg],
        DeploymentSetId: 'ds-nope',
      }),
    );
    expect([missing.code, missing.statusCode]).toEqual(['InvalidDeploymentSetId.NotFound', 404]);
    const c = await h.ess('CreateScalingConfiguration', {
      ScalingGroupId: id,
      ImageId: IMAGE,
      InstanceTypes: ['ecs.g7.large'],
      SecurityGroupIds: [h.sg],
      DeploymentSetId: ds,
      InternetChargeType: 'PayByBandwidth',
      InternetMaxBandwidthOut: 5,
    });
    await h.ess('EnableScalingGroup', {
      ScalingGroupId: id,
      ActiveScalingConfigurationId: c.ScalingConfigurationId,
    });
    await h.ess('ModifyScalingGroup', { ScalingGroupId: id, DesiredCapacity: 25 });
    const m = await h.inService(id, 25);
    const insts = m.map((x) => s.cloud.instances.get(x.InstanceId)!);
    expect(
      insts.every(
        (i) => /^47\.\d+\.\d+\.\d+$/.test(i.publicIp ?? '') && i.internetChargeType === 'PayByBandwidth',
      ),
    ).toBe(true);
    expect(new Set(insts.map((i) => i.publicIp)).size).toBe(25);
    const perZone = new Map<string, number>();
    for (const i of insts) perZone.set(i.zoneId, (perZone.get(i.zoneId) ?? 0) + 1);
    expect([...perZone.values()].sort((a, b) => b - a)).toEqual([20, 5]);
    await h.ess('ModifyScalingGroup', { ScalingGroupId: id, DesiredCapacity: 41 });
    const failed = await until('a failed scale-out', async () => {
      const a = await h.ess('DescribeScalingActivities', { ScalingGroupId: id, StatusCode: 'Warning' });
      return (a.ScalingActivities as { ScalingActivity: { ErrorCode: string }[] }).ScalingActivity[0];
    });
    expect(failed.ErrorCode).toBe('QuotaExceed.DeploymentSetInstanceQuotaFull');
    await h.inService(id, 40);

    const pool = region.privatePools[0]!;
    const vswOfPool = region.vpcs[0]!.vSwitches.find((v) => v.zoneId === pool.zoneId)!.vSwitchId;
    for (const z of region.zones)
      s.setStock({ zoneId: z.zoneId, instanceType: pool.instanceType, onDemand: 0 });
    const g2 = await h.ess('CreateScalingGroup', {
      MinSize: 0,
      MaxSize: 5,
      DesiredCapacity: 3,
      VSwitchIds: [vswOfPool],
    });
    const noId = await sdkError(
      h.ess('CreateScalingConfiguration', {
        ScalingGroupId: g2.ScalingGroupId,
        ImageId: IMAGE,
        InstanceTypes: [pool.instanceType],
        SecurityGroupIds: [h.sg],
        'PrivatePoolOptions.MatchCriteria': 'Target',
      }),
    );
    expect(noId.code).toBe('MissingParameter');
    const c2 = await h.ess('CreateScalingConfiguration', {
      ScalingGroupId: g2.ScalingGroupId,
      ImageId: IMAGE,
      InstanceTypes: [pool.instanceType],
      SecurityGroupIds: [h.sg],
      'PrivatePoolOptions.MatchCriteria': 'Target',
      'PrivatePoolOptions.Id': pool.privatePoolId,
    });
    await h.ess('EnableScalingGroup', {
      ScalingGroupId: g2.ScalingGroupId,
      ActiveScalingConfigurationId: c2.ScalingConfigurationId,
    });
    const two = await until('two in the reserved capacity, the third refused', async () => {
      const a = await h.ess('DescribeScalingActivities', { ScalingGroupId: g2.ScalingGroupId });
      const list = (
        a.ScalingActivities as { ScalingActivity: { ErrorMessage: string; StatusCode: string }[] }
      ).ScalingActivity;
      const members = await h.members(g2.ScalingGroupId as string);
      return members.length === 2 && list.some((x) => x.ErrorMessage.includes('no capacity left'))
        ? members
        : undefined;
    });
    expect(two.map((x) => s.cloud.instances.get(x.InstanceId)?.privatePoolId)).toEqual([
      pool.privatePoolId,
      pool.privatePoolId,
    ]);
  });
});
