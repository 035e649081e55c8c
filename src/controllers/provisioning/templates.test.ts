import { describe, expect, test } from '@jest/globals';
import { NodePool } from '../../apis/v1beta1/index.js';
import type { Market } from './catalogue.js';
import { needsOf, offeringOf, recordMarket, type CatalogueView, type PoolView } from './templates.js';

const TYPE = 'ecs.g7.xlarge';
const ZONE = 'cn-hangzhou-h';

function pool(billing: Record<string, unknown>, scaling: Record<string, unknown> = {}): NodePool {
  return NodePool.parse({
    apiVersion: 'nodepool.alicloud.dev/v1beta1',
    kind: 'NodePool',
    metadata: { name: 'spot' },
    spec: {
      region: 'cn-hangzhou',
      vpcId: 'vpc-1',
      vSwitchIds: ['vsw-1'],
      scaling: { mode: 'Auto', minSize: 0, maxSize: 5, ...scaling },
      billing,
      instanceTypes: [TYPE],
      image: { type: 'AliyunLinux3ContainerOptimized' },
      securityGroup: { ids: ['sg-1'] },
      ramRoleName: 'k8s-worker-role',
    },
  });
}

const view = (p: NodePool): PoolView => ({
  name: 'spot',
  kind: 'NodePool',
  pool: p,
  region: 'cn-hangzhou',
  zones: new Map([['vsw-1', ZONE]]),
  room: 5,
});

/** A catalogue with one type; per market: its price, stock, and a recent refusal. */
function catalogue(
  m: Partial<Record<Market, { price?: number; stock?: boolean; failed?: string }>>,
): CatalogueView {
  return {
    shape: (t) =>
      t === TYPE
        ? {
            id: TYPE,
            family: 'ecs.g7',
            vCpus: 4,
            memoryGiB: 16,
            gpus: 0,
            architecture: 'X86',
            localStorage: false,
            eniQuantity: 4,
          }
        : undefined,
    price: (_t, _z, market) => m[market]?.price,
    inStock: (_t, _z, market) => m[market]?.stock,
    unavailable: (_t, _z, market) => m[market]?.failed,
  };
}

const FALLBACK = { chargeType: 'Spot', spot: { strategy: 'SpotAsPriceGo', onDemandFallback: true } };
const COST = { multiAZPolicy: 'CostOptimized' };
const LIMITED = {
  chargeType: 'Spot',
  spot: {
    strategy: 'SpotWithPriceLimit',
    priceLimits: [{ instanceType: TYPE, maxPricePerHour: '0.3' }],
    onDemandFallback: true,
  },
};

describe('offeringOf: a Spot pool with billing.spot.onDemandFallback', () => {
  // prettier-ignore
  const cases: [string, Record<string, unknown>, Parameters<typeof catalogue>[0], { market: Market; price: number; available: boolean; reason?: RegExp }][] = [
    ['spot available: spot, at the spot price', FALLBACK, { spot: { price: 0.2, stock: true }, onDemand: { price: 1, stock: true } }, { market: 'spot', price: 0.2, available: true }],
    ['spot sold out: pay-as-you-go at its price', FALLBACK, { spot: { price: 0.2, stock: false }, onDemand: { price: 1, stock: true } }, { market: 'onDemand', price: 1, available: true }],
    ['spot refused just now (NoStock, quota): pay-as-you-go', FALLBACK, { spot: { price: 0.2, stock: true, failed: 'OperationDenied.NoStock just now' }, onDemand: { price: 1, stock: true } }, { market: 'onDemand', price: 1, available: true }],
    ['spot above the price limit: never bought as spot, pay-as-you-go', LIMITED, { spot: { price: 0.5, stock: true }, onDemand: { price: 1, stock: true } }, { market: 'onDemand', price: 1, available: true }],
    ['spot within the price limit: spot', LIMITED, { spot: { price: 0.25, stock: true }, onDemand: { price: 1, stock: true } }, { market: 'spot', price: 0.25, available: true }],
    ['neither market: unavailable, both reasons named', FALLBACK, { spot: { price: 0.2, stock: false }, onDemand: { price: 1, stock: false } }, { market: 'spot', price: 0.2, available: false, reason: /^spot: no stock; pay-as-you-go: no stock$/ }],
    ['without the flag: spot only', { chargeType: 'Spot', spot: { strategy: 'SpotAsPriceGo' } }, { spot: { price: 0.2, stock: false }, onDemand: { price: 1, stock: true } }, { market: 'spot', price: 0.2, available: false, reason: /^no stock$/ }],
    ['pay-as-you-go pools: on demand', { chargeType: 'PayAsYouGo' }, { onDemand: { price: 1, stock: true } }, { market: 'onDemand', price: 1, available: true }],
  ];
  test.each(cases)('%s', (_name, billing, cat, want) => {
    const p = pool(
      billing,
      billing.chargeType === 'Spot' && (billing.spot as { onDemandFallback?: boolean }).onDemandFallback
        ? COST
        : {},
    );
    const o = offeringOf(view(p), catalogue(cat), TYPE, 'vsw-1', ZONE);
    expect({ market: o.market, price: o.pricePerHour, available: o.available }).toEqual({
      market: want.market,
      price: want.price,
      available: want.available,
    });
    if (want.reason) expect(o.unavailableReason).toMatch(want.reason);
    else expect(o.unavailableReason).toBeUndefined();
  });

  test('the catalogue is prepared in both markets for such a pool, in its own for the others', () => {
    const zones = new Map([['vsw-1', ZONE]]);
    expect(needsOf([{ pool: pool(FALLBACK, COST), zones }]).map((n) => n.market)).toEqual([
      'spot',
      'onDemand',
    ]);
    expect(needsOf([{ pool: pool({ chargeType: 'Spot' }), zones }]).map((n) => n.market)).toEqual(['spot']);
  });

  test('a launch record buys in its own market; records written before it existed, in the pool’s', () => {
    const p = pool(FALLBACK, COST);
    expect(recordMarket(p, { chargeType: 'PayAsYouGo' })).toBe('onDemand');
    expect(recordMarket(p, { chargeType: 'Spot' })).toBe('spot');
    expect(recordMarket(p, {})).toBe('spot');
  });
});
