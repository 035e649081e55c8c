import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Annotation } from '../../src/apis/v1beta1/constants.js';
import { eventually, getJson, kubectlOk } from '../support/kube.js';
import type { Harness } from '../nodepool/harness.js';
import { instanceOf, pool, poolNodes, ready } from '../nodepool/poll.js';
import {
  allRunning,
  applyAndWaitActive,
  autoPool,
  deploy,
  podEvents,
  podsOf,
  startElasticity,
} from '../provisioning/support.js';

// Consolidation end to end: the real control plane and scheduler, the simulated cloud through the real SDK,
// simulated nodes; elasticity (the provisioning controller) runs beside it, so a scale-out a consolidation would
// cause is seen. `after` is 5s; every wait polls with a deadline.
const ns = 'consolidation-e2e';
let h: Harness;
beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
  h = await startElasticity('c-consolidate', ns);
});
afterAll(async () => {
  await h.stop();
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
});

interface Automation {
  enabled?: boolean;
  lastAction?: { action?: string; nodes?: string[]; message?: string };
  next?: {
    action?: string;
    nodes?: string[];
    reason?: string;
    blockedBy?: { kind: string; message: string }[];
  };
}
const consolidation = async (name: string): Promise<Automation | undefined> =>
  ((await pool(name)) as { status?: { automation?: { consolidation?: Automation } } }).status?.automation
    ?.consolidation;
const consolidating = (after = '5s', extra: Record<string, unknown> = {}) => ({ policy: 'WhenEmptyOrUnderutilized', after, ...extra }); // prettier-ignore
/** Nodes elasticity launched for the pool's pending pods (its counter nodepool_provisioning_nodes_requested_total). */
async function requested(name: string): Promise<number> {
  const m = await h.metrics.registry.getSingleMetric('nodepool_provisioning_nodes_requested_total')?.get();
  return (m?.values ?? []).filter((v) => v.labels.pool === name).reduce((a, v) => a + v.value, 0);
}
/** The pool's instances alive now (by its ECS pool tag). */
const launched = (name: string): string[] =>
  [...h.sim.cloud.instances.values()].filter((i) => i.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === name)).map((i) => i.instanceId); // prettier-ignore
const deleteDeployment = (app: string) => kubectlOk(['delete', 'deployment', app, '-n', ns, '--wait=false']);
/** Pods of a test land only on its own pool's nodes (every pool of this file carries the same test label). */
const on = (pool: string, spec: Record<string, unknown> = {}) => ({ nodeSelector: { 'nodepool.alicloud.dev/pool': pool }, ...spec }); // prettier-ignore
/**
 * A one-pod Deployment of `pool`, kept off the nodes `notOn` (so pods land one per node), its pods carrying
 * `annotations`; resolves with the node its annotated pod runs on.
 */
async function deployOne(
  pool: string,
  app: string,
  cpu: string,
  notOn: string[],
  annotations: Record<string, string> = {},
): Promise<string> {
  // prettier-ignore
  const affinity = notOn.length ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: notOn }] }] } } } : undefined; // prettier-ignore
  await deploy(h, ns, app, 1, on(pool, affinity ? { affinity } : {}), { cpu, memory: '256Mi' });
  if (Object.keys(annotations).length > 0) await kubectlOk(['patch', 'deployment', app, '-n', ns, '--type=merge', '-p', JSON.stringify({ spec: { template: { metadata: { annotations } } } })]); // prettier-ignore
  const [p] = await eventually(`${app}: its pod Running`, async () => {
    const pods = (await podsOf(ns, app)) as { metadata: { annotations?: Record<string, string> }; spec?: { nodeName?: string }; status?: { phase?: string } }[]; // prettier-ignore
    const ok = pods.length === 1 && pods[0]!.status?.phase === 'Running' && Object.keys(annotations).every((k) => pods[0]!.metadata.annotations?.[k] !== undefined); // prettier-ignore
    return ok ? pods : undefined;
  }, { timeoutMs: 90_000 }); // prettier-ignore
  return p!.spec!.nodeName!;
}

/** The elasticity status of a pool has nothing in flight. */
async function settled(name: string): Promise<void> {
  type Status = { status?: { automation?: { elasticity?: { inFlight?: unknown[] } } } };
  await eventually(
    'nothing in flight',
    async () =>
      (await getJson<Status>(['nodepool', name])).status?.automation?.elasticity?.inFlight?.length === 0
        ? true
        : undefined,
    { timeoutMs: 90_000 },
  );
}

test('empty nodes go one at a time under a budget of 1, never below minSize', async () => {
  const name = 'cons-empty';
  await applyAndWaitActive(h, autoPool(h, name, { scaling: { mode: 'Auto', minSize: 1, maxSize: 6 }, instanceTypes: ['ecs.g7.xlarge'], disruption: { budget: 1, consolidation: consolidating() } })); // prettier-ignore
  // 4 × 2.5 CPU: one per g7.xlarge (3.92 allocatable) → 4 nodes
  await deploy(h, ns, 'fill', 4, on(name), { cpu: '2500m', memory: '1Gi' });
  await allRunning(ns, 'fill', 4);
  await eventually('4 Ready nodes', async () => ((await poolNodes(name)).filter(ready).length === 4 ? true : undefined), { timeoutMs: 120_000 }); // prettier-ignore
  const ever = launched(name);
  let most = 0;
  const watch = setInterval(() => void poolNodes(name).then((xs) => { most = Math.max(most, xs.filter((n) => n.spec?.unschedulable).length); }, () => undefined), 250); // prettier-ignore
  await deleteDeployment('fill');
  // three go (budget 1: one at a time), one stays (minSize 1)
  const left = await eventually('one node left', async () => {
    const xs = await poolNodes(name);
    return xs.length === 1 && xs.every(ready) ? xs : undefined;
  }, { timeoutMs: 180_000 }).finally(() => clearInterval(watch)); // prettier-ignore
  expect(most).toBeLessThanOrEqual(1);
  const a = await eventually('the preview says minSize holds the last one', async () => {
    const x = await consolidation(name);
    return x?.next?.blockedBy?.some((b) => b.kind === 'MinSize') ? x : undefined;
  }, { timeoutMs: 60_000 }); // prettier-ignore
  expect(a.next!.nodes).toEqual([left[0]!.metadata.name]);
  expect(a.lastAction).toMatchObject({ action: 'Released' });
  expect(a.lastAction!.message).toMatch(/empty since .* \(after 5s\): nothing to move/);
  expect(launched(name).every((id) => ever.includes(id))).toBe(true); // nothing launched since
  const group = [...h.sim.ess.state.groups.values()].find((g) => g.name.endsWith(name))!;
  expect(group.desiredCapacity).toBe(1); // removed with the desired capacity lowered
}, 420_000);

test('an underused node: its pods move to the other node and it is removed; elasticity launches nothing for them (no ping-pong)', async () => {
  const name = 'cons-under';
  await applyAndWaitActive(h, autoPool(h, name, { scaling: { mode: 'Auto', minSize: 0, maxSize: 6 }, instanceTypes: ['ecs.g7.xlarge'], disruption: { budget: '50%', consolidation: consolidating() } })); // prettier-ignore
  // two big pods force two nodes; a small pod on each (the second kept off the first one's node)
  await deploy(h, ns, 'big', 2, on(name), { cpu: '2500m', memory: '1Gi' });
  await allRunning(ns, 'big', 2);
  const x = await deployOne(name, 'small-1', '1', []);
  const y = await deployOne(name, 'small-2', '1', [x]);
  expect(y).not.toBe(x);
  const ever = launched(name);
  expect(ever).toHaveLength(2);
  const scaledOut = await requested(name);
  expect(scaledOut).toBe(2);
  // elasticity done with its launch (its nodes Ready a while), as any pool is long before `after` (10m) passes
  await settled(name);
  await deleteDeployment('big');
  // each node now 1 CPU of 3.92 (26%): underused; small-1's pod can move to y (small-2's cannot move to x): x goes
  const [kept] = await eventually('one node left, both small pods Running on it', async () => {
    const xs = await poolNodes(name);
    const pods = [...(await podsOf(ns, 'small-1')), ...(await podsOf(ns, 'small-2'))];
    const ok = xs.length === 1 && pods.length === 2 && pods.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName === xs[0]!.metadata.name); // prettier-ignore
    return ok ? xs : undefined;
  }, { timeoutMs: 180_000 }); // prettier-ignore
  expect(kept!.metadata.name).toBe(y);
  let seen: Automation | undefined;
  const done = await eventually('the consolidation recorded', async () => {
    const x = (seen = await consolidation(name));
    return x?.lastAction?.action === 'Released' ? x : undefined;
  }, { timeoutMs: 60_000 }).catch((err: unknown) => { throw new Error(`${String(err)}; status.automation.consolidation: ${JSON.stringify(seen)}`); }); // prettier-ignore
  expect(done.lastAction!.message).toMatch(/underused since .*: its 1 pod\(s\) fit on the other nodes/);
  expect(ever).toContain(instanceOf(kept!));
  // no ping-pong: nothing launched for the displaced pod, no scale-up triggered since the delete, the elasticity
  // status has nothing in flight
  expect(launched(name)).toEqual([instanceOf(kept!)]);
  expect(await requested(name)).toBe(scaledOut);
  const since = (await podEvents(ns, 'TriggeredScaleUp')).filter((e) => (e.regarding?.name ?? '').startsWith('small-')); // prettier-ignore
  expect(since).toEqual([]);
  expect((await podEvents(ns, 'NotTriggerScaleUp')).filter((e) => (e.regarding?.name ?? '').startsWith('small-'))).toEqual([]); // prettier-ignore
  await deleteDeployment('small-1');
  await deleteDeployment('small-2');
}, 420_000);

test('a do-not-disrupt pod (each of the three annotations) keeps its node; without it the node goes', async () => {
  const name = 'cons-keep';
  await applyAndWaitActive(h, autoPool(h, name, { scaling: { mode: 'Auto', minSize: 0, maxSize: 6 }, instanceTypes: ['ecs.g7.xlarge'], disruption: { budget: '100%', consolidation: consolidating() } })); // prettier-ignore
  await deploy(h, ns, 'anchor', 3, on(name), { cpu: '2500m', memory: '1Gi' });
  await allRunning(ns, 'anchor', 3);
  const annotations: [string, Record<string, string>][] = [
    ['keep-a', { [Annotation.doNotDisrupt]: 'true' }],
    ['keep-b', { 'karpenter.sh/do-not-disrupt': 'true' }],
    ['keep-c', { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' }],
  ];
  // one small annotated pod per node: each Deployment kept off the nodes of the ones before it
  const keep = new Map<string, string>();
  for (const [app, a] of annotations)
    keep.set(app, await deployOne(name, app, '300m', [...keep.values()], a));
  expect(new Set(keep.values()).size).toBe(3);
  await deleteDeployment('anchor');
  // each node: 0.3 CPU (8%), underused, the pods would fit together — but each is annotated
  const held = await eventually('the preview names a do-not-disrupt pod', async () => {
    const x = await consolidation(name);
    return x?.next?.blockedBy?.find((b) => b.kind === 'DoNotDisrupt') && (await podsOf(ns, 'anchor')).length === 0 ? x : undefined; // prettier-ignore
  }, { timeoutMs: 90_000 }); // prettier-ignore
  expect(held.next!.blockedBy![0]!.message).toMatch(new RegExp(`^pod ${ns}/keep-[abc]-\\S+ is annotated (${Annotation.doNotDisrupt}=true|karpenter.sh/do-not-disrupt=true|cluster-autoscaler.kubernetes.io/safe-to-evict=false)$`)); // prettier-ignore
  expect(held.lastAction).toBeUndefined();
  expect((await poolNodes(name)).map((n) => n.metadata.name).sort()).toEqual([...keep.values()].sort());
  // the annotation removed from keep-b's pods: that node is consolidated, the two others stay
  // (keep-b may move to keep-c's node: keep-c's affinity only keeps keep-c off the others)
  await kubectlOk(['annotate', 'pods', '-n', ns, '-l', 'app=keep-b', 'karpenter.sh/do-not-disrupt-']);
  const after = await eventually('keep-b\'s node removed', async () => {
    const xs = (await poolNodes(name)).map((n) => n.metadata.name);
    return xs.length === 2 && !xs.includes(keep.get('keep-b')!) ? xs : undefined;
  }, { timeoutMs: 120_000 }); // prettier-ignore
  expect(after.sort()).toEqual([keep.get('keep-a')!, keep.get('keep-c')!].sort());
  for (const [app] of annotations) await deleteDeployment(app);
}, 420_000);

test('an underused node whose pods fit nowhere else is replaced by one cheaper node, launched and Ready first', async () => {
  const name = 'cons-replace';
  await applyAndWaitActive(h, autoPool(h, name, { scaling: { mode: 'Auto', minSize: 0, maxSize: 4 }, instanceTypes: ['ecs.g7.2xlarge', 'ecs.g7.xlarge'], disruption: { budget: 1, consolidation: consolidating() } })); // prettier-ignore
  // a 6-CPU pod needs a g7.2xlarge; a 1-CPU pod joins it
  await deploy(h, ns, 'wide', 1, on(name), { cpu: '6', memory: '1Gi' });
  await allRunning(ns, 'wide', 1);
  await deploy(h, ns, 'narrow', 1, on(name), { cpu: '1', memory: '1Gi' });
  const [p0] = await allRunning(ns, 'narrow', 1);
  const first = (await poolNodes(name)).filter(ready);
  expect(first).toHaveLength(1);
  expect(first[0]!.metadata.labels?.['node.kubernetes.io/instance-type']).toBe('ecs.g7.2xlarge');
  expect(p0!.spec!.nodeName).toBe(first[0]!.metadata.name);
  await deleteDeployment('wide');
  // 1 CPU of 7.91: underused; nowhere else to go; a g7.xlarge holds it for half the price
  const [now] = await eventually('the pod on a g7.xlarge, the g7.2xlarge gone', async () => {
    const xs = await poolNodes(name);
    const pods = await podsOf(ns, 'narrow');
    const ok = xs.length === 1 && xs[0]!.metadata.labels?.['node.kubernetes.io/instance-type'] === 'ecs.g7.xlarge' && pods.length === 1 && pods[0]!.status?.phase === 'Running' && pods[0]!.spec?.nodeName === xs[0]!.metadata.name; // prettier-ignore
    return ok ? xs : undefined;
  }, { timeoutMs: 240_000 }); // prettier-ignore
  expect(instanceOf(now!)).not.toBe(instanceOf(first[0]!));
  const a = await consolidation(name);
  expect(a?.lastAction?.message).toMatch(/fit with one cheaper ecs\.g7\.xlarge in \S+ \([\d.]+ vs [\d.]+ CNY\/h\), launched and Ready first/); // prettier-ignore
  const group = [...h.sim.ess.state.groups.values()].find((g) => g.name.endsWith(name))!;
  expect(group.desiredCapacity).toBe(1);
  await deleteDeployment('narrow');
}, 420_000);

test('multi-node: two underused nodes whose pods fit neither on the other nor alone on a cheaper node are replaced together by ONE cheaper node, launched and Ready first', async () => {
  const name = 'cons-multi';
  // utilizationThreshold 60: a 2.1-CPU pod on a g7.xlarge (3.92 allocatable, 0.8 CNY/h) is 54 % of it
  const disruption = { budget: '100%', consolidation: consolidating('5s', { utilizationThreshold: 60 }) };
  const spec = { scaling: { mode: 'Auto', minSize: 0, maxSize: 4 }, disruption };
  await applyAndWaitActive(
    h,
    autoPool(h, name, { ...spec, instanceTypes: ['ecs.g7.xlarge', 'ecs.c7.2xlarge'] }),
  );
  // one pod per g7.xlarge (elasticity's cheapest for one such pod); neither fits beside the other
  const x = await deployOne(name, 'pair-1', '2100m', []);
  const y = await deployOne(name, 'pair-2', '2100m', [x]);
  expect(y).not.toBe(x);
  const ever = launched(name);
  expect(ever).toHaveLength(2);
  const scaledOut = await requested(name);
  const seen = new Set(ever);
  const watch = setInterval(() => launched(name).forEach((id) => seen.add(id)), 250);
  await settled(name);
  // no type cheaper than 0.8 holds one pod; one c7.2xlarge (8 CPU, 1.2 CNY/h) holds both for less than 1.6
  const type = (n: { metadata: { labels?: Record<string, string> } }) =>
    n.metadata.labels?.['node.kubernetes.io/instance-type'];
  const [now] = await eventually(
    'both pods Running on one c7.2xlarge, the two g7.xlarge gone',
    async () => {
      const xs = await poolNodes(name);
      const pods = [...(await podsOf(ns, 'pair-1')), ...(await podsOf(ns, 'pair-2'))];
      const on1 = (p: (typeof pods)[number]) =>
        p.status?.phase === 'Running' && p.spec?.nodeName === xs[0]!.metadata.name;
      const ok = xs.length === 1 && type(xs[0]!) === 'ecs.c7.2xlarge' && pods.length === 2 && pods.every(on1);
      return ok ? xs : undefined;
    },
    { timeoutMs: 300_000 },
  ).finally(() => clearInterval(watch));
  // ONE replacement launched for the two (never one each); nothing launched by elasticity since
  expect([...seen].sort()).toEqual([...ever, instanceOf(now!)].sort());
  expect(launched(name)).toEqual([instanceOf(now!)]);
  expect(await requested(name)).toBe(scaledOut);
  const a = await eventually(
    'the consolidation recorded',
    async () => {
      const c = await consolidation(name);
      return c?.lastAction?.message?.includes('cheaper ecs.c7.2xlarge') ? c : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect(a.lastAction!.message).toMatch(
    /^nodes \S+, \S+ underused or empty for 5s \(below 60%\): their 2 pod\(s\) fit on the other nodes with one cheaper ecs\.c7\.2xlarge in \S+ \([\d.]+ vs [\d.]+ CNY\/h for the 2\), launched and Ready first/,
  );
  const group = [...h.sim.ess.state.groups.values()].find((g) => g.name.endsWith(name))!;
  expect(group.desiredCapacity).toBe(1);
  await deleteDeployment('pair-1');
  await deleteDeployment('pair-2');
}, 480_000);
