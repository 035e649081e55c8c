import { systemClock, type Clock, type Timer } from './clock.js';
import { defaultControllerRateLimiter, type RateLimiter } from './ratelimiter.js';

/** What a queue reports; `src/runtime/metrics.ts` turns it into Prometheus metrics. */
export interface QueueMetrics {
  /** An item entered the ready queue (a deduplicated add does not count). */
  added(): void;
  /** Items waiting in the ready queue. */
  depth(n: number): void;
  /** An item was requeued through the rate limiter (a retry). */
  retried(): void;
  /** Seconds an item waited in the ready queue before a worker took it. */
  queued(seconds: number): void;
  /** Seconds a worker held an item (get → done). */
  worked(seconds: number): void;
}

export interface WorkQueueOptions {
  clock?: Clock;
  rateLimiter?: RateLimiter<string>;
  metrics?: QueueMetrics;
}

/** A min-heap of (readyAt, key) for items waiting to be added. */
class DelayHeap {
  private items: { at: number; key: string }[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): { at: number; key: string } | undefined {
    return this.items[0];
  }

  push(item: { at: number; key: string }): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= a[i]!.at) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }

  pop(): { at: number; key: string } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.at < a[m]!.at) m = l;
        if (r < a.length && a[r]!.at < a[m]!.at) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items = [];
  }
}

/**
 * A rate-limited delaying work queue with client-go's semantics:
 * - an item added while it waits is stored once (dedupe);
 * - an item added while a worker holds it is queued again only after `done` (never two workers on one key);
 * - `addAfter` delays an add (the earliest requested time wins); `addRateLimited` delays by the rate limiter
 *   (per-item exponential backoff and an overall token bucket); `forget` resets the item's backoff;
 * - `shutDown` stops intake: `get` resolves `undefined` at once and nothing queued is started any more (the
 *   controller is level-triggered, so whoever runs next catches up); `drained()` resolves when every item a
 *   worker holds is `done`.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly limiter: RateLimiter<string>;
  private readonly metrics: QueueMetrics | undefined;
  private ready: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly enqueuedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly waiting = new Map<string, number>();
  private readonly heap = new DelayHeap();
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private waiters: ((key: string | undefined) => void)[] = [];
  private down = false;
  private drainWaiters: (() => void)[] = [];

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.limiter = opts.rateLimiter ?? defaultControllerRateLimiter(this.clock);
    this.metrics = opts.metrics;
  }

  /** Items in the ready queue (not counting delayed items or items being processed). */
  len(): number {
    return this.ready.length - this.head;
  }

  /** Items waiting for their delay (addAfter / addRateLimited). */
  delayedLen(): number {
    return this.waiting.size;
  }

  /** Items a worker holds now. */
  processingLen(): number {
    return this.processing.size;
  }

  get shuttingDown(): boolean {
    return this.down;
  }

  add(key: string): void {
    if (this.down || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.down) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.monotonic() + ms;
    const existing = this.waiting.get(key);
    if (existing !== undefined && existing <= at) return;
    this.waiting.set(key, at);
    this.heap.push({ at, key });
    this.schedule();
  }

  addRateLimited(key: string): void {
    if (this.down) return;
    this.metrics?.retried();
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }

  /** The next item; waits for one. `undefined` once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.down) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker is finished with `key`; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.metrics?.worked((this.clock.monotonic() - started) / 1000);
    if (this.dirty.has(key) && !this.down) this.push(key);
    if (this.processing.size === 0 && this.drainWaiters.length > 0) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w();
    }
  }

  /** Stop intake: pending `get`s resolve `undefined`, delayed adds are dropped. Idempotent. */
  shutDown(): void {
    if (this.down) return;
    this.down = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.clear();
    this.waiting.clear();
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w(undefined);
  }

  /** Resolves when no worker holds an item. */
  drained(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private push(key: string): void {
    this.enqueuedAt.set(key, this.clock.monotonic());
    this.metrics?.added();
    const w = this.waiters.shift();
    if (w) {
      this.begin(key);
      w(key);
    } else {
      this.ready.push(key);
      this.metrics?.depth(this.len());
    }
  }

  private take(): string | undefined {
    if (this.head >= this.ready.length) return undefined;
    const key = this.ready[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    this.metrics?.depth(this.len());
    this.begin(key);
    return key;
  }

  private begin(key: string): void {
    const now = this.clock.monotonic();
    const at = this.enqueuedAt.get(key);
    this.enqueuedAt.delete(key);
    if (at !== undefined) this.metrics?.queued((now - at) / 1000);
    this.startedAt.set(key, now);
    this.processing.add(key);
    this.dirty.delete(key);
  }

  private schedule(): void {
    const next = this.heap.peek();
    if (!next || next.at >= this.timerAt) return;
    this.clock.clearTimeout(this.timer);
    this.timerAt = next.at;
    this.timer = this.clock.setTimeout(() => this.fire(), next.at - this.clock.monotonic());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.monotonic();
    for (let top = this.heap.peek(); top && top.at <= now; top = this.heap.peek()) {
      this.heap.pop();
      // a stale heap entry (the item was re-scheduled earlier, or already added) is skipped
      if (this.waiting.get(top.key) !== top.at) continue;
      this.waiting.delete(top.key);
      this.add(top.key);
    }
    this.schedule();
  }
}
