import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueMetrics } from './workqueue.js';

/** What a controller reports about its reconciles. */
export interface ControllerMetrics {
  /** One reconcile ended: `result` is success, error, requeue or requeue_after. */
  reconciled(result: 'success' | 'error' | 'requeue' | 'requeue_after', seconds: number): void;
  /** A reconcile failed with a TerminalError (not retried); counted as an error result as well. */
  terminal(): void;
  /** Workers running a reconcile now. */
  activeWorkers(n: number): void;
  /** The controller's concurrency (reported once). */
  maxConcurrent(n: number): void;
}

const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5,
  1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
const QUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000];

/**
 * The operator's Prometheus metrics, named as controller-runtime names them so existing dashboards and alerts
 * work: `controller_runtime_reconcile_total{controller,result}`, `controller_runtime_reconcile_errors_total`,
 * `controller_runtime_terminal_reconcile_errors_total`, `controller_runtime_reconcile_time_seconds`,
 * `controller_runtime_active_workers`, `controller_runtime_max_concurrent_reconciles`, `workqueue_depth{name}`,
 * `workqueue_adds_total`, `workqueue_retries_total`, `workqueue_queue_duration_seconds`,
 * `workqueue_work_duration_seconds`, `leader_election_master_status{name}`, plus the process metrics.
 */
export class RuntimeMetrics {
  readonly registry: Registry;
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly terminalErrors: Counter<'controller'>;
  private readonly reconcileTime: Histogram<'controller'>;
  private readonly activeWorkersGauge: Gauge<'controller'>;
  private readonly maxConcurrentGauge: Gauge<'controller'>;
  private readonly depth: Gauge<'name' | 'controller'>;
  private readonly adds: Counter<'name' | 'controller'>;
  private readonly retries: Counter<'name' | 'controller'>;
  private readonly queueDuration: Histogram<'name' | 'controller'>;
  private readonly workDuration: Histogram<'name' | 'controller'>;
  private readonly leader: Gauge<'name'>;
  private readonly informerRestarts: Counter<'resource' | 'reason'>;
  private readonly informerObjects: Gauge<'resource'>;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registry = new Registry();
    this.registry = registry;
    if (opts.processMetrics) collectDefaultMetrics({ register: registry });
    const r = [registry];
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers: r,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers: r,
    });
    this.terminalErrors = new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
      registers: r,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_BUCKETS,
      registers: r,
    });
    this.activeWorkersGauge = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers: r,
    });
    this.maxConcurrentGauge = new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers: r,
    });
    this.depth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name', 'controller'],
      registers: r,
    });
    this.adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name', 'controller'],
      registers: r,
    });
    this.retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name', 'controller'],
      registers: r,
    });
    this.queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name', 'controller'],
      buckets: QUEUE_BUCKETS,
      registers: r,
    });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: ['name', 'controller'],
      buckets: QUEUE_BUCKETS,
      registers: r,
    });
    this.leader = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. name is the string used to identify the lease',
      labelNames: ['name'],
      registers: r,
    });
    this.informerRestarts = new Counter({
      name: 'nodepool_informer_restarts_total',
      help: 'Watch restarts of an informer by reason (relist after 410 Gone, error, stale watch)',
      labelNames: ['resource', 'reason'],
      registers: r,
    });
    this.informerObjects = new Gauge({
      name: 'nodepool_informer_objects',
      help: 'Objects in an informer cache',
      labelNames: ['resource'],
      registers: r,
    });
  }

  controller(name: string): ControllerMetrics {
    const labels = { controller: name };
    this.reconcileErrors.inc(labels, 0);
    this.terminalErrors.inc(labels, 0);
    for (const result of ['success', 'error', 'requeue', 'requeue_after'])
      this.reconcileTotal.inc({ ...labels, result }, 0);
    return {
      reconciled: (result, seconds) => {
        this.reconcileTotal.inc({ ...labels, result });
        if (result === 'error') this.reconcileErrors.inc(labels);
        this.reconcileTime.observe(labels, seconds);
      },
      terminal: () => this.terminalErrors.inc(labels),
      activeWorkers: (n) => this.activeWorkersGauge.set(labels, n),
      maxConcurrent: (n) => this.maxConcurrentGauge.set(labels, n),
    };
  }

  queue(name: string): QueueMetrics {
    const labels = { name, controller: name };
    this.depth.set(labels, 0);
    this.adds.inc(labels, 0);
    this.retries.inc(labels, 0);
    return {
      added: () => this.adds.inc(labels),
      depth: (n) => this.depth.set(labels, n),
      retried: () => this.retries.inc(labels),
      queued: (s) => this.queueDuration.observe(labels, s),
      worked: (s) => this.workDuration.observe(labels, s),
    };
  }

  leaderStatus(name: string, leading: boolean): void {
    this.leader.set({ name }, leading ? 1 : 0);
  }

  informerRestart(resource: string, reason: 'gone' | 'error' | 'stale' | 'expired'): void {
    this.informerRestarts.inc({ resource, reason });
  }

  informerSize(resource: string, n: number): void {
    this.informerObjects.set({ resource }, n);
  }

  /** The text exposition format, for `/metrics`. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
