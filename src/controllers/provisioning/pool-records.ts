import type { ElasticityLaunch } from '../../apis/v1beta1/index.js';
import type { Logger } from '../../log.js';
import type { Clock } from '../../runtime/clock.js';
import type { InFlight } from './inflight.js';
import type { AutoPool } from './pools.js';
import { elasticityStatus } from './report.js';
import type { ProvisioningSources } from './sources.js';

export interface LastAction {
  time: string;
  action: string;
  nodes: string[];
  message: string;
}

const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Each pool's launch records (`status.automation.elasticity.inFlight`): loaded from its status once, then this
 * copy is the truth (one worker), written back before every cloud call that launches, so an operator restart
 * neither forgets nor repeats a launch. Also what the status shows besides: the last action, and when this
 * process attached each launch (its instances enter ESS's counts once the activity ran).
 */
export class PoolRecords {
  private readonly records = new Map<string, ElasticityLaunch[]>();
  private readonly lastWritten = new Map<string, string>();
  private readonly lastAction = new Map<string, LastAction>();
  private readonly attachedAt = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly kinds: ProvisioningSources['kinds'],
  ) {}

  /** The pools found now: a new one's records come from its status; a gone one's are dropped. */
  sync(list: readonly AutoPool[]): void {
    for (const p of list) if (!this.records.has(p.name)) this.records.set(p.name, p.records);
    for (const name of this.records.keys()) if (!list.some((p) => p.name === name)) this.records.delete(name);
  }

  of(pool: string): ElasticityLaunch[] {
    return this.records.get(pool) ?? [];
  }

  set(pool: string, records: ElasticityLaunch[]): void {
    this.records.set(pool, records);
  }

  add(pool: string, ...recs: ElasticityLaunch[]): void {
    this.records.set(pool, [...this.of(pool), ...recs]);
  }

  drop(pool: string, rec: ElasticityLaunch): void {
    this.records.set(
      pool,
      this.of(pool).filter((x) => x !== rec),
    );
  }

  attached(rec: ElasticityLaunch): void {
    this.attachedAt.set(rec.id, this.clock.now());
  }

  attachedAtOf(rec: ElasticityLaunch): number | undefined {
    return this.attachedAt.get(rec.id);
  }

  /** The pool's last scale-out, as its status shows it. */
  scaledOut(pool: string, nodes: readonly string[], message: string): void {
    this.lastAction.set(pool, {
      time: iso(this.clock.now()),
      action: 'ScaleOut',
      nodes: nodes.slice(0, 100),
      message,
    });
  }

  /** Writes `status.automation.elasticity` of a pool when it changed (merge patch of that field only). */
  async write(p: AutoPool, flight: InFlight | undefined): Promise<void> {
    const body = elasticityStatus({
      records: this.of(p.name),
      lastAction: this.lastAction.get(p.name),
      flight,
      blocked: p.blocked,
      now: this.clock.now(),
    });
    const text = JSON.stringify(body);
    if (this.lastWritten.get(p.name) === text) return;
    const api = this.kinds.find((k) => k.kind === p.kind)!.api;
    // a merge patch: `next: null` clears a next action that no longer applies
    await api.patchStatus(p.name, { automation: { elasticity: { ...body, next: body.next ?? null } } });
    this.lastWritten.set(p.name, text);
  }

  /** `write`, a failure logged (the next reconcile writes it again). */
  async tryWrite(p: AutoPool, flight: InFlight | undefined, log: Logger): Promise<void> {
    await this.write(p, flight).catch((err: unknown) =>
      log.warn({ pool: p.name, err }, 'could not write the elasticity status'),
    );
  }
}
