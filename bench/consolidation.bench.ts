// npm run bench:consolidation — Karpenter's consolidation phase (issue #23's figure; table in docs/disruption.md):
// its basic workload (500 × 0.9 CPU / 3.1 GiB + 500 × 3.5 CPU / 28 GiB) packed by elasticity over one Auto pool per
// x86 family of the simulator's catalogue, then scaled from 1,000 to 700 pods; consolidation (the operator's own
// planner and scheduling simulation, on a simulated clock, the executor, scheduler and elasticity modelled: see
// consolidation-sim.ts) gives nodes back. Printed: the time until the node count settles, the cost per hour
// against the packing bound, nodes started again for displaced pods (ping-pong), the planner's time per round,
// and this process's RSS. Knobs (environment): NODEPOOL_BENCH_KEEP_PODS (700), _AFTER (30s), _THRESHOLD (50),
// _BUDGET_PERCENT (10), _DRAIN_S (15), _BOOT_S (60), _TICK_S (5), _RUNS (3).
import { loadavg } from 'node:os';
import { consolidationPhase, type ConsolidationKnobs } from './consolidation-sim.js';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[`NODEPOOL_BENCH_${name}`] ?? dflt);
  if (!Number.isFinite(v) || v < 0) throw new Error(`NODEPOOL_BENCH_${name}: a number, got ${process.env[`NODEPOOL_BENCH_${name}`]}`); // prettier-ignore
  return v;
};
const knobs: ConsolidationKnobs = {
  keep: num('KEEP_PODS', 700),
  after: process.env.NODEPOOL_BENCH_AFTER ?? '30s',
  threshold: num('THRESHOLD', 50),
  budgetPercent: num('BUDGET_PERCENT', 10),
  drainS: num('DRAIN_S', 15),
  bootS: num('BOOT_S', 60),
  tickS: num('TICK_S', 5),
  limitS: 3600,
};
const RUNS = num('RUNS', 3);
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' '); // prettier-ignore
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; }; // prettier-ignore

console.log(
  `bench:consolidation — ${RUNS} runs; knobs ${JSON.stringify(knobs)}; load average before: ${load()}`,
);
const runs = Array.from({ length: RUNS }, () => consolidationPhase(knobs));
const f = runs[0]!;
const rss = process.memoryUsage().rss / 1048576;
console.log(`consolidation 1,000 → ${knobs.keep} pods: ${f.startNodes} → ${f.endNodes} nodes (${f.removed} removed, ${f.replaced} replaced by a cheaper one) settled ${f.settleS.toFixed(0)} s (simulated) after the scale-down; ${f.startCostPerHour.toFixed(2)} → ${f.endCostPerHour.toFixed(2)} CNY/h vs bound ${f.boundPerHour.toFixed(2)} (×${(f.endCostPerHour / f.boundPerHour).toFixed(3)}); nodes started again for displaced pods: ${f.scaleOuts}; pods left unplaced: ${f.unplaced}`); // prettier-ignore
console.log(
  `  after the scale-down ${f.underusedAtStart} of ${f.startNodes} nodes were below the utilizationThreshold (${knobs.threshold}%) for CPU and memory (each node's larger of the two: min ${f.useAtStart.min.toFixed(0)}%, median ${f.useAtStart.p50.toFixed(0)}%, max ${f.useAtStart.max.toFixed(0)}%); multi-node commands: ${f.multi.commands} (${f.multi.nodes} nodes)`,
);
console.log(`  planner per round (every pool): median ${median(runs.map((r) => r.planMs.p50)).toFixed(1)} ms, max ${Math.max(...runs.map((r) => r.planMs.max)).toFixed(0)} ms (${RUNS} runs); this process's RSS ${rss.toFixed(0)} MB`); // prettier-ignore
console.log(`  nodes by type at the end: ${Object.entries(f.byType).map(([t, n]) => `${t} ×${n}`).join(', ')}`); // prettier-ignore
console.log(`load average after: ${load()}`);
