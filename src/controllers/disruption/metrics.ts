import { Counter, type Registry } from 'prom-client';

/** What an eviction attempt ended in. */
export type EvictionResult = 'evicted' | 'pdb_blocked' | 'failed' | 'finished_deleted' | 'force_deleted';
/** A drain's milestones. */
export type DrainMilestone = 'started' | 'done' | 'blocked_past_timeout';

const byRegistry = new WeakMap<Registry, DrainMetrics>();

/**
 * Drain metrics, on the operator's registry (`deps.metrics.registry`; create one per registry):
 * `nodepool_evictions_total{pool,result}` (result: evicted, pdb_blocked, failed, finished_deleted, force_deleted —
 * a terminating pod of an unreachable Node whose machine is released, past its grace) and
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
    this.evictions = new Counter({
      name: 'nodepool_evictions_total',
      help: 'Pod evictions (and deletions of finished pods) by drains, by result',
      labelNames: ['pool', 'result'],
      registers,
    });
    this.drains = new Counter({
      name: 'nodepool_drains_total',
      help: 'Node drains by milestone: started, done, blocked past drainTimeout',
      labelNames: ['pool', 'milestone'],
      registers,
    });
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

const automationByRegistry = new WeakMap<Registry, AutomationMetrics>();

/**
 * `nodepool_automation_actions_total{pool,method,action,outcome}`: what each disruption method (repair, system
 * events, spot interruption, scale-in…) did. `action`: what the command does to the node (`reboot`, `replace`,
 * `remove`, `stop`, `hook`, `drain`) or the notice's reason (`RepairHeldBack`, `SystemEventWarning`); `outcome`:
 * `started` (a node claimed), what became of it (`released`, `retained`, `stopped`, `continued`, `drained`,
 * `rebooted`), or the notice's (`held`, `warned`).
 */
export class AutomationMetrics {
  /** The registry's automation metrics, made once (both pool controllers share them). */
  static of(registry: Registry): AutomationMetrics {
    let m = automationByRegistry.get(registry);
    if (!m) automationByRegistry.set(registry, (m = new AutomationMetrics(registry)));
    return m;
  }

  private readonly actions: Counter<'pool' | 'method' | 'action' | 'outcome'>;

  constructor(registry: Registry) {
    this.actions = new Counter({
      name: 'nodepool_automation_actions_total',
      help: 'What the disruption methods (repair, systemEvents, spotInterruption, scaleIn…) did, by action and outcome',
      labelNames: ['pool', 'method', 'action', 'outcome'],
      registers: [registry],
    });
  }

  action(pool: string, method: string, action: string, outcome: string): void {
    this.actions.inc({ pool, method, action, outcome });
  }

  /** The current value for these labels, summed over the others (tests and diagnostics). */
  async value(labels: Partial<Record<'pool' | 'method' | 'action' | 'outcome', string>>): Promise<number> {
    const data = await this.actions.get();
    return data.values
      .filter((v) =>
        Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val),
      )
      .reduce((sum, v) => sum + v.value, 0);
  }
}
