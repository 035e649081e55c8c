import type { CloudProvider } from '../../cloud/provider.js';
import type { InstanceTypeInfo } from '../../cloud/types.js';
import type { Clock } from '../../runtime/clock.js';

/** How long answers are trusted. Stock moves; list prices hardly; a failed offering is avoided a few minutes. */
export const CATALOGUE_TTL = {
  stockMs: 60_000,
  priceMs: 3_600_000,
  spotPriceMs: 600_000,
  unavailableMs: 180_000,
} as const;

export type Market = 'onDemand' | 'spot' | 'prepaid';

interface Timed<T> {
  at: number;
  value: T;
}

/**
 * What the planner knows of the cloud's offerings, cached: instance type shapes (DescribeInstanceTypes, kept),
 * prices (DescribePrice per type, zone and market), stock (DescribeAvailableResource, one call per market for
 * every zone and type), and the unavailable-offerings cache that failed launches feed (`OperationDenied.NoStock`,
 * quota errors) so the next plan skips them for `unavailableMs`. `prepare` fetches what a plan needs and is
 * missing or stale; reads never call the cloud, so the decision itself waits for nothing.
 */
export class OfferingCatalogue {
  private readonly shapes = new Map<string, InstanceTypeInfo>();
  private readonly unknownTypes = new Set<string>();
  private readonly prices = new Map<string, Timed<number>>();
  private readonly stockByMarket = new Map<Market, Timed<Map<string, boolean>>>();
  private readonly failed = new Map<string, Timed<string>>();
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    private readonly cloud: Pick<CloudProvider, 'instanceTypes' | 'price' | 'stock'>,
    private readonly clock: Clock,
  ) {}

  private static readonly byCloud = new WeakMap<object, OfferingCatalogue>();

  /** The one catalogue of a cloud client: elasticity and consolidation read (and mark) the same offerings. */
  static shared(
    cloud: Pick<CloudProvider, 'instanceTypes' | 'price' | 'stock'>,
    clock: Clock,
  ): OfferingCatalogue {
    let c = OfferingCatalogue.byCloud.get(cloud);
    if (!c) OfferingCatalogue.byCloud.set(cloud, (c = new OfferingCatalogue(cloud, clock)));
    return c;
  }

  shape(type: string): InstanceTypeInfo | undefined {
    return this.shapes.get(type);
  }

  /** The type does not exist in the region (DescribeInstanceTypes did not know it). */
  unknown(type: string): boolean {
    return this.unknownTypes.has(type);
  }

  price(type: string, zone: string, market: Market): number | undefined {
    return this.prices.get(`${type}|${zone}|${market === 'spot' ? 'spot' : 'od'}`)?.value;
  }

  /** True / false when known; undefined when never asked. */
  inStock(type: string, zone: string, market: Market): boolean | undefined {
    return this.stockByMarket.get(market)?.value.get(`${type}|${zone}`);
  }

  /** Why the offering is avoided now (a recent failed launch), or undefined. */
  unavailable(type: string, zone: string, market: Market): string | undefined {
    const key = `${type}|${zone}|${market}`;
    const f = this.failed.get(key);
    if (!f) return undefined;
    if (this.clock.monotonic() - f.at > CATALOGUE_TTL.unavailableMs) {
      this.failed.delete(key);
      return undefined;
    }
    return f.value;
  }

  markUnavailable(type: string, zone: string, market: Market, reason: string): void {
    this.failed.set(`${type}|${zone}|${market}`, { at: this.clock.monotonic(), value: reason });
  }

  /**
   * Fetch what is missing for these offerings, and refresh what is stale (concurrent calls share one fetch).
   * Only missing answers are waited for: a stale price or stock is used while its refresh runs in the
   * background (`onRefreshError` hears a failed one), so a decision never waits for a TTL to run out.
   */
  async prepare(
    needs: readonly { types: readonly string[]; zones: readonly string[]; market: Market }[],
    onRefreshError: (err: unknown) => void = () => undefined,
  ): Promise<void> {
    const now = this.clock.monotonic();
    const types = new Set<string>();
    const markets = new Set<Market>();
    const jobs: Promise<void>[] = [];
    const refresh = (p: Promise<void>): void => void p.catch(onRefreshError);
    for (const n of needs) {
      markets.add(n.market);
      for (const t of n.types) {
        if (!this.shapes.has(t) && !this.unknownTypes.has(t)) types.add(t);
        for (const z of n.zones) {
          const p = this.prices.get(`${t}|${z}|${n.market === 'spot' ? 'spot' : 'od'}`);
          const ttl = n.market === 'spot' ? CATALOGUE_TTL.spotPriceMs : CATALOGUE_TTL.priceMs;
          if (p && now - p.at <= ttl) continue;
          const job = this.once(`price:${t}|${z}|${n.market}`, () =>
            this.fetchPrice({ type: t, zone: z, market: n.market }),
          );
          if (p) refresh(job);
          else jobs.push(job);
        }
      }
    }
    if (types.size > 0)
      jobs.push(this.once(`types:${[...types].sort().join(',')}`, () => this.fetchTypes([...types])));
    for (const m of markets) {
      const s = this.stockByMarket.get(m);
      if (s && now - s.at <= CATALOGUE_TTL.stockMs) continue;
      const job = this.once(`stock:${m}`, () => this.fetchStock(m));
      if (s) refresh(job);
      else jobs.push(job);
    }
    const results = await Promise.allSettled(jobs);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && failed.status === 'rejected') throw failed.reason;
  }

  private once(key: string, fn: () => Promise<void>): Promise<void> {
    let p = this.inflight.get(key);
    if (!p) {
      p = fn().finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async fetchTypes(types: string[]): Promise<void> {
    const found = await this.cloud.instanceTypes(types);
    for (const t of found) this.shapes.set(t.id, t);
    for (const t of types) if (!this.shapes.has(t)) this.unknownTypes.add(t);
  }

  private async fetchStock(market: Market): Promise<void> {
    const list = await this.cloud.stock({
      chargeType: market === 'prepaid' ? 'PrePaid' : 'PostPaid',
      spot: market === 'spot',
    });
    this.stockByMarket.set(market, {
      at: this.clock.monotonic(),
      value: new Map(list.map((s) => [`${s.instanceType}|${s.zoneId}`, s.available])),
    });
  }

  private async fetchPrice(p: { type: string; zone: string; market: Market }): Promise<void> {
    if (this.unknownTypes.has(p.type)) return;
    const value = await this.cloud.price({ instanceType: p.type, zoneId: p.zone, spot: p.market === 'spot' });
    this.prices.set(`${p.type}|${p.zone}|${p.market === 'spot' ? 'spot' : 'od'}`, {
      at: this.clock.monotonic(),
      value,
    });
  }
}
