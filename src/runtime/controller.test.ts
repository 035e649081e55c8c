import { describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { Controller, type ReconcileResult } from './controller.js';
import { TerminalError } from './errors.js';
import { FakeClock, flush } from './fake-clock.js';
import type { EventHandler, EventSource } from './source.js';

const silent = pino({ level: 'silent' });

interface Obj {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

/** A real in-memory event source: objects set or removed here are delivered to handlers as events. */
class MemorySource implements EventSource<Obj> {
  readonly name = 'memory';
  private readonly objects = new Map<string, Obj>();
  private readonly handlers = new Set<EventHandler<Obj>>();
  private synced = false;
  private syncWaiters: (() => void)[] = [];

  addEventHandler(h: EventHandler<Obj>): () => void {
    this.handlers.add(h);
    for (const o of this.objects.values()) h.add?.(o);
    return () => this.handlers.delete(h);
  }
  hasSynced(): boolean {
    return this.synced;
  }
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.syncWaiters.push(() => resolve(true));
      signal?.addEventListener('abort', () => resolve(false));
    });
  }
  markSynced(): void {
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w();
  }
  set(o: Obj): void {
    const old = this.objects.get(o.metadata.name);
    this.objects.set(o.metadata.name, o);
    for (const h of this.handlers) {
      if (old) h.update?.(old, o);
      else h.add?.(o);
    }
  }
  remove(name: string): void {
    const old = this.objects.get(name);
    if (!old) return;
    this.objects.delete(name);
    for (const h of this.handlers) h.delete?.(old);
  }
}

const obj = (name: string, labels?: Record<string, string>): Obj => ({
  metadata: { name, ...(labels ? { labels } : {}) },
});

describe('Controller', () => {
  test('reconciles nothing before its sources sync, then each key once per change', async () => {
    const clock = new FakeClock();
    const source = new MemorySource();
    const seen: string[] = [];
    const c = new Controller({
      name: 't',
      logger: silent,
      clock,
      reconcile: async (key) => {
        seen.push(key);
      },
    }).watch(source);
    source.set(obj('a'));
    source.set(obj('b'));
    const started = c.start();
    await flush();
    expect(seen).toEqual([]);
    source.markSynced();
    await started;
    await flush();
    expect(seen).toEqual(['a', 'b']);
    source.set(obj('a', { x: '1' }));
    await flush();
    expect(seen).toEqual(['a', 'b', 'a']);
    expect(await c.stop()).toBe(true);
  });

  test('a mapper turns events of another kind into keys (old and new object on update)', async () => {
    const source = new MemorySource();
    source.markSynced();
    const seen: string[] = [];
    const c = new Controller({
      name: 't',
      logger: silent,
      clock: new FakeClock(),
      concurrency: 4,
      reconcile: async (key) => {
        seen.push(key);
      },
    }).watch(source, (node) => node.metadata.labels?.pool);
    await c.start();
    source.set(obj('n1', { pool: 'p1' }));
    await flush();
    source.set(obj('n1', { pool: 'p2' })); // moved: both pools need a look
    await flush();
    source.set(obj('n2')); // no pool: nothing
    await flush();
    source.remove('n1');
    await flush();
    expect(seen).toEqual(['p1', 'p1', 'p2', 'p2']);
    await c.stop();
  });

  test('requeueAfter brings the key back after that long; an error backs off; a TerminalError is not retried', async () => {
    const clock = new FakeClock();
    const calls: Record<string, number[]> = { later: [], flaky: [], broken: [] };
    const c = new Controller({
      name: 't',
      logger: silent,
      clock,
      concurrency: 3,
      reconcile: async (key): Promise<ReconcileResult> => {
        calls[key]!.push(clock.monotonic());
        if (key === 'later') return calls.later!.length < 3 ? { requeueAfter: 1000 } : {};
        if (key === 'flaky' && calls.flaky!.length < 4) throw new Error('try again');
        if (key === 'broken') throw new TerminalError('bad spec');
        return {};
      },
    });
    await c.start();
    for (const k of ['later', 'flaky', 'broken']) c.enqueue(k);
    for (let i = 0; i < 3000; i++) await clock.tick(1);
    expect(calls.later).toEqual([0, 1000, 2000]);
    // three failures, retried after 5, 10, 20 ms; the fourth call succeeds
    const f = calls.flaky!;
    expect(f.length).toBe(4);
    expect(f.slice(1).map((t, i) => t - f[i]!)).toEqual([5, 10, 20]);
    expect(calls.broken).toEqual([0]);
    expect(c.queue.numRequeues('flaky')).toBe(0); // forgotten after the success
    await c.stop();
  });

  test('never runs one key in two workers at once, but runs different keys in parallel', async () => {
    const clock = new FakeClock();
    let running = 0;
    let maxRunning = 0;
    const perKey = new Map<string, number>();
    let violations = 0;
    const gates: (() => void)[] = [];
    const c = new Controller({
      name: 't',
      logger: silent,
      clock,
      concurrency: 4,
      reconcile: async (key) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
        if (perKey.get(key)! > 1) violations++;
        await new Promise<void>((r) => gates.push(r));
        perKey.set(key, perKey.get(key)! - 1);
        running--;
      },
    });
    await c.start();
    for (let round = 0; round < 20; round++) {
      for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) c.enqueue(k);
      await flush();
      for (const g of gates.splice(0)) g();
      await flush();
    }
    for (let i = 0; i < 10 && (gates.length > 0 || c.queue.len() > 0); i++) {
      for (const g of gates.splice(0)) g();
      await flush();
    }
    expect(violations).toBe(0);
    expect(maxRunning).toBe(4);
    await c.stop();
  });

  test('stop waits for an in-flight reconcile, starts no queued key, and aborts the signal after the deadline', async () => {
    const clock = new FakeClock();
    const started: string[] = [];
    let release: (() => void) | undefined;
    let sawAbort = false;
    const c = new Controller({
      name: 't',
      logger: silent,
      clock,
      reconcile: async (key, ctx) => {
        started.push(key);
        await new Promise<void>((r) => {
          release = r;
          ctx.signal.addEventListener('abort', () => {
            sawAbort = true;
            r();
          });
        });
      },
    });
    await c.start();
    c.enqueue('a');
    c.enqueue('b');
    await flush();
    const stopped = c.stop(5000);
    await clock.tick(4999);
    expect(sawAbort).toBe(false);
    release?.();
    expect(await stopped).toBe(true);
    expect(started).toEqual(['a']);

    const c2 = new Controller({
      name: 't2',
      logger: silent,
      clock,
      reconcile: async (_key, ctx) => {
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()));
        sawAbort = true;
      },
    });
    await c2.start();
    c2.enqueue('x');
    await flush();
    const stopped2 = c2.stop(5000);
    await clock.tick(5000);
    expect(await stopped2).toBe(false);
    expect(sawAbort).toBe(true);
  });
});
