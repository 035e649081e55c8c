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
      collect: () => {
        throw new Error('no garbage here');
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

  test('collected when the heap in use grew by the garbage threshold past what was live after the last collection', () => {
    const clock = new FakeClock();
    // used ≈ total: no slack, the growth is garbage in the old generation
    let heap = { heapTotal: 66 * MB, heapUsed: 60 * MB };
    const released: [number, string][] = [];
    startMemoryRelease({
      clock,
      intervalMs: 3_000,
      slackBytes: 24 * MB,
      garbageBytes: 24 * MB,
      sample: () => heap,
      release: () => {
        throw new Error('no slack here: a full collection is enough');
      },
      collect: () => {
        heap = { heapTotal: 66 * MB, heapUsed: 62 * MB }; // what is live now
        return true;
      },
      onRelease: (bytes, reason) => released.push([bytes / MB, reason]),
    });
    clock.advance(3_000); // the first sample: 60 MB live
    heap = { heapTotal: 90 * MB, heapUsed: 83 * MB };
    clock.advance(3_000);
    expect(released).toEqual([]); // 23 MB of growth, 7 MB of slack
    heap = { heapTotal: 92 * MB, heapUsed: 84 * MB };
    clock.advance(3_000);
    expect(released).toEqual([[24, 'garbage']]);
    // V8 collected by itself (in use went down): growth counts from there
    heap = { heapTotal: 70 * MB, heapUsed: 50 * MB };
    clock.advance(3_000);
    heap = { heapTotal: 80 * MB, heapUsed: 73 * MB };
    clock.advance(3_000);
    expect(released).toHaveLength(1); // 23 MB past 50
    heap = { heapTotal: 80 * MB, heapUsed: 75 * MB };
    clock.advance(3_000);
    expect(released).toEqual([
      [24, 'garbage'],
      [25, 'garbage'],
    ]);
  });
});
