import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ADMITTED_LABEL } from '../../src/apis/v1beta1/constants.js';
import { PACKAGE_ROOT } from '../../src/devstack/paths.js';
import { testCluster } from '../support/access.js';
import { eventually, getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from '../nodepool/harness.js';
import { activeWith, gone, instanceOf, pool, poolNodes, ready, type NodeJson } from '../nodepool/poll.js';

// The disruption engine end to end: the real API server (PDBs, evictions), the simulator, simulated nodes.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-engine' });
});
afterAll(async () => {
  await h.stop();
});

interface Automation {
  enabled?: boolean;
  lastAction?: { action?: string; nodes?: string[] };
  next?: {
    action?: string;
    nodes?: string[];
    reason?: string;
    blockedBy?: { kind: string; message: string }[];
  };
}
const automation = async (name: string, method: string): Promise<Automation | undefined> =>
  ((await pool(name)) as { status?: { automation?: Record<string, Automation> } }).status?.automation?.[
    method
  ];
const podOn = (ns: string, name: string, node: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}) => // prettier-ignore
  kubectlOk(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels, annotations }, spec: { nodeName: node, terminationGracePeriodSeconds: 0, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'c', image: 'registry.example/app:1' }] } }) }); // prettier-ignore
const runCli = async (args: string[]): Promise<string> => {
  const r = await promisify(execFile)(process.execPath, [`${PACKAGE_ROOT}/bin/nodepool-operator.js`, ...args], { env: { ...process.env, KUBECONFIG: testCluster().kubeconfig } }); // prettier-ignore
  return r.stdout;
};
const events = async (name: string) =>
  (await getJson<{ items: { reason?: string; note?: string; type?: string; regarding?: { name?: string } }[] }>(['events.v1.events.k8s.io', '-n', 'default'])).items.filter((e) => e.regarding?.name === name); // prettier-ignore

test('a PodDisruptionBudget holds a scale-in: the preview (status.automation and `nodepool-operator disruptions`) names it; the three do-not-disrupt annotations keep their nodes; a budget of 1 disrupts one node at a time', async () => {
  // prettier-ignore
  const name = uniqueName('np-eng');
  const ns = uniqueName('eng');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 5 }, disruption: { budget: 1, drainTimeout: '1h' } })); // prettier-ignore
  const { nodes } = await activeWith(name, 5, { timeoutMs: 180_000 });
  await kubectlOk(['create', 'namespace', ns]);
  const [n0, n1, n2, n3, n4] = nodes.map((n) => n.metadata.name) as [string, string, string, string, string];
  // three nodes with a pod under each do-not-disrupt annotation; two nodes with a PDB-guarded pod each
  await podOn(ns, 'keep-a', n0, { 'nodepool.alicloud.dev/do-not-disrupt': 'true' });
  await podOn(ns, 'keep-b', n1, { 'karpenter.sh/do-not-disrupt': 'true' });
  await podOn(ns, 'keep-c', n2, { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' });
  await podOn(ns, 'guarded-0', n3, {}, { app: 'guarded' });
  await podOn(ns, 'guarded-1', n4, {}, { app: 'guarded' });
  await kubectlOk(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guard' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } } }) }); // prettier-ignore
  await eventually('the PDB sees 2 healthy pods', async () => ((await getJson<{ status?: { currentHealthy?: number } }>(['pdb', 'guard', '-n', ns])).status?.currentHealthy === 2 ? true : undefined), { timeoutMs: 60_000 }); // prettier-ignore

  // 5 → 3: the two nodes without do-not-disrupt pods are the victims; budget 1: one at a time
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 3 }, disruption: { budget: 1, drainTimeout: '1h' } })); // prettier-ignore
  const blocked = await eventually('the preview names the PDB and the budget', async () => {
    const a = await automation(name, 'scaleIn');
    const kinds = (a?.next?.blockedBy ?? []).map((b) => b.kind);
    return kinds.includes('PodDisruptionBudget') && kinds.includes('Budget') ? a : undefined;
  }, { timeoutMs: 60_000 }); // prettier-ignore
  expect(blocked.next!.blockedBy!.find((b) => b.kind === 'PodDisruptionBudget')!.message).toMatch(new RegExp(`PodDisruptionBudget ${ns}/guard`)); // prettier-ignore
  expect(blocked.next!.blockedBy!.find((b) => b.kind === 'Budget')!.message).toMatch(
    /disruption.budget 1 allows 1 node/,
  );
  const cordoned = (await poolNodes(name)).filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name);
  expect(cordoned).toHaveLength(1);
  expect([n3, n4]).toContain(cordoned[0]);
  const table = await runCli(['disruptions', '--pool', name]);
  expect(table).toMatch(new RegExp(`${name}\\s+scaleIn\\s+Remove\\s+\\S*${cordoned[0]}`));
  expect(table).toMatch(new RegExp(`PodDisruptionBudget ${ns}/guard`));
  expect(JSON.parse(await runCli(['disruptions', '--pool', name, '-o', 'json']))).toEqual([expect.objectContaining({ pool: name, method: 'scaleIn' })]); // prettier-ignore

  // the PDB relaxed: both go, one after the other (never two cordoned at once)
  let most = 0;
  const watch = setInterval(() => void poolNodes(name).then((ns) => { most = Math.max(most, ns.filter((n) => n.spec?.unschedulable).length); }, () => undefined), 300); // prettier-ignore
  await kubectlOk(['patch', 'pdb', 'guard', '-n', ns, '--type=merge', '-p', '{"spec":{"minAvailable":0}}']);
  const after = await activeWith(name, 3, { timeoutMs: 120_000 }).finally(() => clearInterval(watch));
  expect(after.nodes.map((n) => n.metadata.name).sort()).toEqual([n0, n1, n2].sort());
  expect(most).toBeLessThanOrEqual(1);
  expect((await automation(name, 'scaleIn'))?.lastAction?.action).toBe('Released');
  expect((await events(name)).some((e) => e.reason === 'ScaledIn')).toBe(true);
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
}, 420_000);

test("a second Node claiming a member's providerID is never admitted, and deleting it releases nothing (security finding 3)", async () => {
  // prettier-ignore
  const name = uniqueName('np-rogue');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 1 } }));
  const { nodes } = await activeWith(name, 1);
  const member = nodes[0]!;
  const id = instanceOf(member);
  expect(member.metadata.labels?.[ADMITTED_LABEL]).toBe(name);
  const rogue = `rogue-${name}`;
  await kubectlOk(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: rogue, labels: { 'nodepool.alicloud.dev/pool': name } }, spec: { providerID: member.spec!.providerID } }) }); // prettier-ignore
  await eventually('a NodeNotAdmitted Warning', async () => ((await events(name)).some((e) => e.reason === 'NodeNotAdmitted' && e.note?.includes(rogue)) ? true : undefined), { timeoutMs: 60_000 }); // prettier-ignore
  const r = await getJson<NodeJson>(['node', rogue]);
  expect(r.metadata.labels?.[ADMITTED_LABEL]).toBeUndefined();
  expect(r.metadata.finalizers ?? []).not.toContain('nodepool.alicloud.dev/instance');
  await kubectlOk(['delete', 'node', rogue]);
  // the member stays: its instance running, the pool whole
  await activeWith(name, 1);
  expect(h.sim.cloud.instances.get(id)?.status).toBe('Running');
  expect((await poolNodes(name)).map(instanceOf)).toEqual([id]);
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
});

test('economical mode: scale-in stops the instance and keeps its Node; the next scale-out starts it and the same Node is back', async () => {
  // prettier-ignore
  const name = uniqueName('np-eco');
  const auto = (min: number, max: number) => poolManifest(h, name, { scaling: { mode: 'Auto', minSize: min, maxSize: max, economical: true } }); // prettier-ignore
  await applyPool(auto(2, 2));
  const { nodes } = await activeWith(name, 2);
  await applyPool(auto(0, 1));
  const stopped = await eventually('one instance stopped, its Node kept', async () => {
    const ns = await poolNodes(name);
    const s = ns.find((n) => h.sim.cloud.instances.get(instanceOf(n))?.status === 'Stopped');
    return s && ns.length === 2 ? s : undefined;
  }, { timeoutMs: 90_000 }); // prettier-ignore
  expect(stopped.spec?.unschedulable).toBe(true);
  // the status is written after the stop: polled, not read once
  await eventually('status.currentSize 1 (the stopped member not counted)', async () =>
    (await pool(name)).status?.currentSize === 1 ? true : undefined,
  );
  await applyPool(auto(2, 2));
  await eventually('the same two Nodes Ready, the stopped one started again and un-cordoned', async () => {
    const ns = await poolNodes(name);
    const same = ns.map((n) => n.metadata.name).sort().join() === nodes.map((n) => n.metadata.name).sort().join();
    return same && ns.every(ready) && ns.every((n) => !n.spec?.unschedulable) && h.sim.cloud.instances.get(instanceOf(stopped))?.status === 'Running' ? true : undefined; // prettier-ignore
  }, { timeoutMs: 120_000 }); // prettier-ignore
  await activeWith(name, 2);
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
}, 300_000);

test('pool deletion behind a PodDisruptionBudget waits past drainTimeout; the force-drain annotation ends it, with a Warning naming the pod (security finding 7)', async () => {
  // prettier-ignore
  const name = uniqueName('np-force');
  const ns = uniqueName('force');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 1 }, disruption: { drainTimeout: '5s' } })); // prettier-ignore
  const { nodes } = await activeWith(name, 1);
  await kubectlOk(['create', 'namespace', ns]);
  await podOn(ns, 'pinned', nodes[0]!.metadata.name, {}, { app: 'pinned' });
  await kubectlOk(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pin' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'pinned' } } } }) }); // prettier-ignore
  await eventually('the PDB sees the pod', async () => ((await getJson<{ status?: { currentHealthy?: number } }>(['pdb', 'pin', '-n', ns])).status?.currentHealthy === 1 ? true : undefined), { timeoutMs: 60_000 }); // prettier-ignore
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await eventually('the deletion reports the blocked drain', async () => {
    const a = await automation(name, 'deletion');
    return a?.next?.blockedBy?.some((b) => b.kind === 'PodDisruptionBudget') ? true : undefined;
  }, { timeoutMs: 60_000 }); // prettier-ignore
  expect((await kubectl(['get', 'nodepool', name])).code).toBe(0); // still there: nothing forced silently
  await kubectlOk(['annotate', 'nodepool', name, 'nodepool.alicloud.dev/force-drain=true']);
  await gone(name);
  const warn = (await events(name)).find((e) => e.reason === 'ForceDrain');
  expect(warn?.type).toBe('Warning');
  expect(warn?.note).toMatch(new RegExp(`${ns}/pinned \\(blocked by PodDisruptionBudget pin\\)`));
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
}, 240_000);
