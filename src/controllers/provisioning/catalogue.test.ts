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
