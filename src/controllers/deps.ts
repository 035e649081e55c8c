import type { ClusterJoin } from '../bootstrap/from-pool.js';
import type { CloudProvider } from '../cloud/provider.js';
import type { KubeClient } from '../kube/index.js';
import type { Logger } from '../log.js';
import type { Settings } from '../operator/settings.js';
import type { Clock } from '../runtime/clock.js';
import type { EventRecorder } from '../runtime/events.js';
import type { InformerFactory } from '../runtime/informer-factory.js';
import type { RuntimeMetrics } from '../runtime/metrics.js';

/** What every controller is built from: shared informers, the API client, events, clock, metrics, settings. */
export interface ControllerDeps {
  client: KubeClient;
  informers: InformerFactory;
  events: EventRecorder;
  settings: Settings;
  logger: Logger;
  clock: Clock;
  metrics: RuntimeMetrics;
  /** This replica's identity (the leader-election identity). */
  identity: string;
  /** The cloud, when the settings configure one (region and credentials); controllers that need it require it. */
  cloud: CloudProvider | undefined;
  /** Join material for Managed nodes (bootstrap tokens, CA hash, API server); undefined when not configured. */
  join: JoinSource | undefined;
}

/** The join material for a pool's Managed nodes (src/controllers/join). */
export interface JoinSource {
  forPool(poolName: string, poolUid: string): Promise<ClusterJoin>;
  forget(poolName: string): Promise<void>;
}
