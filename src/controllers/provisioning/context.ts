import type { CloudProvider } from '../../cloud/provider.js';
import type { Logger } from '../../log.js';
import type { Clock } from '../../runtime/clock.js';
import type { Drainer } from '../disruption/drain.js';
import type { OfferingCatalogue } from './catalogue.js';
import type { LaunchResolver } from './launch-resolver.js';
import type { Launcher } from './launcher.js';
import type { ProvisioningMetrics } from './metrics.js';
import type { PendingPods } from './pending-pods.js';
import type { PodEvents } from './pod-events.js';
import type { PoolRecords } from './pool-records.js';
import type { ProvisioningSources } from './sources.js';
import type { CatalogueView } from './templates.js';

/**
 * The provisioning controller's state, built once (controller.ts) and handed to the modules that act on it:
 * what it reads (sources, catalogue), what it remembers (records, pending pods), and what it acts with.
 */
export interface Provisioning {
  clock: Clock;
  cloud: CloudProvider;
  log: Logger;
  sources: ProvisioningSources;
  catalogue: OfferingCatalogue;
  /** The catalogue with missing prices estimated: what the planner's templates read. */
  estimating: CatalogueView;
  launcher: Launcher;
  resolver: LaunchResolver;
  records: PoolRecords;
  pending: PendingPods;
  metrics: ProvisioningMetrics;
  podEvents: PodEvents;
  drainer: Drainer;
}
