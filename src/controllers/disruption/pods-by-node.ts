import type { Pod } from '../../kube/index.js';
import type { Informer } from '../../runtime/informer.js';
import type { DeepReadonly } from '../../util/readonly.js';
import { podsOnNode } from '../pods/index.js';

/** The pods bound to some Nodes, by Node name. */
export type PodsOnNodes = (
  nodes: readonly string[],
) => Promise<ReadonlyMap<string, readonly DeepReadonly<Pod>[]>>;

/**
 * The pods bound to these Nodes, from the shared Pod informer's pods-by-node index (`src/controllers/pods`):
 * no API call, no pod list of the cluster. Before the informer has synced (the first seconds after a start) it
 * refuses (the reconcile is retried), so a victim order is never made from an empty cache.
 */
export function indexedPodsOnNodes(pods: Informer<Pod>): PodsOnNodes {
  return (nodes) => {
    if (!pods.hasSynced()) return Promise.reject(new Error('the Pod informer has not synced yet'));
    return Promise.resolve(new Map(nodes.map((n) => [n, podsOnNode(pods, n)])));
  };
}
