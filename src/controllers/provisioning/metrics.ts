import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Instant elasticity's metrics: `nodepool_provisioning_decision_seconds` (from the operator seeing a pod
 * unschedulable to its first decision: the scale-out call for it, or its place on a node launched before),
 * `nodepool_provisioning_pods_replanned_total` (pods launched for again: the scheduler gave their room away),
 * `nodepool_provisioning_simulation_seconds` (one scheduling simulation), `nodepool_pods_pending` (unschedulable pods it sees), `nodepool_provisioning_nodes_requested_total
 * {pool,instance_type}` and `nodepool_provisioning_launch_failures_total{pool,instance_type,code}`.
 */
export class ProvisioningMetrics {
  readonly decision: Histogram;
  readonly simulation: Histogram;
  readonly pending: Gauge;
  readonly requested: Counter<'pool' | 'instance_type'>;
  readonly failures: Counter<'pool' | 'instance_type' | 'code'>;
  readonly replanned: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.decision = new Histogram({
      name: 'nodepool_provisioning_decision_seconds',
      help: 'From a pod seen unschedulable to its first decision: the scale-out call for it, or its place on a node launched before',
      buckets: [
        0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 2, 3, 5, 10, 30,
      ],
      registers,
    });
    this.simulation = new Histogram({
      name: 'nodepool_provisioning_simulation_seconds',
      help: 'Duration of one scheduling simulation',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.pending = new Gauge({
      name: 'nodepool_pods_pending',
      help: 'Pods the scheduler marked unschedulable, as instant elasticity last saw them',
      registers,
    });
    this.requested = new Counter({
      name: 'nodepool_provisioning_nodes_requested_total',
      help: 'Nodes launched for pending pods, by pool and instance type',
      labelNames: ['pool', 'instance_type'],
      registers,
    });
    this.replanned = new Counter({
      name: 'nodepool_provisioning_pods_replanned_total',
      help: 'Pods launched for again after being counted on a node launched before (the scheduler gave that room to other pods)',
      registers,
    });
    this.failures = new Counter({
      name: 'nodepool_provisioning_launch_failures_total',
      help: 'Launches the cloud refused, by pool, instance type and error code',
      labelNames: ['pool', 'instance_type', 'code'],
      registers,
    });
  }
}
