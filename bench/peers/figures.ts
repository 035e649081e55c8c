// The arithmetic of bench:peers (pure): per-pod and per-node timelines on the bench's one clock → the figures
// of one phase, medians over runs, ratios between systems. Definitions: docs/performance.md.
import type { Catalogue } from './catalogue.js';
import { priceIn } from './catalogue.js';

/** One pod's timeline (seconds on the bench's clock). */
export interface PodTimes {
  /** First seen by the bench's watch (its creation). */
  seenAt: number;
  /** First seen with PodScheduled=False / Unschedulable (it waited for capacity). */
  unschedulableAt?: number;
  runningAt?: number;
  cpuM: number;
  memoryMiB: number;
  node?: string;
  deletedAt?: number;
}

/** One node's timeline and shape. */
export interface NodeTimes {
  seenAt: number;
  readyAt?: number;
  deletedAt?: number;
  type: string;
  zone: string;
  cpuM: number;
  memoryMiB: number;
}

export interface Quantiles {
  p50: number;
  p90: number;
  max: number;
}

/** p50, p90 and max (nearest rank), rounded to 10 ms; zeros for no samples. */
export function quantiles(xs: readonly number[]): Quantiles {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? 0;
  return { p50: round(at(0.5)), p90: round(at(0.9)), max: round(s[s.length - 1] ?? 0) };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * A pod's decision latency: from the bench seeing it Unschedulable to the first capacity request (a NodeClaim
 * created, a scale-out call to the cloud) at or after that moment. A request up to `slackS` before it counts as
 * 0: the autoscaler may act on the same status update a little before the bench's watch delivers it.
 */
export function decisionLatencies(
  pods: readonly PodTimes[],
  requests: readonly number[],
  slackS = 0.25,
): number[] {
  const sorted = [...requests].sort((a, b) => a - b);
  const out: number[] = [];
  for (const p of pods) {
    if (p.unschedulableAt === undefined) continue;
    const from = p.unschedulableAt - slackS;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    const t = sorted[lo];
    if (t !== undefined) out.push(Math.max(0, t - p.unschedulableAt));
  }
  return out;
}

/** The nodes alive at `t` (seen by then, not deleted by then). */
export function nodesAt(nodes: readonly NodeTimes[], t: number): NodeTimes[] {
  return nodes.filter((n) => n.seenAt <= t && (n.deletedAt === undefined || n.deletedAt > t));
}

export interface Fleet {
  nodes: number;
  byType: Record<string, number>;
  costPerHour: number;
  /** Requests of the pods running on them ÷ their allocatable, percent. */
  cpuUtilisation: number;
  memoryUtilisation: number;
}

/** What a set of nodes costs and how full the given pods make them. */
export function fleetOf(
  c: Catalogue,
  nodes: readonly NodeTimes[],
  names: readonly string[],
  pods: readonly PodTimes[],
): Fleet {
  const byType: Record<string, number> = {};
  let cost = 0;
  let cpu = 0;
  let mem = 0;
  for (const n of nodes) {
    byType[n.type] = (byType[n.type] ?? 0) + 1;
    cost += priceIn(c, n.type, n.zone) ?? NaN;
    cpu += n.cpuM;
    mem += n.memoryMiB;
  }
  const on = new Set(names);
  let usedCpu = 0;
  let usedMem = 0;
  for (const p of pods) {
    if (!p.node || !on.has(p.node) || p.deletedAt !== undefined || p.runningAt === undefined) continue;
    usedCpu += p.cpuM;
    usedMem += p.memoryMiB;
  }
  return {
    nodes: nodes.length,
    byType: Object.fromEntries(Object.entries(byType).sort(([a], [b]) => (a < b ? -1 : 1))),
    costPerHour: round(cost, 3),
    cpuUtilisation: cpu ? round((usedCpu / cpu) * 100, 1) : 0,
    memoryUtilisation: mem ? round((usedMem / mem) * 100, 1) : 0,
  };
}

/**
 * The least a fleet for these requests can cost: total CPU and memory each priced at the catalogue's cheapest
 * rate per vCPU-allocatable and per GiB-allocatable over types that can host the largest pod, taken as a
 * single fractional machine of the best ratio. A floor, not a packing: a real fleet is above it.
 */
export function costLowerBound(c: Catalogue, pods: readonly PodTimes[]): number {
  let cpu = 0;
  let mem = 0;
  for (const p of pods) {
    if (p.deletedAt !== undefined) continue;
    cpu += p.cpuM;
    mem += p.memoryMiB;
  }
  let best = Infinity;
  for (const t of c.types) {
    for (const o of t.offerings) {
      const machines = Math.max(cpu / t.allocatable.cpuMilli, mem / t.allocatable.memoryMiB);
      best = Math.min(best, machines * o.price);
    }
  }
  return Number.isFinite(best) ? round(best, 3) : 0;
}

/** The controller's process: peak resident memory and mean CPU over the phase. */
export interface ProcessFigures {
  peakRssMB: number;
  meanCpuCores: number;
}

/** Everything one phase of one run reports. Absent: not observable for that system. */
export interface PhaseFigures {
  /** Start (workload applied) → every pod of it Running, or undefined when they never all ran. */
  allRunningS?: number;
  /** Per pod the phase created: seen → Running (absent when none ran). */
  podRunningS?: Quantiles;
  pods: number;
  podsRunning: number;
  decisionS?: Quantiles;
  /** Start → the system's first capacity request. */
  firstRequestS?: number;
  /** Machines asked for during the phase (NodeClaims, instances launched), whether they became Nodes or not. */
  machinesAsked?: number;
  /** Start → the last node the phase added Ready (what remains to all Running is scheduling and kwok). */
  lastNodeReadyS?: number;
  fleet: Fleet;
  /** For consolidation: start → the last node removed; and the fleet before. */
  settledS?: number;
  fleetBefore?: Fleet;
  costLowerBound: number;
  process: ProcessFigures;
  /** A sentence when the phase did not complete (e.g. "did not scale: 12 pods pending after 600 s"). */
  note?: string;
}

/** The numeric figures the table compares, by name. */
export const TABLE_FIGURES = [
  ['allRunningS', 'all Running (s)'],
  ['podP50S', 'pod p50 (s)'],
  ['podP90S', 'pod p90 (s)'],
  ['decisionP50S', 'decision p50 (s)'],
  ['decisionP90S', 'decision p90 (s)'],
  ['firstRequestS', 'first request (s)'],
  ['lastNodeReadyS', 'last node Ready (s)'],
  ['settledS', 'settled (s)'],
  ['nodes', 'nodes'],
  ['machinesAsked', 'machines asked'],
  ['costPerHour', 'cost/h (CNY)'],
  ['cpuUtilisation', 'CPU util %'],
  ['memoryUtilisation', 'mem util %'],
  ['peakRssMB', 'peak RSS (MB)'],
  ['meanCpuCores', 'mean CPU (cores)'],
] as const;
export type FigureName = (typeof TABLE_FIGURES)[number][0];

export function flatten(f: PhaseFigures): Partial<Record<FigureName, number>> {
  const out: Partial<Record<FigureName, number>> = {
    nodes: f.fleet.nodes,
    costPerHour: f.fleet.costPerHour,
    cpuUtilisation: f.fleet.cpuUtilisation,
    memoryUtilisation: f.fleet.memoryUtilisation,
    peakRssMB: f.process.peakRssMB,
    meanCpuCores: f.process.meanCpuCores,
  };
  if (f.allRunningS !== undefined) out.allRunningS = f.allRunningS;
  if (f.podRunningS) {
    out.podP50S = f.podRunningS.p50;
    out.podP90S = f.podRunningS.p90;
  }
  if (f.decisionS) {
    out.decisionP50S = f.decisionS.p50;
    out.decisionP90S = f.decisionS.p90;
  }
  if (f.firstRequestS !== undefined) out.firstRequestS = f.firstRequestS;
  if (f.machinesAsked !== undefined) out.machinesAsked = f.machinesAsked;
  if (f.settledS !== undefined) out.settledS = f.settledS;
  if (f.lastNodeReadyS !== undefined) out.lastNodeReadyS = f.lastNodeReadyS;
  return out;
}

/** Per figure, the median over runs (a figure missing from a run is left out of its median; NaN when none has it). */
export function medians(runs: readonly PhaseFigures[]): Partial<Record<FigureName, number>> {
  const flat = runs.map(flatten);
  const out: Partial<Record<FigureName, number>> = {};
  for (const [name] of TABLE_FIGURES) {
    const xs = flat.map((r) => r[name]).filter((x): x is number => x !== undefined && Number.isFinite(x));
    if (xs.length) out[name] = round(median(xs), 3);
  }
  return out;
}

/** a ÷ b, two decimals; undefined when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return undefined;
  return round(a / b, 2);
}
