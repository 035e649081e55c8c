import { isDeepStrictEqual } from 'node:util';
import type { Node } from '../../kube/index.js';

/**
 * Whether a Node update matters to its pool: anything the controller keeps of it (labels, annotations,
 * finalizers, deletion, taints, conditions' type / status / reason, addresses…) changed. A status heartbeat
 * changes only the resourceVersion of the trimmed copy (heartbeat times are not kept), or a condition's
 * transition time with its status unchanged (the pool reads no transition time of a Node): its pool is not
 * reconciled for it.
 */
export function nodeChanged(oldNode: Node, newNode: Node): boolean {
  const strip = (n: Node): Node => ({
    ...n,
    metadata: { ...n.metadata, resourceVersion: undefined },
    ...(n.status?.conditions
      ? {
          status: {
            ...n.status,
            conditions: n.status.conditions.map(({ lastTransitionTime: _t, ...c }) => c),
          },
        }
      : {}),
  });
  return !isDeepStrictEqual(strip(oldNode), strip(newNode));
}
