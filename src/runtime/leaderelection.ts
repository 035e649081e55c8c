import type { z } from 'zod';
import {
  ConflictError,
  LeaseSchema,
  NotFoundError,
  Resources,
  TypedResource,
  type KubeClient,
  type Lease,
} from '../kube/index.js';
import type { Logger } from '../log.js';
import { systemClock, type Clock } from './clock.js';
import type { RuntimeMetrics } from './metrics.js';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  /** Unique per process (hostname + random suffix by default in `run`). */
  identity: string;
  /** How long a lease is valid without renewal (default 15 s). */
  leaseDurationMs?: number;
  /** The leader gives up if it could not renew for this long (default 10 s). */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 s, jittered up to +20 % while waiting). */
  retryPeriodMs?: number;
  clock?: Clock;
  logger: Logger;
  metrics?: RuntimeMetrics;
  random?: () => number;
  /**
   * Aborted the instant leadership is lost (the renew deadline passes, or another holder is seen): the fence
   * the process's cloud pipeline and API client honour (src/runtime/fence.ts). Default: one of its own
   * (`elector.fence`).
   */
  fence?: AbortController;
}

type LeaseSpec = NonNullable<Lease['spec']>;

/** The Lease API's MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Leader election on a coordination.k8s.io Lease, with client-go's rules: a candidate takes the lease when it is
 * free or when its record has not changed for `leaseDuration` — judged by this process's monotonic clock since
 * it last saw the record change, never by comparing timestamps written by another machine; the leader renews
 * every `retryPeriod` and gives up when it could not renew for `renewDeadline`; every write is guarded by the
 * resourceVersion it read. `release()` hands the lease over at once on a clean shutdown.
 */
export class LeaderElector {
  private readonly opts: Required<Omit<LeaderElectionOptions, 'metrics' | 'fence'>> & {
    metrics?: RuntimeMetrics;
  };
  private readonly fenceCtl: AbortController;
  private readonly leases: TypedResource<typeof LeaseSchema>;
  private readonly log: Logger;
  private observed: { spec: string; at: number } | undefined;
  private lease: Lease | undefined;
  private leading = false;
  private lastRenew = 0;

  constructor(opts: LeaderElectionOptions) {
    this.opts = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      clock: systemClock,
      random: Math.random,
      ...opts,
    };
    if (this.opts.leaseDurationMs <= this.opts.renewDeadlineMs)
      throw new Error('leader election: the lease duration must be greater than the renew deadline');
    if (this.opts.renewDeadlineMs <= this.opts.retryPeriodMs * 1.2)
      throw new Error('leader election: the renew deadline must be greater than 1.2 × the retry period');
    this.fenceCtl = opts.fence ?? new AbortController();
    this.leases = new TypedResource(opts.client, Resources.leases, LeaseSchema);
    this.log = opts.logger.child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
    this.opts.metrics?.leaderStatus(opts.name, false);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Aborted when leadership is lost: nothing may be written after it (see `LeaderElectionOptions.fence`). */
  get fence(): AbortSignal {
    return this.fenceCtl.signal;
  }

  /** The holder this process last saw in the Lease. */
  get observedLeader(): string | undefined {
    return this.lease?.spec?.holderIdentity ?? undefined;
  }

  /** Wait until this process holds the lease. Resolves `false` if `signal` aborts first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    const { clock, retryPeriodMs, random } = this.opts;
    let lastLogged: string | undefined;
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(retryPeriodMs)) {
        this.leading = true;
        this.lastRenew = clock.monotonic();
        this.opts.metrics?.leaderStatus(this.opts.name, true);
        this.log.info('acquired the lease: leading');
        return true;
      }
      const holder = this.observedLeader;
      if (holder !== lastLogged) {
        this.log.info({ leader: holder }, 'waiting for the lease');
        lastLogged = holder;
      }
      await clock.sleep(retryPeriodMs * (1 + 0.2 * random()), signal);
    }
    return false;
  }

  /**
   * Renew every retryPeriod while leading. Resolves when leadership is lost (could not renew within the renew
   * deadline, or another holder is seen) — resolving `'lost'` — or when `signal` aborts — resolving `'stopped'`.
   * The renew deadline is kept by a timer, not by the loop: the fence goes down when it passes even while a
   * renewal is still waiting for its answer.
   */
  async hold(signal: AbortSignal): Promise<'lost' | 'stopped'> {
    const { clock, retryPeriodMs, renewDeadlineMs } = this.opts;
    const fence = this.fenceCtl.signal;
    const expire = () => this.lost(`could not renew the lease within ${renewDeadlineMs} ms`);
    let timer = clock.setTimeout(expire, Math.max(0, renewDeadlineMs - (clock.monotonic() - this.lastRenew)));
    const wake = AbortSignal.any([signal, fence]);
    try {
      while (!signal.aborted && !fence.aborted) {
        await clock.sleep(retryPeriodMs, wake);
        if (fence.aborted) return 'lost';
        if (signal.aborted) break;
        const left = renewDeadlineMs - (clock.monotonic() - this.lastRenew);
        const ok =
          left > 0 && (await this.tryAcquireOrRenew(Math.max(100, Math.min(left, retryPeriodMs * 2))));
        // a renewal answered after the deadline passed does not undo the loss
        if (fence.aborted) return 'lost';
        if (ok) {
          this.lastRenew = clock.monotonic();
          clock.clearTimeout(timer);
          timer = clock.setTimeout(expire, renewDeadlineMs);
          continue;
        }
        if (this.lease?.spec?.holderIdentity && this.lease.spec.holderIdentity !== this.opts.identity) {
          this.lost(`the lease is held by ${this.lease.spec.holderIdentity}`);
          return 'lost';
        }
        if (clock.monotonic() - this.lastRenew >= renewDeadlineMs) {
          this.lost(`could not renew the lease within ${renewDeadlineMs} ms`);
          return 'lost';
        }
      }
      return fence.aborted ? 'lost' : 'stopped';
    } finally {
      clock.clearTimeout(timer);
    }
  }

  /** On a clean shutdown: give the lease up so a standby takes over at its next retry. */
  async release(): Promise<void> {
    if (!this.leading || !this.lease) return;
    this.leading = false;
    this.opts.metrics?.leaderStatus(this.opts.name, false);
    const now = this.opts.clock.now();
    try {
      await this.leases.replace(
        this.opts.name,
        {
          ...this.lease,
          spec: {
            ...this.lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: microTime(now),
            acquireTime: microTime(now),
          },
        },
        this.opts.namespace,
      );
      this.log.info('released the lease');
    } catch (err) {
      this.log.warn({ err }, 'could not release the lease; it expires by itself');
    }
  }

  /** Leadership is gone: the fence goes down first (nothing is written from here on), then it is said. */
  private lost(why: string): void {
    if (this.fenceCtl.signal.aborted) return;
    this.fenceCtl.abort();
    this.leading = false;
    this.opts.metrics?.leaderStatus(this.opts.name, false);
    this.log.error({ why }, 'lost the lease');
  }

  /** One attempt; true when this process holds the lease afterwards. */
  private async tryAcquireOrRenew(timeoutMs: number): Promise<boolean> {
    const { clock, identity, namespace, name, leaseDurationMs } = this.opts;
    const now = clock.now();
    const leaseSeconds = Math.round(leaseDurationMs / 1000);
    let current: Lease;
    try {
      current = await withTimeout(this.leases.get(name, namespace), timeoutMs);
    } catch (err) {
      if (!(err instanceof NotFoundError)) {
        this.log.warn({ err: errText(err) }, 'could not read the lease');
        return false;
      }
      try {
        const spec: LeaseSpec = {
          holderIdentity: identity,
          leaseDurationSeconds: leaseSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        };
        this.lease = await withTimeout(
          this.leases.create(
            { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec },
            namespace,
          ),
          timeoutMs,
        );
        this.observe(this.lease);
        return true;
      } catch (createErr) {
        if (!(createErr instanceof ConflictError))
          this.log.warn({ err: errText(createErr) }, 'could not create the lease');
        return false;
      }
    }
    this.lease = current;
    this.observe(current);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const iHold = holder === identity;
    if (holder && !iHold) {
      const duration = (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
      if (clock.monotonic() - this.observed!.at < duration) return false;
    }
    const next: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      renewTime: microTime(now),
      acquireTime: iHold && spec.acquireTime ? spec.acquireTime : microTime(now),
      leaseTransitions: iHold ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    try {
      this.lease = await withTimeout(
        this.leases.replace(name, { ...current, spec: next }, namespace),
        timeoutMs,
      );
      this.observe(this.lease);
      return true;
    } catch (err) {
      if (!(err instanceof ConflictError)) this.log.warn({ err: errText(err) }, 'could not update the lease');
      return false;
    }
  }

  /** Remember when the record last changed, by the local monotonic clock. */
  private observe(lease: z.output<typeof LeaseSchema>): void {
    const spec = JSON.stringify(lease.spec ?? {});
    if (this.observed?.spec !== spec) this.observed = { spec, at: this.opts.clock.monotonic() };
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`lease request took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
