// One catalogue for every system: the simulator's world (cn-hangzhou's zones, its x86 general-purpose types and
// their pay-as-you-go prices), turned into each peer's own format. Each type's allocatable is what our simulated
// node registers (src/sim/nodes/register.ts), so every system packs onto the same usable capacity.
import { nodeObject } from '../../src/sim/nodes/register.js';
import { defaultWorld, priceOf, type World } from '../../src/sim/cloud/world.js';

/** The families every system may choose from: 7th and 8th generation c (1:2), g (1:4), r (1:8), large..8xlarge. */
export const FAMILIES = ['c7', 'c8i', 'g7', 'g8i', 'r7', 'r8i'] as const;

export interface Offering {
  zone: string;
  /** CNY per hour, pay-as-you-go. */
  price: number;
}

export interface CatalogueType {
  name: string;
  family: string;
  vcpu: number;
  memoryGiB: number;
  /** What the node registers as allocatable: millicores and MiB. */
  allocatable: { cpuM: number; memoryMiB: number; pods: number };
  offerings: Offering[];
}

export interface Catalogue {
  region: string;
  zones: string[];
  types: CatalogueType[];
}

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
}; // prettier-ignore

/** A Kubernetes quantity (`3500m`, `3.1Gi`, `3328599654400m`, `1e3`) as a plain number. */
export function quantity(q: string): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/.exec(q.trim());
  if (!m) throw new Error(`not a Kubernetes quantity: ${q}`);
  return Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : (SUFFIX[m[3] ?? ''] ?? 1));
}
export const cpuMillis = (q: string): number => Math.round(quantity(q) * 1000);
export const memoryMiB = (q: string): number => quantity(q) / 2 ** 20;

/** The allocatable our simulated kubelet registers for a machine of this shape. */
function allocatableOf(vcpu: number, memGiB: number): CatalogueType['allocatable'] {
  const node = nodeObject(
    {
      mode: 'Managed',
      nodeName: 'probe',
      providerId: 'probe',
      nodeIp: '192.0.2.1',
      labels: {},
      taints: [],
      server: 'https://127.0.0.1',
      caPem: undefined,
      bootstrapToken: '',
      lastStep: 'done',
      result: 'done',
    },
    { cpu: vcpu, memoryMiB: Math.round(memGiB * 1024) },
  ) as { status: { allocatable: Record<string, string> } };
  const a = node.status.allocatable;
  return {
    cpuM: cpuMillis(a.cpu ?? '0'),
    memoryMiB: memoryMiB(a.memory ?? '0'),
    pods: Number(a.pods ?? 110),
  };
}

export function catalogue(world: World = defaultWorld()): Catalogue {
  const region = world.regions[0]!;
  const families = new Set(FAMILIES.map((f) => `ecs.${f}`));
  const types = world.instanceTypes
    .filter((t) => families.has(t.family) && t.architecture === 'X86' && t.gpuAmount === 0)
    .map((t) => ({
      name: t.instanceType,
      family: t.family.replace(/^ecs\./, ''),
      vcpu: t.vcpu,
      memoryGiB: t.memoryGiB,
      allocatable: allocatableOf(t.vcpu, t.memoryGiB),
      offerings: region.zones
        .filter((z) => (z.offerings[t.instanceType]?.onDemand ?? 0) > 0)
        .map((z) => ({ zone: z.zoneId, price: priceOf(world, z, t.instanceType).onDemand })),
    }));
  return { region: region.regionId, zones: region.zones.map((z) => z.zoneId), types };
}

/** Price of a node of `type` in `zone`, or undefined when the catalogue does not sell it there. */
export function priceIn(c: Catalogue, type: string, zone: string): number | undefined {
  return c.types.find((t) => t.name === type)?.offerings.find((o) => o.zone === zone)?.price;
}

/** The kubeReserved Karpenter's kwok provider subtracts from every type's capacity (kwok/cloudprovider/helpers.go). */
export const KARPENTER_KWOK_OVERHEAD = { cpuM: 100, memoryMiB: 10 };

/**
 * The catalogue as Karpenter kwok's instance-types file (`--instance-types-file-path`): on-demand offerings per
 * zone at the simulator's prices; capacity = our allocatable + the provider's fixed overhead, so Karpenter's
 * nodes end up with exactly the allocatable ours register.
 */
export function karpenterInstanceTypes(c: Catalogue): unknown[] {
  return c.types.map((t) => ({
    name: t.name,
    architecture: 'amd64',
    operatingSystems: ['linux'],
    resources: {
      cpu: `${t.allocatable.cpuM + KARPENTER_KWOK_OVERHEAD.cpuM}m`,
      memory: `${Math.round(t.allocatable.memoryMiB + KARPENTER_KWOK_OVERHEAD.memoryMiB)}Mi`,
      pods: String(t.allocatable.pods),
    },
    offerings: t.offerings.map((o) => ({
      Price: o.price,
      Available: true,
      Requirements: [
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: [o.zone] },
      ],
    })),
  }));
}
