import { describe, expect, test } from '@jest/globals';
import { CheckCache } from './check-cache.js';

describe("a pool's cloud checks, kept per spec version", () => {
  const setup = () => {
    let t = 1_000;
    const cache = new CheckCache<string>(60_000, () => t);
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
