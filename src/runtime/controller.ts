import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { systemClock, type Clock } from './clock.js';
import { isTerminal } from './errors.js';
import { objectKey, type KeyedObject } from './keys.js';
import type { ControllerMetrics } from './metrics.js';
import type { RateLimiter } from './ratelimiter.js';
import type { EventSource } from './source.js';
import { WorkQueue, type QueueMetrics } from './workqueue.js';

/** What a reconcile asks for: nothing (done until something changes), or another look after `requeueAfter` ms. */
export interface ReconcileResult {
  requeueAfter?: number;
  /** Requeue through the rate limiter (backoff) without it being an error. */
  requeue?: boolean;
}

export interface ReconcileContext {
  readonly key: string;
  /** Unique per reconcile; logged as `reconcileId`. */
  readonly reconcileId: string;
  /** A child logger carrying `controller` and `reconcileId`. */
  readonly log: Logger;
  /** Aborted when the shutdown deadline passes: stop waiting on slow calls. */
  readonly signal: AbortSignal;
}

/**
 * Level-triggered reconcile of one key: read the world, move it one step toward the desired state. Throwing
 * requeues with backoff; a TerminalError is not retried.
 */
export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | void>;

/** Maps an object of a watched kind to the keys to reconcile (e.g. a Node → its pool). */
export type KeyMapper<T> = (obj: T) => readonly string[] | string | undefined;

export interface ControllerOptions {
  name: string;
  reconcile: Reconciler;
  logger: Logger;
  /** Reconciles running at once (each on a different key). Default 1, as controller-runtime. */
  concurrency?: number;
  clock?: Clock;
  rateLimiter?: RateLimiter<string>;
  metrics?: { controller: ControllerMetrics; queue: QueueMetrics };
  newReconcileId?: () => string;
}

/**
 * A controller: event sources feed keys into a WorkQueue; `concurrency` workers take keys and reconcile them.
 * `start` waits for every source to sync before the first reconcile; `stop` stops intake, lets in-flight
 * reconciles finish until a deadline, then aborts their signal.
 */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly opts: ControllerOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly sources: EventSource<unknown>[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly abort = new AbortController();
  private workers: Promise<void>[] = [];
  private active = 0;
  private started = false;
  private readonly newId: () => string;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ controller: opts.name });
    this.newId = opts.newReconcileId ?? randomUUID;
    this.queue = new WorkQueue({
      clock: this.clock,
      ...(opts.rateLimiter ? { rateLimiter: opts.rateLimiter } : {}),
      ...(opts.metrics ? { metrics: opts.metrics.queue } : {}),
    });
    opts.metrics?.controller.maxConcurrent(this.concurrency);
  }

  get concurrency(): number {
    return Math.max(1, this.opts.concurrency ?? 1);
  }

  /**
   * Watch a source: each add, update (old and new object) and delete enqueues the keys `map` returns (by default
   * the object's own key). Register before `start`. `changed`: an update whose old and new object it says are
   * alike enqueues nothing (e.g. a Node whose only change is its resourceVersion, from a status heartbeat).
   */
  watch<T>(source: EventSource<T>, map?: KeyMapper<T>, changed?: (oldObj: T, newObj: T) => boolean): this {
    const toKeys = map ?? ((o: T): string => objectKey(o as KeyedObject));
    const keysOf = (obj: T): readonly string[] => {
      const keys = toKeys(obj);
      return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
    };
    const enqueue = (obj: T): void => {
      for (const k of keysOf(obj)) this.queue.add(k);
    };
    this.sources.push(source);
    this.unsubscribe.push(
      source.addEventHandler({
        add: enqueue,
        update: (oldObj, newObj) => {
          if (changed && !changed(oldObj, newObj)) return;
          for (const k of new Set([...keysOf(oldObj), ...keysOf(newObj)])) this.queue.add(k);
        },
        delete: enqueue,
      }),
    );
    return this;
  }

  /** Enqueue a key directly (e.g. from a timer or another controller). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** True when every watched source has synced. */
  hasSynced(): boolean {
    return this.sources.every((s) => s.hasSynced());
  }

  /** Wait for the sources to sync, then run the workers in the background. Resolves once they run. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const s of this.sources) {
      await s.waitForSync(this.abort.signal);
      if (this.abort.signal.aborted) return;
    }
    this.log.info({ workers: this.concurrency }, 'starting workers');
    for (let i = 0; i < this.concurrency; i++) this.workers.push(this.work());
  }

  /**
   * Stop intake (queued keys are not started), wait for in-flight reconciles until `deadlineMs`, then abort
   * their signal. Resolves `true` if every reconcile finished in time.
   */
  async stop(deadlineMs = 10_000): Promise<boolean> {
    for (const u of this.unsubscribe.splice(0)) u();
    this.queue.shutDown();
    let timer;
    const inTime = await Promise.race([
      this.queue.drained().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = this.clock.setTimeout(() => resolve(false), deadlineMs);
      }),
    ]);
    this.clock.clearTimeout(timer);
    this.abort.abort();
    if (!inTime) this.log.warn({ inFlight: this.queue.processingLen() }, 'shutdown deadline passed');
    await Promise.all(this.workers);
    return inTime;
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.reconcileOne(key);
    }
  }

  private async reconcileOne(key: string): Promise<void> {
    const reconcileId = this.newId();
    const log = this.log.child({ reconcileId });
    const metrics = this.opts.metrics?.controller;
    const started = this.clock.monotonic();
    this.active++;
    metrics?.activeWorkers(this.active);
    const seconds = (): number => (this.clock.monotonic() - started) / 1000;
    try {
      const result =
        (await this.opts.reconcile(key, { key, reconcileId, log, signal: this.abort.signal })) ?? {};
      if (result.requeueAfter !== undefined && result.requeueAfter > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, result.requeueAfter);
        metrics?.reconciled('requeue_after', seconds());
      } else if (result.requeue) {
        this.queue.addRateLimited(key);
        metrics?.reconciled('requeue', seconds());
      } else {
        this.queue.forget(key);
        metrics?.reconciled('success', seconds());
      }
    } catch (err) {
      if (isTerminal(err)) {
        this.queue.forget(key);
        metrics?.reconciled('error', seconds());
        metrics?.terminal();
        log.error({ err, key }, 'reconcile failed terminally; not retried');
      } else {
        this.queue.addRateLimited(key);
        metrics?.reconciled('error', seconds());
        log.error(
          { err, key, retries: this.queue.numRequeues(key) },
          'reconcile failed; retrying with backoff',
        );
      }
    } finally {
      this.active--;
      metrics?.activeWorkers(this.active);
      this.queue.done(key);
    }
  }
}
