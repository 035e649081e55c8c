import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ApiError, statusOf } from './errors.js';
import type { Call } from './server.js';

/** A fault rule: what the admin API / library adds to make calls fail or slow down. */
export const faultRuleSchema = z
  .object({
    /** API action (e.g. `RunInstances`) or `*` for every action. */
    action: z.string().min(1),
    /** Limit to one product (`Ecs`, `Ess`, `Vpc`, `Sts`). */
    product: z.enum(['Ecs', 'Ess', 'Vpc', 'Sts']).optional(),
    /**
     * Only calls whose request parameters have these values (e.g. `{ SpotStrategy: 'SpotAsPriceGo' }`): a fault
     * aimed at one kind of call, not at whichever call of the action comes first.
     */
    params: z.record(z.string(), z.string()).optional(),
    /** Error code to answer with; without it the rule only adds latency. */
    code: z.string().min(1).optional(),
    /** HTTP status (default: the real status of `code`). */
    status: z.number().int().min(400).max(599).optional(),
    message: z.string().optional(),
    /** Chance per matching call, 0–1 (default 1). */
    probability: z.number().min(0).max(1).default(1),
    /** Fire this many times, then the rule is gone (default: until removed). */
    count: z.number().int().positive().optional(),
    /** Wall-clock milliseconds added before answering. */
    latencyMs: z.number().int().nonnegative().max(60_000).optional(),
    /**
     * Fire after the handler ran: the call takes effect, then its answer is lost (replaced by `code`, or by a
     * dropped connection with `reset`). This is the crash between a write and its response.
     */
    after: z.boolean().default(false),
    /** Drop the connection instead of answering (the client sees a network error). */
    reset: z.boolean().default(false),
  })
  .refine((r) => r.code !== undefined || r.latencyMs !== undefined || r.reset, {
    message: 'a fault rule needs a code, a latencyMs or reset',
  });

export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.output<typeof faultRuleSchema> & { id: string; fired: number };

export const throttleSchema = z.object({
  action: z.string().min(1),
  /** Calls per second allowed for this action (per simulator); over it → Throttling.User. */
  qps: z.number().positive(),
});

/** Thrown by a `reset` rule: the server drops the connection without an answer. */
export class ConnectionDrop extends Error {
  constructor() {
    super('connection dropped by a fault rule');
  }
}

/**
 * Error injection, added latency and per-action QPS throttling, applied before every handler. The simulator
 * answers InternalError (500) only when a rule says so.
 */
export class Faults {
  /** Lagging reads (off by default): new instances, groups, members and tags invisible to reads for a while. */
  readonly readLag: ReadLag;
  private readonly rules: FaultRule[] = [];
  private readonly buckets = new Map<string, { qps: number; tokens: number; at: number }>();
  private readonly random: () => number;

  constructor(random: () => number = Math.random, readLag: ReadLag = new ReadLag()) {
    this.random = random;
    this.readLag = readLag;
  }

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...faultRuleSchema.parse(input), id: randomUUID(), fired: 0 };
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const i = this.rules.findIndex((r) => r.id === id);
    if (i < 0) return false;
    this.rules.splice(i, 1);
    return true;
  }

  clear(): void {
    this.rules.length = 0;
    this.buckets.clear();
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  throttle(action: string, qps: number | undefined): void {
    if (qps === undefined) this.buckets.delete(action);
    else this.buckets.set(action, { qps, tokens: qps, at: Date.now() });
  }

  throttles(): { action: string; qps: number }[] {
    return [...this.buckets.entries()].map(([action, b]) => ({ action, qps: b.qps }));
  }

  /** The interceptor the API server runs before each handler. */
  readonly intercept = async (call: Call): Promise<void> => {
    const bucket = this.buckets.get(call.action) ?? this.buckets.get('*');
    if (bucket) {
      const now = Date.now();
      bucket.tokens = Math.min(bucket.qps, bucket.tokens + ((now - bucket.at) / 1000) * bucket.qps);
      bucket.at = now;
      if (bucket.tokens < 1) {
        const retryAfterMs = Math.ceil(((1 - bucket.tokens) / bucket.qps) * 1000);
        throw new ApiError(
          'Throttling.User',
          `Request was denied due to user flow control: ${call.action} is limited to ${bucket.qps} calls per second.`,
          400,
          { 'x-acs-retry-after': String(retryAfterMs) },
        );
      }
      bucket.tokens -= 1;
    }
    await this.apply(call, false);
  };

  /** The interceptor the API server runs after each handler, before answering (lost answers). */
  readonly interceptAfter = async (call: Call): Promise<void> => {
    if (call.action === 'TagResources') this.readLag.observe(call.action, call.params, []);
    await this.apply(call, true);
  };

  private async apply(call: Call, after: boolean): Promise<void> {
    for (const rule of [...this.rules]) {
      if (rule.after !== after) continue;
      if (rule.action !== '*' && rule.action !== call.action) continue;
      if (rule.product !== undefined && rule.product !== call.product.name) continue;
      if (rule.params && Object.entries(rule.params).some(([k, v]) => call.params.str(k) !== v)) continue;
      if (this.random() >= rule.probability) continue;
      rule.fired++;
      if (rule.count !== undefined && rule.fired >= rule.count) this.remove(rule.id);
      if (rule.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
      if (rule.reset) throw new ConnectionDrop();
      if (rule.code !== undefined) {
        throw new ApiError(
          rule.code,
          rule.message ?? `Injected fault: ${rule.code}.`,
          rule.status ?? statusOf(rule.code),
        );
      }
    }
  }
}

/**
 * Lagging reads — the eventual consistency any cloud API may show (and ECS documents for new resources and
 * tags): for `seconds` of wall time after it is made, a new instance, a new scaling group, a new member of a
 * group, or a tag just written is invisible to DescribeInstances, DescribeScalingGroups and
 * DescribeScalingInstances (and to their tag filters). Writes see everything at once, as the real API's
 * idempotency does. With this on, a client that finds what it created before a crash by looking it up (name,
 * tags) instead of replaying its ClientToken creates it twice: the crash trials use it to prove idempotency.
 * Off by default (`seconds` 0); set through the library (`sim.setReadLag`) or the admin API (`PUT /read-lag`).
 */
export class ReadLag {
  private lagMs = 0;
  /** Tags written: resource id → tag key → wall ms. */
  private readonly tagsAt = new Map<string, Map<string, number>>();
  /** Resources made: id → wall ms (instances, groups, memberships by `member:<id>`). */
  private readonly madeAt = new Map<string, number>();

  get seconds(): number {
    return this.lagMs / 1000;
  }

  set(seconds: number): void {
    if (!(seconds >= 0)) throw new RangeError('read lag: seconds must be ≥ 0');
    this.lagMs = seconds * 1000;
    if (seconds === 0) {
      this.tagsAt.clear();
      this.madeAt.clear();
    }
  }

  /** A resource was made now (only recorded while a lag is set). */
  made(id: string): void {
    if (this.lagMs > 0) this.madeAt.set(id, Date.now());
  }

  tagged(resourceIds: readonly string[], keys: readonly string[]): void {
    if (this.lagMs === 0) return;
    const now = Date.now();
    for (const id of resourceIds) {
      const m = this.tagsAt.get(id) ?? new Map<string, number>();
      for (const k of keys) m.set(k, now);
      this.tagsAt.set(id, m);
    }
  }

  /** Whether a read sees this resource yet. */
  visible(id: string): boolean {
    const at = this.madeAt.get(id);
    if (at === undefined) return true;
    if (Date.now() - at >= this.lagMs) {
      this.madeAt.delete(id);
      return true;
    }
    return false;
  }

  /** Whether a read's tag filter sees this tag of the resource yet. */
  tagVisible(id: string, key: string): boolean {
    const at = this.tagsAt.get(id)?.get(key);
    return at === undefined || Date.now() - at >= this.lagMs;
  }

  /** What a write answered and the resources it made (the lag starts when the cloud made them). */
  observe(
    action: string,
    params: {
      list(name: string, max: number): string[];
      structList(name: string, max: number): Record<string, string | undefined>[];
      str(name: string): string | undefined;
    },
    ids: readonly string[],
  ): void {
    // prettier-ignore
    if (this.lagMs === 0) return;
    if (action === 'TagResources') {
      this.tagged(
        params.list('ResourceId', 50),
        params.structList('Tag', 20).flatMap((t) => (t.Key ? [t.Key] : [])),
      );
      return;
    }
    for (const id of ids) this.made(id);
  }
}
