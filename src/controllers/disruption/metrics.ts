import { Counter, type Registry } from 'prom-client';

/** What an eviction attempt ended in. */
export type EvictionResult = 'evicted' | 'pdb_blocked' | 'failed' | 'finished_deleted';
/** A drain's milestones. */
export type DrainMilestone = 'started' | 'done' | 'blocked_past_timeout';

const byRegistry = new WeakMap<Registry, DrainMetrics>();

/**
 * Drain metrics, on the operator's registry (`deps.metrics.registry`; create one per registry):
 * `nodepool_evictions_total{pool,result}` (result: evicted, pdb_blocked, failed, finished_deleted) and
 * `nodepool_drains_total{pool,milestone}` (milestone: started, done, blocked_past_timeout — the last counted
 * when the DrainBlocked Warning is emitted, at most once a minute per Node).
 */
export class DrainMetrics {
  /** The registry's drain metrics, made once (the NodePool and ManagedNodePool controllers share them). */
  static of(registry: Registry): DrainMetrics {
    let m = byRegistry.get(registry);
    if (!m) byRegistry.set(registry, (m = new DrainMetrics(registry)));
    return m;
  }

  private readonly evictions: Counter<'pool' | 'result'>;
  private readonly drains: Counter<'pool' | 'milestone'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.evictions = new Counter({ name: 'nodepool_evictions_total', help: 'Pod evictions (and deletions of finished pods) by drains, by result', labelNames: ['pool', 'result'], registers }); // prettier-ignore
    this.drains = new Counter({ name: 'nodepool_drains_total', help: 'Node drains by milestone: started, done, blocked past drainTimeout', labelNames: ['pool', 'milestone'], registers }); // prettier-ignore
  }

  eviction(pool: string, result: EvictionResult): void {
    this.evictions.inc({ pool, result });
  }

  drain(pool: string, milestone: DrainMilestone): void {
    this.drains.inc({ pool, milestone });
  }

  /** The current value of a counter (tests and diagnostics). */
  async value(name: 'evictions' | 'drains', labels: Record<string, string>): Promise<number> {
    const data = await (name === 'evictions' ? this.evictions : this.drains).get();
    const match = data.values.find((v) => {
      const have = v.labels as Record<string, string | number | undefined>;
      return Object.entries(labels).every(([k, val]) => have[k] === val);
    });
    return match?.value ?? 0;
  }
}
