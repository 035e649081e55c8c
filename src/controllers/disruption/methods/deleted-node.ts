import type { Command, Method, PoolView, Proposal } from '../types.js';

/**
 * `kubectl delete node` of an admitted pool Node: drained, then its instance removed by the Delete table
 * (released, or detached and kept when Subscription or attached); ESS keeps the desired capacity, so a
 * replacement comes (the spec is the truth). Run by the Node termination controller, keyed by Node, which
 * owns the Node finalizer. Involuntary: the user asked for it.
 */
export const deletedNode: Method = {
  name: 'deletedNode',
  voluntary: false,
  enabled: () => true,
  propose: (view: PoolView): Proposal => ({ commands: deletedNodeCommands(view) }),
};

/** One command per admitted Node being deleted. */
export function deletedNodeCommands(view: PoolView): Command[] {
  return view.candidates
    .filter((c) => c.node?.metadata.deletionTimestamp)
    .map((c) => ({
      method: 'deletedNode' as const,
      nodes: [{ instanceId: c.instanceId, node: c.node!.metadata.name }],
      replacementsFirst: false,
      reason: `Node ${c.node!.metadata.name} was deleted`,
      voluntary: false,
      disposal: { kind: 'remove' as const, replace: true },
    }));
}
