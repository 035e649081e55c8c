import { describe, expect, it } from '@jest/globals';
import { lookAgainMs, restingLookMs } from './look-again.js';

describe('lookAgainMs', () => {
  it('keeps the base interval while few pools move', () => {
    expect(lookAgainMs(2000, 1, 10)).toBe(2000);
    expect(lookAgainMs(2000, 10, 10)).toBe(2000);
  });

  it('spreads the looks of many moving pools over half of an action budget', () => {
    expect(lookAgainMs(2000, 50, 10)).toBe(10_000); // 50 looks per 10 s = 5 calls/s of each action
    expect(lookAgainMs(10_000, 50, 10)).toBe(10_000);
    expect(lookAgainMs(2000, 200, 20)).toBe(20_000);
  });

  it('ignores a budget that is not a rate', () => {
    expect(lookAgainMs(2000, 50, 0)).toBe(2000);
  });
});

describe('restingLookMs', () => {
  it('brings every pool at rest to the same tick, at least half a period away', () => {
    expect(restingLookMs(1_000_000, 30_000)).toBe(20_000); // tick at 1,020,000
    expect(restingLookMs(1_005_000, 30_000)).toBe(15_000); // the same tick
    expect(restingLookMs(1_006_000, 30_000)).toBe(44_000); // too close: the tick after
    expect(restingLookMs(1_020_000, 30_000)).toBe(30_000);
    for (const t of [1_000_000, 1_005_000, 1_006_000, 1_019_999])
      expect((t + restingLookMs(t, 30_000)) % 30_000).toBe(0);
  });
});
