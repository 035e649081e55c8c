import { describe, expect, it } from '@jest/globals';
import { NextFlight } from './next-flight.js';

/** A read the test finishes by hand, recording the keys of each call. */
function manualRead() {
  const calls: {
    keys: string[];
    finish: (found?: Record<string, number>) => void;
    fail: (e: Error) => void;
  }[] = [];
  const read = (keys: string[]): Promise<Map<string, number>> =>
    new Promise((resolve, reject) => {
      calls.push({ keys, finish: (found = {}) => resolve(new Map(Object.entries(found))), fail: reject });
    });
  return { calls, read };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('NextFlight', () => {
  it('answers the keys of one turn with one read', async () => {
    const { calls, read } = manualRead();
    const f = new NextFlight(read);
    const a = f.get('a');
    const b = f.get('b');
    const a2 = f.get('a');
    await turn();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b']]);
    calls[0]!.finish({ a: 1 });
    expect(await Promise.all([a, b, a2])).toEqual([1, undefined, 1]);
  });

  it('never answers a key with a read that started before it was asked', async () => {
    const { calls, read } = manualRead();
    const f = new NextFlight(read);
    const first = f.get('a');
    await turn();
    const late = f.get('a'); // asked while the first read runs
    const other = f.get('b');
    await turn();
    expect(calls).toHaveLength(1);
    calls[0]!.finish({ a: 1 });
    expect(await first).toBe(1);
    for (let i = 0; i < 10 && calls.length < 2; i++) await turn();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['a', 'b']]);
    calls[1]!.finish({ a: 2, b: 3 });
    expect(await Promise.all([late, other])).toEqual([2, 3]);
  });

  it('splits a batch into reads of at most maxKeys, and a failed read fails only its keys', async () => {
    const { calls, read } = manualRead();
    const f = new NextFlight(read, 2);
    const all = ['a', 'b', 'c'].map((k) =>
      f.get(k).then(
        (v) => v,
        (e: Error) => e.message,
      ),
    );
    await turn();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b'], ['c']]);
    calls[0]!.fail(new Error('throttled'));
    calls[1]!.finish({ c: 7 });
    expect(await Promise.all(all)).toEqual(['throttled', 'throttled', 7]);
  });
});
