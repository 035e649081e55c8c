// One run = one system × one workload on a control plane of its own (the devstack, fresh), the recorder
// watching, the controller's process measured. Runs go run-major and interleave the systems, so the machine's
// load drifts over all of them alike.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DevStack, type Binaries } from '../../src/devstack/index.js';
import { KubeClient, loadKubeConfig, PodSchema, Resources, TypedResource } from '../../src/kube/index.js';
import { createLogger } from '../../src/log.js';
import type { KarpenterBuild } from './build.js';
import { catalogue, type Catalogue } from './catalogue.js';
import {
  costLowerBound,
  decisionLatencies,
  fleetOf,
  quantiles,
  round,
  type NodeTimes,
  type PhaseFigures,
  type PodTimes,
  type ProcessFigures,
} from './figures.js';
import { now, ProcessMeter, Recorder } from './recorder.js';
import {
  startKarpenter,
  startOurs,
  type RunningSystem,
  type SystemContext,
  type SystemName,
} from './systems.js';
import {
  BASIC,
  BURST,
  CONSOLIDATE_TO,
  NAMESPACE,
  SPREAD,
  burstPods,
  deployment,
  scaled,
  spreadDeployment,
  type PhaseName,
  type WorkloadName,
} from './workloads.js';

export interface BenchOptions {
  systems: readonly SystemName[];
  workloads: readonly WorkloadName[];
  runs: number;
  /** Multiplies every pod count (1 = the full workloads; 0.02 = the 20-pod smoke run). */
  scale: number;
  bootSeconds: number;
  consolidateAfterSeconds: number;
  burstMinutes: number;
  /** A phase that has not finished after this long is reported unfinished. */
  timeoutSeconds: number;
  /** …and one that made no progress (no pod Running, no node added) for this long while pods wait. */
  stallSeconds: number;
  /** Consolidation is over once no node was added or removed for this long. */
  quietSeconds: number;
  /** Where run folders go (each removed after its run unless `keep`). */
  workDir: string;
  keep?: boolean;
  progress: (line: string) => void;
}

export interface RunResult {
  system: SystemName;
  workload: WorkloadName;
  run: number;
  phases: Partial<Record<PhaseName, PhaseFigures>>;
  notes: string[];
  error?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  ctx: SystemContext;
  system: RunningSystem;
  rec: Recorder;
  opts: BenchOptions;
}

/** Waits until `done()`, or until the timeout or a stall; returns why it stopped when not done. */
async function until(
  run: Run,
  what: string,
  start: number,
  done: () => boolean,
  status: () => string,
): Promise<string | undefined> {
  // prettier-ignore
  const { opts, rec } = run;
  let progressAt = now();
  let mark = '';
  let shown = now();
  while (!done()) {
    const running = [...rec.pods.values()].filter((p) => p.runningAt !== undefined).length;
    const m = `${running}/${rec.nodes.size}/${rec.requests.length}`;
    if (m !== mark) [mark, progressAt] = [m, now()];
    if (now() - start > opts.timeoutSeconds) return `not done after ${opts.timeoutSeconds} s (${status()})`;
    if (now() - progressAt > opts.stallSeconds) return `no progress for ${opts.stallSeconds} s (${status()})`; // prettier-ignore
    if (now() - shown >= 10) {
      opts.progress(`  ${what}: ${status()} (${round(now() - start, 0)} s)`);
      shown = now();
    }
    await sleep(200);
  }
  return undefined;
}

const live = (p: PodTimes): boolean => p.deletedAt === undefined;

function podsWith(rec: Recorder, prefixes: readonly string[]): PodTimes[] {
  return [...rec.pods].filter(([n]) => prefixes.some((p) => n.startsWith(`${p}-`))).map(([, p]) => p);
}

function podStatus(pods: readonly PodTimes[]): string {
  const l = pods.filter(live);
  const running = l.filter((p) => p.runningAt !== undefined).length;
  return `${running}/${l.length} pods Running`;
}

function figures(
  run: Run,
  pods: readonly PodTimes[],
  start: number,
  proc: ProcessFigures,
  note: string | undefined,
): PhaseFigures {
  // prettier-ignore
  const { rec, ctx } = run;
  const l = pods.filter(live);
  const running = l.filter((p) => p.runningAt !== undefined);
  const nodes = rec.liveNodes();
  // per-pod times count the pods this phase created (consolidation's replacements, not the pods it found running)
  const fresh = pods.filter((p) => p.seenAt >= start);
  const decisions = decisionLatencies(
    fresh,
    rec.requests.filter((t) => t >= start),
  );
  const times = fresh.flatMap((p) => (p.runningAt === undefined ? [] : [p.runningAt - p.seenAt]));
  const f: PhaseFigures = {
    pods: l.length,
    podsRunning: running.length,
    fleet: fleetOf(ctx.catalogue, nodes.map(([, n]) => n), nodes.map(([name]) => name), [...rec.pods.values()]), // prettier-ignore
    costLowerBound: costLowerBound(ctx.catalogue, [...rec.pods.values()]),
    process: proc,
  };
  if (!note && running.length) f.allRunningS = round(Math.max(...running.map((p) => p.runningAt!)) - start);
  if (times.length) f.podRunningS = quantiles(times);
  const readies = [...rec.nodes.values()].flatMap((n) => (n.seenAt >= start && n.readyAt !== undefined ? [n.readyAt] : [])); // prettier-ignore
  if (readies.length) f.lastNodeReadyS = round(Math.max(...readies) - start);
  if (decisions.length) f.decisionS = quantiles(decisions);
  const asks = rec.requests.filter((t) => t >= start);
  if (asks.length) f.firstRequestS = round(Math.min(...asks) - start);
  f.machinesAsked = rec.machines.filter((t) => t >= start).length;
  if (note) {
    const asked = rec.requests.some((t) => t >= start);
    f.note = fresh.length && !times.length && !asked ? `did not scale: ${l.length} pods pending, no capacity request (${note})` : note; // prettier-ignore
  }
  return f;
}

async function kubectl(run: Run, args: string[], input?: string): Promise<void> {
  const res = await run.ctx.stack.kubectl(args, input === undefined ? {} : { input });
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr.trim()}`);
}

async function phase(
  run: Run,
  what: string,
  act: () => Promise<number>,
  done: () => boolean,
  pods: () => PodTimes[],
): Promise<PhaseFigures> {
  // prettier-ignore
  const meter = new ProcessMeter(run.system.pid);
  await meter.begin();
  const start = await act();
  const note = await until(run, what, start, done, () => podStatus(pods()));
  const fig = figures(run, pods(), start, await meter.end(), note);
  return fig;
}

async function basicAndConsolidation(run: Run): Promise<Partial<Record<PhaseName, PhaseFigures>>> {
  const { opts, rec } = run;
  const names = BASIC.map((d) => d.name);
  const want = BASIC.map((d) => scaled(d.replicas, opts.scale));
  const total = want.reduce((s, x) => s + x, 0);
  const pods = () => podsWith(rec, names);
  const allRunning = (n: number) => () => {
    const l = pods().filter(live);
    return l.length === n && l.every((p) => p.runningAt !== undefined);
  };
  const basic = await phase(run, 'basic', async () => {
    const start = now();
    const items = BASIC.map((d, i) => deployment(d.name, want[i]!, d.shape));
    await kubectl(run, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    return start;
  }, allRunning(total), pods); // prettier-ignore
  if (basic.note) return { basic };

  // consolidation: the same deployments scaled down; done when no node came or went for quietSeconds
  const down = want.map((n) => Math.max(1, Math.round(n * CONSOLIDATE_TO)));
  const target = down.reduce((s, x) => s + x, 0);
  const fleetBefore = basic.fleet;
  let start = 0;
  const settledNodes = () => allRunning(target)() && now() - Math.max(rec.lastNodeChange(), start) >= opts.quietSeconds; // prettier-ignore
  const consolidation = await phase(run, 'consolidation', async () => {
    start = now();
    for (const [i, name] of names.entries()) await kubectl(run, ['-n', NAMESPACE, 'scale', `deployment/${name}`, `--replicas=${down[i]}`]); // prettier-ignore
    return start;
  }, settledNodes, pods); // prettier-ignore
  consolidation.fleetBefore = fleetBefore;
  const removed = [...rec.nodes.values()].filter((n) => n.deletedAt !== undefined && n.deletedAt >= start);
  if (removed.length) consolidation.settledS = round(rec.lastNodeChange() - start);
  else consolidation.note ??= `no node removed within ${opts.quietSeconds} s quiet`;
  // "all Running" of this phase means nothing (the pods were running); the time is the settling time
  delete consolidation.allRunningS;
  return { basic, consolidation };
}

async function spread(run: Run): Promise<Partial<Record<PhaseName, PhaseFigures>>> {
  const n = scaled(SPREAD.replicas, run.opts.scale);
  const pods = () => podsWith(run.rec, [SPREAD.name]);
  const fig = await phase(run, 'spread', async () => {
    const start = now();
    await kubectl(run, ['apply', '-f', '-'], JSON.stringify(spreadDeployment(n)));
    return start;
  }, () => { const l = pods().filter(live); return l.length === n && l.every((p) => p.runningAt !== undefined); }, pods); // prettier-ignore
  const zoneOf = new Map([...run.rec.nodes].map(([name, node]: [string, NodeTimes]) => [name, node.zone]));
  const perZone: Record<string, number> = {};
  for (const p of pods()) {
    if (!p.node) continue;
    const zone = zoneOf.get(p.node) ?? '?';
    perZone[zone] = (perZone[zone] ?? 0) + 1;
  }
  // sorted by zone, so that the same spread reads the same in every run (the table lists distinct notes)
  const sorted = Object.fromEntries(Object.entries(perZone).sort(([a], [b]) => (a < b ? -1 : 1)));
  const counts = Object.values(sorted);
  const skewed = counts.length > 0 && Math.max(...counts) - Math.min(...counts) > 1;
  const note = `pods per zone ${JSON.stringify(sorted)}${skewed ? ' (skew > 1!)' : ''}`;
  fig.note = [fig.note, note].filter(Boolean).join('; ');
  return { spread: fig };
}

async function bursts(run: Run): Promise<Partial<Record<PhaseName, PhaseFigures>>> {
  const { opts, ctx } = run;
  const perBurst = scaled(BURST.pods, opts.scale);
  const count = Math.max(1, Math.round((opts.burstMinutes * 60) / BURST.everySeconds));
  const podApi = new TypedResource(ctx.client, Resources.pods, PodSchema);
  const pods = () => podsWith(run.rec, ['burst']);
  let created = 0;
  const fig = await phase(run, 'bursts', async () => {
    const start = now();
    for (let b = 0; b < count; b++) {
      const wait = start + b * BURST.everySeconds - now();
      if (wait > 0) await sleep(wait * 1000);
      await Promise.all(burstPods(b, perBurst).map((p) => podApi.create(p, NAMESPACE)));
      created += perBurst;
      if ((b + 1) % 6 === 0) opts.progress(`  bursts: ${b + 1}/${count} sent (${podStatus(pods())})`);
    }
    return start;
  }, () => { const l = pods().filter(live); return l.length === created && l.every((p) => p.runningAt !== undefined); }, pods); // prettier-ignore
  return { bursts: fig };
}

function summary(phase: string, f: PhaseFigures): string {
  const done = phase === 'consolidation' ? (f.settledS === undefined ? '' : `settled in ${f.settledS} s`) : `all ${f.pods} pods Running in ${f.allRunningS} s`; // prettier-ignore
  return `  ${phase}: ${[f.note, done].filter(Boolean).join('; ')}; ${f.fleet.nodes} nodes, ${f.fleet.costPerHour} CNY/h, CPU ${f.fleet.cpuUtilisation} %, memory ${f.fleet.memoryUtilisation} %`; // prettier-ignore
}

const WORKLOAD_RUNNERS: Record<
  WorkloadName,
  (run: Run) => Promise<Partial<Record<PhaseName, PhaseFigures>>>
> = {
  basic: basicAndConsolidation,
  spread,
  bursts,
};

/** The run under way's clean-ups (last first), for a signal to stop it: see `stopRunning`. */
let running: (() => Promise<void> | void)[] = [];

/** Stops the run under way (its controller, control plane, watches), e.g. on SIGINT. */
export async function stopRunning(): Promise<void> {
  const now = running;
  running = [];
  for (const c of now.reverse()) await Promise.resolve(c()).catch(() => undefined);
}

/** Starts a fresh control plane and the system, runs the workload, stops everything. */
export async function runOne(
  system: SystemName,
  workload: WorkloadName,
  index: number,
  opts: BenchOptions,
  binaries: Binaries,
  karpenter: KarpenterBuild | undefined,
  cat: Catalogue = catalogue(),
): Promise<RunResult> {
  const result: RunResult = { system, workload, run: index, phases: {}, notes: [] };
  const runDir = join(opts.workDir, `${system}-${workload}-${index}`);
  await rm(runDir, { recursive: true, force: true });
  await mkdir(runDir, { recursive: true });
  const log = createLogger({ level: 'silent' });
  const cleanups: (() => Promise<void> | void)[] = [];
  running = cleanups;
  try {
    opts.progress(`run ${index}: ${system} × ${workload} (fresh control plane in ${runDir})`);
    const stack = await DevStack.start({ runDir: join(runDir, 'cluster'), binaries });
    cleanups.push(() => stack.stop({ removeRunDir: !opts.keep }));
    const client = new KubeClient(loadKubeConfig({ kubeconfig: stack.kubeconfig }), { connections: 16 });
    cleanups.push(() => client.close());
    const res = await stack.kubectl(['create', 'namespace', NAMESPACE]);
    if (res.code !== 0) throw new Error(`creating namespace ${NAMESPACE}: ${res.stderr.trim()}`);
    const rec = new Recorder(client, NAMESPACE, log);
    await rec.start();
    cleanups.push(() => rec.stop());
    const ctx: SystemContext = { stack, client, catalogue: cat, runDir, bootSeconds: opts.bootSeconds, consolidateAfterSeconds: opts.consolidateAfterSeconds, recorder: rec, log, progress: opts.progress }; // prettier-ignore
    let sys: RunningSystem;
    if (system === 'karpenter') {
      if (!karpenter) throw new Error('Karpenter is not built: npm run bench:peers -- --build');
      sys = await startKarpenter(ctx, karpenter);
    } else sys = await startOurs(ctx);
    cleanups.push(() => sys.stop());
    result.notes.push(...sys.notes);
    result.phases = await WORKLOAD_RUNNERS[workload]({ ctx, system: sys, rec, opts });
    for (const [phase, f] of Object.entries(result.phases)) opts.progress(summary(phase, f));
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    opts.progress(`run ${index}: ${system} × ${workload} failed: ${result.error}`);
  } finally {
    running = [];
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        opts.progress(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (!opts.keep) await rm(runDir, { recursive: true, force: true });
  }
  return result;
}

/** Every run, run-major: run 1 of each workload and system, then run 2, … */
export async function runBench(
  opts: BenchOptions,
  binaries: Binaries,
  karpenter: KarpenterBuild | undefined,
  onResult: (r: RunResult) => void = () => undefined,
): Promise<RunResult[]> {
  const out: RunResult[] = [];
  const cat = catalogue();
  for (let r = 1; r <= opts.runs; r++) {
    for (const w of opts.workloads) {
      for (const s of opts.systems) {
        const res = await runOne(s, w, r, opts, binaries, karpenter, cat);
        out.push(res);
        onResult(res);
      }
    }
  }
  return out;
}
