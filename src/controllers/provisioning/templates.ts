import type { NodePool } from '../../apis/v1beta1/index.js';
import { POOL_LABEL } from '../../bootstrap/labels.js';
import { allocatableOf } from '../../bootstrap/reservations.js';
import type { InstanceTypeInfo } from '../../cloud/types.js';
import type { Market } from './catalogue.js';
import {
  ARCH_LABEL,
  INSTANCE_TYPE_LABEL,
  OS_LABEL,
  REGION_LABEL,
  ZONE_LABEL,
  type Offering,
  type PoolTemplate,
} from './scheduling/index.js';

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

/** Why an offering of the market cannot be launched now (undefined: it can), and its price. */
function marketState(
  v: PoolView,
  cat: CatalogueView,
  type: string,
  zone: string,
  market: Market,
): { price: number | undefined; reason: string | undefined } {
  const price = cat.price(type, zone, market);
  const failed = cat.unavailable(type, zone, market);
  const stock = cat.inStock(type, zone, market);
  const spot = v.pool.spec.billing.spot;
  const limit =
    market === 'spot' && spot?.strategy === 'SpotWithPriceLimit'
      ? Number(spot.priceLimits?.find((l) => l.instanceType === type)?.maxPricePerHour ?? 0)
      : undefined;
  const what = market === 'spot' && v.pool.spec.billing.spot?.onDemandFallback ? 'spot: ' : '';
  // prettier-ignore
  const reason = failed ? `${what}${failed}` : stock === false ? `${what}no stock` : price === undefined ? `${what}price unknown yet` : limit !== undefined && price > limit ? `spot price ${price} above the limit ${limit}` : undefined;
  return { price, reason };
}

/** Whether the pool's spot launches fall back to pay-as-you-go (`billing.spot.onDemandFallback`). */
export function fallsBackOnDemand(pool: NodePool): boolean {
  return pool.spec.billing.chargeType === 'Spot' && pool.spec.billing.spot?.onDemandFallback === true;
}

/** A launch record's charge type per market, and back. */
export const CHARGE_TYPES = { onDemand: 'PayAsYouGo', spot: 'Spot', prepaid: 'Subscription' } as const;

/** The market a launch record buys in: its own charge type (records before it existed: the pool's). */
export function recordMarket(pool: NodePool, r: { chargeType?: string | undefined }): Market {
  const m = (Object.keys(CHARGE_TYPES) as Market[]).find((k) => CHARGE_TYPES[k] === r.chargeType);
  return m ?? marketOf(pool);
}

/** What the catalogue must hold for these pools' offerings: types and zones, per market. */
export function needsOf(
  pools: readonly { pool: NodePool; zones: ReadonlyMap<string, string> }[],
): { types: readonly string[]; zones: string[]; market: Market }[] {
  return pools.flatMap((p) =>
    marketsOf(p.pool).map((market) => ({
      types: p.pool.spec.instanceTypes,
      zones: [...new Set(p.zones.values())],
      market,
    })),
  );
}

/** The markets a pool's offerings are priced and stocked in (a Spot pool with the fallback: both). */
export function marketsOf(pool: NodePool): Market[] {
  return fallsBackOnDemand(pool) ? ['spot', 'onDemand'] : [marketOf(pool)];
}

/**
 * The labels and allocatable a new node of one offering will have, and the market it is bought in: the pool's;
 * for a Spot pool with `onDemandFallback`, pay-as-you-go when no spot instance of it can be had (no stock, a
 * recent refusal, its spot price above the pool's limit) — ESS's CompensateWithOnDemand, per offering.
 */
export function offeringOf(
  v: PoolView,
  cat: CatalogueView,
  type: string,
  vSwitchId: string,
  zone: string,
): Offering {
  const shape = cat.shape(type);
  let market = marketOf(v.pool);
  let { price, reason } = marketState(v, cat, type, zone, market);
  if (reason !== undefined && fallsBackOnDemand(v.pool)) {
    const od = marketState(v, cat, type, zone, 'onDemand');
    if (od.reason === undefined) ({ price, reason, market } = { ...od, market: 'onDemand' });
    else reason = `${reason}; pay-as-you-go: ${od.reason}`;
  }
  if (!shape) reason = 'instance type unknown in the region';
  const a = allocatableOf(
    {
      cpuMilli: (shape?.vCpus ?? 0) * 1000,
      memoryMiB: (shape?.memoryGiB ?? 0) * 1024,
      gpus: shape?.gpus ?? 0,
    },
    v.pool.spec.kubelet,
  );
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
    market,
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
