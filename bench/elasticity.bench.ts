// npm run bench:elasticity — instant elasticity's figures (issue #18; table in docs/elasticity.md):
// 1. the scheduling simulation's throughput: 10,000 pending pods × 40 types × 6 zones × 10 pools (goal ≥ 2,000/s);
// 2. Karpenter's basic workload (500 × 0.9 CPU / 3.1 GiB + 500 × 3.5 CPU / 28 GiB) over the simulator's catalogue:
//    nodes, cost per hour against the packing bound, CPU and memory utilisation (requests / allocatable);
// 3. end to end (bench/elasticity-cluster.ts): the same workload applied to a real control plane with the
//    operator as a child process — time to all Running, nodes, cost, utilisation, RSS and CPU — then pods in
//    bursts: the decision latency p50 / p99.
// Each is run RUNS times (the end-to-end one E2E_RUNS times, each on a fresh cluster); medians are printed with
// the machine's load. Knobs (environment):
//   NODEPOOL_BENCH_RUNS (5)                 runs of 1 and 2
//   NODEPOOL_BENCH_ELA_PHASES (sim,e2e)     which parts run
//   NODEPOOL_BENCH_ELA_E2E_RUNS (3)         end-to-end runs
//   NODEPOOL_BENCH_ELA_PODS (1000)          pods of the end-to-end workload (half of each shape)
//   NODEPOOL_BENCH_ELA_TIME_SCALE (1)       the simulator's time scale (instances start in ~28 simulated s)
//   NODEPOOL_BENCH_ELA_BURSTS (10), NODEPOOL_BENCH_ELA_BURST_PODS (100), NODEPOOL_BENCH_ELA_BURST_INTERVAL_S (2)
//   NODEPOOL_BENCH_ELA_TIMEOUT_S (900), NODEPOOL_BENCH_KEEP=1 (keep the run folder of a failed run)
import { loadavg } from 'node:os';
import { endToEnd, type BurstFigures, type WorkloadFigures } from './elasticity-cluster.js';
import { karpenterPacking, throughput } from './elasticity-sim.js';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name}: a number, got ${process.env[name]}`);
  return v;
};
const RUNS = num('NODEPOOL_BENCH_RUNS', 5);
const PHASES = new Set((process.env.NODEPOOL_BENCH_ELA_PHASES ?? 'sim,e2e').split(','));
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; }; // prettier-ignore
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const t0 = performance.now();
const progress = (s: string): void => void process.stderr.write(`[bench:elasticity +${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}\n`); // prettier-ignore

console.log(`bench:elasticity — load average before: ${load()}`);
if (PHASES.has('sim')) {
  const tp = Array.from({ length: RUNS }, () => throughput());
  console.log(`simulation throughput: ${tp[0]!.pods} pods × ${tp[0]!.offerings} offerings (10 pools × ${tp[0]!.offerings / 60} types × 6 zones): median ${median(tp.map((r) => r.podsPerSecond)).toFixed(0)} pods/s (runs: ${tp.map((r) => r.podsPerSecond.toFixed(0)).join(', ')}); ${tp[0]!.nodes} nodes planned`); // prettier-ignore
  const kp = Array.from({ length: RUNS }, () => karpenterPacking());
  const k = kp[0]!;
  console.log(`karpenter workload, simulation only (1,000 pods, ${Object.keys(k.byType).length} types used): ${k.nodes} nodes, ${k.costPerHour.toFixed(2)} CNY/h vs bound ${k.boundPerHour.toFixed(2)} (×${(k.costPerHour / k.boundPerHour).toFixed(3)}), utilisation CPU ${(k.cpuUtil * 100).toFixed(1)} % memory ${(k.memUtil * 100).toFixed(1)} %, ${k.unschedulable} unschedulable; decided in median ${median(kp.map((r) => r.ms)).toFixed(0)} ms`); // prettier-ignore
  console.log(
    `  nodes by type: ${Object.entries(k.byType)
      .map(([t, n]) => `${t} ×${n}`)
      .join(', ')}`,
  );
  console.log(`load average after the simulation runs: ${load()}`);
}

if (PHASES.has('e2e')) {
  const o = {
    pods: num('NODEPOOL_BENCH_ELA_PODS', 1000),
    timeScale: num('NODEPOOL_BENCH_ELA_TIME_SCALE', 1),
    bursts: num('NODEPOOL_BENCH_ELA_BURSTS', 10),
    burstPods: num('NODEPOOL_BENCH_ELA_BURST_PODS', 100),
    burstIntervalS: num('NODEPOOL_BENCH_ELA_BURST_INTERVAL_S', 2),
    timeoutS: num('NODEPOOL_BENCH_ELA_TIMEOUT_S', 900),
    keep: process.env.NODEPOOL_BENCH_KEEP === '1',
    progress,
  };
  const runs = num('NODEPOOL_BENCH_ELA_E2E_RUNS', 3);
  const ws: WorkloadFigures[] = [];
  const bs: BurstFigures[] = [];
  for (let i = 0; i < runs; i++) {
    const before = load();
    progress(`end-to-end run ${i + 1}/${runs}: ${o.pods} pods, time scale ${o.timeScale}, ${o.bursts} bursts × ${o.burstPods} pods every ${o.burstIntervalS} s; load ${before}`); // prettier-ignore
    const r = await endToEnd(o);
    ws.push(r.workload);
    if (r.bursts) bs.push(r.bursts);
    console.log(`e2e run ${i + 1}: ${JSON.stringify(r)}; load average ${before} → ${load()}`);
  }
  const m = (f: (w: WorkloadFigures) => number): number => median(ws.map(f));
  const list = (f: (w: WorkloadFigures) => number): string => ws.map(f).join(', ');
  console.log(
    `karpenter workload end to end (${o.pods} pods, time scale ${o.timeScale}, medians of ${runs} runs):`,
  );
  console.log(`  apply → all Running: ${m((w) => w.allRunningS)} s wall (runs ${list((w) => w.allRunningS)}), ${m((w) => w.allRunningSimS)} s simulated; slowest boot (launch → Node Ready) ${m((w) => w.slowestBootS)} s; all Running − slowest boot ${m((w) => w.overS)} s (goal ≤ 10; runs ${list((w) => w.overS)}); first launch ${m((w) => w.firstLaunchS)} s, last ${m((w) => w.lastLaunchS)} s after the apply`); // prettier-ignore
  console.log(`  ${m((w) => w.nodes)} nodes, ${m((w) => w.costPerHour)} CNY/h vs bound ${m((w) => w.boundPerHour)} (× ${(m((w) => w.costPerHour) / m((w) => w.boundPerHour)).toFixed(3)}; goal ≤ 1.10); utilisation CPU ${(m((w) => w.cpuUtil) * 100).toFixed(1)} % memory ${(m((w) => w.memUtil) * 100).toFixed(1)} % (goal ≥ 75)`); // prettier-ignore
  console.log(`  operator RSS p95 ${m((w) => w.rssP95MB)} MB (max ${m((w) => w.rssMaxMB)}; goal ≤ 200), mean CPU ${m((w) => w.cpuCores)} core (goal ≤ 0.25); decision p50 ${m((w) => w.decision.p50)} s p99 ${m((w) => w.decision.p99)} s; ${m((w) => w.replanned)} pods re-planned (the scheduler placed others where they were counted)`); // prettier-ignore
  console.log(`  nodes by type (run 1): ${Object.entries(ws[0]!.byType).map(([t, n]) => `${t} ×${n}`).join(', ')}`); // prettier-ignore
  if (bs.length > 0) {
    const b = (f: (x: BurstFigures) => number): number => median(bs.map(f));
    console.log(`decision latency, ${o.bursts} bursts × ${o.burstPods} pods every ${o.burstIntervalS} s (medians of ${bs.length} runs): p50 ${b((x) => x.decision.p50)} s, p99 ${b((x) => x.decision.p99)} s (goal ≤ 1; runs ${bs.map((x) => x.decision.p99).join(', ')}) over ${b((x) => x.decisions)} pods that started a node; burst applied → its first RunInstances p50 ${b((x) => x.applyToLaunch.p50)} s, max ${b((x) => x.applyToLaunch.max)} s; ${b((x) => x.nodes)} nodes; ${b((x) => x.replanned)} pods re-planned`); // prettier-ignore
  }
  console.log(`load average after: ${load()}`);
}
process.exit(0);
