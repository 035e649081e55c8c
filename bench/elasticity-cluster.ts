// The end-to-end half of `npm run bench:elasticity`: a control plane of its own (the cached binaries, with kwok
// running the pods), the cloud simulator and the node simulation (boot cache on) in this process, and the
// operator as a child process (`nodepool-operator run`), so that its memory and CPU are its own.
// a. Karpenter's basic workload applied at once onto Auto pools at 0 nodes: time to all Running, nodes, cost,
//    utilisation, the operator's RSS and CPU meanwhile;
// b. pods arriving in bursts: the decision latency (unschedulable → scale-out call) from the operator's
//    `nodepool_provisioning_decision_seconds` histogram, and apply → first launch per burst.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { GROUP, KINDS, VERSION } from '../src/apis/v1beta1/constants.js';
import { installCrds } from '../src/apis/install.js';
import { POOL_LABEL } from '../src/bootstrap/labels.js';
import { instanceIdOf } from '../src/controllers/nodepool/observe.js';
import { DevStack, cachedBinaries } from '../src/devstack/index.js';
import { crd, KubeClient, loadKubeConfig, NodeSchema, PodSchema, Resources, TypedResource, type Node, type Pod } from '../src/kube/index.js'; // prettier-ignore
import { createLogger } from '../src/log.js';
import { Informer } from '../src/runtime/informer.js';
import { priceOf } from '../src/sim/cloud/world.js';
import { startSimulator, type Simulator } from '../src/sim/cloud/index.js';
import { NodeSimulation } from '../src/sim/nodes/index.js';
import { cpuMillis, mebibytes } from '../src/util/quantity.js';
import { CHEAPEST_RATES } from './elasticity-sim.js';
import { procOf, scrape, startOperator, stopOperator, type OperatorProcess } from './operator-process.js';

const run = promisify(execFile);
const REPLANNED = 'nodepool_provisioning_pods_replanned_total';
const NODE_POOLS = crd(GROUP, VERSION, KINDS.NodePool.plural, KINDS.NodePool.kind, false);
const PoolView = z.object({ metadata: z.object({ name: z.string() }), status: z.object({ phase: z.string().optional(), scalingGroupId: z.string().optional() }).optional() }); // prettier-ignore
const quiet = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

export interface ClusterOptions {
  /** Pods of the Karpenter workload (half small, half large). */
  pods: number;
  timeScale: number;
  bursts: number;
  burstPods: number;
  burstIntervalS: number;
  timeoutS: number;
  keep: boolean;
  progress: (s: string) => void;
}

export interface WorkloadFigures {
  pods: number;
  nodes: number;
  byType: Record<string, number>;
  costPerHour: number;
  boundPerHour: number;
  cpuUtil: number;
  memUtil: number;
  /** Apply → every pod Running (wall seconds, and on the simulator's clock). */
  allRunningS: number;
  allRunningSimS: number;
  firstLaunchS: number;
  lastLaunchS: number;
  /** The longest launch → Node Ready of one instance (wall). */
  slowestBootS: number;
  /** allRunningS − slowestBootS: what the operator and the scheduler add to the slowest node's boot. */
  overS: number;
  rssP95MB: number;
  rssMaxMB: number;
  cpuCores: number;
  decision: Quantiles;
  /** Pods launched for again after the scheduler gave the room counted for them to other pods. */
  replanned: number;
}

export interface BurstFigures {
  bursts: number;
  podsPerBurst: number;
  decisions: number;
  decision: Quantiles;
  /** Per burst: its Deployment applied → the first RunInstances after it (wall seconds). */
  applyToLaunch: { p50: number; max: number };
  nodes: number;
  replanned: number;
}

export interface Quantiles {
  p50: number;
  p99: number;
  count: number;
}

/** Histogram buckets of a metric from a /metrics text: le → cumulative count. */
export function buckets(text: string, metric: string): Map<number, number> {
  const out = new Map<number, number>();
  const re = new RegExp(`^${metric}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) out.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  return out;
}

/** The value of an unlabelled counter or gauge in a /metrics text (0 when absent). */
export function valueOf(text: string, metric: string): number {
  return Number(new RegExp(`^${metric} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
}

/** p50 / p99 of the observations between two scrapes, interpolated in the bucket as histogram_quantile does. */
export function histogramQuantiles(before: Map<number, number>, after: Map<number, number>): Quantiles {
  const les = [...after.keys()].sort((a, b) => a - b);
  const cum = les.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const count = cum[cum.length - 1] ?? 0;
  const q = (p: number): number => {
    if (count === 0) return NaN;
    const rank = p * count;
    for (let i = 0; i < les.length; i++) {
      if (cum[i]! < rank) continue;
      const hi = les[i]!;
      const lo = i === 0 ? 0 : les[i - 1]!;
      if (hi === Infinity) return lo;
      const below = i === 0 ? 0 : cum[i - 1]!;
      return lo + ((hi - lo) * (rank - below)) / Math.max(1, cum[i]! - below);
    }
    return NaN;
  };
  return { p50: round(q(0.5), 3), p99: round(q(0.99), 3), count };
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)] ?? NaN;
};

/** One cluster (control plane, simulator, node simulation, operator) for both phases; stopped by `stop`. */
class Cluster {
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  readonly t0 = performance.now();
  stack!: DevStack;
  sim!: Simulator;
  client!: KubeClient;
  operator!: OperatorProcess;
  nodes!: Informer<Node>;
  pods!: Informer<Pod>;
  /** instance id → when it was launched / Running (bench seconds); node name → first Ready. */
  readonly launched = new Map<string, { at: number; sim: number; type: string; zone: string }>();
  readonly readyAt = new Map<string, number>();
  readonly runningAt = new Map<string, number>();

  constructor(
    private readonly o: ClusterOptions,
    private readonly runDir: string,
  ) {}

  now(): number {
    return (performance.now() - this.t0) / 1000;
  }

  async start(): Promise<void> {
    const binaries = cachedBinaries();
    if (!binaries) throw new Error('the control-plane binaries are not built: npm run devstack:build');
    this.stack = await DevStack.start({ runDir: join(this.runDir, 'cluster'), binaries });
    this.cleanups.push(() => this.stack.stop({ removeRunDir: true }));
    await installCrds(this.stack.binaries.bin.kubectl, this.stack.kubeconfig);
    this.sim = await startSimulator({ log: quiet, timeScale: this.o.timeScale });
    this.cleanups.push(() => this.sim.stop());
    const nodeSim = new NodeSimulation(this.sim, {
      apiServer: this.stack.server,
      log: quiet,
      cacheBoots: true,
    });
    nodeSim.start();
    this.cleanups.push(() => nodeSim.stop());
    this.client = new KubeClient(loadKubeConfig({ kubeconfig: this.stack.kubeconfig }), { connections: 16 });
    this.cleanups.push(() => this.client.close());
    this.cleanups.push(
      this.sim.onLifecycle((e) => {
        if (e.type === 'launched') this.launched.set(e.instance.instanceId, { at: this.now(), sim: this.sim.clock.now() / 1000, type: e.instance.instanceType, zone: e.instance.zoneId }); // prettier-ignore
      }),
    );
    this.nodes = new Informer({ client: this.client, ref: Resources.nodes, schema: NodeSchema, logger: quiet, labelSelector: POOL_LABEL }); // prettier-ignore
    const onNode = (n: Node): void => {
      if (!this.readyAt.has(n.metadata.name) && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) this.readyAt.set(n.metadata.name, this.now()); // prettier-ignore
    };
    this.nodes.addEventHandler({ add: onNode, update: (_o, n) => onNode(n) });
    this.pods = new Informer({ client: this.client, ref: Resources.pods, schema: PodSchema, logger: quiet });
    const onPod = (p: Pod): void => {
      const k = `${p.metadata.namespace}/${p.metadata.name}`;
      if (!this.runningAt.has(k) && p.status?.phase === 'Running') this.runningAt.set(k, this.now());
    };
    this.pods.addEventHandler({ add: onPod, update: (_o, p) => onPod(p) });
    this.nodes.start();
    this.pods.start();
    this.cleanups.push(
      () => this.nodes.stop(),
      () => this.pods.stop(),
    );
    await Promise.all([this.nodes.waitForSync(), this.pods.waitForSync()]);
    const log = join(this.runDir, 'operator.log');
    this.operator = await startOperator(this.stack, this.sim, log, { cluster: 'c-ela-bench', logLevel: process.env.NODEPOOL_BENCH_OPERATOR_LOG_LEVEL ?? 'warn' }); // prettier-ignore
    this.cleanups.push(() => stopOperator(this.operator));
    this.o.progress(`operator running (pid ${this.operator.pid}, log ${log})`);
  }

  async stop(): Promise<void> {
    for (const c of this.cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        process.stderr.write(`cleanup: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }

  async kubectl(args: string[], input?: string): Promise<void> {
    const child = run(this.stack.binaries.bin.kubectl, ['--kubeconfig', this.stack.kubeconfig, ...args]);
    if (input !== undefined) child.child.stdin?.end(input);
    await child;
  }

  async until(what: string, done: () => boolean, status: () => string): Promise<void> {
    const deadline = Date.now() + this.o.timeoutS * 1000;
    let shown = Date.now();
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`${what}: not done after ${this.o.timeoutS} s (${status()})`);
      if (Date.now() - shown >= 5_000) {
        this.o.progress(`${what}: ${status()}`);
        shown = Date.now();
      }
      await sleep(200);
    }
  }

  /** One Auto NodePool per x86 family of the simulator's catalogue (every size), over its 3 zones. */
  async createPools(): Promise<string[]> {
    const region = this.sim.world.regions[0]!;
    const vpc = region.vpcs[0]!;
    const types = this.sim.world.instanceTypes.filter((t) => t.architecture === 'X86' && t.gpuAmount === 0 && t.localStorageAmount === 0); // prettier-ignore
    const families = [...new Set(types.map((t) => t.family))];
    const api = new TypedResource(this.client, NODE_POOLS, PoolView);
    const names = families.map((f) => f.replace('ecs.', ''));
    await Promise.all(
      families.map((f, i) =>
        api.create({
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'NodePool',
          metadata: { name: names[i]! },
          spec: {
            region: region.regionId,
            vpcId: vpc.vpcId,
            vSwitchIds: vpc.vSwitches.filter((v) => v.name.startsWith('nodes-')).map((v) => v.vSwitchId),
            scaling: { mode: 'Auto', minSize: 0, maxSize: 500 },
            billing: { chargeType: 'PayAsYouGo' },
            instanceTypes: types.filter((t) => t.family === f).map((t) => t.instanceType),
            image: { type: 'AliyunLinux3ContainerOptimized' },
            ramRoleName: 'k8s-worker-role',
            securityGroup: { ids: [region.securityGroups[0]!.securityGroupId] },
          },
        }),
      ),
    );
    const active = async (): Promise<number> => (await api.list()).items.filter((p) => p.status?.phase === 'Active' && p.status.scalingGroupId).length; // prettier-ignore
    let n: number;
    const deadline = Date.now() + this.o.timeoutS * 1000;
    while ((n = await active()) < names.length) {
      if (Date.now() > deadline) throw new Error(`pools not Active: ${n}/${names.length}`);
      await sleep(500);
    }
    // the operator fetches prices, stock and each pool's launch while no pod waits: let it finish, as a
    // cluster whose pools exist before its pods would
    let last = -1;
    let stableSince = Date.now();
    while (Date.now() - stableSince < 3_000) {
      const c = this.sim.calls.snapshot();
      const reads = (c.DescribePrice ?? 0) + (c.DescribeAvailableResource ?? 0) + (c.DescribeImages ?? 0);
      if (reads !== last || reads === 0) {
        last = reads;
        stableSince = Date.now();
      }
      if (Date.now() > deadline) break;
      await sleep(250);
    }
    return names;
  }

  deployment(ns: string, name: string, replicas: number, cpu: string, memory: string): string {
    return JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu, memory } } }] }, // prettier-ignore
        },
      },
    });
  }

  running(ns: string): number {
    let n = 0;
    for (const k of this.runningAt.keys()) if (k.startsWith(`${ns}/`)) n++;
    return n;
  }
}

/** Phase a: Karpenter's basic workload, applied at once. */
async function workload(c: Cluster, o: ClusterOptions): Promise<WorkloadFigures> {
  const ns = 'karpenter';
  const small = Math.ceil(o.pods / 2);
  const large = o.pods - small;
  await c.kubectl(['create', 'namespace', ns]);
  const pid = c.operator.pid!;
  const text0 = await scrape(c.operator.metrics);
  const before = buckets(text0, 'nodepool_provisioning_decision_seconds');
  const p0 = await procOf(pid);
  o.progress(`operator before the apply: RSS ${round(p0.rssMB, 1)} MB`);
  const rss: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      rss.push((await procOf(pid)).rssMB);
      await sleep(500);
    }
  })();
  const applied = c.now();
  const sim0 = c.sim.clock.now() / 1000;
  const launchedBefore = new Set(c.launched.keys());
  await c.kubectl(['apply', '-f', '-'], `${c.deployment(ns, 'small', small, '900m', '3174Mi')}\n${c.deployment(ns, 'large', large, '3500m', '28Gi')}`); // prettier-ignore
  await c.until('all Running', () => c.running(ns) >= o.pods, () => `${c.running(ns)}/${o.pods} pods Running, ${c.launched.size - launchedBefore.size} instances launched, ${c.readyAt.size} Nodes Ready`); // prettier-ignore
  const allRunning = Math.max(...[...c.runningAt].filter(([k]) => k.startsWith(`${ns}/`)).map(([, t]) => t));
  const allRunningSim = c.sim.clock.now() / 1000 - sim0 - (c.now() - allRunning) * o.timeScale;
  sampling = false;
  await sampler;
  const p1 = await procOf(pid);
  const text1 = await scrape(c.operator.metrics);
  const after = buckets(text1, 'nodepool_provisioning_decision_seconds');
  // what was launched, what it costs, how full it is
  const mine = [...c.launched].filter(([id]) => !launchedBefore.has(id));
  const region = c.sim.world.regions[0]!;
  const byType: Record<string, number> = {};
  let cost = 0;
  for (const [, l] of mine) {
    byType[l.type] = (byType[l.type] ?? 0) + 1;
    cost += priceOf(
      c.sim.world,
      region.zones.find((z) => z.zoneId === l.zone)!,
      l.type,
    ).onDemand;
  }
  let capCpu = 0;
  let capMem = 0;
  const nodeOf = new Map<string, string>();
  for (const n of c.nodes.list()) {
    const id = instanceIdOf(n);
    if (id) nodeOf.set(id, n.metadata.name);
    capCpu += cpuMillis(n.status?.allocatable?.cpu ?? '0') ?? 0;
    capMem += mebibytes(n.status?.allocatable?.memory ?? '0') ?? 0;
  }
  const reqCpu = small * 900 + large * 3500;
  const reqMem = small * 3174 + large * 28 * 1024;
  const factor = Math.min(...region.zones.map((z) => z.priceFactor));
  const bound = ((reqCpu / 1000) * CHEAPEST_RATES.cpu + (reqMem / 1024) * CHEAPEST_RATES.memoryGiB) * factor;
  const boots = mine.map(([id, l]) => (c.readyAt.get(nodeOf.get(id) ?? '') ?? NaN) - l.at).filter((x) => Number.isFinite(x)); // prettier-ignore
  const slowest = Math.max(...boots);
  const launches = mine.map(([, l]) => l.at - applied);
  return {
    pods: o.pods,
    nodes: mine.length,
    byType,
    costPerHour: round(cost),
    boundPerHour: round(bound),
    cpuUtil: round(reqCpu / capCpu, 3),
    memUtil: round(reqMem / capMem, 3),
    allRunningS: round(allRunning - applied),
    allRunningSimS: round(allRunningSim),
    firstLaunchS: round(Math.min(...launches)),
    lastLaunchS: round(Math.max(...launches)),
    slowestBootS: round(slowest),
    overS: round(allRunning - applied - slowest),
    rssP95MB: round(percentile(rss, 0.95), 1),
    rssMaxMB: round(Math.max(...rss), 1),
    cpuCores: round((p1.cpuS - p0.cpuS) / (allRunning - applied), 3),
    decision: histogramQuantiles(before, after),
    replanned: valueOf(text1, REPLANNED) - valueOf(text0, REPLANNED),
  };
}

/** Phase b: pods arriving in bursts; the decision latency of each. */
async function bursts(c: Cluster, o: ClusterOptions): Promise<BurstFigures> {
  const ns = 'bursts';
  await c.kubectl(['create', 'namespace', ns]);
  const text0 = await scrape(c.operator.metrics);
  const before = buckets(text0, 'nodepool_provisioning_decision_seconds');
  const launchedBefore = new Set(c.launched.keys());
  const starts: number[] = [];
  const shapes: [string, string][] = [
    ['1', '2Gi'],
    ['2', '8Gi'],
    ['500m', '1Gi'],
    ['4', '16Gi'],
  ];
  for (let b = 0; b < o.bursts; b++) {
    const t = c.now();
    starts.push(t);
    const [cpu, mem] = shapes[b % shapes.length]!;
    await c.kubectl(['apply', '-f', '-'], c.deployment(ns, `burst-${b}`, o.burstPods, cpu, mem));
    const next = t + o.burstIntervalS;
    while (c.now() < next) await sleep(50);
  }
  const total = o.bursts * o.burstPods;
  await c.until('bursts Running', () => c.running(ns) >= total, () => `${c.running(ns)}/${total} burst pods Running`); // prettier-ignore
  const text1 = await scrape(c.operator.metrics);
  const after = buckets(text1, 'nodepool_provisioning_decision_seconds');
  const mine = [...c.launched].filter(([id]) => !launchedBefore.has(id)).map(([, l]) => l.at);
  const toLaunch = starts
    .map((s, i) => Math.min(...mine.filter((t) => t >= s && t < (starts[i + 1] ?? Infinity))) - s)
    .filter((x) => Number.isFinite(x));
  const decision = histogramQuantiles(before, after);
  return {
    bursts: o.bursts,
    podsPerBurst: o.burstPods,
    decisions: decision.count,
    decision,
    applyToLaunch: { p50: round(percentile(toLaunch, 0.5), 3), max: round(Math.max(...toLaunch), 3) },
    nodes: mine.length,
    replanned: valueOf(text1, REPLANNED) - valueOf(text0, REPLANNED),
  };
}

/** One end-to-end run: a fresh cluster, phase a, then phase b (skipped with 0 bursts). */
export async function endToEnd(
  o: ClusterOptions,
): Promise<{ workload: WorkloadFigures; bursts: BurstFigures | undefined }> {
  await mkdir(join(tmpdir(), 'nodepool-operator-bench'), { recursive: true });
  const runDir = await mkdtemp(join(tmpdir(), 'nodepool-operator-bench', 'elasticity-'));
  const c = new Cluster(o, runDir);
  try {
    await c.start();
    const pools = await c.createPools();
    o.progress(`${pools.length} Auto pools Active (${pools.join(', ')}); applying ${o.pods} pods`);
    const w = await workload(c, o);
    o.progress(`workload: ${JSON.stringify(w)}`);
    const b = o.bursts > 0 ? await bursts(c, o) : undefined;
    return { workload: w, bursts: b };
  } catch (err) {
    if (o.keep) o.progress(`kept ${runDir}`);
    throw err;
  } finally {
    await c.stop();
    if (!o.keep) await rm(runDir, { recursive: true, force: true });
  }
}
