import type { CloudProvider } from '../../cloud/provider.js';
import type { InstanceTypeInfo } from '../../cloud/types.js';
import type { Clock } from '../../runtime/clock.js';

/** Price calls go a few at a time (not as one burst of rate-limit reservations that later calls queue behind). */
const PRICE_CONCURRENCY = 4;

/**
 * Price fetches, `PRICE_CONCURRENCY` at a time, the urgent ones (a decision waits for them) first: a decision's
 * few calls do not wait behind the dozens another caller (consolidation, a background fill) queued before.
 */
class FetchQueue {
  private readonly waiting: { key: string; urgent: boolean; run: () => void }[] = [];
  private running = 0;

  add(key: string, fn: () => Promise<void>, urgent: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const run = (): void => {
        this.running++;
        fn()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.next();
          });
      };
      this.waiting.push({ key, urgent, run });
      this.next();
    });
  }

  /** A queued fetch a decision now waits for goes first. */
  hurry(key: string): void {
    const w = this.waiting.find((x) => x.key === key);
    if (w) w.urgent = true;
  }

  private next(): void {
    while (this.running < PRICE_CONCURRENCY && this.waiting.length > 0) {
      const i = this.waiting.findIndex((w) => w.urgent);
      this.waiting.splice(Math.max(0, i), 1)[0]!.run();
    }
  }
}

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
 *
 * DescribePrice answers one type in one zone per call (30 types × 3 zones: 90 calls, 9 s at 10 calls/s), so
 * `prepare(…, { estimate: true })` (provisioning) waits only for one price per instance family, zone and market
 * and fetches the rest in the background; `withEstimates()` meanwhile prices a type from its family's price per
 * vCPU in that zone (a family's pay-as-you-go prices scale with its size). Spot prices and GPU types are never
 * estimated (a spot price is per type; a GPU type's price is mostly its GPUs): they are waited for.
 */
export class OfferingCatalogue {
  private readonly shapes = new Map<string, InstanceTypeInfo>();
  private readonly unknownTypes = new Set<string>();
  private readonly prices = new Map<string, Timed<number>>();
  private readonly stockByMarket = new Map<Market, Timed<Map<string, boolean>>>();
  private readonly failed = new Map<string, Timed<string>>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly fetches = new FetchQueue();

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

  /**
   * The price when fetched, else an estimate: the type's vCPUs at the mean price per vCPU of the types of its
   * family priced in that zone and market (on-demand and prepaid only; not GPU types); undefined when neither.
   */
  estimatedPrice(type: string, zone: string, market: Market): number | undefined {
    const exact = this.price(type, zone, market);
    if (exact !== undefined || !this.estimable(type, market)) return exact;
    const s = this.shapes.get(type)!;
    let sum = 0;
    let n = 0;
    for (const [key, p] of this.prices) {
      const [t, z, m] = key.split('|');
      if (z !== zone || m !== 'od') continue;
      const other = this.shapes.get(t!);
      if (other?.family !== s.family || other.gpus > 0 || !(other.vCpus > 0)) continue;
      sum += p.value / other.vCpus;
      n++;
    }
    return n === 0 ? undefined : Math.round((sum / n) * s.vCpus * 1000) / 1000;
  }

  /** Whether a missing price of the type may be estimated from its family (see `estimatedPrice`). */
  private estimable(type: string, market: Market): boolean {
    const s = this.shapes.get(type);
    return market !== 'spot' && s !== undefined && s.gpus === 0 && s.vCpus > 0 && s.family !== '';
  }

  /** This catalogue as the planner reads it with missing prices estimated (`estimatedPrice`). */
  withEstimates(): {
    shape: (type: string) => InstanceTypeInfo | undefined;
    price: (type: string, zone: string, market: Market) => number | undefined;
    inStock: (type: string, zone: string, market: Market) => boolean | undefined;
    unavailable: (type: string, zone: string, market: Market) => string | undefined;
  } {
    return {
      shape: (t) => this.shape(t),
      price: (t, z, m) => this.estimatedPrice(t, z, m),
      inStock: (t, z, m) => this.inStock(t, z, m),
      unavailable: (t, z, m) => this.unavailable(t, z, m),
    };
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
   * background (`onRefreshError` hears a failed one), so a decision never waits for a TTL to run out. With
   * `estimate`, a missing price is waited for only when nothing of its family in that zone and market is priced
   * yet (the first such type: one call per family, zone and market) or it cannot be estimated; the others are
   * fetched in the background, a few at a time, after those.
   */
  async prepare(
    needs: readonly { types: readonly string[]; zones: readonly string[]; market: Market }[],
    onRefreshError: (err: unknown) => void = () => undefined,
    opts: { estimate?: boolean } = {},
  ): Promise<void> {
    const now = this.clock.monotonic();
    const jobs: Promise<void>[] = [];
    const refresh = (p: Promise<void>): void => void p.catch(onRefreshError);
    const types = new Set(
      needs.flatMap((n) => n.types).filter((t) => !this.shapes.has(t) && !this.unknownTypes.has(t)),
    );
    const shapes =
      types.size > 0
        ? this.once(`types:${[...types].sort().join(',')}`, () => this.fetchTypes([...types]))
        : undefined;
    if (shapes) jobs.push(shapes);
    for (const m of new Set(needs.map((n) => n.market))) {
      const s = this.stockByMarket.get(m);
      if (s && now - s.at <= CATALOGUE_TTL.stockMs) continue;
      const job = this.once(`stock:${m}`, () => this.fetchStock(m));
      if (s) refresh(job);
      else jobs.push(job);
    }
    // families and GPUs decide which prices may be estimated: the shapes first (one call, stock alongside)
    if (opts.estimate && shapes) await shapes.catch(() => undefined);
    const later: { key: string; fetch: () => Promise<void> }[] = [];
    const probed = new Set<string>();
    for (const n of needs) {
      const od = n.market === 'spot' ? 'spot' : 'od';
      const ttl = n.market === 'spot' ? CATALOGUE_TTL.spotPriceMs : CATALOGUE_TTL.priceMs;
      for (const t of n.types) {
        for (const z of n.zones) {
          const p = this.prices.get(`${t}|${z}|${od}`);
          if (p && now - p.at <= ttl) continue;
          const key = `price:${t}|${z}|${n.market}`;
          const fetch = (): Promise<void> => this.fetchPrice({ type: t, zone: z, market: n.market });
          const family = `${this.shapes.get(t)?.family ?? t}|${z}|${n.market}`;
          if (p) refresh(this.queued(key, fetch, false));
          else if (!opts.estimate) jobs.push(this.queued(key, fetch, false));
          else if (!this.estimable(t, n.market)) jobs.push(this.queued(key, fetch, true));
          else if (this.estimatedPrice(t, z, n.market) === undefined && !probed.has(family)) {
            probed.add(family);
            jobs.push(this.queued(key, fetch, true));
          } else later.push({ key, fetch });
        }
      }
    }
    // behind the ones waited for; `once` keeps one queued fetch per price however many decisions ask meanwhile
    for (const l of later) refresh(this.queued(l.key, l.fetch, false));
    const results = await Promise.allSettled(jobs);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && failed.status === 'rejected') throw failed.reason;
  }

  /** A price fetch through the queue (one per key at a time); `urgent`: a decision waits for it. */
  private queued(key: string, fetch: () => Promise<void>, urgent: boolean): Promise<void> {
    const job = this.once(key, () => this.fetches.add(key, fetch, urgent));
    if (urgent) this.fetches.hurry(key);
    return job;
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
