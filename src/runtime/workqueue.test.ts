import { describe, expect, test } from '@jest/globals';
import { FakeClock, flush } from './fake-clock.js';
import { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter } from './ratelimiter.js';
import { WorkQueue } from './workqueue.js';

describe('WorkQueue', () => {
  test('an item added many times while it waits is stored once', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    for (let i = 0; i < 5; i++) {
      q.add('a');
      q.add('b');
    }
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  test('a key held by a worker is not handed to another worker; it comes back once after done', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    const first = await q.get();
    expect(first).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0); // dirty, but held: not in the ready queue
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await flush();
    expect(second).toBeUndefined();
    q.done('a');
    await flush();
    expect(second).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
    expect(q.processingLen()).toBe(0);
  });

  test('a waiting get is woken by an add, in FIFO order of adds', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const got: string[] = [];
    const w1 = q.get().then((k) => got.push(k ?? 'none'));
    const w2 = q.get().then((k) => got.push(k ?? 'none'));
    q.add('x');
    q.add('y');
    await Promise.all([w1, w2]);
    expect(got).toEqual(['x', 'y']);
  });

  test('addAfter delays an item; the earliest requested time wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('a', 1000);
    q.addAfter('a', 300);
    q.addAfter('a', 5000);
    q.addAfter('b', 600);
    expect(q.len()).toBe(0);
    expect(q.delayedLen()).toBe(2);
    await clock.tick(299);
    expect(q.len()).toBe(0);
    await clock.tick(1);
    expect(q.len()).toBe(1);
    await clock.tick(300);
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.delayedLen()).toBe(0);
    await clock.tick(10_000); // nothing fires twice
    expect(q.len()).toBe(0);
  });

  test('per-item backoff doubles from 5 ms and is capped at 1000 s; forget resets it', () => {
    const l = new ItemExponentialRateLimiter<string>(5, 1000_000);
    const delays = Array.from({ length: 20 }, () => l.when('a'));
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(delays[17]).toBe(5 * 2 ** 17);
    expect(delays[18]).toBe(1000_000); // 5·2^18 = 1,310,720 ms > cap
    expect(l.numRequeues('a')).toBe(20);
    expect(l.when('b')).toBe(5); // independent per item
    l.forget('a');
    expect(l.numRequeues('a')).toBe(0);
    expect(l.when('a')).toBe(5);
  });

  test('the overall token bucket allows a burst, then spaces retries at qps', () => {
    const clock = new FakeClock();
    const l = new BucketRateLimiter<string>(clock, 10, 100);
    const delays = Array.from({ length: 103 }, (_, i) => l.when(`k${i}`));
    expect(delays.slice(0, 100).every((d) => d === 0)).toBe(true);
    expect(delays.slice(100).map((d) => Math.round(d))).toEqual([100, 200, 300]);
    clock.advance(1000); // 10 tokens back, 3 were borrowed
    expect(Math.round(l.when('z'))).toBe(0);
  });

  test('addRateLimited waits max(item backoff, bucket); retries grow until forget', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({
      clock,
      rateLimiter: new MaxOfRateLimiter(
        new ItemExponentialRateLimiter<string>(5, 1000_000),
        new BucketRateLimiter<string>(clock, 10, 100),
      ),
    });
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = clock.monotonic();
      q.addRateLimited('a');
      while (q.len() === 0) await clock.tick(1);
      seen.push(clock.monotonic() - t0);
      expect(await q.get()).toBe('a');
      q.done('a');
    }
    expect(seen).toEqual([5, 10, 20, 40, 80, 160]);
    expect(q.numRequeues('a')).toBe(6);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  test('shutDown stops intake: gets resolve undefined, delayed items are dropped, drained waits for workers', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.add('a');
    q.add('b');
    q.addAfter('c', 100);
    expect(await q.get()).toBe('a');
    const pending = q.get(); // gets b
    expect(await pending).toBe('b');
    const blocked = q.get(); // nothing left: waits
    let drained = false;
    q.shutDown();
    expect(await blocked).toBeUndefined();
    expect(await q.get()).toBeUndefined();
    const d = q.drained().then(() => (drained = true));
    q.add('x');
    await clock.tick(1000);
    expect(q.len()).toBe(0);
    await flush();
    expect(drained).toBe(false);
    q.done('a');
    await flush();
    expect(drained).toBe(false);
    q.done('b');
    await d;
    expect(drained).toBe(true);
    expect(clock.timerCount).toBe(0);
  });

  test('reports depth, adds and retries to its metrics', async () => {
    const clock = new FakeClock();
    const m = { adds: 0, depth: 0, retries: 0, queued: 0, worked: 0 };
    const q = new WorkQueue({
      clock,
      metrics: {
        added: () => m.adds++,
        depth: (n) => (m.depth = n),
        retried: () => m.retries++,
        queued: () => m.queued++,
        worked: () => m.worked++,
      },
    });
    q.add('a');
    q.add('a');
    q.add('b');
    expect(m).toMatchObject({ adds: 2, depth: 2 });
    const k = await q.get();
    expect(m.depth).toBe(1);
    q.addRateLimited(k!);
    q.done(k!);
    expect(m).toMatchObject({ retries: 1, worked: 1, queued: 1 });
  });
});
