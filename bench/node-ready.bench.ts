// npm run bench:node-ready — how long a simulated node takes from its instance's `running` lifecycle event to
// its Node's Ready=True (#7's figure, at time scale 100), and from `stopped` to NotReady.
// A control plane of its own (cached binaries, with kwok), the simulator in this process at time scale 100, the
// node simulation (with admin access, so it follows stops), N instances launched at once with a pool's rendered
// user data through RunInstances; a watch on Nodes sees each Ready transition. Then N/5 instances are stopped
// (StopInstance) and started again. Times are wall-clock ms; `simulatedS` is the same span on the simulated
// clock (× time scale).
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevStack, cachedBinaries } from '../src/devstack/index.js';
import { KubeClient, Resources, loadKubeConfig, type RawWatchEvent } from '../src/kube/index.js';
import { createLogger } from '../src/log.js';
import { startSimulator } from '../src/sim/cloud/index.js';
import { NodeSimulation } from '../src/sim/nodes/index.js';
import { bootFleet } from './boot-fleet.js';

const INSTANCES = Number(process.env.BENCH_NODE_READY_INSTANCES ?? 100);
const STOPS = Math.max(1, Math.floor(INSTANCES / 5));
const TIME_SCALE = 100;
/** Boots at once (the node simulation's default is 2, one per core). */
const CONCURRENCY = process.env.BENCH_NODE_READY_CONCURRENCY
  ? Number(process.env.BENCH_NODE_READY_CONCURRENCY)
  : undefined;
const TIMEOUT_MS = Number(process.env.BENCH_NODE_READY_TIMEOUT_MS ?? 600_000);

const say = (o: unknown) => console.log(JSON.stringify(o));
const binaries = cachedBinaries();
if (!binaries) throw new Error('the control-plane binaries are not built: npm run devstack:build');
await mkdir(join(tmpdir(), 'nodepool-operator-bench'), { recursive: true });
const stack = await DevStack.start({
  runDir: await mkdtemp(join(tmpdir(), 'nodepool-operator-bench', 'ready-')),
  binaries,
});
const log = createLogger({ level: 'silent' });
const sim = await startSimulator({ log, timeScale: TIME_SCALE });
const nodes = new NodeSimulation(sim, {
  apiServer: stack.server,
  kubeconfig: stack.kubeconfig,
  log,
  ...(CONCURRENCY ? { concurrency: CONCURRENCY } : {}),
});
const client = new KubeClient(loadKubeConfig({ kubeconfig: stack.kubeconfig }));
const watchStop = new AbortController();

/** Per instance: when (performance.now()) each lifecycle event and each Ready change was seen. */
const running = new Map<string, number[]>();
const stopped = new Map<string, number>();
const registered = new Map<string, number>();
const readyTrue = new Map<string, number[]>();
const readyLost = new Map<string, number[]>();
const lastReady = new Map<string, boolean>();

function percentiles(values: number[]): { n: number; p50: number; p95: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
  return {
    n: s.length,
    p50: Math.round(at(0.5)),
    p95: Math.round(at(0.95)),
    max: Math.round(s[s.length - 1] ?? NaN),
  };
}
const figure = (label: string, ms: number[]) => {
  const p = percentiles(ms);
  say({
    measure: label,
    ...p,
    unit: 'ms',
    simulatedS: {
      p50: +((p.p50 * TIME_SCALE) / 1000).toFixed(1),
      p95: +((p.p95 * TIME_SCALE) / 1000).toFixed(1),
      max: +((p.max * TIME_SCALE) / 1000).toFixed(1),
    },
  });
};

/** The first time the instance's Node became Ready at or after `t`. */
const readyAfter = (id: string, t: number): number | undefined => readyTrue.get(id)?.find((r) => r >= t);

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = performance.now() + TIMEOUT_MS;
  let last = 0;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`bench:node-ready: timed out waiting for ${what}`);
    if (performance.now() - last > 10_000) {
      process.stderr.write(`bench:node-ready: waiting for ${what}\n`);
      last = performance.now();
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function onNode(e: RawWatchEvent): void {
  const n = e.object as {
    spec?: { providerID?: string };
    status?: { conditions?: { type: string; status: string }[] };
  };
  const id = n.spec?.providerID?.split('.').pop();
  if (!id || e.type === 'DELETED') return;
  const isReady = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const was = lastReady.get(id) ?? false;
  lastReady.set(id, isReady);
  const now = performance.now();
  if (isReady && !was) readyTrue.set(id, [...(readyTrue.get(id) ?? []), now]);
  if (!isReady && was) readyLost.set(id, [...(readyLost.get(id) ?? []), now]);
}

async function watchNodes(): Promise<void> {
  while (!watchStop.signal.aborted) {
    await client
      .watch(Resources.nodes, { timeoutSeconds: 600 }, onNode, watchStop.signal)
      .catch((err: unknown) => {
        if (!watchStop.signal.aborted) process.stderr.write(`node watch: ${String(err)}\n`);
      });
  }
}

try {
  const watching = watchNodes();
  sim.onLifecycle((e) => {
    const id = e.instance.instanceId;
    if (e.type === 'running') running.set(id, [...(running.get(id) ?? []), performance.now()]);
    if (e.type === 'stopped') stopped.set(id, performance.now());
  });
  nodes.onBoot((o) => registered.set(o.instanceId, performance.now()));
  nodes.start();
  const { launch, ecs } = await bootFleet(client, stack, sim);
  async function allReady(ids: string[], what: string): Promise<void> {
    await until(what, () => {
      const failed = ids.filter((i) => nodes.outcomes().get(i)?.error);
      if (failed.length) throw new Error(`boots failed: ${failed.join(', ')}`);
      return ids.every((i) => running.has(i) && readyAfter(i, running.get(i)![0]!) !== undefined);
    });
  }
  const firstReady = (ids: string[]): number[] =>
    ids.map((i) => readyAfter(i, running.get(i)![0]!)! - running.get(i)![0]!);

  // one at a time: a node's own latency, no queue (the first also warms the boot cache's verification)
  const single: string[] = [];
  for (let n = 0; n < 5; n++) {
    const [one] = await launch(1);
    await allReady([one!], 'a single Node Ready');
    single.push(one!);
  }
  figure('instance running → Node Ready (one instance at a time, 5 runs)', firstReady(single));

  const t0 = performance.now();
  const ids = await launch(INSTANCES);
  await allReady(ids, `${INSTANCES} Nodes Ready`);
  const allReadyS = (performance.now() - t0) / 1000;
  figure(`instance running → Node Ready (${INSTANCES} launched at once)`, firstReady(ids));
  figure(
    '  of which: running → registered (boot queue + script + TLS bootstrap)',
    ids.map((i) => registered.get(i)! - running.get(i)![0]!),
  );
  figure(
    '  of which: registered → Ready (kwok)',
    ids.map((i) => readyAfter(i, running.get(i)![0]!)! - registered.get(i)!),
  );
  say({
    measure: `launch → all ${INSTANCES} Nodes Ready`,
    seconds: +allReadyS.toFixed(1),
    concurrency: CONCURRENCY ?? 2,
    cache: nodes.cacheStats() ?? null,
  });

  const stopIds = ids.slice(0, STOPS);
  for (const i of stopIds) await ecs('StopInstance', { InstanceId: i });
  const lostAfterStop = (i: string): number | undefined =>
    readyLost.get(i)?.find((t) => t >= (stopped.get(i) ?? Infinity));
  await until(`${STOPS} Nodes NotReady`, () => stopIds.every((i) => lostAfterStop(i) !== undefined));
  figure(
    `instance stopped → Node NotReady (${STOPS})`,
    stopIds.map((i) => lostAfterStop(i)! - stopped.get(i)!),
  );

  for (const i of stopIds) await ecs('StartInstance', { InstanceId: i });
  const restarted = (i: string): number | undefined => running.get(i)?.[1];
  await until(`${STOPS} Nodes Ready again`, () =>
    stopIds.every((i) => restarted(i) !== undefined && readyAfter(i, restarted(i)!) !== undefined),
  );
  figure(
    `instance started again (running) → Node Ready (${STOPS})`,
    stopIds.map((i) => readyAfter(i, restarted(i)!)! - restarted(i)!),
  );
  watchStop.abort();
  await watching;
} finally {
  watchStop.abort();
  await nodes.stop();
  await client.close();
  await sim.stop();
  await stack.stop();
}
