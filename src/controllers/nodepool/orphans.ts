import { Gauge } from 'prom-client';
import type { CloudProvider } from '../../cloud/provider.js';
import type { Logger } from '../../log.js';
import type { RuntimeMetrics } from '../../runtime/metrics.js';

/**
 * Once, at start-up (the first reconcile, when the informers are synced): scaling groups tagged with this
 * cluster that no pool owns — left by a pool deleted while the operator was away, or by another install.
 * Reported in the log and the `nodepool_orphan_scaling_groups` gauge; never deleted by the operator.
 */
export function orphanReporter(
  cloud: CloudProvider,
  cluster: string,
  metrics: RuntimeMetrics,
  owned: () => Set<string>,
): (log: Logger) => Promise<void> {
  const gauge = new Gauge({
    name: 'nodepool_orphan_scaling_groups',
    help: 'Scaling groups tagged with this cluster that no pool owns (checked at start-up)',
    registers: [metrics.registry],
  });
  let checked = false;
  return async (log) => {
    if (checked) return;
    checked = true;
    try {
      const groups = await cloud.listClusterScalingGroups(cluster);
      const mine = owned();
      const orphans = groups.filter((g) => !mine.has(g.tags['nodepool.alicloud.dev/pool'] ?? ''));
      gauge.set(orphans.length);
      for (const g of orphans) {
        log.warn(
          {
            action: 'orphan-group',
            scalingGroupId: g.id,
            name: g.name,
            pool: g.tags['nodepool.alicloud.dev/pool'],
          },
          'a scaling group tagged with this cluster belongs to no pool (delete it with the cloud console or the CLI once you are sure)',
        );
      }
    } catch (err) {
      checked = false;
      log.warn({ err }, 'could not list the cluster scaling groups');
    }
  };
}
