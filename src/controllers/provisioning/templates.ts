import type { NodePool } from '../../apis/v1beta1/index.js';
import { POOL_LABEL } from '../../bootstrap/labels.js';
import { allocatableOf } from '../../bootstrap/reservations.js';
import type { InstanceTypeInfo } from '../../cloud/types.js';
import type { Market } from './catalogue.js';
import { ARCH_LABEL, INSTANCE_TYPE_LABEL, OS_LABEL, REGION_LABEL, ZONE_LABEL, type Offering, type PoolTemplate } from './scheduling/index.js'; // prettier-ignore

/** What the planner reads of the catalogue (OfferingCatalogue; a plain object in tests). */
export interface CatalogueView {
  shape(type: string): InstanceTypeInfo | undefined;
  price(type: string, zone: string, market: Market): number | undefined;
  inStock(type: string, zone: string, market: Market): boolean | undefined;
  unavailable(type: string, zone: string, market: Market): string | undefined;
}

/** An Auto pool as the provisioning controller found it. */
export interface PoolView {
  name: string;
  kind: 'NodePool' | 'ManagedNodePool';
  pool: NodePool;
  region: string;
  /** vSwitch → zone, in the pool's vSwitch order. */
  zones: ReadonlyMap<string, string>;
  /** maxSize less the nodes it has and the ones in flight. */
  room: number;
  blocked?: string | undefined;
}

export function marketOf(pool: NodePool): Market {
  const c = pool.spec.billing.chargeType;
  return c === 'Spot' ? 'spot' : c === 'Subscription' ? 'prepaid' : 'onDemand';
}

/** The labels every node of the pool carries, from its spec and the pool label (offering labels come on top). */
export function poolLabels(name: string, pool: NodePool): Record<string, string> {
  return { ...(pool.spec.labels ?? {}), [POOL_LABEL]: name, [OS_LABEL]: 'linux' };
}

/** The labels and allocatable a new node of one offering will have. */
export function offeringOf(
  v: PoolView,
  cat: CatalogueView,
  type: string,
  vSwitchId: string,
  zone: string,
): Offering {
  // prettier-ignore
  const market = marketOf(v.pool);
  const shape = cat.shape(type);
  const price = cat.price(type, zone, market);
  const stock = cat.inStock(type, zone, market);
  const failed = cat.unavailable(type, zone, market);
  const limit = v.pool.spec.billing.spot?.strategy === 'SpotWithPriceLimit' ? Number(v.pool.spec.billing.spot.priceLimits?.find((l) => l.instanceType === type)?.maxPricePerHour ?? 0) : undefined; // prettier-ignore
  const reason = !shape ? 'instance type unknown in the region' : failed ? failed : stock === false ? 'no stock' : price === undefined ? 'price unknown yet' : limit !== undefined && price > limit ? `spot price ${price} above the limit ${limit}` : undefined; // prettier-ignore
  const a = allocatableOf({ cpuMilli: (shape?.vCpus ?? 0) * 1000, memoryMiB: (shape?.memoryGiB ?? 0) * 1024, gpus: shape?.gpus ?? 0 }, v.pool.spec.kubelet); // prettier-ignore
  return {
    instanceType: type,
    zoneId: zone,
    vSwitchId,
    pricePerHour: price ?? Number.POSITIVE_INFINITY,
    allocatable: a,
    labels: {
      ...poolLabels(v.name, v.pool),
      [ZONE_LABEL]: zone,
      [REGION_LABEL]: v.region,
      [INSTANCE_TYPE_LABEL]: type,
      [ARCH_LABEL]:
        shape?.architecture === 'ARM' || /arm/i.test(shape?.architecture ?? '') ? 'arm64' : 'amd64',
    },
    available: reason === undefined,
    ...(reason ? { unavailableReason: reason } : {}),
  };
}

/** The pool as new-node templates: every (instance type, vSwitch) it may launch, in the spec's order. */
export function poolTemplate(v: PoolView, cat: CatalogueView): PoolTemplate {
  const offerings: Offering[] = [];
  for (const type of v.pool.spec.instanceTypes)
    for (const [vsw, zone] of v.zones) offerings.push(offeringOf(v, cat, type, vsw, zone));
  return {
    name: v.name,
    kind: v.kind,
    priority: v.pool.spec.scaling.priority ?? 0,
    taints: (v.pool.spec.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
    offerings,
    room: v.room,
    ...(v.blocked ? { blocked: v.blocked } : {}),
  };
}
