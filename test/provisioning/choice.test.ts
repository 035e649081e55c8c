import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { eventually, getJson, kubectlOk } from '../support/kube.js';
import type { Harness } from '../nodepool/harness.js';
import { TEST_LABEL, allRunning, applyAndWaitActive, autoPool, deploy, podEvents, podsOf, startElasticity } from './support.js'; // prettier-ignore

// Which pool and offering a scale-out goes to, and the limits on it: scaling.priority, then price; maxSize; a
// launch refused for lack of stock falls back to the next offering at once; a ManagedNodePool at minSize 0; a
// slow cloud does not make one pod start two nodes.
// each case waits up to 180 s for its pods (allRunning) on a loaded machine: the test's own limit is above that
jest.setTimeout(300_000);
const ns = 'ela-choice';
let h: Harness;
beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
  h = await startElasticity('c-ela-choice', ns);
});
afterAll(async () => {
  await h.stop();
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
});

/** Instances the simulator launched for a pool (by its tag). */
const launchedFor = (pool: string): string[] =>
  [...h.sim.cloud.instances.values()].filter((i) => i.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === pool)).map((i) => i.instanceId); // prettier-ignore
const nodeOfPod = async (app: string): Promise<{ pool: string; type: string; zone: string }> => {
  const [p] = await allRunning(ns, app, 1, 180_000);
  const n = await getJson<{ metadata: { labels: Record<string, string> } }>(['node', p!.spec!.nodeName!]);
  return { pool: n.metadata.labels['nodepool.alicloud.dev/pool']!, type: n.metadata.labels['node.kubernetes.io/instance-type']!, zone: n.metadata.labels['topology.kubernetes.io/zone']! }; // prettier-ignore
};
/** A pool whose nodes only pods with this app label select (each case its own pools). */
const casePool = (name: string, app: string, spec: Record<string, unknown>): Record<string, unknown> =>
  autoPool(h, name, { labels: { [TEST_LABEL]: h.settings.clusterId, case: app }, ...spec });

test('two pools fit: the higher scaling.priority wins; at equal priority the cheaper one', async () => {
  // zone i sells at 0.97 × zone h's price: pool b (zone i) is cheaper for the same type
  await applyAndWaitActive(h, casePool('ela-pa', 'prio', { vSwitchIds: [h.world.vSwitchIds[0]], instanceTypes: ['ecs.g7.xlarge'], scaling: { mode: 'Auto', minSize: 0, maxSize: 5, priority: 10 } })); // prettier-ignore
  await applyAndWaitActive(h, casePool('ela-pb', 'prio', { vSwitchIds: [h.world.vSwitchIds[1]], instanceTypes: ['ecs.g7.xlarge'] })); // prettier-ignore
  await deploy(h, ns, 'prio', 1, { nodeSelector: { case: 'prio' } });
  expect((await nodeOfPod('prio')).pool).toBe('ela-pa');
  await applyAndWaitActive(h, casePool('ela-pc', 'price', { vSwitchIds: [h.world.vSwitchIds[0]], instanceTypes: ['ecs.g7.xlarge'] })); // prettier-ignore
  await applyAndWaitActive(h, casePool('ela-pd', 'price', { vSwitchIds: [h.world.vSwitchIds[1]], instanceTypes: ['ecs.g7.xlarge'] })); // prettier-ignore
  await deploy(h, ns, 'price', 1, { nodeSelector: { case: 'price' } });
  expect((await nodeOfPod('price')).pool).toBe('ela-pd');
});

test('NoStock on the first choice: the next offering at once, nothing left behind', async () => {
  await applyAndWaitActive(h, casePool('ela-ns', 'nostock', { vSwitchIds: h.world.vSwitchIds.slice(0, 2), instanceTypes: ['ecs.g7.xlarge', 'ecs.g7.2xlarge'] })); // prettier-ignore
  // the cheapest offering (g7.xlarge in zone i) sells out after the operator read the stock
  const zone = h.sim.world.regions[0]!.zones.find((z) => z.zoneId === h.world.zones[1])!;
  zone.offerings['ecs.g7.xlarge']!.onDemand = 0;
  await deploy(h, ns, 'nostock', 1, { nodeSelector: { case: 'nostock' } });
  const placed = await nodeOfPod('nostock');
  expect(placed.type === 'ecs.g7.xlarge' && placed.zone === h.world.zones[1]).toBe(false);
  expect(launchedFor('ela-ns')).toHaveLength(1);
});

test('maxSize holds: the pods beyond it hear why, nothing more is launched', async () => {
  await applyAndWaitActive(h, casePool('ela-max', 'max', { instanceTypes: ['ecs.g7.xlarge'], scaling: { mode: 'Auto', minSize: 0, maxSize: 2 } })); // prettier-ignore
  await deploy(h, ns, 'max', 3, { nodeSelector: { case: 'max' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'max' } } }] } } }); // prettier-ignore
  await eventually('2 of 3 running', async () => { const p = await podsOf(ns, 'max'); return p.filter((x) => x.status?.phase === 'Running').length === 2 ? true : undefined; }, { timeoutMs: 180_000 }); // prettier-ignore
  const not = await eventually('NotTriggerScaleUp at maxSize', async () => (await podEvents(ns, 'NotTriggerScaleUp')).find((e) => e.note?.includes('pool ela-max: at maxSize'))); // prettier-ignore
  expect(not.note).toContain('pool ela-max: at maxSize (no room for another node)');
  expect(launchedFor('ela-max')).toHaveLength(2);
});

test('a ManagedNodePool at minSize 0 scales out for its pods', async () => {
  const name = 'ela-mnp';
  await applyAndWaitActive(h, { apiVersion: 'nodepool.alicloud.dev/v1beta1', kind: 'ManagedNodePool', metadata: { name, labels: { 'nodepool-e2e': h.settings.clusterId } }, spec: { region: h.world.region, vpcId: h.world.vpcId, vSwitchIds: h.world.vSwitchIds.slice(0, 2), scaling: { minSize: 0, maxSize: 5 }, instanceTypes: ['ecs.g7.xlarge'], securityGroup: { type: 'Basic', ids: [h.world.securityGroupId] }, ramRoleName: 'k8s-worker-role', labels: { [TEST_LABEL]: h.settings.clusterId, case: 'mnp' }, customNodeName: { prefix: 'celamnp' } } }, 'managednodepool'); // prettier-ignore
  await deploy(h, ns, 'mnp', 2, { nodeSelector: { case: 'mnp' } });
  await allRunning(ns, 'mnp', 2, 180_000);
  expect(launchedFor(name)).toHaveLength(1);
});

test('a slow cloud (5 s per launch call): one pod still starts one node', async () => {
  await applyAndWaitActive(h, casePool('ela-slow', 'slow', { instanceTypes: ['ecs.g7.xlarge'] }));
  const rule = h.sim.faults.add({ action: 'RunInstances', latencyMs: 5_000 });
  const rule2 = h.sim.faults.add({ action: 'AttachInstances', latencyMs: 5_000 });
  try {
    await deploy(h, ns, 'slow', 1, { nodeSelector: { case: 'slow' } });
    await allRunning(ns, 'slow', 1, 180_000);
  } finally {
    h.sim.faults.remove(rule.id);
    h.sim.faults.remove(rule2.id);
  }
  expect(launchedFor('ela-slow')).toHaveLength(1);
});

test('a Spot pool with billing.spot.onDemandFallback: spot refused → the same offering pay-as-you-go at once', async () => {
  const spot = { chargeType: 'Spot', spot: { strategy: 'SpotAsPriceGo', onDemandFallback: true } };
  await applyAndWaitActive(h, casePool('ela-spot', 'spot', { vSwitchIds: [h.world.vSwitchIds[0]], instanceTypes: ['ecs.g7.xlarge'], billing: spot, scaling: { mode: 'Auto', minSize: 0, maxSize: 5, multiAZPolicy: 'CostOptimized' } })); // prettier-ignore
  // the only offering's spot market refuses the launch (after the operator read its stock)
  const rule = h.sim.faults.add({ action: 'RunInstances', params: { SpotStrategy: 'SpotAsPriceGo' }, code: 'OperationDenied.NoStock', count: 1 }); // prettier-ignore
  try {
    await deploy(h, ns, 'spot', 1, { nodeSelector: { case: 'spot' } });
    const placed = await nodeOfPod('spot');
    expect(placed).toEqual({ pool: 'ela-spot', type: 'ecs.g7.xlarge', zone: h.world.zones[0] });
  } finally {
    h.sim.faults.remove(rule.id);
  }
  expect(rule.fired).toBe(1);
  const ids = launchedFor('ela-spot');
  expect(ids).toHaveLength(1);
  const i = h.sim.cloud.instances.get(ids[0]!)!;
  expect({ spot: i.spotStrategy, charge: i.chargeType }).toEqual({ spot: 'NoSpot', charge: 'PostPaid' });
  const e = await eventually('TriggeredScaleUp (pay-as-you-go)', async () => (await podEvents(ns, 'TriggeredScaleUp')).find((x) => x.note?.includes('pool ela-spot'))); // prettier-ignore
  expect(e.note).toContain('pay-as-you-go (no spot instance available)');
});

test('a Spot pool whose spot price is above its limit: never a spot launch; pay-as-you-go with the fallback', async () => {
  const limited = { chargeType: 'Spot', spot: { strategy: 'SpotWithPriceLimit', priceLimits: [{ instanceType: 'ecs.g7.xlarge', maxPricePerHour: '0.001' }], onDemandFallback: true } }; // prettier-ignore
  await applyAndWaitActive(h, casePool('ela-spotlim', 'spotlim', { vSwitchIds: [h.world.vSwitchIds[0]], instanceTypes: ['ecs.g7.xlarge'], billing: limited, scaling: { mode: 'Auto', minSize: 0, maxSize: 5, multiAZPolicy: 'CostOptimized' } })); // prettier-ignore
  const failures = h.sim.calls.snapshot();
  await deploy(h, ns, 'spotlim', 1, { nodeSelector: { case: 'spotlim' } });
  await nodeOfPod('spotlim');
  const ids = launchedFor('ela-spotlim');
  expect(ids).toHaveLength(1);
  expect(h.sim.cloud.instances.get(ids[0]!)!.spotStrategy).toBe('NoSpot');
  // one RunInstances: the pay-as-you-go one (the spot offering above its limit was never tried)
  expect((h.sim.calls.snapshot().RunInstances ?? 0) - (failures.RunInstances ?? 0)).toBe(1);
});
