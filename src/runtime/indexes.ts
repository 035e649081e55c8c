import type { Node, Pod } from '../kube/index.js';
import type { IndexFunc } from './informer.js';

/** The label a pool puts on its Nodes. */
export const POOL_LABEL = 'nodepool.alicloud.dev/pool';

export const NODE_BY_PROVIDER_ID = 'providerID';
export const NODE_BY_POOL = 'pool';
export const POD_BY_NODE_NAME = 'nodeName';
export const POD_PENDING = 'pending';
/** The one value of the pending-pods index. */
export const PENDING = 'true';

export const nodeByProviderID: IndexFunc<Node> = (n) => (n.spec?.providerID ? [n.spec.providerID] : []);

export function nodeByPool(label = POOL_LABEL): IndexFunc<Node> {
  return (n) => {
    const pool = n.metadata.labels?.[label];
    return pool ? [pool] : [];
  };
}

export const podByNodeName: IndexFunc<Pod> = (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []);

/** Pods the scheduler has not placed yet (no node, phase Pending, not being deleted). */
export const podPending: IndexFunc<Pod> = (p) =>
  !p.spec?.nodeName && (p.status?.phase ?? 'Pending') === 'Pending' && !p.metadata.deletionTimestamp
    ? [PENDING]
    : [];

export const nodeIndexers = (poolLabel = POOL_LABEL): Record<string, IndexFunc<Node>> => ({
  [NODE_BY_PROVIDER_ID]: nodeByProviderID,
  [NODE_BY_POOL]: nodeByPool(poolLabel),
});

export const podIndexers = (): Record<string, IndexFunc<Pod>> => ({
  [POD_BY_NODE_NAME]: podByNodeName,
  [POD_PENDING]: podPending,
});
