import type { Method, PoolView, Proposal } from '../types.js';

/**
 * Removals ESS starts by itself (health-check replacement, rebalancing, spot remedy — and the operator's own
 * RemoveInstances / DetachInstances) wait in the pool's SCALE_IN lifecycle hook: the node is drained, then
 * CONTINUE lets ESS go on. While the drain is blocked, heartbeats keep ESS waiting (at most 20, 6 h in all).
 * Involuntary (the instance is going anyway): not held by the budget.
 */
export const essHook: Method = {
  name: 'essHook',
  voluntary: false,
  enabled: () => true,
  propose(view: PoolView): Proposal {
    return {
      commands: view.lifecycleActions.map((a) => ({
        method: 'essHook' as const,
        nodes: a.instanceIds.map((id) => ({
          instanceId: id,
          node: view.candidates.find((c) => c.instanceId === id)?.node?.metadata.name,
        })),
        replacementsFirst: false,
        reason: `ESS is removing ${a.instanceIds.join(', ')} (scaling activity ${a.activityId})`,
        voluntary: false,
        disposal: { kind: 'hook' as const, hookId: a.hookId, token: a.token, activityId: a.activityId },
      })),
    };
  },
};
