import PQueue from 'p-queue';
import type { Logger } from '../log.js';
import { backoffDelay } from '../runtime/backoff.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { assertNotFenced, FencedError, raceFence } from '../runtime/fence.js';
import { CloudError, type ErrorContext } from './errors.js';
import type { CloudMetrics } from './metrics.js';

/** What a call is, for limits, retries, metrics and logs. */
export interface CallInfo {
  product: 'ecs' | 'ess' | 'vpc' | 'sts';
  action: string;
  /** A write (it carries a ClientToken when the API takes one); only changes logging and metrics. */
  write?: boolean;
  /** Request parameters that make a NoStock error precise. */
  context?: ErrorContext;
}

export interface PipelineOptions {
  /** Calls per second for every action together (token bucket rate). */
  qps: number;
  /** Bucket size: calls that may go at once after a quiet period. */
  burst: number;
  /**
   * Calls per second of any one action (Alibaba Cloud throttles each API operation separately, per account and
   * region): every action has a bucket of this rate, besides the global one. Undefined: actions share only the
   * global bucket until the cloud throttles one.
   */
  defaultActionQps?: number | undefined;
  /** Per-action calls per second (`RunInstances: 5`), instead of `defaultActionQps`; each also counts against the global rate. */
  actionQps?: Readonly<Record<string, number>>;
  /** Calls in flight at once. */
  maxConcurrency: number;
  /** Timeout of one attempt, ms. */
  attemptTimeoutMs: number;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** First backoff delay, ms (doubled per attempt, with jitter, capped at maxBackoffMs). */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_PIPELINE: PipelineOptions = {
  qps: 40,
  burst: 40,
  defaultActionQps: 10,
  maxConcurrency: 8,
  attemptTimeoutMs: 15_000,
  maxAttempts: 6,
  initialBackoffMs: 250,
  maxBackoffMs: 20_000,
};

/** Turns whatever an attempt threw into a CloudError (the SDK's errors, network errors, timeouts). */
export type ErrorClassifier = (err: unknown, info: CallInfo) => CloudError;

/**
 * A token bucket that hands out reservations: how long to wait before the call may go. Its rate adapts to
 * the cloud: each throttling answer halves it (down to `floor`), each success wins back a twentieth of the
 * configured rate, never above it.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;
  private current: number;

  constructor(
    readonly rate: number,
    private readonly size: number,
    private readonly clock: Clock,
    private readonly floor = Math.min(rate, 0.5),
  ) {
    if (!(rate > 0) || !(size >= 1))
      throw new Error(`TokenBucket: rate must be > 0 and size >= 1 (got ${rate}, ${size})`);
    this.tokens = size;
    this.current = rate;
    this.at = clock.monotonic();
  }

  /** The rate in force now (calls per second). */
  get currentRate(): number {
    return this.current;
  }

  /**
   * The cloud throttled a call: halve the rate (at most once a second — the calls in flight together were
   * all sent at the old rate), and no burst until it recovers.
   */
  throttled(): void {
    this.refill();
    const now = this.clock.monotonic();
    if (now - this.decreasedAt >= 1000) {
      this.current = Math.max(this.floor, this.current / 2);
      this.decreasedAt = now;
    }
    this.tokens = Math.min(this.tokens, 0);
  }
  private decreasedAt = -Infinity;

  /** A call went through: recover a little towards the configured rate. */
  succeeded(): void {
    if (this.current < this.rate) this.current = Math.min(this.rate, this.current + this.rate / 20);
  }

  private refill(): void {
    const now = this.clock.monotonic();
    this.tokens = Math.min(this.size, this.tokens + ((now - this.at) / 1000) * this.current);
    this.at = now;
  }

  /** Takes one token and returns the ms to wait before using it (0 when one was there). */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.current) * 1000;
  }
}

/**
 * The one request pipeline every cloud call goes through: a global concurrency cap, a global and per-action
 * token bucket, a timeout per attempt, and retries with exponential backoff and jitter on throttling (at
 * least as long as `x-acs-retry-after` says), 5xx and network errors — never on 4xx client errors. A write's
 * ClientToken is part of its parameters, so every retry sends the same one.
 */
export class RequestPipeline {
  readonly options: PipelineOptions;
  private readonly queue: PQueue;
  private readonly global: TokenBucket;
  private readonly perAction = new Map<string, TokenBucket>();
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(
    private readonly classify: ErrorClassifier,
    opts: Partial<PipelineOptions> & {
      clock?: Clock;
      random?: () => number;
      metrics?: CloudMetrics;
      log?: Logger;
      /**
       * The leader lease's fence (src/runtime/fence.ts): once aborted no attempt starts, a retry's backoff and a
       * wait for a token end, and a call under way stops being waited for — each with a FencedError.
       */
      fence?: AbortSignal | undefined;
    } = {},
  ) {
    this.options = { ...DEFAULT_PIPELINE, ...stripUndefined(opts) };
    const o = this.options;
    if (!(o.maxConcurrency >= 1)) throw new Error('maxConcurrency must be at least 1');
    if (!(o.maxAttempts >= 1)) throw new Error('maxAttempts must be at least 1');
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.metrics = opts.metrics;
    this.log = opts.log;
    this.fence = opts.fence;
    this.queue = new PQueue({ concurrency: o.maxConcurrency });
    this.global = new TokenBucket(o.qps, Math.max(1, o.burst), this.clock);
  }

  private readonly metrics: CloudMetrics | undefined;
  private readonly log: Logger | undefined;
  private readonly fence: AbortSignal | undefined;

  /** Runs `attempt` under the limits, retrying as described; resolves with its result or throws a CloudError. */
  async call<T>(info: CallInfo, attempt: (timeoutMs: number) => Promise<T>): Promise<T> {
    const o = this.options;
    const what = `${info.product} ${info.action}`;
    for (let n = 1; ; n++) {
      assertNotFenced(this.fence, what);
      const waited = await this.admit(info.action);
      const started = this.clock.monotonic();
      try {
        // the fence is checked again at the last moment before the attempt is sent (after the token and slot waits)
        const run = () => (assertNotFenced(this.fence, what), this.withTimeout(attempt, info));
        const result = await raceFence(this.queue.add(run), this.fence, what);
        this.bucketFor(info.action)?.succeeded();
        const seconds = (this.clock.monotonic() - started) / 1000;
        this.metrics?.called(info, 'Success', seconds, waited / 1000);
        this.log?.debug(
          { action: info.action, product: info.product, attempt: n, ms: Math.round(seconds * 1000) },
          'cloud call',
        );
        return result;
      } catch (raw) {
        if (raw instanceof FencedError) throw raw;
        const err = raw instanceof CloudError ? raw : this.classify(raw, info);
        const seconds = (this.clock.monotonic() - started) / 1000;
        this.metrics?.called(info, err.code, seconds, waited / 1000);
        if (err.kind === 'Throttled') {
          this.metrics?.throttled(info);
          // The cloud's limit for this action is below ours: slow this action down (a bucket of its own).
          this.bucketFor(info.action, true)?.throttled();
        }
        const more = err.retryable && n < o.maxAttempts;
        this.log?.debug(
          {
            action: info.action,
            product: info.product,
            attempt: n,
            code: err.code,
            requestId: err.requestId,
            ms: Math.round(seconds * 1000),
            retry: more,
          },
          'cloud call failed',
        );
        if (!more) throw err;
        const delay = Math.max(
          backoffDelay(n, { initialMs: o.initialBackoffMs, maxMs: o.maxBackoffMs }, this.random),
          err.retryAfterMs ?? 0,
        );
        this.metrics?.retried(info, err.kind === 'Throttled' ? 'throttled' : 'transient');
        await this.clock.sleep(delay, this.fence);
      }
    }
  }

  /** Waits for the global and the action's token; returns the ms waited. */
  private bucketFor(action: string, create = false): TokenBucket | undefined {
    let bucket = this.perAction.get(action);
    if (bucket) return bucket;
    const qps =
      this.options.actionQps?.[action] ??
      this.options.defaultActionQps ??
      (create ? this.options.qps : undefined);
    if (qps === undefined) return undefined;
    bucket = new TokenBucket(qps, Math.max(1, Math.ceil(qps)), this.clock);
    this.perAction.set(action, bucket);
    return bucket;
  }

  /** The rate an action runs at now (its adaptive bucket's, else the global one). */
  currentRate(action: string): number {
    const o = this.options;
    return (
      this.perAction.get(action)?.currentRate ??
      Math.min(o.qps, o.actionQps?.[action] ?? o.defaultActionQps ?? o.qps)
    );
  }

  private async admit(action: string): Promise<number> {
    const bucket = this.bucketFor(action);
    const wait = Math.max(this.global.reserve(), bucket?.reserve() ?? 0);
    if (wait > 0) await this.clock.sleep(wait, this.fence);
    return wait;
  }

  private withTimeout<T>(attempt: (timeoutMs: number) => Promise<T>, info: CallInfo): Promise<T> {
    const ms = this.options.attemptTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        reject(
          this.classify(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'Timeout' }), info),
        );
      }, ms + 1000);
      attempt(ms).then(
        (v) => {
          this.clock.clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          this.clock.clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** Calls waiting for a slot or in flight. */
  get pending(): number {
    return this.queue.size + this.queue.pending;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
