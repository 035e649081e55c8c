import type { Node } from '../../../kube/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { candidatesOf, rankVictims } from '../victims.js';
import type { Candidate, Method, PoolView, Proposal, Target } from '../types.js';

/** Members that count toward the pool's size: not on their way out, not stopped. */
export function isActive(c: Candidate): boolean {
  return !/^Removing/.test(c.instance.lifecycleState) && c.instance.lifecycleState !== 'Stopped';
}

/**
 * Spec scale-in (a Manual `desiredSize` lowered, an Auto pool above its size): the excess members go —
 * instances that never became Nodes first (nothing to drain), then Nodes in API.md's victim order
 * (`victims.ts`: already disrupting, `remove-first`, no do-not-disrupt pods, empty, fewest pods, newest). In
 * economical mode (Auto) the instances are stopped and keep their Nodes for the next scale-out; otherwise
 * removed by the Delete table. Voluntary: held by the budget.
 */
export const scaleIn: Method = {
  name: 'scaleIn',
  voluntary: true,
  enabled: () => true,
  async propose(view: PoolView): Promise<Proposal> {
    if (view.deleting) return { commands: [] };
    const active = view.candidates.filter(isActive);
    // members a command replaces with one launched first (rotation, consolidation) are on their way out: the
    // pool's size is what stays, so their replacements are no excess
    const staying = active.filter((c) => !c.claim?.replacementsFirst).length;
    // Auto pools: ESS's desired capacity grows with instant elasticity's launches (src/controllers/provisioning),
    // so a size read before an attach must not remove what was just attached: only a maxSize lowered below the
    // members scales an Auto pool in here (consolidation is its own method)
    const s0 = view.pool.spec.scaling;
    // the user's existingInstances count toward the size and are never its victims (they would be attached again)
    const mine = new Set(view.pool.spec.existingInstances ?? []);
    const kept = active.filter((c) => mine.has(c.instanceId)).length;
    const target = Math.max(
      kept,
      s0.mode === 'Auto' ? Math.min(staying, s0.maxSize ?? staying) : view.desired,
    );
    const excess = staying - target;
    if (excess <= 0) return { commands: [] };
    const nodeless = active.filter((c) => !c.node && !mine.has(c.instanceId)).slice(0, excess);
    const targets: Target[] = nodeless.map((c) => ({ instanceId: c.instanceId }));
    const left = excess - nodeless.length;
    if (left > 0) {
      const eligible = active.filter(
        (c) =>
          c.node &&
          !mine.has(c.instanceId) &&
          !c.node.metadata.deletionTimestamp &&
          (!c.claim || c.claim.method === 'scaleIn'),
      );
      const nodes = eligible.map((c) => c.node as DeepReadonly<Node>);
      const pods = await view.podsOn(nodes.map((n) => n.metadata.name));
      const ranked = rankVictims(candidatesOf(nodes, [...pods.values()].flat())).slice(0, left);
      for (const v of ranked) {
        const c = eligible.find((x) => x.node?.metadata.name === v.name)!;
        targets.push({ instanceId: c.instanceId, node: v.name });
      }
    }
    const s = view.pool.spec.scaling;
    const economical = s.mode === 'Auto' && s.economical === true;
    const reason =
      s.mode === 'Manual'
        ? `desiredSize is ${view.desired}, the pool has ${active.length}`
        : `maxSize is ${target}, the pool has ${active.length}`;
    return {
      commands: [
        {
          method: 'scaleIn',
          nodes: targets,
          replacementsFirst: false,
          reason,
          voluntary: true,
          disposal: economical ? { kind: 'stop' } : { kind: 'remove', replace: false },
        },
      ],
    };
  },
};
