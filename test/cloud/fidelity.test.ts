import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RejectedError } from '../../src/cloud/index.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { eventually } from '../support/kube.js';
import { cloudFor, groupSpec, launchSpec, log, world, type TestCloud } from './support.js';
import { ensureScalingGroup } from '../../src/controllers/nodepool/scalinggroup/ensure.js';

// What the simulator's fidelity fixes ask of the operator's cloud adapter: no reliance on the order of
// DescribeScalingActivities, lifecycle heartbeats, stale lifecycle tokens.

let sim: Simulator;
let cloud: TestCloud;

beforeAll(async () => {
  sim = await startSimulator({ log, timeScale: 200 });
  cloud = cloudFor(sim);
});
afterAll(async () => {
  await sim.stop();
});

const members = (groupId: string, n: number, state = 'InService') =>
  eventually(`${n} ${state} in ${groupId}`, async () => {
    const list = await cloud.provider.listPoolInstances(groupId);
    return list.length === n && list.every((i) => i.lifecycleState === state) ? list : undefined;
  });

describe('scaling activities', () => {
  it('scalingActivities(group, 1) is the newest one whatever order the cloud lists them in', async () => {
    const r = await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'activities-1', { scaleInHook: undefined }),
      launch: launchSpec(sim),
      operationId: 'op-activities-1',
    });
    for (let n = 0; n < 4; n++) {
      await cloud.provider.setCapacity(r.group.id, { desiredCapacity: 1 });
      await members(r.group.id, 1);
      await cloud.provider.setCapacity(r.group.id, { desiredCapacity: 0 });
      await members(r.group.id, 0);
    }
    const all = [...sim.ess.state.activities.values()].filter((a) => a.groupId === r.group.id);
    expect(all.length).toBeGreaterThanOrEqual(8);
    const newest = all.reduce((a, b) => (b.startTime > a.startTime ? b : a));
    const [first] = await cloud.provider.scalingActivities(r.group.id, 1);
    // StartTime has minute resolution on the wire: the newest is one of those that started in the newest minute
    const sameMinute = all.filter(
      (a) => Math.floor(a.startTime / 60_000) === Math.floor(newest.startTime / 60_000),
    );
    expect(sameMinute.map((a) => a.id)).toContain(first?.id);
    const ten = await cloud.provider.scalingActivities(r.group.id, 10);
    const starts = ten.map((a) => a.startTime);
    expect(starts).toEqual([...starts].sort().reverse());
  });
});

describe('capacity bounds', () => {
  it('a MaxSize lowered below the expected number takes the expected number along (ESS refuses bounds that exclude it)', async () => {
    const spec = { launch: launchSpec(sim), operationId: 'op-bounds-1' };
    const r = await ensureScalingGroup(cloud.provider, {
      ...spec,
      group: groupSpec(sim, 'bounds-1', { maxSize: 10, desiredCapacity: 4, scaleInHook: undefined }),
    });
    await members(r.group.id, 4);
    // the pool keeps asking for 4 (its own scale-in drains first), while its bounds shrink to 2
    const after = await ensureScalingGroup(cloud.provider, {
      ...spec,
      groupId: r.group.id,
      group: groupSpec(sim, 'bounds-1', { maxSize: 2, desiredCapacity: 4, scaleInHook: undefined }),
    });
    expect(after.group).toMatchObject({ maxSize: 2, desiredCapacity: 2 });
    expect(after.changes).toEqual(['modified scaling group: MaxSize, DesiredCapacity']);
  });
});

describe('lifecycle actions', () => {
  it('a heartbeat extends the wait; completing twice is not an error; a heartbeat after completion is gone', async () => {
    const r = await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'heartbeat-1', {
        desiredCapacity: 1,
        scaleInHook: { name: 'drain', heartbeatTimeoutSeconds: 600, defaultResult: 'CONTINUE' },
      }),
      launch: launchSpec(sim),
      operationId: 'op-heartbeat-1',
    });
    await members(r.group.id, 1);
    await cloud.provider.setCapacity(r.group.id, { desiredCapacity: 0 });
    const [action] = await eventually('a pending SCALE_IN action', async () => {
      const a = await cloud.provider.pendingLifecycleActions(r.group.id);
      return a.length > 0 ? a : undefined;
    });
    const member = sim.ess.state.instances.get(action!.instanceIds[0]!)!;
    const before = member.hookDeadline ?? 0;
    const ref = { hookId: action!.hookId, token: action!.token };
    expect(await cloud.provider.recordLifecycleHeartbeat({ ...ref, timeoutSeconds: 3600 })).toBe('extended');
    expect(member.hookDeadline).toBeGreaterThan(before + 2_000_000);
    const tooLong = await cloud.provider
      .recordLifecycleHeartbeat({ ...ref, timeoutSeconds: 21_600 })
      .catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(RejectedError);
    expect((tooLong as RejectedError).code).toBe('LifecycleAction.TimeExceeded');
    await cloud.provider.completeLifecycleAction({ ...ref, result: 'CONTINUE' });
    await cloud.provider.completeLifecycleAction({ ...ref, result: 'CONTINUE' });
    expect(await cloud.provider.recordLifecycleHeartbeat({ ...ref, timeoutSeconds: 600 })).toBe('gone');
    await members(r.group.id, 0);
  });
});

describe('catalogue, network and Cloud Assistant', () => {
  it('vSwitches(ids) asks for one VSwitchId per call; securityGroups(ids) reads every page', async () => {
    const region = sim.world.regions[0]!;
    const ids = region.vpcs[0]!.vSwitches.map((v) => v.vSwitchId);
    const before = sim.calls.snapshot().DescribeVSwitches ?? 0;
    const found = await cloud.provider.vSwitches([...ids, 'vsw-missing']);
    expect(found.map((v) => v.id).sort()).toEqual([...ids].sort());
    expect((sim.calls.snapshot().DescribeVSwitches ?? 0) - before).toBe(ids.length + 1);
    const sgs = await cloud.provider.securityGroups(region.securityGroups.map((g) => g.securityGroupId));
    expect(sgs.map((g) => g.id)).toEqual(region.securityGroups.map((g) => g.securityGroupId));
  });

  it('commandInvocation answers the output as plain text', async () => {
    const [id] = await cloud.provider.runInstances(
      {
        ...launchSpec(sim),
        instanceType: 'ecs.g7.large',
        vSwitchId: world(sim).vSwitchIds[0]!,
        amount: 1,
        chargeType: 'PostPaid',
      },
      { operationId: 'op-invoke-1' },
    );
    await eventually('Running', async () =>
      (await cloud.provider.describeInstances([id!]))[0]?.status === 'Running' ? true : undefined,
    );
    sim.setCommandResult({
      contains: 'echo plain',
      result: { exitCode: 0, output: 'plain output\n', durationS: 1 },
    });
    const invokeId = await cloud.provider.runCommand([id!], 'echo plain', { timeoutSeconds: 60 });
    const inv = await eventually('finished', async () => {
      const r = await cloud.provider.commandInvocation(invokeId);
      return r?.status === 'Success' ? r : undefined;
    });
    expect(inv.results[0]?.output).toBe('plain output\n');
  });
});

describe('automation operations', () => {
  it('instancesFullStatus, systemEvents with an Inquiring one, acceptSystemEvent, replaceSystemDisk, spotPriceHistory', async () => {
    const [id] = await cloud.provider.runInstances(
      {
        ...launchSpec(sim),
        instanceType: 'ecs.g7.large',
        vSwitchId: world(sim).vSwitchIds[0]!,
        amount: 1,
        chargeType: 'PostPaid',
      },
      { operationId: 'op-auto-1' },
    );
    await eventually('Running', async () =>
      (await cloud.provider.describeInstances([id!]))[0]?.status === 'Running' ? true : undefined,
    );
    const scheduled = sim.scheduleSystemEvent(id!, 'SystemMaintenance.Redeploy', 86_400);
    const asked = sim.scheduleSystemEvent(id!, 'SystemMaintenance.Reboot', 86_400, { inquiring: true });
    const [full] = await cloud.provider.instancesFullStatus([id!]);
    expect(full).toMatchObject({ instanceId: id, status: 'Running', health: 'Warning' });
    expect(full?.scheduledEvents.map((e) => [e.id, e.type, e.cycle])).toEqual([
      [scheduled.eventId, 'SystemMaintenance.Redeploy', 'Scheduled'],
    ]);
    const events = await cloud.provider.systemEvents([id!]);
    expect(events.map((e) => e.cycle).sort()).toEqual(['Inquiring', 'Scheduled']);
    await cloud.provider.acceptSystemEvent(asked.eventId);
    await eventually('the accepted event executed', async () =>
      asked.cycleStatus === 'Executed' ? true : undefined,
    );

    await eventually('Running again', async () =>
      (await cloud.provider.describeInstances([id!]))[0]?.status === 'Running' ? true : undefined,
    );
    sim.cloud.stop(id!, 'KeepCharging');
    await eventually('Stopped', async () =>
      (await cloud.provider.describeInstances([id!]))[0]?.status === 'Stopped' ? true : undefined,
    );
    const image = sim.world.regions[0]!.images.find(
      (i) => i.architecture === 'x86_64' && i.imageId !== launchSpec(sim).imageId,
    )!;
    const diskId = await cloud.provider.replaceSystemDisk(
      id!,
      { imageId: image.imageId },
      { operationId: 'op-replace-1' },
    );
    expect(diskId).toMatch(/^d-/);
    expect(
      await cloud.provider.replaceSystemDisk(
        id!,
        { imageId: image.imageId },
        { operationId: 'op-replace-1' },
      ),
    ).toBe(diskId);
    expect((await cloud.provider.describeInstances([id!]))[0]?.imageId).toBe(image.imageId);

    const end = new Date(Math.floor(sim.clock.now() / 3_600_000) * 3_600_000);
    const points = await cloud.provider.spotPriceHistory({
      instanceType: 'ecs.g7.large',
      start: new Date(end.getTime() - 2 * 3_600_000),
      end,
    });
    const zones = sim.world.regions[0]!.zones.filter((z) => z.offerings['ecs.g7.large']).length;
    expect(points).toHaveLength(3 * zones);
    expect(points.every((p) => p.spotPrice > 0 && p.spotPrice < p.onDemandPrice)).toBe(true);
  });
});

describe('launch fields', () => {
  it('loginAsNonRoot reaches ESS (ImageOptionsLoginAsNonRoot) and RunInstances (ImageOptions.LoginAsNonRoot)', async () => {
    const r = await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'ecs-user-1', { desiredCapacity: 1, scaleInHook: undefined }),
      launch: launchSpec(sim, { loginAsNonRoot: true }),
      operationId: 'op-ecs-user-1',
    });
    expect(sim.ess.state.configurations.get(r.configurationId)?.loginAsNonRoot).toBe(true);
    const [m] = await members(r.group.id, 1);
    expect(sim.cloud.instances.get(m!.instanceId)?.loginAsNonRoot).toBe(true);
    const [id] = await cloud.provider.runInstances(
      {
        ...launchSpec(sim, { loginAsNonRoot: true }),
        instanceType: 'ecs.g7.large',
        vSwitchId: world(sim).vSwitchIds[0]!,
        amount: 1,
        chargeType: 'PostPaid',
      },
      { operationId: 'op-ecs-user-2' },
    );
    expect(sim.cloud.instances.get(id!)?.loginAsNonRoot).toBe(true);
    const [plain] = await cloud.provider.runInstances(
      {
        ...launchSpec(sim),
        instanceType: 'ecs.g7.large',
        vSwitchId: world(sim).vSwitchIds[0]!,
        amount: 1,
        chargeType: 'PostPaid',
      },
      { operationId: 'op-ecs-user-3' },
    );
    expect(sim.cloud.instances.get(plain!)?.loginAsNonRoot).toBeUndefined();
  });

  it("listPoolInstances tells each Subscription member's own renewal setting", async () => {
    const r = await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'renew-1', { scaleInHook: undefined }),
      launch: launchSpec(sim),
      operationId: 'op-renew-1',
    });
    const run = (autoRenew: boolean, op: string) =>
      cloud.provider.runInstances(
        {
          ...launchSpec(sim),
          instanceType: 'ecs.g7.large',
          vSwitchId: world(sim).vSwitchIds[0]!,
          amount: 1,
          chargeType: 'PrePaid',
          subscription: { period: 1, periodUnit: 'Week', autoRenew },
        },
        { operationId: op },
      );
    const [renews] = await run(true, 'op-renew-2');
    const [expires] = await run(false, 'op-renew-3');
    await eventually('Running', async () => {
      const list = await cloud.provider.describeInstances([renews!, expires!]);
      return list.every((i) => i.status === 'Running') ? true : undefined;
    });
    await cloud.provider.attachInstances(r.group.id, [renews!, expires!], { operationId: 'op-renew-4' });
    const list = await cloud.provider.listPoolInstances(r.group.id);
    const byId = Object.fromEntries(list.map((i) => [i.instanceId, i.autoRenew]));
    expect(byId).toEqual({ [renews!]: true, [expires!]: false });
  });
});
