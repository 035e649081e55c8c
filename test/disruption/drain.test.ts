import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { API_VERSION, Annotation } from '../../src/apis/v1beta1/constants.js';
import { POOL_LABEL } from '../../src/bootstrap/labels.js';
import { Registry } from 'prom-client';
import { DrainMetrics, Drainer, type DrainResult } from '../../src/controllers/disruption/index.js';
import {
  KubeClient,
  NodeSchema,
  NotFoundError,
  PodSchema,
  Resources,
  TypedResource,
  loadKubeConfig,
  type Pod,
} from '../../src/kube/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { FakeClock } from '../../src/runtime/fake-clock.js';
import { testCluster } from '../support/access.js';
import { eventually, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { createKwokNode, eventsAbout, quietLogger, recorder } from './support.js';

// Clocks: the API server, the controller manager (PDB status, DaemonSets) and kwok (pods Running, deleted on
// graceful deletion) run in real time and are polled with deadlines; the drain timeout is measured on the
// Drainer's clock, a FakeClock in the timeout test, so no test waits for it in real time.

const ns = uniqueName('drain');
const pool = uniqueName('drain-pool');
const poolRef = { apiVersion: API_VERSION, kind: 'NodePool', name: pool };
const created: string[] = [];
let client: KubeClient;
let nodes: TypedResource<typeof NodeSchema>;
let pods: TypedResource<typeof PodSchema>;

async function newNode(opts: { unschedulable?: boolean } = {}): Promise<string> {
  const name = uniqueName('drain-node');
  created.push(name);
  await createKwokNode(client, name, { labels: { [POOL_LABEL]: pool, 'drain-test': name }, ...opts });
  return name;
}

function pod(
  name: string,
  node: string,
  opts: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): unknown {
  // prettier-ignore
  return {
    metadata: { name, namespace: ns, labels: { app: name, ...opts.labels }, annotations: opts.annotations ?? {} },
    spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'registry.example/app:1' }] }, // prettier-ignore
  };
}

async function podsOn(node: string): Promise<Pod[]> {
  return (await pods.list({ namespace: ns, fieldSelector: `spec.nodeName=${node}` })).items;
}

async function runningOn(node: string, n: number): Promise<Pod[]> {
  return eventually(`${n} Running pods on ${node}`, async () => {
    const list = (await podsOn(node)).filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
    return list.length === n ? list : undefined;
  }, { timeoutMs: 90_000 }); // prettier-ignore
}

/** Call drainStep as a controller would (each time its retry hint passes, here polled) until it says done. */
async function drainUntilDone(
  drainer: Drainer,
  node: string,
): Promise<{ done: DrainResult; steps: DrainResult[] }> {
  const steps: DrainResult[] = [];
  const done = await eventually(`node ${node} drained`, async () => {
    const r = await drainer.drainStep({ node, pool, poolRef, drainTimeoutMs: 600_000 });
    steps.push(r);
    return r.state === 'done' ? r : undefined;
  }, { timeoutMs: 90_000, intervalMs: 500 }); // prettier-ignore
  return { done, steps };
}

beforeAll(async () => {
  client = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().kubeconfig }));
  nodes = new TypedResource(client, Resources.nodes, NodeSchema);
  pods = new TypedResource(client, Resources.pods, PodSchema);
  await kubectlOk(['create', 'namespace', ns]);
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
  for (const n of created) await kubectl(['delete', 'node', n, '--wait=false']);
  await client.close();
});

describe('Drainer.drainStep against the API server', () => {
  test('cordons, evicts every pod, ignores DaemonSet pods, and reports done', async () => {
    const node = await newNode();
    await pods.create(pod('web-0', node), ns);
    await pods.create(pod('web-1', node), ns);
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent', namespace: ns },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: {
            metadata: { labels: { app: 'agent' } },
            spec: { nodeSelector: { 'drain-test': node }, containers: [{ name: 'c', image: 'registry.example/agent:1' }] }, // prettier-ignore
          },
        },
      }),
    });
    await runningOn(node, 3);

    const metrics = new DrainMetrics(new Registry());
    const drainer = new Drainer({ client, clock: systemClock, logger: quietLogger, events: recorder(client), metrics }); // prettier-ignore
    const { steps } = await drainUntilDone(drainer, node);
    expect(await metrics.value('evictions', { pool, result: 'evicted' })).toBe(2);
    expect(await metrics.value('drains', { pool, milestone: 'started' })).toBe(1);
    expect(await metrics.value('drains', { pool, milestone: 'done' })).toBe(1);
    expect(steps[0]).toMatchObject({ state: 'waiting' });
    const first = steps[0]!;
    if (first.state !== 'waiting') return;
    expect(first.evicted.map((p) => p.name).sort()).toEqual(['web-0', 'web-1']);

    const n = await nodes.get(node);
    expect(n.spec?.unschedulable).toBe(true);
    expect(n.metadata.annotations?.[Annotation.cordoned]).toBe('true');
    expect(Date.parse(n.metadata.annotations?.[Annotation.drainStarted] ?? '')).not.toBeNaN();
    const left = await podsOn(node);
    expect(left.map((p) => p.metadata.ownerReferences?.[0]?.kind)).toEqual(['DaemonSet']);
    expect(left[0]?.metadata.deletionTimestamp).toBeUndefined();
    const reasons = (await eventsAbout(client, node)).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Draining', 'Drained']));
    expect((await eventsAbout(client, pool)).map((e) => e.reason)).toEqual(
      expect.arrayContaining(['Draining']),
    );
  });

  test('a PodDisruptionBudget that allows no disruption blocks the drain (429) until it is relaxed', async () => {
    const node = await newNode();
    await pods.create(pod('db-0', node, { labels: { role: 'db' } }), ns);
    await pods.create(pod('db-1', node, { labels: { role: 'db' } }), ns);
    const pdb = (minAvailable: number): string => JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', namespace: ns }, spec: { minAvailable, selector: { matchLabels: { role: 'db' } } } }); // prettier-ignore
    await kubectlOk(['apply', '-f', '-'], { input: pdb(2) });
    await runningOn(node, 2);
    await eventually('the budget computed', async () => {
      const s = JSON.parse(await kubectlOk(['get', 'pdb', 'db', '-n', ns, '-o', 'json'])) as { status?: { currentHealthy?: number; observedGeneration?: number } }; // prettier-ignore
      return s.status?.currentHealthy === 2 ? true : undefined;
    });

    const metrics = new DrainMetrics(new Registry());
    const drainer = new Drainer({ client, clock: systemClock, logger: quietLogger, metrics });
    for (let i = 0; i < 2; i++) {
      const r = await drainer.drainStep({ node, pool, drainTimeoutMs: 600_000 });
      expect(r.state).toBe('waiting');
      if (r.state !== 'waiting') return;
      expect(r.evicted).toEqual([]);
      expect(r.pastTimeout).toBe(false);
      expect(r.blockers.map((b) => [b.pod.name, b.reason, b.pdb])).toEqual([
        ['db-0', 'PodDisruptionBudget', 'db'],
        ['db-1', 'PodDisruptionBudget', 'db'],
      ]);
      expect(r.retryAfterMs).toBeGreaterThan(0);
    }
    expect((await podsOn(node)).every((p) => !p.metadata.deletionTimestamp)).toBe(true);
    expect(await metrics.value('evictions', { pool, result: 'pdb_blocked' })).toBe(4);

    await kubectlOk(['apply', '-f', '-'], { input: pdb(0) });
    await drainUntilDone(drainer, node);
    expect(await podsOn(node)).toEqual([]);
  });

  test('a do-not-disrupt pod blocks and is never evicted; past drainTimeout the drain reports it, across a restart, and an abort un-cordons', async () => {
    const node = await newNode();
    await pods.create(pod('precious', node, { annotations: { [Annotation.doNotDisrupt]: 'true' } }), ns);
    await pods.create(pod('plain', node), ns);
    await runningOn(node, 2);
    const clock = new FakeClock(Date.now());
    const drainTimeoutMs = 15 * 60_000;
    const events = recorder(client);
    const drainer = new Drainer({ client, clock, logger: quietLogger, events });

    const waiting = await eventually('only the protected pod left', async () => {
      const r = await drainer.drainStep({ node, pool, poolRef, drainTimeoutMs });
      return r.state === 'waiting' && r.blockers.length === 1 ? r : undefined;
    }, { intervalMs: 500 }); // prettier-ignore
    expect(waiting).toMatchObject({ pastTimeout: false, blockers: [{ pod: { name: 'precious' }, reason: 'DoNotDisrupt' }] }); // prettier-ignore
    expect((await eventsAbout(client, node)).map((e) => e.reason)).not.toContain('DrainBlocked');

    clock.advance(drainTimeoutMs + 1_000);
    const blocked = await drainer.drainStep({ node, pool, poolRef, drainTimeoutMs });
    expect(blocked).toMatchObject({ state: 'waiting', pastTimeout: true, startedAt: waiting.startedAt });
    if (blocked.state !== 'waiting') return;
    expect(blocked.elapsedMs).toBeGreaterThanOrEqual(drainTimeoutMs);
    expect(blocked.blockers.map((b) => [b.pod.name, b.reason])).toEqual([['precious', 'DoNotDisrupt']]);
    for (const subject of [node, pool]) {
      const warning = (await eventsAbout(client, subject)).find((e) => e.reason === 'DrainBlocked');
      expect(warning).toMatchObject({ type: 'Warning' });
      expect(warning?.note).toContain(`${ns}/precious (do-not-disrupt)`);
    }

    // a restarted operator (a new Drainer, no memory) continues the same drain and its timeout
    const restarted = new Drainer({ client, clock, logger: quietLogger });
    const again = await restarted.drainStep({ node, pool, drainTimeoutMs });
    expect(again).toMatchObject({ state: 'waiting', pastTimeout: true, startedAt: waiting.startedAt });

    const precious = await pods.get('precious', ns);
    expect(precious.metadata.deletionTimestamp).toBeUndefined();
    expect(precious.status?.phase).toBe('Running');

    expect(await restarted.cancelDrain(node, { pool })).toBe(true);
    const n = await nodes.get(node);
    expect(n.spec?.unschedulable).toBeFalsy();
    expect(n.metadata.annotations?.[Annotation.cordoned]).toBeUndefined();
    expect(n.metadata.annotations?.[Annotation.drainStarted]).toBeUndefined();
    expect(await restarted.cancelDrain(node, { pool })).toBe(false);
  });

  test('an unreachable Node whose machine is released: its pods past their deletion grace are deleted (they never finish terminating); never within the grace, never without abandonUnreachable', async () => {
    // a Node no kubelet (nor kwok) answers for, its Ready condition Unknown as the node lifecycle controller sets it
    const node = uniqueName('drain-gone');
    created.push(node);
    await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { [POOL_LABEL]: pool } } }); // prettier-ignore
    await nodes.patchStatus(node, { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }] }); // prettier-ignore
    const short = pod('stuck', node) as { spec: Record<string, unknown> };
    short.spec.terminationGracePeriodSeconds = 1;
    const long = pod('patient', node) as { spec: Record<string, unknown> };
    long.spec.terminationGracePeriodSeconds = 3600;
    await pods.create(short, ns);
    await pods.create(long, ns);
    const metrics = new DrainMetrics(new Registry());
    const drainer = new Drainer({ client, clock: systemClock, logger: quietLogger, events: recorder(client), metrics }); // prettier-ignore
    const req = { node, pool, poolRef, drainTimeoutMs: 600_000 };
    // without abandonUnreachable: evicted, then terminating for ever
    const first = await drainer.drainStep(req);
    expect(first).toMatchObject({ state: 'waiting' });
    const stuck = await eventually('the evicted pods terminating past the short grace', async () => {
      const r = await drainer.drainStep(req);
      const terminating = (await podsOn(node)).filter((p) => p.metadata.deletionTimestamp);
      const past = terminating.some((p) => p.metadata.name === 'stuck' && Date.parse(p.metadata.deletionTimestamp!) < Date.now() - 1_000); // prettier-ignore
      return r.state === 'waiting' && terminating.length === 2 && past ? r : undefined;
    }, { intervalMs: 500 }); // prettier-ignore
    expect(stuck.state === 'waiting' && stuck.blockers.map((b) => [b.pod.name, b.reason])).toEqual([['patient', 'Terminating'], ['stuck', 'Terminating']]); // prettier-ignore
    // the machine is released: the pod past its grace goes; the one within its grace stays
    const forced = await drainer.drainStep({ ...req, abandonUnreachable: true });
    expect(forced).toMatchObject({ state: 'waiting', forced: [{ namespace: ns, name: 'stuck' }] });
    expect((await podsOn(node)).map((p) => p.metadata.name)).toEqual(['patient']);
    expect(await metrics.value('evictions', { pool, result: 'force_deleted' })).toBe(1);
    const warning = (await eventsAbout(client, node)).find((e) => e.reason === 'PodsForceDeleted');
    expect(warning).toMatchObject({ type: 'Warning' });
    expect(warning?.note).toContain(`${ns}/stuck`);
  });

  test('a Node someone else cordoned stays cordoned when the drain is aborted; a missing Node is gone', async () => {
    const node = await newNode({ unschedulable: true });
    const drainer = new Drainer({ client, clock: systemClock, logger: quietLogger });
    const r = await drainer.drainStep({ node, pool, drainTimeoutMs: 600_000 });
    expect(r.state).toBe('done');
    const n = await nodes.get(node);
    expect(n.metadata.annotations?.[Annotation.cordoned]).toBeUndefined();
    expect(n.metadata.annotations?.[Annotation.drainStarted]).toBeDefined();
    expect(await drainer.cancelDrain(node, { pool })).toBe(true);
    expect((await nodes.get(node)).spec?.unschedulable).toBe(true);

    await expect(drainer.drainStep({ node: 'no-such-node', pool, drainTimeoutMs: 1 })).resolves.toEqual({ state: 'gone', node: 'no-such-node' }); // prettier-ignore
    await expect(nodes.get('no-such-node')).rejects.toBeInstanceOf(NotFoundError);
  });
});
