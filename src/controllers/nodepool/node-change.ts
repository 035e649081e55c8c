import { isDeepStrictEqual } from 'node:util';
import type { Node } from '../../kube/index.js';

/**
 * Whether a Node update matters to its pool: anything the controller keeps of it (labels, annotations,
 * finalizers, deletion, taints, conditions' status, addresses…) changed. A status heartbeat changes only the
 * resourceVersion of the trimmed copy (heartbeat times are not kept): its pool is not reconciled for it.
 */
export function nodeChanged(oldNode: Node, newNode: Node): boolean {
  const strip = (n: Node): Node => ({ ...n, metadata: { ...n.metadata, resourceVersion: undefined } });
  return !isDeepStrictEqual(strip(oldNode), strip(newNode));
}
