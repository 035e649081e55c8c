import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { RunInstancesSpec } from '../../src/cloud/types.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { eventually } from '../support/kube.js';
import { cloudFor, groupSpec, launchSpec, log, world, type TestCloud } from './support.js';

// The simulator's lagging-reads fault (src/sim/cloud/faults.ts ReadLag), through the real SDK.
let sim: Simulator;
let cloud: TestCloud;
beforeAll(async () => {
  sim = await startSimulator({ log, timeScale: 50 });
  cloud = cloudFor(sim);
});
afterAll(async () => {
  await sim.stop();
});

const run = (over: Partial<RunInstancesSpec> = {}): RunInstancesSpec => ({
  ...launchSpec(sim),
  instanceType: 'ecs.g7.large',
  vSwitchId: world(sim).vSwitchIds[0]!,
  amount: 1,
  chargeType: 'PostPaid',
  ...over,
});

test('with lagging reads a new instance, its tags, a new group and a new tag are invisible to Describe* for the lag; a ClientToken replay still answers the same instance', async () => {
  // prettier-ignore
  sim.setReadLag(3);
  const t0 = Date.now();
  const [id] = await cloud.provider.runInstances(run({ tags: { lag: 'a' } }), { operationId: 'lag-run-1' });
  expect(await cloud.provider.describeInstances([id!])).toEqual([]);
  expect(await cloud.provider.findInstancesByTags({ lag: 'a' })).toEqual([]);
  // the same write again (a retry after a lost answer) is answered by the cloud's idempotency, not a new instance
  expect(
    await cloud.provider.runInstances(run({ tags: { lag: 'a' } }), { operationId: 'lag-run-1' }),
  ).toEqual([id]);
  const groupId = await cloud.provider.createScalingGroup(groupSpec(sim, 'lag-1'), {
    operationId: 'lag-group-1',
  });
  expect(await cloud.provider.findScalingGroup({ id: groupId, name: 'lag-1' })).toBeUndefined();
  await eventually(
    'the instance visible',
    async () => ((await cloud.provider.describeInstances([id!])).length === 1 ? true : undefined),
    { timeoutMs: 10_000, intervalMs: 200 },
  );
  expect(Date.now() - t0).toBeGreaterThanOrEqual(2_900);
  expect((await cloud.provider.findInstancesByTags({ lag: 'a' })).map((i) => i.instanceId)).toEqual([id]);
  expect((await cloud.provider.findScalingGroup({ id: groupId, name: 'lag-1' }))?.id).toBe(groupId);
  // a tag written later lags on its own
  await cloud.provider.tagInstances([id!], { later: 'b' });
  expect(await cloud.provider.findInstancesByTags({ later: 'b' })).toEqual([]);
  expect((await cloud.provider.describeInstances([id!]))[0]?.tags.later).toBe('b'); // by id: the instance is old
  await eventually(
    'the tag visible',
    async () => ((await cloud.provider.findInstancesByTags({ later: 'b' })).length === 1 ? true : undefined),
    { timeoutMs: 10_000, intervalMs: 200 },
  );
  sim.setReadLag(0);
  const [now] = await cloud.provider.runInstances(run(), { operationId: 'lag-run-2' });
  expect(await cloud.provider.describeInstances([now!])).toHaveLength(1);
});
