// The pure half of `npm run bench:elasticity`: the scheduling simulation's throughput and the packing it
// decides for Karpenter's basic performance workload, over the simulator's own catalogue and prices.
import { allocatableOf } from '../src/bootstrap/reservations.js';
import { simPodOf, simulate, type Offering, type PlannedNode, type PoolTemplate, type SimPod } from '../src/controllers/provisioning/scheduling/index.js'; // prettier-ignore
import { DEFAULT_INSTANCE_TYPES } from '../src/sim/cloud/catalogue.js';

const ZONE_FACTORS = [1, 0.97, 1.03, 1, 0.97, 1.03];
/** The catalogue's cheapest rates, CNY per hour (src/sim/cloud/catalogue.ts: the 8th generation's vCPU, r8i's GiB). */
export const CHEAPEST_RATES = { cpu: 0.098, memoryGiB: 0.019 } as const;

function offerings(
  pool: string,
  types: readonly (typeof DEFAULT_INSTANCE_TYPES)[number][],
  zones: number,
  labels: Record<string, string> = {},
): Offering[] {
  // prettier-ignore
  const out: Offering[] = [];
  for (let z = 0; z < zones; z++) {
    for (const t of types) {
      const a = allocatableOf({ cpuMilli: t.vcpu * 1000, memoryMiB: t.memoryGiB * 1024, gpus: t.gpuAmount });
      out.push({
        instanceType: t.instanceType,
        zoneId: `zone-${z}`,
        vSwitchId: `vsw-${z}`,
        pricePerHour: Math.round(t.pricePerHour * (ZONE_FACTORS[z] ?? 1) * 1000) / 1000,
        allocatable: a,
        labels: { ...labels, 'nodepool.alicloud.dev/pool': pool, 'topology.kubernetes.io/zone': `zone-${z}`, 'node.kubernetes.io/instance-type': t.instanceType, 'kubernetes.io/arch': t.architecture === 'ARM' ? 'arm64' : 'amd64', 'kubernetes.io/os': 'linux' }, // prettier-ignore
        available: true,
      });
    }
  }
  return out;
}

const pod = (i: number, app: string, cpu: string, memory: string, extra: Record<string, unknown> = {}): SimPod =>
  simPodOf({ metadata: { name: `${app}-${i}`, namespace: 'bench', labels: { app } }, spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory } } }], ...extra } }); // prettier-ignore

/** Karpenter's basic workload: 500 × 0.9 CPU / 3.1 GiB and 500 × 3.5 CPU / 28 GiB. */
export function karpenterPods(): SimPod[] {
  return [
    ...Array.from({ length: 500 }, (_, i) => pod(i, 'small', '900m', '3174Mi')),
    ...Array.from({ length: 500 }, (_, i) => pod(i, 'large', '3500m', '28Gi')),
  ];
}

/** One Auto pool per x86 family of the simulator's catalogue (every size), in 3 zones. */
export function familyPools(zones = 3): PoolTemplate[] {
  const families = [...new Set(DEFAULT_INSTANCE_TYPES.filter((t) => t.architecture === 'X86' && t.gpuAmount === 0 && t.localStorageAmount === 0).map((t) => t.family))]; // prettier-ignore
  return families.map((f) => ({ name: f.replace('ecs.', ''), kind: 'NodePool', priority: 0, taints: [], room: 2000, offerings: offerings(f.replace('ecs.', ''), DEFAULT_INSTANCE_TYPES.filter((t) => t.family === f), zones) })); // prettier-ignore
}

export interface Packing {
  nodes: number;
  costPerHour: number;
  boundPerHour: number;
  cpuUtil: number;
  memUtil: number;
  unschedulable: number;
  byType: Record<string, number>;
  ms: number;
}

/** The plan for the workload and its quality: nodes, cost against the packing bound, utilisation. */
export function karpenterPacking(): Packing {
  const pods = karpenterPods();
  const pools = familyPools();
  const t0 = performance.now();
  const plan = simulate({ pods, pools });
  const ms = performance.now() - t0;
  const all = pools.flatMap((p) => p.offerings);
  const alloc = (n: PlannedNode): Offering => all.find((o) => o.instanceType === n.instanceType && o.zoneId === n.zoneId)!; // prettier-ignore
  const reqCpu = pods.reduce((a, p) => a + p.requests.cpuMilli, 0);
  const reqMem = pods.reduce((a, p) => a + p.requests.memoryMiB, 0);
  // the bound: every request priced at the cheapest CPU and the cheapest GiB the catalogue sells (per hour)
  // the catalogue's cheapest rates (src/sim/cloud/catalogue.ts: 8th generation, per vCPU and per GiB) in the cheapest zone
  const cpuRate = CHEAPEST_RATES.cpu * 0.97;
  const memRate = CHEAPEST_RATES.memoryGiB * 0.97;
  const bound = (reqCpu / 1000) * cpuRate + (reqMem / 1024) * memRate;
  const byType: Record<string, number> = {};
  let cost = 0;
  let capCpu = 0;
  let capMem = 0;
  for (const n of plan.nodes) {
    const o = alloc(n);
    cost += o.pricePerHour;
    capCpu += o.allocatable.cpuMilli;
    capMem += o.allocatable.memoryMiB;
    byType[n.instanceType] = (byType[n.instanceType] ?? 0) + 1;
  }
  return { nodes: plan.nodes.length, costPerHour: cost, boundPerHour: bound, cpuUtil: reqCpu / capCpu, memUtil: reqMem / capMem, unschedulable: plan.unschedulable.size, byType, ms }; // prettier-ignore
}

/** 10,000 pending pods × 40 types × 6 zones × 10 pools: pods simulated per second. */
export function throughput(): {
  pods: number;
  offerings: number;
  ms: number;
  podsPerSecond: number;
  nodes: number;
} {
  const types = DEFAULT_INSTANCE_TYPES.slice(0, 40);
  const pools: PoolTemplate[] = Array.from({ length: 10 }, (_, i) => ({ name: `pool-${i}`, kind: 'NodePool' as const, priority: i % 3, taints: i === 9 ? [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }] : [], room: 2000, offerings: offerings(`pool-${i}`, types, 6, { tier: i < 5 ? 'web' : 'batch' }) })); // prettier-ignore
  const pods: SimPod[] = [];
  const shapes: [string, string][] = [['100m', '128Mi'], ['250m', '512Mi'], ['500m', '1Gi'], ['900m', '3174Mi'], ['1', '2Gi'], ['2', '4Gi'], ['3500m', '28Gi'], ['4', '8Gi']]; // prettier-ignore
  for (let i = 0; i < 10_000; i++) {
    const d = i % 40; // 40 Deployments of 250 pods
    const [cpu, mem] = shapes[d % shapes.length]!;
    const extra: Record<string, unknown> =
      d % 5 === 0 ? { nodeSelector: { tier: 'web' } }
      : d % 5 === 1 ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: `d${d}` } } }] } // prettier-ignore
      : d % 5 === 2 ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] } } } } // prettier-ignore
      : d % 5 === 3 ? { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }
      : {}; // prettier-ignore
    pods.push(pod(i, `d${d}`, cpu, mem, extra));
  }
  const t0 = performance.now();
  const plan = simulate({ pods, pools });
  const ms = performance.now() - t0;
  return { pods: pods.length, offerings: pools.reduce((a, p) => a + p.offerings.length, 0), ms, podsPerSecond: pods.length / (ms / 1000), nodes: plan.nodes.length }; // prettier-ignore
}
