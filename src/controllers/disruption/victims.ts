import { Annotation } from '../../apis/v1beta1/constants.js';
import type { Node, Pod } from '../../kube/index.js';
import type { DeepReadonly } from '../../util/readonly.js';
import { isDisrupting } from './budget.js';
import { isDoNotDisrupt, isWorkloadPod } from './pods.js';

/** A Node of the pool with the pods bound to it. */
export interface VictimCandidate {
  node: DeepReadonly<Node>;
  pods: readonly DeepReadonly<Pod>[];
}

/** A candidate with what ordered it, for logs and status. */
export interface RankedVictim {
  node: DeepReadonly<Node>;
  name: string;
  /** Already cordoned or drained by the operator, or being deleted: finishing it comes first. */
  disrupting: boolean;
  /** Annotated `nodepool.alicloud.dev/remove-first: "true"`. */
  removeFirst: boolean;
  /** Pods a drain must evict or wait for (not DaemonSet, mirror or finished pods). */
  pods: number;
  /** Pods annotated do-not-disrupt: the drain would block on them. */
  protectedPods: number;
  /** creationTimestamp in ms (NaN sorts as the oldest). */
  created: number;
}

export function rankCandidate(c: VictimCandidate): RankedVictim {
  const workload = c.pods.filter(isWorkloadPod);
  return {
    node: c.node,
    name: c.node.metadata.name,
    disrupting: isDisrupting(c.node),
    removeFirst: c.node.metadata.annotations?.[Annotation.removeFirst] === 'true',
    pods: workload.length,
    protectedPods: workload.filter(isDoNotDisrupt).length,
    created: Date.parse(c.node.metadata.creationTimestamp ?? ''),
  };
}

/**
 * The victim order of API.md, with two decisions of this project:
 * 1. nodes the operator is already disrupting (cordoned/draining by it, or being deleted) — a drain in progress
 *    is finished before another starts, so the choice is stable across reconciles (after a cordon its pods
 *    leave, and "fewest pods" would otherwise keep changing its mind);
 * 2. `remove-first: "true"` nodes (the user named them; they go before others even with do-not-disrupt pods);
 * 3. within each of those tiers, nodes without do-not-disrupt pods before nodes with them (Karpenter skips
 *    such nodes for voluntary disruption; a lowered desiredSize is an explicit ask, so they stay candidates,
 *    but last — their drain blocks on those pods until they finish or lose the annotation);
 * 4. empty nodes (no pods except DaemonSet, mirror and finished pods), then the fewest pods;
 * 5. the newest (creationTimestamp) first; 6. by name, for a stable order.
 */
export function compareVictims(a: RankedVictim, b: RankedVictim): number {
  if (a.disrupting !== b.disrupting) return a.disrupting ? -1 : 1;
  if (a.removeFirst !== b.removeFirst) return a.removeFirst ? -1 : 1;
  const aProtected = a.protectedPods > 0;
  if (aProtected !== b.protectedPods > 0) return aProtected ? 1 : -1;
  if (a.pods !== b.pods) return a.pods - b.pods;
  const ac = Number.isNaN(a.created) ? -Infinity : a.created;
  const bc = Number.isNaN(b.created) ? -Infinity : b.created;
  if (ac !== bc) return bc > ac ? 1 : -1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Every candidate, in the order they would be removed. */
export function rankVictims(candidates: readonly VictimCandidate[]): RankedVictim[] {
  return candidates.map(rankCandidate).sort(compareVictims);
}

/** The `count` Nodes to remove first (fewer when the pool has fewer). */
export function chooseVictims(candidates: readonly VictimCandidate[], count: number): RankedVictim[] {
  return rankVictims(candidates).slice(0, Math.max(0, count));
}

/** Group pods by the node they are bound to, for `VictimCandidate`s built from a pod list. */
export function candidatesOf(
  nodes: readonly DeepReadonly<Node>[],
  pods: readonly DeepReadonly<Pod>[],
): VictimCandidate[] {
  const byNode = new Map<string, DeepReadonly<Pod>[]>();
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (!n) continue;
    const list = byNode.get(n);
    if (list) list.push(p);
    else byNode.set(n, [p]);
  }
  return nodes.map((node) => ({ node, pods: byNode.get(node.metadata.name) ?? [] }));
}
