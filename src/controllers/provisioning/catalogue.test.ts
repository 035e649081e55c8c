import { describe, expect, test } from '@jest/globals';
import type { StockInfo } from '../../cloud/types.js';
import { FakeClock } from '../../runtime/fake-clock.js';
import { CATALOGUE_TTL, OfferingCatalogue } from './catalogue.js';

const TYPE = 'ecs.g7.xlarge';
const ZONE = 'cn-hangzhou-h';
const NEEDS = [{ types: [TYPE], zones: [ZONE], market: 'onDemand' as const }];

/** A cloud whose stock answers wait until released (`gate`), counting its calls. */
function cloud() {
  const c = {
    calls: { types: 0, price: 0, stock: 0 },
    available: true,
    price: 1,
    gate: Promise.resolve(),
    instanceTypes: async () => {
      c.calls.types++;
      return [
        {
          id: TYPE,
          family: 'ecs.g7',
          vCpus: 4,
          memoryGiB: 16,
          gpus: 0,
          architecture: 'X86',
          localStorage: false,
          eniQuantity: 4,
        },
      ];
    },
    priceOf: async () => {
      c.calls.price++;
      return c.price;
    },
    stock: async (): Promise<StockInfo[]> => {
      c.calls.stock++;
      const available = c.available;
      await c.gate;
      return [
        { zoneId: ZONE, instanceType: TYPE, status: available ? 'WithStock' : 'WithoutStock', available },
      ];
    },
  };
  return c;
}

describe('OfferingCatalogue.prepare', () => {
  test('waits for what is missing; a stale answer is used while its refresh runs in the background', async () => {
    const clock = new FakeClock();
    const c = cloud();
    const cat = new OfferingCatalogue(
      { instanceTypes: c.instanceTypes, price: c.priceOf, stock: c.stock },
      clock,
    );
    await cat.prepare(NEEDS);
    expect(cat.inStock(TYPE, ZONE, 'onDemand')).toBe(true);
    expect(cat.price(TYPE, ZONE, 'onDemand')).toBe(1);
    expect(c.calls).toEqual({ types: 1, price: 1, stock: 1 });

    // fresh: nothing is fetched again
    await cat.prepare(NEEDS);
    expect(c.calls).toEqual({ types: 1, price: 1, stock: 1 });

    // stale stock: prepare returns without waiting for the (held) refresh, and the old answer stands meanwhile
    clock.advance(CATALOGUE_TTL.stockMs + 1);
    c.available = false;
    let release!: () => void;
    c.gate = new Promise<void>((r) => (release = r));
    let prepared = false;
    await cat.prepare(NEEDS).then(() => (prepared = true));
    expect(prepared).toBe(true);
    expect(c.calls.stock).toBe(2);
    expect(cat.inStock(TYPE, ZONE, 'onDemand')).toBe(true);
    // a second prepare meanwhile shares the refresh in flight
    await cat.prepare(NEEDS);
    expect(c.calls.stock).toBe(2);
    release();
    await new Promise((r) => setImmediate(r));
    expect(cat.inStock(TYPE, ZONE, 'onDemand')).toBe(false);
  });

  test('a failed background refresh is reported, and the stale answer kept', async () => {
    const clock = new FakeClock();
    const c = cloud();
    let fail = false;
    const stock = async (): Promise<StockInfo[]> => {
      if (fail) throw new Error('throttled');
      return c.stock();
    };
    const cat = new OfferingCatalogue({ instanceTypes: c.instanceTypes, price: c.priceOf, stock }, clock);
    await cat.prepare(NEEDS);
    clock.advance(CATALOGUE_TTL.stockMs + 1);
    fail = true;
    const errors: unknown[] = [];
    await cat.prepare(NEEDS, (e) => errors.push(e));
    await new Promise((r) => setImmediate(r));
    expect(errors.map((e) => (e as Error).message)).toEqual(['throttled']);
    expect(cat.inStock(TYPE, ZONE, 'onDemand')).toBe(true);
  });

  test('a missing answer that fails makes prepare fail (the decision cannot be made without it)', async () => {
    const c = cloud();
    const cat = new OfferingCatalogue(
      { instanceTypes: c.instanceTypes, price: c.priceOf, stock: () => Promise.reject(new Error('down')) },
      new FakeClock(),
    );
    await expect(cat.prepare(NEEDS)).rejects.toThrow('down');
  });
});

describe('OfferingCatalogue.prepare with estimates', () => {
  /** A family of three sizes and a GPU type, priced per vCPU (0.1 CNY/h in z-a, 0.12 in z-b), calls held. */
  const SHAPES = [
    { id: 'ecs.c8i.large', family: 'ecs.c8i', vCpus: 2, memoryGiB: 4, gpus: 0 },
    { id: 'ecs.c8i.xlarge', family: 'ecs.c8i', vCpus: 4, memoryGiB: 8, gpus: 0 },
    { id: 'ecs.c8i.8xlarge', family: 'ecs.c8i', vCpus: 32, memoryGiB: 64, gpus: 0 },
    { id: 'ecs.gn7i-c8g1.2xlarge', family: 'ecs.gn7i', vCpus: 8, memoryGiB: 30, gpus: 1 },
  ];
  const TYPES = SHAPES.map((s) => s.id);
  /** Prices per vCPU (0.1 CNY/h in z-a, 0.12 in z-b; a GPU 8 more); the calls for `held` types wait for release. */
  function priced(held: readonly string[] = []) {
    const asked: string[] = [];
    const waiting: (() => void)[] = [];
    const cloud = {
      instanceTypes: async () =>
        SHAPES.map((s) => ({ ...s, architecture: 'X86', localStorage: false, eniQuantity: 4 })),
      stock: async (): Promise<StockInfo[]> => [],
      price: async (o: { instanceType: string; zoneId: string; spot: boolean }) => {
        asked.push(`${o.instanceType}|${o.zoneId}`);
        if (held.includes(o.instanceType)) await new Promise<void>((r) => waiting.push(r));
        const s = SHAPES.find((x) => x.id === o.instanceType)!;
        return s.vCpus * (o.zoneId === 'z-a' ? 0.1 : 0.12) + s.gpus * 8;
      },
    };
    return {
      cloud,
      asked,
      release: () => waiting.splice(0).forEach((r) => r()),
      releaseOne: () => waiting.shift()?.(),
    };
  }
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };

  test('waits for one price per family and zone (and each GPU type); the others are estimated, then fetched', async () => {
    // the larger c8i sizes never answer until released: prepare must not wait for them
    const p = priced(['ecs.c8i.xlarge', 'ecs.c8i.8xlarge']);
    const cat = new OfferingCatalogue(p.cloud, new FakeClock());
    await cat.prepare([{ types: TYPES, zones: ['z-a', 'z-b'], market: 'onDemand' }], () => undefined, {
      estimate: true,
    });
    // the waited-for calls went first: the family's first type in each zone, and the GPU type in each zone
    expect(p.asked.slice(0, 4)).toEqual([
      'ecs.c8i.large|z-a',
      'ecs.c8i.large|z-b',
      'ecs.gn7i-c8g1.2xlarge|z-a',
      'ecs.gn7i-c8g1.2xlarge|z-b',
    ]);
    // the rest is estimated from the family's price per vCPU in the zone meanwhile
    expect(cat.price('ecs.c8i.8xlarge', 'z-b', 'onDemand')).toBeUndefined();
    expect(cat.estimatedPrice('ecs.c8i.8xlarge', 'z-b', 'onDemand')).toBeCloseTo(3.84);
    expect(cat.withEstimates().price('ecs.c8i.xlarge', 'z-a', 'onDemand')).toBeCloseTo(0.4);
    // and refined once fetched (in the background, a few at a time)
    await flush();
    p.release();
    await flush();
    p.release();
    await flush();
    expect(p.asked).toHaveLength(8);
    expect(cat.price('ecs.c8i.8xlarge', 'z-b', 'onDemand')).toBeCloseTo(3.84);
  });

  test('a price a decision waits for goes before the ones another caller queued (a few calls at a time)', async () => {
    const p = priced(TYPES);
    const cat = new OfferingCatalogue(p.cloud, new FakeClock());
    // consolidation's way: every price waited for, in order — 8 calls, 4 at a time
    const all = cat.prepare([{ types: TYPES, zones: ['z-a', 'z-b'], market: 'onDemand' }]);
    await flush();
    expect(p.asked).toHaveLength(4);
    // a decision meanwhile: the c8i probes are under way already; the GPU type (never estimated) is hurried
    const decision = cat.prepare(
      [{ types: TYPES, zones: ['z-a', 'z-b'], market: 'onDemand' }],
      () => undefined,
      {
        estimate: true,
      },
    );
    p.releaseOne();
    p.releaseOne();
    await flush();
    expect(p.asked.slice(4, 6)).toEqual(['ecs.gn7i-c8g1.2xlarge|z-a', 'ecs.gn7i-c8g1.2xlarge|z-b']);
    let settled = false;
    void Promise.all([all, decision]).then(() => (settled = true));
    for (let n = 0; n < 20 && !settled; n++) {
      p.release();
      await flush();
    }
    expect(settled).toBe(true);
    expect(p.asked).toHaveLength(8);
  });

  test('spot prices are never estimated: every one is waited for', async () => {
    const p = priced();
    const cat = new OfferingCatalogue(p.cloud, new FakeClock());
    await cat.prepare([{ types: TYPES.slice(0, 3), zones: ['z-a'], market: 'spot' }], () => undefined, {
      estimate: true,
    });
    expect(p.asked).toHaveLength(3);
    expect(cat.estimatedPrice('ecs.c8i.xlarge', 'z-a', 'spot')).toBeCloseTo(0.4);
  });

  test('without `estimate` (consolidation) every missing price is waited for, and none is estimated', async () => {
    const p = priced();
    const cat = new OfferingCatalogue(p.cloud, new FakeClock());
    await cat.prepare([{ types: TYPES, zones: ['z-a'], market: 'onDemand' }]);
    expect(p.asked).toHaveLength(4);
    const fresh = new OfferingCatalogue(p.cloud, new FakeClock());
    expect(fresh.estimatedPrice('ecs.c8i.xlarge', 'z-a', 'onDemand')).toBeUndefined();
  });
});
