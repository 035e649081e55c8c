import { describe, expect, test } from '@jest/globals';
import { CheckCache } from './check-cache.js';

describe("a pool's cloud checks, kept per spec version", () => {
  const setup = () => {
    let t = 1_000;
    const cache = new CheckCache<string>(
      60_000,
      () => t,
      () => 0,
    );
    return { cache, advance: (ms: number) => (t += ms) };
  };
  test('the same version within the re-check interval: the kept value', () => {
    const { cache, advance } = setup();
    cache.set('a', 'uid/1', 'm-1');
    advance(59_999);
    expect(cache.get('a', 'uid/1')).toBe('m-1');
  });
  test('at the re-check interval: checked again', () => {
    const { cache, advance } = setup();
    cache.set('a', 'uid/1', 'm-1');
    advance(60_000);
    expect(cache.get('a', 'uid/1')).toBeUndefined();
  });
  test('entries set together fall due spread over the last quarter of the interval', () => {
    let t = 0;
    let r = 0;
    const cache = new CheckCache<string>(
      60_000,
      () => t,
      () => r,
    );
    for (const [pool, random] of [
      ['a', 0],
      ['b', 0.5],
      ['c', 0.999],
    ] as const) {
      r = random;
      cache.set(pool, 'v', pool);
    }
    t = 44_999;
    expect(['a', 'b', 'c'].map((p) => cache.get(p, 'v'))).toEqual(['a', 'b', 'c']);
    t = 52_500;
    expect(['a', 'b', 'c'].map((p) => cache.get(p, 'v'))).toEqual(['a', undefined, undefined]);
    t = 60_000;
    expect(cache.get('a', 'v')).toBeUndefined();
  });
  test('another version of the spec (a new generation, or the pool recreated with a new uid): checked again', () => {
    const { cache } = setup();
    cache.set('a', 'uid/1', 'm-1');
    expect(cache.get('a', 'uid/2')).toBeUndefined();
    expect(cache.get('a', 'uid2/1')).toBeUndefined();
    cache.set('a', 'uid/2', 'm-2');
    expect(cache.get('a', 'uid/2')).toBe('m-2');
    expect(cache.get('a', 'uid/1')).toBeUndefined();
  });
  test('pools apart; forget drops one', () => {
    const { cache } = setup();
    cache.set('a', 'v', 'm-a');
    cache.set('b', 'v', 'm-b');
    cache.forget('a');
    expect(cache.get('a', 'v')).toBeUndefined();
    expect(cache.get('b', 'v')).toBe('m-b');
    expect(cache.size).toBe(1);
  });
});
