import { describe, expect, test } from '@jest/globals';
import { FakeClock } from '../../runtime/fake-clock.js';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  test('closes after the idle window without a trigger', () => {
    const clock = new FakeClock();
    let batches = 0;
    const b = new Batcher({ idleMs: 200, maxMs: 700, clock, onBatch: () => batches++ });
    b.trigger();
    clock.advance(150);
    b.trigger(); // restarts the idle window
    clock.advance(150);
    expect(batches).toBe(0);
    clock.advance(60);
    expect(batches).toBe(1);
    expect(b.open).toBe(false);
  });

  test('a steady stream of triggers closes at the max window', () => {
    const clock = new FakeClock();
    const at: number[] = [];
    const b = new Batcher({ idleMs: 200, maxMs: 700, clock, onBatch: () => at.push(clock.monotonic()) });
    const t0 = clock.monotonic();
    for (let i = 0; i < 20; i++) {
      b.trigger();
      clock.advance(100);
    }
    expect(at[0]! - t0).toBe(700);
    expect(at.length).toBeGreaterThanOrEqual(2);
    b.stop();
  });
});
