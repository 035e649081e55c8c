import { deleteOutcome } from '../disposal.js';
import type { Method, PoolView, Proposal } from '../types.js';

/**
 * Pool deletion: the Nodes whose instances are released are drained first (PDBs honoured); the group's
 * ForceDelete then releases them, and the retained ones (Subscription, attached) are detached and keep their
 * Nodes, undrained. Past `drainTimeout` a drain ends without its blockers only when the pool carries
 * `nodepool.alicloud.dev/force-drain: "true"` (a Warning Event names every pod left). Involuntary.
 */
export const deletion: Method = {
  name: 'deletion',
  voluntary: false,
  enabled: (view) => view.deleting,
  propose(view: PoolView): Proposal {
    if (!view.deleting) return { commands: [] };
    const drained = view.candidates.filter((c) => c.node && deleteOutcome(c.instance).outcome === 'release');
    if (drained.length === 0) return { commands: [] };
    return {
      commands: [
        {
          method: 'deletion',
          nodes: drained.map((c) => ({ instanceId: c.instanceId, node: c.node!.metadata.name })),
          replacementsFirst: false,
          reason: 'the pool is being deleted',
          voluntary: false,
          disposal: { kind: 'drain' },
        },
      ],
    };
  },
};
