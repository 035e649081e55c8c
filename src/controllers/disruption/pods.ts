import { Annotation } from '../../apis/v1beta1/constants.js';
import type { Pod } from '../../kube/index.js';
import type { DeepReadonly } from '../../util/readonly.js';

type P = DeepReadonly<Pod>;

/** The annotation the kubelet puts on the API copy (mirror) of a static pod. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/**
 * What a drain does with a pod:
 * - `ignore`: DaemonSet pods (their controller tolerates the cordon and recreates them) and mirror pods (the
 *   kubelet runs static pods whatever the API says);
 * - `terminating`: already being deleted; the drain waits for it to go;
 * - `delete`: finished (Succeeded or Failed): deleted directly, no eviction (nothing runs, no budget applies);
 * - `protected`: annotated do-not-disrupt (`DO_NOT_DISRUPT`): never evicted, it blocks the drain;
 * - `evict`: through the Eviction API, which honours PodDisruptionBudgets.
 */
export type PodDisposition = 'ignore' | 'terminating' | 'delete' | 'protected' | 'evict';

export function isMirrorPod(pod: P): boolean {
  return pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;
}

export function isDaemonSetPod(pod: P): boolean {
  return (pod.metadata.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.controller !== false);
}

export function isFinished(pod: P): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * The annotations that keep a pod from being evicted (API.md): ours, Karpenter's and cluster-autoscaler's — a
 * workload already marked for either autoscaler is protected the same way here.
 */
export const DO_NOT_DISRUPT: readonly (readonly [key: string, value: string])[] = [
  [Annotation.doNotDisrupt, 'true'],
  ['karpenter.sh/do-not-disrupt', 'true'],
  ['cluster-autoscaler.kubernetes.io/safe-to-evict', 'false'],
];

/** The do-not-disrupt annotation a pod carries (`key=value`), if any. */
export function doNotDisruptBy(pod: P): string | undefined {
  const a = pod.metadata.annotations ?? {};
  const hit = DO_NOT_DISRUPT.find(([k, v]) => a[k] === v);
  return hit ? `${hit[0]}=${hit[1]}` : undefined;
}

export function isDoNotDisrupt(pod: P): boolean {
  return doNotDisruptBy(pod) !== undefined;
}

export function podDisposition(pod: P): PodDisposition {
  if (isMirrorPod(pod) || isDaemonSetPod(pod)) return 'ignore';
  if (pod.metadata.deletionTimestamp) return 'terminating';
  if (isFinished(pod)) return 'delete';
  if (isDoNotDisrupt(pod)) return 'protected';
  return 'evict';
}

/** A pod that makes a node non-empty for victim ordering: one a drain would have to evict or wait for. */
export function isWorkloadPod(pod: P): boolean {
  const d = podDisposition(pod);
  return d === 'evict' || d === 'protected' || d === 'terminating';
}

/** `namespace/name`. */
export function podKey(pod: P): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
}
