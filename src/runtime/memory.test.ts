import { describe, expect, test } from '@jest/globals';
import { FakeClock } from './fake-clock.js';
import { heapSlack, startMemoryRelease } from './memory.js';

const MB = 1024 * 1024;

describe('giving back heap a burst left behind', () => {
  test('slack is what the heap holds beyond what it uses', () => {
    expect(heapSlack({ heapTotal: 220 * MB, heapUsed: 83 * MB })).toBe(137 * MB);
    expect(heapSlack({ heapTotal: 10, heapUsed: 12 })).toBe(0);
  });

  test('released when the slack reaches the threshold, checked every interval, never after stop', () => {
    const clock = new FakeClock();
    let heap = { heapTotal: 100 * MB, heapUsed: 80 * MB };
    const released: number[] = [];
    const stop = startMemoryRelease({
      clock,
      intervalMs: 60_000,
      slackBytes: 48 * MB,
      sample: () => heap,
      release: () => {
        heap = { heapTotal: heap.heapUsed + MB, heapUsed: heap.heapUsed };
        return true;
      },
      onRelease: (slack) => released.push(slack),
    });
    clock.advance(60_000);
    expect(released).toEqual([]); // 20 MB of slack: left alone
    heap = { heapTotal: 220 * MB, heapUsed: 83 * MB };
    clock.advance(59_999);
    expect(released).toEqual([]);
    clock.advance(1);
    expect(released).toEqual([137 * MB]);
    clock.advance(60_000);
    expect(released).toHaveLength(1); // after the release: 1 MB of slack
    heap = { heapTotal: 300 * MB, heapUsed: 100 * MB };
    stop();
    clock.advance(120_000);
    expect(released).toHaveLength(1);
  });
});
