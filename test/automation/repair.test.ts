import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Annotation } from '../../src/apis/v1beta1/constants.js';
import { AutomationMetrics } from '../../src/controllers/disruption/metrics.js';
import { eventually, getJson, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from '../nodepool/harness.js';
import {
  activeWith,
  condition,
  gone,
  instanceOf,
  pool,
  poolNodes,
  ready,
  type NodeJson,
} from '../nodepool/poll.js';
import { automation, eventsOf, runCli } from './support.js';

// autoRepair end to end, and the registration path that must never release a node that worked: the real API
// server and controller manager, the simulator (200×) and simulated nodes that follow their machines' power
// (a failed machine's Node goes Unknown, a rebooted one Ready again). The operator runs on wall time here: the
// Node conditions' times come from the API server.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-repair', nodePower: true });
});
afterAll(async () => {
  await h.stop();
});

const managed = (autoRepair: Record<string, unknown>, allowReboot = false) => ({
  management: {
    maintenance: { allowReboot },
    autoRepair: { enabled: true, notReadyTimeout: '10s', ...autoRepair },
  },
});
const unknown = (n: NodeJson | undefined): boolean =>
  n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'Unknown') ?? false;
const nodeOf = async (name: string, id: string): Promise<NodeJson | undefined> =>
  (await poolNodes(name)).find((n) => instanceOf(n) === id);
const remove = async (name: string): Promise<void> => {
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
};

test('a Node that was Ready once and goes NotReady is never released by the registration timeout (autoRepair off)', async () => {
  const name = uniqueName('np-was');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 }, registrationTimeout: '15s' })); // prettier-ignore
  const { nodes } = await activeWith(name, 2, { timeoutMs: 180_000 });
  await eventually('both Nodes marked was-ready', async () => ((await poolNodes(name)).every((n) => n.metadata.annotations?.[Annotation.wasReady]) ? true : undefined)); // prettier-ignore
  const id = instanceOf(nodes[0]!);
  h.sim.failInstance(id);
  await eventually('its Node Unknown', async () => (unknown(await nodeOf(name, id)) ? true : undefined));
  // twice the registration timeout and more: the member stays, and the registration health never counts it
  const since = Date.now();
  let left = false;
  await eventually('40 s with the Node NotReady', async () => {
    if (!h.sim.cloud.instances.has(id) || !(await nodeOf(name, id))) left = true;
    const waiting = ((await pool(name)) as { status?: { registration?: { waiting?: { instanceId: string }[] } } }).status?.registration?.waiting ?? []; // prettier-ignore
    if (waiting.some((w) => w.instanceId === id)) left = true;
    return Date.now() - since > 40_000 ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 1_000 }); // prettier-ignore
  expect(left).toBe(false);
  expect(h.sim.cloud.instances.get(id)?.status).toBe('Running');
  expect(condition(await pool(name), 'AutomationActive')).toBeUndefined(); // no management: no automation
  expect((await eventsOf(name)).some((e) => e.reason === 'RegistrationFailed')).toBe(false);
  await remove(name);
}, 300_000);

test('autoRepair: a failed machine is replaced (the replacement launched at once, the unreachable node drained and released); AutomationActive says it runs; the counter counts it', async () => {
  const name = uniqueName('np-fix');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 3 }, ...managed({ maxUnhealthy: 1 }) })); // prettier-ignore
  const { nodes, pool: p } = await activeWith(name, 3, { timeoutMs: 180_000 });
  expect(condition(p, 'AutomationActive')).toMatchObject({ status: 'True', message: 'active: autoRepair (notReadyTimeout 10s, maxUnhealthy 1, replace)' }); // prettier-ignore
  const victim = nodes[0]!;
  const id = instanceOf(victim);
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${name}-app`, namespace: 'default' }, spec: { nodeName: victim.metadata.name, terminationGracePeriodSeconds: 2, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'c', image: 'registry.example/app:1' }] } }) }); // prettier-ignore
  h.sim.failInstance(id);
  await eventually('its Node Unknown', async () => (unknown(await nodeOf(name, id)) ? true : undefined));
  const notReadyAt = Date.now();
  const after = await activeWith(name, 3, { timeoutMs: 180_000, without: [id] });
  const replacedMs = Date.now() - notReadyAt;
  expect(h.sim.cloud.instances.get(id)).toBeUndefined(); // released
  expect(after.nodes.map((n) => n.metadata.name)).not.toContain(victim.metadata.name);
  const pod = await getJson<{ items: unknown[] }>(['pods', '-n', 'default', '--field-selector', `metadata.name=${name}-app`]); // prettier-ignore
  expect(pod.items).toHaveLength(0);
  const a = await eventually('status.automation.repair.lastAction', async () => { const x = await automation(name, 'repair'); return x?.lastAction ? x : undefined; }); // prettier-ignore
  expect(a).toMatchObject({
    enabled: true,
    lastAction: { action: 'Released', nodes: [victim.metadata.name] },
  });
  expect(a.lastAction!.message).toMatch(
    /^node \S+: Ready=Unknown \(NodeStatusUnknown\) for \d+s \(notReadyTimeout 10s\)/,
  );
  const ev = await eventsOf(name);
  expect(ev.some((e) => e.reason === 'DisruptionStarted' && e.note?.startsWith('repair: node '))).toBe(true);
  expect(ev.some((e) => e.reason === 'NodeRepaired')).toBe(true);
  const m = AutomationMetrics.of(h.metrics.registry);
  expect(await m.value({ pool: name, method: 'repair', action: 'replace', outcome: 'released' })).toBe(1);
  process.stdout.write(
    `repair: NotReady → replacement Ready in ${(replacedMs / 1000).toFixed(1)} s (notReadyTimeout 10 s)\n`,
  );
  await remove(name);
}, 300_000);

test('a "zone outage" (more unhealthy than maxUnhealthy) releases nothing: a Warning, and the preview names MaxUnhealthy', async () => {
  const name = uniqueName('np-zone');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 4 }, ...managed({ maxUnhealthy: 1 }) })); // prettier-ignore
  const { nodes } = await activeWith(name, 4, { timeoutMs: 180_000 });
  const ids = nodes.slice(0, 2).map(instanceOf);
  for (const id of ids) h.sim.failInstance(id);
  const held = await eventually('the preview names MaxUnhealthy', async () => {
    const a = await automation(name, 'repair');
    return a?.next?.blockedBy?.some((b) => b.kind === 'MaxUnhealthy') ? a : undefined;
  }, { timeoutMs: 60_000 }); // prettier-ignore
  expect(held.next?.blockedBy?.[0]?.message).toMatch(/^2 of 4 nodes are unhealthy, more than maxUnhealthy \(1 = 1\): repair waits/); // prettier-ignore
  const warning = await eventually('a RepairHeldBack Warning', async () => (await eventsOf(name)).find((e) => e.reason === 'RepairHeldBack')); // prettier-ignore
  expect(warning.type).toBe('Warning');
  expect(await runCli(['disruptions', '--pool', name])).toMatch(/repair\s+Repair\s+.*MaxUnhealthy: 2 of 4 nodes are unhealthy/); // prettier-ignore
  // well past notReadyTimeout: both machines still members, nothing cordoned
  const since = Date.now();
  await eventually('30 s of outage', async () => (Date.now() - since > 30_000 ? true : undefined), { timeoutMs: 45_000, intervalMs: 1_000 }); // prettier-ignore
  for (const id of ids) expect(h.sim.cloud.instances.get(id)?.status).toBe('Running');
  expect((await poolNodes(name)).filter((n) => n.spec?.unschedulable)).toEqual([]);
  await remove(name);
}, 300_000);

test('allowReboot: the failed machine is rebooted first and comes back — the same instance and Node, no replacement', async () => {
  const name = uniqueName('np-boot');
  await applyPool(
    poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 }, ...managed({}, true) }),
  );
  const { nodes } = await activeWith(name, 2, { timeoutMs: 180_000 });
  const before = nodes.map(instanceOf).sort();
  const id = before[0]!;
  h.sim.failInstance(id);
  await eventually('its Node Unknown', async () => (unknown(await nodeOf(name, id)) ? true : undefined));
  // a timeout says where it stood: repair's status, the Node's Ready condition and annotations, the member
  const a = await eventually('repair rebooted it and it is Ready again', async () => {
    const x = await automation(name, 'repair');
    if (x?.lastAction?.action === 'Rebooted') return x;
    const n = await nodeOf(name, id);
    const r = n?.status?.conditions?.find((c) => c.type === 'Ready');
    const ess = h.sim.ess.state.instances.get(id)?.state;
    const ecs = h.sim.cloud.instances.get(id)?.status;
    const notes = JSON.stringify(n?.metadata.annotations);
    throw new Error(
      `repair ${JSON.stringify(x)}; Ready=${r?.status}; annotations ${notes}; ESS ${ess}; ECS ${ecs}`,
    );
  }, { timeoutMs: 120_000 }); // prettier-ignore
  expect(a.lastAction?.nodes).toEqual([(await nodeOf(name, id))!.metadata.name]);
  const after = await activeWith(name, 2);
  expect(after.nodes.map(instanceOf).sort()).toEqual(before);
  const n = (await nodeOf(name, id))!;
  expect(ready(n)).toBe(true);
  expect(n.metadata.annotations?.[Annotation.repairReboot]).toBeUndefined();
  expect(n.metadata.annotations?.[Annotation.disruption]).toBeUndefined();
  expect(h.sim.ess.state.instances.get(id)?.state).toBe('InService'); // protection lifted
  const ev = await eventsOf(name);
  expect(ev.some((e) => e.reason === 'NodeRebooting' && e.note?.includes(id))).toBe(true);
  await remove(name);
}, 300_000);
