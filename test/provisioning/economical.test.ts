import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { eventually, getJson, kubectlOk } from '../support/kube.js';
import type { Harness } from '../nodepool/harness.js';
import { TEST_LABEL, allRunning, applyAndWaitActive, autoPool, deploy, podEvents, podsOf, startElasticity } from './support.js'; // prettier-ignore

// Economical Auto pools (scaling.economical: scale-in stops instances): a scale-out for pending pods starts the
// pool's Stopped members again (an ESS scale-out: the only way a member leaves the Stopped state) before it
// launches anything new; the Node the member kept comes back Ready and un-cordoned, and the pods run on it.
const ns = 'ela-economical';
let h: Harness;
beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
  h = await startElasticity('c-ela-eco', ns);
});
afterAll(async () => {
  await h.stop();
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
});

const POOL = 'ela-eco';
const launched = (): string[] =>
  [...h.sim.cloud.instances.values()].filter((i) => i.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === POOL)).map((i) => i.instanceId); // prettier-ignore
const maxSize = async (n: number): Promise<void> =>
  void await kubectlOk(['patch', 'nodepool', POOL, '--type=merge', '-p', JSON.stringify({ spec: { scaling: { maxSize: n } } })]); // prettier-ignore

test('scale-out starts the pool’s stopped member before launching a new instance', async () => {
  await applyAndWaitActive(h, autoPool(h, POOL, { vSwitchIds: [h.world.vSwitchIds[0]], instanceTypes: ['ecs.g7.xlarge'], scaling: { mode: 'Auto', minSize: 0, maxSize: 3, economical: true } })); // prettier-ignore
  await deploy(h, ns, 'first', 1);
  const [p] = await allRunning(ns, 'first', 1, 180_000);
  const node = p!.spec!.nodeName!;
  const [id] = launched();
  expect(launched()).toHaveLength(1);

  // economical scale-in: the pool shrinks to 0 → the member is drained and stopped, and keeps its Node
  await kubectlOk(['delete', 'deployment', 'first', '-n', ns]);
  await eventually('no pod of first', async () =>
    (await podsOf(ns, 'first')).length === 0 ? true : undefined,
  );
  await maxSize(0);
  await eventually('the member Stopped in ESS and ECS', async () => (h.sim.ess.state.instances.get(id!)?.state === 'Stopped' && h.sim.cloud.instances.get(id!)?.status === 'Stopped' ? true : undefined), { timeoutMs: 180_000 }); // prettier-ignore
  await maxSize(3);
  const runs = h.sim.calls.snapshot().RunInstances ?? 0;

  // pending pods: the stopped member is started again, nothing new is launched
  await deploy(h, ns, 'second', 2);
  const pods = await allRunning(ns, 'second', 2, 180_000);
  expect(pods.map((x) => x.spec!.nodeName)).toEqual([node, node]);
  expect(launched()).toEqual([id]);
  expect(h.sim.calls.snapshot().RunInstances ?? 0).toBe(runs);
  // the pods can be Running while ECS still reports the machine Starting: its state polled, not read once
  await eventually('the member Running in ECS and InService in ESS', async () =>
    h.sim.cloud.instances.get(id!)?.status === 'Running' &&
    h.sim.ess.state.instances.get(id!)?.state === 'InService'
      ? true
      : undefined,
  );
  const n = await getJson<{ spec?: { unschedulable?: boolean } }>(['node', node]);
  expect(n.spec?.unschedulable ?? false).toBe(false);
  const e = await eventually('TriggeredScaleUp (restart)', async () => (await podEvents(ns, 'TriggeredScaleUp')).find((x) => x.note?.includes('starts its stopped node'))); // prettier-ignore
  expect(e.note).toBe(
    `pod triggered scale-up: pool ${POOL} starts its stopped node ${node} again (economical mode)`,
  );
  const status = await getJson<{ status?: { automation?: { elasticity?: { lastAction?: { message?: string } } } } }>(['nodepool', POOL]); // prettier-ignore
  expect(status.status?.automation?.elasticity?.lastAction?.message).toBe('started 1 stopped member(s) (economical mode)'); // prettier-ignore

  // more than the stopped members hold: the rest is launched new
  await deploy(
    h,
    ns,
    'third',
    2,
    { nodeSelector: { [TEST_LABEL]: h.settings.clusterId ?? '' } },
    { cpu: '3', memory: '1Gi' },
  );
  await allRunning(ns, 'third', 2, 180_000);
  expect(launched().length).toBeGreaterThan(1);
});
