// One catalogue for every system: the simulator's world (cn-hangzhou's zones, its x86 general-purpose types and
// their pay-as-you-go prices), turned into each peer's own format. Each type's allocatable is what our simulated
// node registers (src/bootstrap/reservations.ts, pools with default kubelet settings), so every system packs onto
// the same usable capacity.
import { allocatableOf, type Allocatable } from '../../src/bootstrap/reservations.js';
import { cpuMillis, mebibytes } from '../../src/util/quantity.js';
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
  /** What the node registers as allocatable. */
  allocatable: Allocatable;
  offerings: Offering[];
}

export interface Catalogue {
  region: string;
  zones: string[];
  types: CatalogueType[];
}

/** Millicores and MiB of a Kubernetes quantity (0 when it is not one: the API server never sends that). */
export const cpuM = (q: string): number => cpuMillis(q) ?? 0;
export const memMiB = (q: string): number => mebibytes(q) ?? 0;

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
      // the kubelet's rule with the project's one reservation formula (what our simulated node registers)
      allocatable: allocatableOf({ cpuMilli: t.vcpu * 1000, memoryMiB: Math.round(t.memoryGiB * 1024) }),
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
export const KARPENTER_KWOK_OVERHEAD = { cpuMilli: 100, memoryMiB: 10 };

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
      cpu: `${t.allocatable.cpuMilli + KARPENTER_KWOK_OVERHEAD.cpuMilli}m`,
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
