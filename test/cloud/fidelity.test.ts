import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RejectedError } from '../../src/cloud/index.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { eventually } from '../support/kube.js';
import { cloudFor, groupSpec, launchSpec, log, type TestCloud } from './support.js';

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
    const r = await cloud.provider.ensureScalingGroup({
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

describe('lifecycle actions', () => {
  it('a heartbeat extends the wait; completing twice is not an error; a heartbeat after completion is gone', async () => {
    const r = await cloud.provider.ensureScalingGroup({
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
