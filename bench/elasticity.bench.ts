// npm run bench:elasticity — instant elasticity's figures (issue #18; table in docs/elasticity.md):
// 1. the scheduling simulation's throughput: 10,000 pending pods × 40 types × 6 zones × 10 pools (goal ≥ 2,000/s);
// 2. Karpenter's basic workload (500 × 0.9 CPU / 3.1 GiB + 500 × 3.5 CPU / 28 GiB) over the simulator's catalogue:
//    nodes, cost per hour against the packing bound, CPU and memory utilisation (requests / allocatable);
// Each is run RUNS times; medians are printed with the machine's load.
import { loadavg } from 'node:os';
import { karpenterPacking, throughput } from './elasticity-sim.js';

const RUNS = Number(process.env.NODEPOOL_BENCH_RUNS ?? 5);
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; }; // prettier-ignore
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

console.log(`bench:elasticity — ${RUNS} runs each; load average before: ${load()}`);
const tp = Array.from({ length: RUNS }, () => throughput());
console.log(`simulation throughput: ${tp[0]!.pods} pods × ${tp[0]!.offerings} offerings (10 pools × ${tp[0]!.offerings / 60} types × 6 zones): median ${median(tp.map((r) => r.podsPerSecond)).toFixed(0)} pods/s (runs: ${tp.map((r) => r.podsPerSecond.toFixed(0)).join(', ')}); ${tp[0]!.nodes} nodes planned`); // prettier-ignore
const kp = Array.from({ length: RUNS }, () => karpenterPacking());
const k = kp[0]!;
console.log(`karpenter workload (1,000 pods, ${Object.keys(k.byType).length} types used): ${k.nodes} nodes, ${k.costPerHour.toFixed(2)} CNY/h vs bound ${k.boundPerHour.toFixed(2)} (×${(k.costPerHour / k.boundPerHour).toFixed(3)}), utilisation CPU ${(k.cpuUtil * 100).toFixed(1)} % memory ${(k.memUtil * 100).toFixed(1)} %, ${k.unschedulable} unschedulable; decided in median ${median(kp.map((r) => r.ms)).toFixed(0)} ms`); // prettier-ignore
console.log(
  `  nodes by type: ${Object.entries(k.byType)
    .map(([t, n]) => `${t} ×${n}`)
    .join(', ')}`,
);
console.log(`load average after: ${load()}`);
