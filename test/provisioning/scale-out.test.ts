import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { eventually, getJson, kubectlOk } from '../support/kube.js';
import type { Harness } from '../nodepool/harness.js';
import {
  allRunning,
  applyAndWaitActive,
  autoPool,
  deploy,
  podEvents,
  readyNodes,
  startElasticity,
} from './support.js';

// Instant elasticity end to end: real control plane and scheduler, the simulated cloud through the real SDK, and
// simulated nodes that boot the pool's user data and join. Pods the scheduler marks Unschedulable scale an Auto
// pool out; pods no pool can host get NotTriggerScaleUp with each pool's reason and nothing is launched.
const ns = 'ela-scale-out';
let h: Harness;
beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
  h = await startElasticity('c-ela-out', ns);
});
afterAll(async () => {
  await h.stop();
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
});

interface PoolStatusJson {
  status?: { desiredSize?: number; automation?: { elasticity?: { enabled?: boolean; lastAction?: { action?: string; message?: string }; inFlight?: unknown[] } } }; // prettier-ignore
}

test('an Auto NodePool at minSize 0 runs a Deployment on the fewest, cheapest nodes; the pods hear why', async () => {
  const name = 'ela-web';
  await applyAndWaitActive(h, autoPool(h, name, { instanceTypes: ['ecs.g7.xlarge', 'ecs.g7.2xlarge'] }));
  const before = h.sim.cloud.instances.size;
  // 6 × 1.5 CPU: a g7.2xlarge holds 5 (7.91 allocatable), a g7.xlarge 2 → 2 nodes, not 3 xlarge
  await deploy(h, ns, 'web', 6, {}, { cpu: '1500m', memory: '2Gi' });
  const pods = await allRunning(ns, 'web', 6);
  const nodes = new Set(pods.map((p) => p.spec!.nodeName));
  expect(nodes.size).toBe(2);
  expect(h.sim.cloud.instances.size - before).toBe(2);
  expect((await readyNodes(name)).length).toBe(2);
  const triggered = await eventually('TriggeredScaleUp events', async () => { const e = await podEvents(ns, 'TriggeredScaleUp'); return e.length >= 6 ? e : undefined; }); // prettier-ignore
  expect(triggered[0]?.note).toMatch(
    new RegExp(`^pod triggered scale-up: pool ${name} \\+\\d node\\(s\\) of ecs\\.g7\\.`),
  );
  let last: PoolStatusJson | undefined;
  const p = await eventually('the elasticity status settled', async () => {
    const x = (last = await getJson<PoolStatusJson>(['nodepool', name]));
    return x.status?.automation?.elasticity?.inFlight?.length === 0 && x.status.desiredSize === 2 ? x : undefined;
  }, { timeoutMs: 60_000 }).catch((err: unknown) => { throw new Error(`${String(err)}; status: ${JSON.stringify(last?.status)}`); }); // prettier-ignore
  expect(p.status?.automation?.elasticity).toMatchObject({
    enabled: true,
    lastAction: { action: 'ScaleOut' },
  });
  // ESS counts them (attached, entrusted: released by ESS like its own)
  const group = [...h.sim.ess.state.groups.values()].find((g) => g.name.endsWith(name))!;
  expect(group.desiredCapacity).toBe(2);

  // a pod no pool can host: NotTriggerScaleUp naming each pool's reason, nothing launched
  const count = h.sim.cloud.instances.size;
  await deploy(h, ns, 'huge', 1, {}, { cpu: '96', memory: '8Gi' });
  const not = await eventually(
    'NotTriggerScaleUp',
    async () => (await podEvents(ns, 'NotTriggerScaleUp'))[0],
  );
  expect(not.note).toBe(`pod did not trigger scale-up: pool ${name}: needs 96 CPU / 8 GiB, its largest type ecs.g7.2xlarge has 7.9 CPU / 28.3 GiB allocatable`); // prettier-ignore
  expect(h.sim.cloud.instances.size).toBe(count);
});
