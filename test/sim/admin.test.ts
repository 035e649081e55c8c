import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/log.js';
import { startSimulator, type LifecycleEvent, type Simulator } from '../../src/sim/cloud/index.js';
import { $Ecs, ecsClient, rpcClient, sdkError } from './clients.js';
import { until } from './poll.js';

const log = createLogger({ level: 'silent' });
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-admin-'));
  sim = await startSimulator({ log, timeScale: 200 });
});

afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

function runRequest(extra: Partial<$Ecs.RunInstancesRequest> = {}): $Ecs.RunInstancesRequest {
  const region = sim.world.regions[0];
  return new $Ecs.RunInstancesRequest({
    regionId: 'cn-hangzhou',
    imageId: 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd',
    instanceType: 'ecs.g7.large',
    vSwitchId: region?.vpcs[0]?.vSwitches[1]?.vSwitchId,
    securityGroupIds: [region?.securityGroups[0]?.securityGroupId ?? ''],
    ...extra,
  });
}

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.adminUrl}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('admin HTTP API and library API', () => {
  it('injects an error by count, then the call works again', async () => {
    const r = await admin('POST', '/faults', {
      action: 'DescribeVpcs',
      code: 'ServiceUnavailable',
      count: 2,
    });
    expect(r.status).toBe(201);
    const vpc = rpcClient(sim, 'vpc');
    for (let k = 0; k < 2; k++) {
      const err = await sdkError(vpc('DescribeVpcs'));
      expect([err.code, err.statusCode]).toEqual(['ServiceUnavailable', 503]);
    }
    await expect(vpc('DescribeVpcs')).resolves.toHaveProperty('TotalCount', 1);
    const bad = await admin('POST', '/faults', { action: 'X', code: 'Y', probability: 2 });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toContain('probability');
  });

  it('throttles an action by QPS with Throttling.User and x-acs-retry-after', async () => {
    await admin('PUT', '/throttles', { action: 'DescribeVSwitches', qps: 2 });
    const vpc = rpcClient(sim, 'vpc');
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => vpc('DescribeVSwitches')));
    const throttled = results
      .filter((x) => x.status === 'rejected')
      .map((x) => (x.reason as { code: string }).code);
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    expect(new Set(throttled)).toEqual(new Set(['Throttling.User']));
    await admin('DELETE', '/throttles/DescribeVSwitches');
    await expect(vpc('DescribeVSwitches')).resolves.toHaveProperty('TotalCount');
  });

  it('stock exhaustion through PUT /stock makes RunInstances fail with NoStock', async () => {
    const zoneId = 'cn-hangzhou-i';
    expect((await admin('PUT', '/stock', { zoneId, instanceType: 'ecs.g7.large', onDemand: 0 })).status).toBe(
      200,
    );
    const err = await sdkError(ecsClient(sim).runInstances(runRequest()));
    expect(err.code).toBe('OperationDenied.NoStock');
    sim.setStock({ zoneId, instanceType: 'ecs.g7.large', onDemand: 100 });
    await expect(ecsClient(sim).runInstances(runRequest())).resolves.toBeDefined();
  });

  it('spot reclamation: Recycling lock and an interrupting event, then release', async () => {
    const events: LifecycleEvent[] = [];
    const off = sim.onLifecycle((e) => events.push(e));
    const res = await ecsClient(sim).runInstances(runRequest({ spotStrategy: 'SpotAsPriceGo' }));
    const id = res.body?.instanceIdSets?.instanceIdSet?.[0] ?? '';
    await until('Running', () => (sim.cloud.instances.get(id)?.status === 'Running' ? true : undefined));
    expect((await admin('POST', `/instances/${id}/reclaim`, { noticeSeconds: 300 })).status).toBe(200);
    const d = await ecsClient(sim).describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify([id]) }),
    );
    expect(d.body?.instances?.instance?.[0]?.operationLocks?.lockReason?.map((l) => l.lockReason)).toEqual([
      'Recycling',
    ]);
    await until('released', () => (sim.cloud.instances.has(id) ? undefined : true));
    off();
    expect(events.filter((e) => e.instance.instanceId === id).map((e) => e.type)).toEqual([
      'launched',
      'running',
      'interrupting',
      'released',
    ]);
  });

  it('scheduled system events show in DescribeInstanceHistoryEvents as Scheduled, then Executed', async () => {
    const res = await ecsClient(sim).runInstances(runRequest());
    const id = res.body?.instanceIdSets?.instanceIdSet?.[0] ?? '';
    await until('Running', () => (sim.cloud.instances.get(id)?.status === 'Running' ? true : undefined));
    const r = await admin('POST', `/instances/${id}/system-events`, {
      type: 'SystemMaintenance.Reboot',
      inSeconds: 60,
    });
    expect(r.status).toBe(201);
    const ecs = ecsClient(sim);
    const scheduled = await ecs.describeInstanceHistoryEvents(
      new $Ecs.DescribeInstanceHistoryEventsRequest({
        regionId: 'cn-hangzhou',
        instanceId: id,
        instanceEventCycleStatus: ['Scheduled'],
      }),
    );
    const ev = scheduled.body?.instanceSystemEventSet?.instanceSystemEventType ?? [];
    expect(ev.map((e) => [e.eventType?.name, e.eventCycleStatus?.name])).toEqual([
      ['SystemMaintenance.Reboot', 'Scheduled'],
    ]);
    await until('Executed', async () => {
      const done = await ecs.describeInstanceHistoryEvents(
        new $Ecs.DescribeInstanceHistoryEventsRequest({ regionId: 'cn-hangzhou', instanceId: id }),
      );
      return (done.body?.instanceSystemEventSet?.instanceSystemEventType ?? []).length === 1
        ? true
        : undefined;
    });
    await until('Running again', () =>
      sim.cloud.instances.get(id)?.status === 'Running' ? true : undefined,
    );
  });

  it('GET /events long-polls the lifecycle feed', async () => {
    const since = sim.cloud.recentEvents.at(-1)?.seq ?? 0;
    const pending = admin('GET', `/events?since=${since}&waitMs=10000`);
    await ecsClient(sim).runInstances(runRequest());
    const r = await pending;
    const events = r.json.events as LifecycleEvent[];
    expect(events[0]?.type).toBe('launched');
    expect(events[0]?.instance.privateIp).toMatch(/^10\.0\./);
  });
});

describe('persistence (--state FILE)', () => {
  it('a restarted simulator has the same instances, IPs, ClientTokens and scaling groups', async () => {
    const file = join(dir, 'state.json');
    const a = await startSimulator({ log, timeScale: 200, stateFile: file });
    const region = a.world.regions[0];
    const req = new $Ecs.RunInstancesRequest({
      regionId: 'cn-hangzhou',
      imageId: 'aliyun_3_x64_20G_alibase_20250629.vhd',
      instanceType: 'ecs.c7.large',
      vSwitchId: region?.vpcs[0]?.vSwitches[0]?.vSwitchId,
      securityGroupIds: [region?.securityGroups[0]?.securityGroupId ?? ''],
      amount: 3,
      clientToken: 'persist-1',
    });
    const first = await ecsClient(a).runInstances(req);
    const ids = first.body?.instanceIdSets?.instanceIdSet ?? [];
    const ess = rpcClient(a, 'ess');
    const group = (
      await ess('CreateScalingGroup', {
        ScalingGroupName: 'kept',
        MinSize: 0,
        MaxSize: 5,
        DesiredCapacity: 2,
        VSwitchIds: [region?.vpcs[0]?.vSwitches[0]?.vSwitchId],
      })
    ).ScalingGroupId as string;
    const config = await ess('CreateScalingConfiguration', {
      ScalingGroupId: group,
      ImageId: 'aliyun_3_x64_20G_alibase_20250629.vhd',
      InstanceTypes: ['ecs.c7.large'],
      SecurityGroupIds: [region?.securityGroups[0]?.securityGroupId],
    });
    await ess('EnableScalingGroup', {
      ScalingGroupId: group,
      ActiveScalingConfigurationId: config.ScalingConfigurationId as string,
    });
    await until('2 members', () => (a.ess.state.members(group).length === 2 ? true : undefined));
    const members = a.ess.state
      .members(group)
      .map((m) => m.instanceId)
      .sort();
    await a.stop();
    const b = await startSimulator({ log, timeScale: 200, stateFile: file });
    try {
      expect([...b.cloud.instances.keys()].slice(0, 3)).toEqual(ids);
      const groups = await rpcClient(b, 'ess')('DescribeScalingGroups', { ScalingGroupId: [group] });
      expect(
        (groups.ScalingGroups as { ScalingGroup: { LifecycleState: string; DesiredCapacity: number }[] })
          .ScalingGroup,
      ).toEqual([expect.objectContaining({ LifecycleState: 'Active', DesiredCapacity: 2 })]);
      await until('group InService after restart', () =>
        b.ess.state.members(group).every((m) => m.state === 'InService') ? true : undefined,
      );
      expect(
        b.ess.state
          .members(group)
          .map((m) => m.instanceId)
          .sort(),
      ).toEqual(members);
      const again = await ecsClient(b).runInstances(req);
      expect(again.body?.instanceIdSets?.instanceIdSet).toEqual(ids);
      await until('Running after restart', () =>
        ids.every((id) => b.cloud.instances.get(id)?.status === 'Running') ? true : undefined,
      );
      const more = await ecsClient(b).runInstances(
        new $Ecs.RunInstancesRequest({ ...req, clientToken: undefined, amount: 1 }),
      );
      const newIp = b.cloud.instances.get(more.body?.instanceIdSets?.instanceIdSet?.[0] ?? '')?.privateIp;
      const oldIps = ids.map((id) => b.cloud.instances.get(id)?.privateIp);
      expect(oldIps).not.toContain(newIp);
    } finally {
      await b.stop();
    }
  });
});
