import { Annotation } from '../../../apis/v1beta1/constants.js';
import type { Node, Pod } from '../../../kube/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { requestedBy, type Resources } from '../../provisioning/scheduling/index.js';
import { doNotDisruptBy, isDaemonSetPod, isFinished, isMirrorPod, podDisposition, podKey } from '../pods.js';
import type { Blocker } from '../types.js';
import type { UseState } from './mark.js';

type P = DeepReadonly<Pod>;

/** `cluster-autoscaler.kubernetes.io/safe-to-evict`: "true" lets a pod with local storage or no controller go. */
export const SAFE_TO_EVICT = 'cluster-autoscaler.kubernetes.io/safe-to-evict';

/** What consolidation sees of one node: how full it is, which pods would have to move, what forbids it. */
export interface NodeUse {
  state: UseState;
  /** Requests of every running pod on it (DaemonSet pods included, as cluster-autoscaler counts) in percent of allocatable. */
  cpuPercent: number;
  memoryPercent: number;
  /** Pods a removal moves: not DaemonSet, mirror, finished or already terminating pods. */
  moving: P[];
  /** Why the node may not be consolidated at all (do-not-disrupt, local storage, no controller). */
  blockers: Blocker[];
}

const pct = (used: number, alloc: number): number => (alloc > 0 ? (100 * used) / alloc : 100);

/** Local storage a removal would lose: an emptyDir not in memory, or a hostPath. */
function localStorage(p: P): string | undefined {
  for (const v of p.spec?.volumes ?? []) {
    if (v.hostPath) return `hostPath volume ${v.name}`;
    if (v.emptyDir && v.emptyDir.medium !== 'Memory') return `emptyDir volume ${v.name}`;
  }
  return undefined;
}

/** Resources the scheduling simulation counts (ephemeral storage: nodes' disks are taken as large enough). */
const SIMULATED = new Set(['cpu', 'memory', 'nvidia.com/gpu', 'ephemeral-storage']);

/** A resource a pod requests that the simulation cannot place (e.g. an extended resource), if any. */
function unsimulated(p: P): string | undefined {
  for (const c of [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])]) {
    for (const k of Object.keys({ ...(c.resources?.requests ?? {}), ...(c.resources?.limits ?? {}) }))
      if (!SIMULATED.has(k)) return k;
  }
  return undefined;
}

/** Why a pod keeps its node from being consolidated (API.md "Consolidation"), if it does. */
export function podBlocker(p: P): Blocker | undefined {
  const dnd = doNotDisruptBy(p);
  if (dnd) return { kind: 'DoNotDisrupt', message: `pod ${podKey(p)} is annotated ${dnd}` };
  // where the simulation cannot tell that the pod fits, moving it could leave it pending (and start a node)
  const r = unsimulated(p);
  if (r)
    return {
      kind: 'PodsWouldNotFit',
      message: `pod ${podKey(p)} requests ${r}, which the scheduling simulation does not count`,
    };
  if (p.metadata.annotations?.[SAFE_TO_EVICT] === 'true') return undefined;
  const local = localStorage(p);
  if (local)
    return {
      kind: 'NotEvictable',
      message: `pod ${podKey(p)} has local storage (${local}); annotate it ${SAFE_TO_EVICT}: "true" to allow`,
    };
  if (!(p.metadata.ownerReferences ?? []).some((o) => o.controller === true))
    return {
      kind: 'NotEvictable',
      message: `pod ${podKey(p)} has no controller (nothing would recreate it); annotate it ${SAFE_TO_EVICT}: "true" to allow`,
    };
  return undefined;
}

/**
 * A node's use (pure): empty (no pods but DaemonSet, mirror and finished ones), underused (CPU and memory
 * requests both below `threshold` percent of allocatable), or busy; the pods that would move and what blocks it.
 */
export function nodeUse(
  node: DeepReadonly<Node>,
  pods: readonly P[],
  allocatable: Resources,
  threshold: number,
): NodeUse {
  const live = pods.filter((p) => !isFinished(p));
  const workload = live.filter((p) => !isDaemonSetPod(p) && !isMirrorPod(p));
  const moving = workload.filter((p) => ['evict', 'protected'].includes(podDisposition(p)));
  const used = requestedBy(live);
  const cpuPercent = pct(used.cpuMilli, allocatable.cpuMilli);
  const memoryPercent = pct(used.memoryMiB, allocatable.memoryMiB);
  const state: UseState =
    workload.length === 0
      ? 'empty'
      : cpuPercent < threshold && memoryPercent < threshold
        ? 'underused'
        : 'busy';
  const blockers: Blocker[] = [];
  if (node.metadata.annotations?.[Annotation.doNotDisrupt] === 'true')
    blockers.push({
      kind: 'DoNotDisrupt',
      message: `node ${node.metadata.name} is annotated ${Annotation.doNotDisrupt}=true`,
    });
  for (const p of moving) {
    const b = podBlocker(p);
    if (b) blockers.push(b);
  }
  return { state, cpuPercent, memoryPercent, moving, blockers };
}
