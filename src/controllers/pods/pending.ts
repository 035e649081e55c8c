import type { Pod } from '../../kube/index.js';

/** The scheduler's verdict on a pod it could not place anywhere (kube-scheduler's `v1.PodReasonUnschedulable`). */
export const REASON_UNSCHEDULABLE = 'Unschedulable';

/**
 * A pod the scheduler tried and could not place: not bound, not finished, not being deleted, and its
 * `PodScheduled` condition `False` with reason `Unschedulable` (cluster-autoscaler's and Karpenter's test).
 * A pod that has not been tried yet (no condition) is not pending in this sense: the scheduler may still place
 * it on a node that exists.
 */
export function isUnschedulable(pod: Pod): boolean {
  if (pod.spec?.nodeName || pod.metadata.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
  return c?.status === 'False' && c.reason === REASON_UNSCHEDULABLE;
}
