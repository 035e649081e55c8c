import { describe, expect, test } from '@jest/globals';
import { ApiError } from './errors.js';
import { Faults } from './faults.js';
import { Params } from './params.js';
import type { Call } from './server.js';

const call = (action: string, params: Record<string, string>): Call =>
  ({
    product: { name: 'Ecs' },
    action,
    params: new Params(Object.entries(params)),
    requestId: 'r',
  }) as unknown as Call;

describe('fault rules', () => {
  test('params: only calls with those request parameters are hit; the rule counts only them', async () => {
    const faults = new Faults(() => 0);
    const rule = faults.add({
      action: 'RunInstances',
      params: { SpotStrategy: 'SpotAsPriceGo' },
      code: 'OperationDenied.NoStock',
      count: 1,
    });
    await expect(faults.intercept(call('RunInstances', { SpotStrategy: 'NoSpot' }))).resolves.toBeUndefined();
    await expect(faults.intercept(call('RunInstances', {}))).resolves.toBeUndefined();
    await expect(
      faults.intercept(call('RunInstances', { SpotStrategy: 'SpotAsPriceGo' })),
    ).rejects.toBeInstanceOf(ApiError);
    expect(rule.fired).toBe(1);
    // count reached: gone
    await expect(
      faults.intercept(call('RunInstances', { SpotStrategy: 'SpotAsPriceGo' })),
    ).resolves.toBeUndefined();
  });
});
