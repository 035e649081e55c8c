// npm run bench:nodepool — the NodePool controller at scale (issue #9's figures). A control plane of its own
// (the cached binaries), the cloud simulator at an accelerated time scale and the node simulation (boot cache
// on) in this process, and the operator as a child process (`nodepool-operator run`), so that its memory and
// CPU are its own. Phases: create (POOLS × NODES_PER_POOL from scratch), steady state (RSS, CPU, cloud calls
// per minute), label change on a BIG_POOL-node pool. What each figure means: docs/benchmarks.md.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { GROUP, KINDS, VERSION } from '../src/apis/v1beta1/constants.js';
import { installCrds } from '../src/apis/install.js';
import { POOL_LABEL } from '../src/bootstrap/labels.js';
import { DevStack, cachedBinaries } from '../src/devstack/index.js';
import {
  crd,
  KubeClient,
  loadKubeConfig,
  NodeSchema,
  Resources,
  TypedResource,
  type Node,
} from '../src/kube/index.js';
import { createLogger } from '../src/log.js';
import { Informer } from '../src/runtime/informer.js';
import { startSimulator, type Simulator } from '../src/sim/cloud/index.js';
import { NodeSimulation } from '../src/sim/nodes/index.js';
import { overheadOf, quantiles, rateByAction, writeCalls, type PoolTimes } from './nodepool-figures.js';
import { scrape, startOperator } from './operator-process.js';
import { procOf, stopChild } from './process.js';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name}: a number, got ${process.env[name]}`);
  return v;
};
const POOLS = num('NODEPOOL_BENCH_POOLS', 50);
const PER_POOL = num('NODEPOOL_BENCH_NODES_PER_POOL', 20);
const BIG = num('NODEPOOL_BENCH_BIG_POOL', 500);
const STEADY_S = num('NODEPOOL_BENCH_STEADY_SECONDS', 60);
const TIME_SCALE = num('NODEPOOL_BENCH_TIME_SCALE', 100);
/** Steady state starts after this long without a cloud write (and every pool Active). */
const QUIET_S = num('NODEPOOL_BENCH_QUIET_SECONDS', 10);
const TIMEOUT_S = num('NODEPOOL_BENCH_TIMEOUT_SECONDS', 1800);
/** Extra node flags for the operator's process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
const OPERATOR_NODE_ARGS = (process.env.NODEPOOL_BENCH_OPERATOR_NODE_ARGS ?? '').split(' ').filter((a) => a);
const KEEP = process.env.NODEPOOL_BENCH_KEEP === '1';
/** The operator's cloud call budget (`--cloud-qps`); unset: its default (10 calls/s). */
const CLOUD_QPS = process.env.NODEPOOL_BENCH_CLOUD_QPS;
const CLUSTER = 'c-bench';

const NODE_POOLS = crd(GROUP, VERSION, KINDS.NodePool.plural, KINDS.NodePool.kind, false);
const PoolView = z.object({
  metadata: z.object({ name: z.string(), generation: z.number().optional() }),
  status: z
    .object({
      phase: z.string().optional(),
      observedGeneration: z.number().optional(),
      desiredSize: z.number().optional(),
      currentSize: z.number().optional(),
      readySize: z.number().optional(),
    })
    .optional(),
});
type PoolView = z.infer<typeof PoolView>;

const t0 = performance.now();
/** Seconds since the bench started (one clock for every timestamp). */
const now = (): number => (performance.now() - t0) / 1000;
const say = (o: unknown): void => console.log(JSON.stringify(o));
const line = (s: string): void => console.log(s);
const progress = (s: string): void =>
  void process.stderr.write(`[bench:nodepool +${now().toFixed(0)}s] ${s}\n`);
const isReady = (n: Node): boolean =>
  n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** What the bench saw, per pool and per node, on its one clock. */
class Recorder {
  readonly pools = new Map<string, PoolTimes>();
  /** Node name → pool, for the label phase. */
  readonly nodeLabels = new Map<string, Record<string, string>>();
  readonly readyNodes = new Set<string>();
  private lastWriteCount = 0;
  lastWriteAt = 0;

  pool(name: string): PoolTimes {
    let p = this.pools.get(name);
    if (!p) this.pools.set(name, (p = { desired: 0, running: [], ready: [] }));
    return p;
  }

  /** ESS state, every 20 ms: when each pool's group appeared (the first cloud write) and could launch. */
  watchGroups(sim: Simulator): () => void {
    const timer = setInterval(() => {
      const t = now();
      for (const g of sim.ess.state.groups.values()) {
        const name = g.tags.find((x) => x.key === POOL_LABEL)?.value;
        if (!name || !this.pools.has(name)) continue;
        const p = this.pool(name);
        p.groupAt ??= t;
        if (
          p.launchableAt === undefined &&
          g.state === 'Active' &&
          g.activeConfigurationId &&
          (g.desiredCapacity ?? 0) >= p.desired
        )
          p.launchableAt = t;
      }
      const writes = writeCalls(sim.calls.snapshot());
      if (writes !== this.lastWriteCount) {
        this.lastWriteCount = writes;
        this.lastWriteAt = t;
      }
    }, 20);
    return () => clearInterval(timer);
  }

  watchInstances(sim: Simulator): () => void {
    return sim.onLifecycle((e) => {
      if (e.type !== 'running') return;
      const name = e.instance.tags.find((x) => x.key === POOL_LABEL)?.value;
      if (name && this.pools.has(name)) this.pool(name).running.push(now());
    });
  }

  onNode(n: Node): void {
    this.nodeLabels.set(n.metadata.name, n.metadata.labels ?? {});
    if (this.readyNodes.has(n.metadata.name) || !isReady(n)) return;
    this.readyNodes.add(n.metadata.name);
    const name = n.metadata.labels?.[POOL_LABEL];
    if (name && this.pools.has(name)) this.pool(name).ready.push(now());
  }

  onPool(o: PoolView): void {
    const p = this.pools.get(o.metadata.name);
    const s = o.status;
    if (!p || p.activeAt !== undefined || !s) return;
    if (
      s.phase === 'Active' &&
      s.readySize === p.desired &&
      s.currentSize === p.desired &&
      s.observedGeneration === o.metadata.generation
    )
      p.activeAt = now();
  }
}

/** The V8 heap as the operator's own /metrics has it (prom-client's default Node.js metrics), in MB. */
async function heapOf(port: number): Promise<Record<string, number>> {
  const text = await scrape(port);
  const out: Record<string, number> = {};
  for (const [name, key] of [
    ['nodejs_heap_size_used_bytes', 'used'],
    ['nodejs_heap_size_total_bytes', 'total'],
    ['nodejs_external_memory_bytes', 'external'],
  ] as const) {
    // prettier-ignore
    const m = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
    if (m?.[1]) out[key] = round(Number(m[1]) / 1048576, 1);
  }
  return out;
}

/** Polls `done` every 250 ms, printing `status()` every 5 s; throws after TIMEOUT_S. */
async function until(what: string, done: () => boolean, status: () => string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_S * 1000;
  let shown = Date.now();
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${TIMEOUT_S} s (${status()})`);
    if (Date.now() - shown >= 5_000) {
      progress(`${what}: ${status()}`);
      shown = Date.now();
    }
    await sleep(250);
  }
}

const binaries = cachedBinaries();
if (!binaries) throw new Error('the control-plane binaries are not built: npm run devstack:build');
await mkdir(join(tmpdir(), 'nodepool-operator-bench'), { recursive: true });
const runDir = await mkdtemp(join(tmpdir(), 'nodepool-operator-bench', 'nodepool-'));
const quiet = createLogger({ level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];
let failed = false;
let cleaning: Promise<void> | undefined;
const cleanUp = (): Promise<void> =>
  (cleaning ??= (async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        process.stderr.write(`cleanup: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
    if (KEEP) progress(`kept ${runDir} (NODEPOOL_BENCH_KEEP=1)`);
    else await rm(runDir, { recursive: true, force: true });
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping everything`);
    void cleanUp().then(() => process.exit(130));
  });
}
try {
  progress(
    `pools ${POOLS} × ${PER_POOL} nodes, big pool ${BIG}, steady ${STEADY_S} s, time scale ${TIME_SCALE}, operator cloud QPS ${CLOUD_QPS ?? 'default'}; run folder ${runDir}`,
  );
  const stack = await DevStack.start({ runDir: join(runDir, 'cluster'), binaries });
  cleanups.push(() => stack.stop({ removeRunDir: true }));
  await installCrds(stack.binaries.bin.kubectl, stack.kubeconfig);
  const sim = await startSimulator({ log: quiet, timeScale: TIME_SCALE });
  cleanups.push(() => sim.stop());
  const nodeSim = new NodeSimulation(sim, { apiServer: stack.server, log: quiet, cacheBoots: true });
  nodeSim.start();
  cleanups.push(() => nodeSim.stop());
  const client = new KubeClient(loadKubeConfig({ kubeconfig: stack.kubeconfig }), { connections: 16 });
  cleanups.push(() => client.close());

  const rec = new Recorder();
  cleanups.push(rec.watchGroups(sim), rec.watchInstances(sim));
  const nodes = new Informer({
    client,
    ref: Resources.nodes,
    schema: NodeSchema,
    logger: quiet,
    labelSelector: POOL_LABEL,
  });
  const pools = new Informer({ client, ref: NODE_POOLS, schema: PoolView, logger: quiet });
  nodes.addEventHandler({ add: (n) => rec.onNode(n), update: (_, n) => rec.onNode(n) });
  pools.addEventHandler({ add: (o) => rec.onPool(o), update: (_, o) => rec.onPool(o) });
  nodes.start();
  pools.start();
  cleanups.push(
    () => nodes.stop(),
    () => pools.stop(),
  );
  await Promise.all([nodes.waitForSync(), pools.waitForSync()]);

  const operatorLog = join(runDir, 'operator.log');
  const operator = await startOperator(stack, sim, operatorLog, {
    cluster: CLUSTER,
    nodeArgs: OPERATOR_NODE_ARGS,
    logLevel: process.env.NODEPOOL_BENCH_OPERATOR_LOG_LEVEL,
    args: CLOUD_QPS
      ? ['--cloud-qps', CLOUD_QPS, '--cloud-burst', String(Math.max(20, 2 * Number(CLOUD_QPS)))]
      : [],
  });
  cleanups.push(() => stopChild(operator));
  const pid = operator.pid!;
  progress(`operator running (pid ${pid}, log ${operatorLog}); ${JSON.stringify(await procOf(pid))}`);

  const region = sim.world.regions[0]!;
  const vpc = region.vpcs[0]!;
  const poolApi = new TypedResource(client, NODE_POOLS, PoolView);
  const manifest = (name: string, desired: number) => ({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'NodePool',
    metadata: { name },
    spec: {
      region: region.regionId,
      vpcId: vpc.vpcId,
      vSwitchIds: vpc.vSwitches.filter((v) => v.name.startsWith('nodes-')).map((v) => v.vSwitchId),
      scaling: { mode: 'Manual', desiredSize: desired },
      billing: { chargeType: 'PayAsYouGo' },
      instanceTypes: ['ecs.g7.xlarge', 'ecs.c7.xlarge'],
      image: { type: 'AliyunLinux3ContainerOptimized' },
      ramRoleName: 'k8s-worker-role',
      securityGroup: { ids: [region.securityGroups[0]!.securityGroupId] },
      labels: { 'bench.nodepool.alicloud.dev/revision': 'one' },
      // the node simulation boots 1-9 nodes/s on a shared 2-core machine: a 1,000-node create keeps instances
      // Running in its boot queue for minutes, which the default 10 min must not mistake for failed registrations
      registrationTimeout: '60m',
    },
  });
  const snapshot = () => sim.calls.snapshot();

  // ---------------------------------------------------------------- a. create
  const names = Array.from({ length: POOLS }, (_, i) => `bench-${String(i).padStart(3, '0')}`);
  for (const n of names) rec.pool(n).desired = PER_POOL;
  const callsBefore = snapshot();
  const createStart = now();
  await Promise.all(
    names.map(async (n) => {
      await poolApi.create(manifest(n, PER_POOL));
      rec.pool(n).appliedAt = now();
    }),
  );
  const total = POOLS * PER_POOL;
  const created = () => names.map((n) => rec.pool(n));
  await until(
    'create',
    () => created().every((p) => p.activeAt !== undefined),
    () => {
      const ps = created();
      return `nodes Ready ${ps.reduce((s, p) => s + p.ready.length, 0)}/${total}, instances Running ${ps.reduce((s, p) => s + p.running.length, 0)}/${total}, pools Active ${ps.filter((p) => p.activeAt !== undefined).length}/${POOLS}`;
    },
  );
  const allReady = Math.max(...created().map((p) => Math.max(...p.ready)));
  const allActive = Math.max(...created().map((p) => p.activeAt!));
  const createCalls = rateByAction(callsBefore, snapshot(), 0);
  const per = created().map((p) => overheadOf(p));
  const create = {
    pools: POOLS,
    nodesPerPool: PER_POOL,
    timeScale: TIME_SCALE,
    wallToAllReadyS: round(allReady - createStart),
    wallToAllActiveS: round(allActive - createStart),
    operatorOverheadS: quantiles(per.map((o) => o.overhead)),
    beforeLaunchS: quantiles(per.map((o) => o.beforeLaunch)),
    afterLastReadyS: quantiles(per.map((o) => o.afterLastReady)),
    cloudProvisioningS: quantiles(per.map((o) => o.cloud)),
    nodeBootS: quantiles(per.map((o) => o.boot)),
    cloudCalls: createCalls.total,
    cloudCallsByAction: createCalls.byAction,
  };
  line(
    `create: ${total} nodes in ${POOLS} pools Ready ${create.wallToAllReadyS} s after the apply (all Active ${create.wallToAllActiveS} s); operator overhead per pool p50 ${create.operatorOverheadS.p50} s, max ${create.operatorOverheadS.max} s (goal <= 5 s); ${create.cloudCalls} cloud calls`,
  );
  say({ create });

  // ---------------------------------------------------------------- b. steady state
  await until(
    `quiet (no cloud write for ${QUIET_S} s)`,
    () => now() - rec.lastWriteAt >= QUIET_S,
    () => `last cloud write ${round(now() - rec.lastWriteAt, 1)} s ago`,
  );
  const s0 = snapshot();
  const p0 = await procOf(pid);
  const rss: number[] = [];
  const steadyStart = now();
  while (now() - steadyStart < STEADY_S) {
    rss.push((await procOf(pid)).rssMB);
    if (rss.length % 10 === 0)
      progress(`steady: ${rss.length}/${STEADY_S} s, RSS ${round(rss[rss.length - 1]!, 1)} MB`);
    await sleep(1_000);
  }
  const p1 = await procOf(pid);
  const seconds = now() - steadyStart;
  const heap = await heapOf(operator.metrics);
  const steadyCalls = rateByAction(s0, snapshot(), seconds / 60);
  const steady = {
    nodes: nodes.list().length,
    seconds: round(seconds, 1),
    rssMB: {
      mean: round(rss.reduce((s, x) => s + x, 0) / rss.length, 1),
      max: round(Math.max(...rss), 1),
      peakSinceStart: round(p1.hwmMB, 1),
    },
    heapMB: heap,
    cpuPercentOfCore: round(((p1.cpuS - p0.cpuS) / seconds) * 100),
    cloudCallsPerMinute: steadyCalls.total,
    cloudCallsPerMinuteByAction: steadyCalls.byAction,
  };
  line(
    `steady: ${steady.nodes} nodes, over ${steady.seconds} s: operator RSS ${steady.rssMB.mean} MB (max ${steady.rssMB.max}; goal <= 200), CPU ${steady.cpuPercentOfCore} % of a core (goal <= 2), ${steady.cloudCallsPerMinute} cloud calls/min`,
  );
  say({ steady });

  // ---------------------------------------------------------------- c. label change on a big pool
  let labels: Record<string, unknown> = { skipped: 'NODEPOOL_BENCH_BIG_POOL=0' };
  if (BIG > 0) {
    const big = 'bench-big';
    rec.pool(big).desired = BIG;
    const bigStart = now();
    await poolApi.create(manifest(big, BIG));
    rec.pool(big).appliedAt = now();
    const b = rec.pool(big);
    await until(
      'big pool',
      () => b.activeAt !== undefined,
      () => `nodes Ready ${b.ready.length}/${BIG}, instances Running ${b.running.length}/${BIG}`,
    );
    const bigReadyS = round(b.activeAt! - bigStart);
    const bigOverhead = overheadOf(b);
    const key = 'bench.nodepool.alicloud.dev/revision';
    const bigNodes = () => nodes.list().filter((n) => n.metadata.labels?.[POOL_LABEL] === big);
    const carrying = () =>
      bigNodes().filter((n) => rec.nodeLabels.get(n.metadata.name)?.[key] === 'two').length;
    const c0 = snapshot();
    const changeStart = now();
    await poolApi.mergePatch(big, { spec: { labels: { [key]: 'two' } } });
    await until(
      'label change',
      () => carrying() === BIG,
      () => `${carrying()}/${BIG} Nodes carry the new label`,
    );
    const labelS = round(now() - changeStart);
    const labelCalls = rateByAction(c0, snapshot(), 0);
    labels = {
      pool: big,
      nodes: BIG,
      createdActiveS: bigReadyS,
      createOverheadS: round(bigOverhead.overhead),
      labelAppliedToAllS: labelS,
      cloudCalls: labelCalls.total,
      cloudCallsByAction: labelCalls.byAction,
    };
    line(
      `label change: a ${BIG}-node pool (its own, created Active in ${bigReadyS} s) had the new label on every Node ${labelS} s after the spec change (goal <= 10 s)`,
    );
  }
  say({ labels });
  const after = await procOf(pid);
  say({
    summary: {
      create,
      steady,
      labels,
      operatorPeakRssMB: round(after.hwmMB, 1),
      bootCache: nodeSim.cacheStats() ?? null,
    },
  });
} catch (err) {
  failed = true;
  process.stderr.write(
    `bench:nodepool failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  const log = await readFile(join(runDir, 'operator.log'), 'utf8').catch(() => '');
  if (log)
    process.stderr.write(
      `the operator's last log lines:\n${log.trimEnd().split('\n').slice(-20).join('\n')}\n`,
    );
} finally {
  await cleanUp();
}
process.exit(failed ? 1 : 0);
