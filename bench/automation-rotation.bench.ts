// npm run bench:automation — issue 19's figures, in two phases (NODEPOOL_BENCH_AUTOMATION_PHASES, default
// `rotation,events`) on one control plane of its own (the cached binaries, kwok keeping the Nodes Ready and the
// pods Running).
// rotation: a NODES-node pool (default 100) running PODS pods (default 600: 6 Deployments, each guarded by a
// PodDisruptionBudget with maxUnavailable 10 %) is rotated onto a newly published image by autoUpgrade with
// maxSurge 10 %. Goal: done within 10 minutes, no PodDisruptionBudget violated, the operator's RSS ≤ 200 MB. The
// simulator and the node simulation in this process, the operator as a child process (as its image runs it:
// bench/operator-process.ts). The simulator runs at NODEPOOL_BENCH_TIME_SCALE (default 1: real ECS timings, an
// instance is Running ~28 s after its launch), so that the rotation's wall time IS its simulated time: Kubernetes
// (drains, evictions, the scheduler) runs in real time either way. RUNS runs (default 3), each with a fresh
// operator and pool; medians are printed with the machine's load, the RSS with the heap's split at its highest.
// events: 50 ECS system events announced 30–50 min ahead (bench/automation-events.ts).
// Knobs: NODEPOOL_BENCH_ROTATION_NODES, _PODS, _MAX_SURGE, NODEPOOL_BENCH_TIME_SCALE, NODEPOOL_BENCH_RUNS,
// NODEPOOL_BENCH_TIMEOUT_SECONDS, NODEPOOL_BENCH_KEEP=1, NODEPOOL_BENCH_OPERATOR_NODE_ARGS (extra node flags for
// the operator), NODEPOOL_BENCH_HEAP_SNAPSHOT_MB (with --heapsnapshot-signal=SIGUSR2: one snapshot at that RSS);
// the events phase's in bench/automation-events.ts.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { GROUP, KINDS, VERSION } from '../src/apis/v1beta1/constants.js';
import { installCrds } from '../src/apis/install.js';
import { POOL_LABEL } from '../src/bootstrap/labels.js';
import { IMAGE_FAMILIES } from '../src/controllers/nodepool/launch.js';
import { DevStack, cachedBinaries } from '../src/devstack/index.js';
import {
  crd,
  KubeClient,
  loadKubeConfig,
  NodeSchema,
  ObjectMetaSchema,
  PodSchema,
  Resources,
  TypedResource,
} from '../src/kube/index.js';
import { createLogger } from '../src/log.js';
import { startSimulator, type Simulator } from '../src/sim/cloud/index.js';
import { NodeSimulation } from '../src/sim/nodes/index.js';
import { median, systemEventsRun, type EventsRun } from './automation-events.js';
import { rateByAction } from './nodepool-figures.js';
import { scrape, startOperator } from './operator-process.js';
import { procOf, stopChild } from './process.js';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}: a number above 0, got ${process.env[name]}`);
  return v;
};
const NODES = num('NODEPOOL_BENCH_ROTATION_NODES', 100);
const PODS = num('NODEPOOL_BENCH_ROTATION_PODS', 600);
const MAX_SURGE = process.env.NODEPOOL_BENCH_ROTATION_MAX_SURGE ?? '10%';
const TIME_SCALE = num('NODEPOOL_BENCH_TIME_SCALE', 1);
const RUNS = num('NODEPOOL_BENCH_RUNS', 3);
const TIMEOUT_S = num('NODEPOOL_BENCH_TIMEOUT_SECONDS', 3600);
const KEEP = process.env.NODEPOOL_BENCH_KEEP === '1';
// extra node flags for the operator, e.g. `--heapsnapshot-signal=SIGUSR2` (with _HEAP_SNAPSHOT_MB) or `--heap-prof`
const NODE_ARGS = (process.env.NODEPOOL_BENCH_OPERATOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
const EVENTS_RUNS = num('NODEPOOL_BENCH_EVENTS_RUNS', 1);
const PHASES = new Set((process.env.NODEPOOL_BENCH_AUTOMATION_PHASES ?? 'rotation,events').split(','));
const SNAPSHOT_MB = Number(process.env.NODEPOOL_BENCH_HEAP_SNAPSHOT_MB ?? 0);
const DEPLOYMENTS = 6;
const CLUSTER = 'c-bench-rot';
const FAMILY = IMAGE_FAMILIES.AliyunLinux3ContainerOptimized!.x86_64;

const NODE_POOLS = crd(GROUP, VERSION, KINDS.NodePool.plural, KINDS.NodePool.kind, false);
const DEPLOYMENTS_REF = crd('apps', 'v1', 'deployments', 'Deployment', true);
const Loose = z.object({ metadata: ObjectMetaSchema }).loose();
const PoolView = z.object({
  metadata: z.object({ name: z.string() }),
  status: z
    .object({
      phase: z.string().optional(),
      readySize: z.number().optional(),
      currentSize: z.number().optional(),
    })
    .optional(),
});
const PdbView = z.object({
  metadata: z.object({ name: z.string() }),
  status: z
    .object({ currentHealthy: z.number().optional(), desiredHealthy: z.number().optional() })
    .optional(),
});

const t0 = performance.now();
const now = (): number => (performance.now() - t0) / 1000;
const progress = (s: string): void =>
  void process.stderr.write(`[bench:automation +${now().toFixed(0)}s] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/** Polls `done` every second; throws after TIMEOUT_S, printing `status()` every 10 s meanwhile. */
async function until(what: string, done: () => Promise<boolean>, status: () => string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_S * 1000;
  let shown = Date.now();
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${TIMEOUT_S} s (${status()})`);
    if (Date.now() - shown >= 10_000) {
      progress(`${what}: ${status()}`);
      shown = Date.now();
    }
    await sleep(1_000);
  }
}

/** The operator's memory split (heap used / heap total / external / array buffers, MB) from its /metrics. */
async function heapOf(port: number): Promise<string> {
  const text = await scrape(port);
  const mb = (name: string): string => {
    const v = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm').exec(text)?.[1];
    return v === undefined ? '?' : String(round(Number(v) / 1048576));
  };
  return `heap used ${mb('nodejs_heap_size_used_bytes')} of ${mb('nodejs_heap_size_total_bytes')} MB, external ${mb('nodejs_external_memory_bytes')} MB, RSS ${mb('process_resident_memory_bytes')} MB`;
}

interface Run {
  rotationS: number;
  firstClaimS: number;
  maxExtraNodes: number;
  maxClaimed: number;
  pdbMinMargin: number;
  minRunningPods: number;
  rssMaxMB: number;
  rssPeakMB: number;
  /** The operator's CPU seconds (user + system) during the rotation. */
  cpuS: number;
  cloudCalls: number;
  cloudCallsByAction: Record<string, number>;
  loadBefore: string;
  loadAfter: string;
}

async function oneRun(
  run: number,
  ctx: { stack: DevStack; sim: Simulator; client: KubeClient; runDir: string },
): Promise<Run> {
  const { stack, sim, client } = ctx;
  const pools = new TypedResource(client, NODE_POOLS, PoolView);
  const nodes = new TypedResource(client, Resources.nodes, NodeSchema);
  const pods = new TypedResource(client, Resources.pods, PodSchema);
  const pdbs = new TypedResource(client, Resources.podDisruptionBudgets, PdbView);
  const namespaces = new TypedResource(client, Resources.namespaces, Loose);
  const deployments = new TypedResource(client, DEPLOYMENTS_REF, Loose);
  const logFile = join(ctx.runDir, `operator-${run}.log`);
  // the operator lists image families every 5 s here (--image-check-interval; 5m by default)
  const operator = await startOperator(stack, sim, logFile, {
    cluster: CLUSTER,
    logLevel: process.env.NODEPOOL_BENCH_OPERATOR_LOG_LEVEL,
    args: ['--image-check-interval', '5s'],
    nodeArgs: NODE_ARGS,
  });
  const pid = operator.pid!;
  try {
    const name = `rot-${run}`;
    const ns = `bench-rot-${run}`;
    const region = sim.world.regions[0]!;
    const vpc = region.vpcs[0]!;
    await pools.create({
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'NodePool',
      metadata: { name },
      spec: {
        region: region.regionId,
        vpcId: vpc.vpcId,
        vSwitchIds: vpc.vSwitches.filter((v) => v.name.startsWith('nodes-')).map((v) => v.vSwitchId),
        scaling: { mode: 'Manual', desiredSize: NODES },
        instanceTypes: ['ecs.g7.xlarge', 'ecs.c7.xlarge'],
        image: { type: 'AliyunLinux3ContainerOptimized' },
        ramRoleName: 'k8s-worker-role',
        securityGroup: { ids: [region.securityGroups[0]!.securityGroupId] },
        disruption: { budget: '10%', drainTimeout: '15m' },
        registrationTimeout: '60m',
        management: { autoUpgrade: { enabled: true, maxSurge: MAX_SURGE, maxUnavailable: 0 } },
      },
    });
    const poolNodes = async () => (await nodes.list({ labelSelector: `${POOL_LABEL}=${name}` })).items;
    const active = async (): Promise<boolean> => {
      const s = (await pools.get(name)).status;
      return s?.phase === 'Active' && s.readySize === NODES && s.currentSize === NODES;
    };
    let ready = 0;
    await until(
      `create ${NODES} nodes`,
      async () => {
        ready = (await poolNodes()).filter((n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length;
        return active();
      },
      () => `${ready}/${NODES} Ready`,
    );
    progress(`run ${run}: ${NODES} nodes Active`);

    await namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const per = Math.ceil(PODS / DEPLOYMENTS);
    for (let d = 0; d < DEPLOYMENTS; d++) {
      const app = `app-${d}`;
      await deployments.create(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: app },
          spec: {
            replicas: per,
            selector: { matchLabels: { app } },
            template: {
              metadata: { labels: { app } },
              spec: {
                // no blanket toleration: a pod tolerating everything tolerates the cordon's
                // node.kubernetes.io/unschedulable taint too and is scheduled back onto the draining node
                nodeSelector: { [POOL_LABEL]: name },
                terminationGracePeriodSeconds: 10,
                containers: [
                  {
                    name: 'c',
                    image: 'registry.k8s.io/pause:3.10',
                    resources: { requests: { cpu: '100m', memory: '64Mi' } },
                  },
                ],
              },
            },
          },
        },
        ns,
      );
      await pdbs.create(
        {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: app },
          spec: { maxUnavailable: '10%', selector: { matchLabels: { app } } },
        },
        ns,
      );
    }
    let running = 0;
    const runningPods = async () =>
      (await pods.list({ namespace: ns })).items.filter(
        (p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp,
      ).length;
    await until(
      `${per * DEPLOYMENTS} pods Running`,
      async () => (running = await runningPods()) >= per * DEPLOYMENTS,
      () => `${running} Running`,
    );
    progress(`run ${run}: ${running} pods Running; publishing a new image`);

    const loadBefore = load();
    const calls0 = sim.calls.snapshot();
    const start = now();
    const cpu0 = (await procOf(pid)).cpuS;
    const image = sim.publishImage({ family: FAMILY, version: String(run + 2), kubeletVersion: 'v1.34.9' });
    const seen = {
      firstClaim: NaN,
      maxNodes: 0,
      maxClaimed: 0,
      pdbMinMargin: Infinity,
      minRunning: Infinity,
      rss: [] as number[],
      atMax: '',
      heapNow: '',
      snapshot: false,
      onNew: 0,
      nodes: 0,
    };
    await until(
      'rotation',
      async () => {
        const ns0 = await poolNodes();
        const claimed = ns0.filter(
          (n) => n.metadata.annotations?.['nodepool.alicloud.dev/disruption'] !== undefined,
        ).length;
        if (claimed > 0 && Number.isNaN(seen.firstClaim)) seen.firstClaim = now() - start;
        seen.maxClaimed = Math.max(seen.maxClaimed, claimed);
        seen.maxNodes = Math.max(seen.maxNodes, ns0.length);
        seen.nodes = ns0.length;
        seen.onNew = ns0.filter(
          (n) =>
            sim.cloud.instances.get(/\.(i-[a-z0-9]+)$/.exec(n.spec?.providerID ?? '')?.[1] ?? '')?.imageId ===
            image.imageId,
        ).length;
        for (const p of (await pdbs.list({ namespace: ns })).items) {
          const s = p.status;
          if (s?.currentHealthy !== undefined && s.desiredHealthy !== undefined)
            seen.pdbMinMargin = Math.min(seen.pdbMinMargin, s.currentHealthy - s.desiredHealthy);
        }
        seen.minRunning = Math.min(seen.minRunning, await runningPods());
        const rss = (await procOf(pid)).rssMB;
        seen.heapNow = await heapOf(operator.metrics);
        if (rss > Math.max(0, ...seen.rss)) seen.atMax = seen.heapNow;
        seen.rss.push(rss);
        if (SNAPSHOT_MB > 0 && rss >= SNAPSHOT_MB && !seen.snapshot) {
          seen.snapshot = true;
          progress(`run ${run}: RSS ${round(rss)} MB: heap snapshot asked for (SIGUSR2)`);
          process.kill(pid, 'SIGUSR2');
        }
        return seen.onNew === NODES && ns0.length === NODES && claimed === 0 && (await active());
      },
      () =>
        `${seen.onNew}/${NODES} nodes on the new image, ${seen.nodes} nodes, at most ${seen.maxClaimed} claimed at once, RSS ${round(seen.rss[seen.rss.length - 1] ?? 0)} MB (${seen.heapNow})`,
    );
    const rotationS = now() - start;
    const calls = rateByAction(calls0, sim.calls.snapshot(), 0);
    const peak = await procOf(pid);
    const r: Run = {
      rotationS: round(rotationS),
      firstClaimS: round(seen.firstClaim),
      maxExtraNodes: seen.maxNodes - NODES,
      maxClaimed: seen.maxClaimed,
      pdbMinMargin: seen.pdbMinMargin,
      minRunningPods: seen.minRunning,
      rssMaxMB: round(Math.max(...seen.rss)),
      rssPeakMB: round(peak.hwmMB),
      cpuS: round(peak.cpuS - cpu0),
      cloudCalls: calls.total,
      cloudCallsByAction: calls.byAction,
      loadBefore,
      loadAfter: load(),
    };
    console.log(JSON.stringify({ run, ...r }));
    progress(`run ${run}: at the highest RSS sample: ${seen.atMax}`);
    await namespaces.delete(ns).catch(() => undefined);
    await pools.delete(name);
    await until(
      'pool deleted',
      async () =>
        pools.get(name).then(
          () => false,
          () => true,
        ),
      () => 'deleting',
    );
    return r;
  } finally {
    await stopChild(operator);
  }
}

/** The rotation runs (a simulator at TIME_SCALE, the operator a child process); returns the summary line. */
async function rotationPhase(stack: DevStack, client: KubeClient): Promise<string> {
  const sim = await startSimulator({ log: quiet, timeScale: TIME_SCALE });
  const nodeSim = new NodeSimulation(sim, { apiServer: stack.server, log: quiet, cacheBoots: true });
  nodeSim.start();
  try {
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await oneRun(i, { stack, sim, client, runDir }));
    const m = (k: keyof Run): number => median(runs.map((r) => r[k] as number));
    return `rotation of a ${NODES}-node pool running ${PODS} pods, maxSurge ${MAX_SURGE}, time scale ${TIME_SCALE} (wall = simulated at 1): median ${m('rotationS')} s (runs: ${runs.map((r) => r.rotationS).join(', ')}; goal <= 600 s), first node claimed after ${m('firstClaimS')} s; at most ${Math.max(...runs.map((r) => r.maxExtraNodes))} extra nodes and ${Math.max(...runs.map((r) => r.maxClaimed))} claimed at once; PodDisruptionBudget margin min ${Math.min(...runs.map((r) => r.pdbMinMargin))} (< 0 = violated), fewest Running pods ${Math.min(...runs.map((r) => r.minRunningPods))}/${PODS}; operator RSS max median ${m('rssMaxMB')} MB (runs: ${runs.map((r) => r.rssMaxMB).join(', ')}), peak ${Math.max(...runs.map((r) => r.rssPeakMB))} MB (goal <= 200); operator CPU median ${m('cpuS')} s; ${m('cloudCalls')} cloud calls; load ${runs.map((r) => `${r.loadBefore} → ${r.loadAfter}`).join('; ')}`;
  } finally {
    await nodeSim.stop();
    await sim.stop();
  }
}

/** The system-events runs (EVENTS_RUNS, default 1); returns the summary line. */
async function eventsPhase(stack: DevStack, client: KubeClient): Promise<string> {
  const runs: EventsRun[] = [];
  for (let i = 0; i < EVENTS_RUNS; i++)
    runs.push(
      await systemEventsRun({ stack, client, runDir, run: i, timeoutS: TIMEOUT_S, progress, load, until }),
    );
  const all = runs.reduce((a, r) => a + r.events, 0);
  const onTime = runs.reduce((a, r) => a + r.onTime, 0);
  return `system events announced 30-50 min ahead (time scale ${runs[0]!.timeScale}): ${onTime}/${all} nodes out of their scaling group >= 5 min before NotBefore (${round((100 * onTime) / all)} %, goal 100 %; runs: ${runs.map((r) => `${r.onTime}/${r.events}`).join(', ')}), lead min ${Math.min(...runs.map((r) => r.leadMinMin))} min, median ${median(runs.map((r) => r.leadMedianMin))} min, max ${Math.max(...runs.map((r) => r.leadMaxMin))} min; ${runs.reduce((a, r) => a + r.hitMembers, 0)} executed on a member; pool whole again after ${median(runs.map((r) => r.wallS))} s wall; load ${runs.map((r) => `${r.loadBefore} → ${r.loadAfter}`).join('; ')}`;
}

const binaries = cachedBinaries();
if (!binaries) throw new Error('the control-plane binaries are not built: npm run devstack:build');
await mkdir(join(tmpdir(), 'nodepool-operator-bench'), { recursive: true });
const runDir = await mkdtemp(join(tmpdir(), 'nodepool-operator-bench', 'rotation-'));
const quiet = createLogger({ level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];
let failed = false;
const cleanUp = async (): Promise<void> => {
  for (const c of cleanups.reverse())
    await Promise.resolve(c()).catch((e: unknown) => progress(`cleanup: ${String(e)}`));
  if (!KEEP && !failed) await rm(runDir, { recursive: true, force: true });
  else progress(`kept ${runDir}`);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().then(() => process.exit(130)));
}
try {
  progress(
    `phases ${[...PHASES].join(', ')}; ${RUNS} run(s): rotation of ${NODES} nodes, ${PODS} pods, maxSurge ${MAX_SURGE}, time scale ${TIME_SCALE}; load ${load()}; folder ${runDir}`,
  );
  const stack = await DevStack.start({ runDir: join(runDir, 'cluster'), binaries });
  cleanups.push(() => stack.stop({ removeRunDir: true }));
  await installCrds(stack.binaries.bin.kubectl, stack.kubeconfig);
  const client = new KubeClient(loadKubeConfig({ kubeconfig: stack.kubeconfig }), { connections: 16 });
  cleanups.push(() => client.close());
  const lines: string[] = [];
  if (PHASES.has('rotation')) lines.push(await rotationPhase(stack, client));
  if (PHASES.has('events')) lines.push(await eventsPhase(stack, client));
  for (const l of lines) console.log(l);
} catch (err) {
  failed = true;
  process.stderr.write(
    `bench:automation failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  const logs = await readFile(join(runDir, 'operator-0.log'), 'utf8').catch(() => '');
  if (logs)
    process.stderr.write(
      `the operator's last log lines:\n${logs.trimEnd().split('\n').slice(-20).join('\n')}\n`,
    );
} finally {
  await cleanUp();
}
process.exit(failed ? 1 : 0);
