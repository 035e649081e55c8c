import { Annotation } from '../../apis/v1beta1/constants.js';
import { PodSchema, Resources, type Pod } from '../../kube/index.js';
import type { Informer } from '../../runtime/informer.js';
import type { InformerFactory } from '../../runtime/informer-factory.js';
import { POD_BY_NODE_NAME, podByNodeName } from '../../runtime/indexes.js';
import { MIRROR_POD_ANNOTATION } from '../disruption/pods.js';
import { isUnschedulable } from './pending.js';

/** Index of the shared Pod informer: pods by `spec.nodeName`. */
export const PODS_BY_NODE = POD_BY_NODE_NAME;
/** Index of the shared Pod informer: pods the scheduler marked unschedulable, under the one value `true`. */
export const PODS_UNSCHEDULABLE = 'unschedulable';
const YES = 'true';

/**
 * The pod annotations the operator reads (disruption blockers, mirror pods); every other annotation is dropped
 * from the cache (`kubectl.kubernetes.io/last-applied-configuration` alone can be kilobytes per pod).
 */
export const KEPT_POD_ANNOTATIONS: readonly string[] = [
  Annotation.doNotDisrupt,
  'karpenter.sh/do-not-disrupt',
  'cluster-autoscaler.kubernetes.io/safe-to-evict',
  MIRROR_POD_ANNOTATION,
];

/**
 * What the cache keeps of a pod beyond the schema's trim: the annotations above, container ports that are
 * host ports, and volumes that are claims or node-local storage (every pod's projected service-account volume
 * goes). Pure: the parsed object is fresh, so it is trimmed in place before anyone sees it.
 */
export function trimPod(pod: Pod): Pod {
  const ann = pod.metadata.annotations;
  if (ann) {
    let kept: Record<string, string> | undefined;
    for (const k of KEPT_POD_ANNOTATIONS) if (ann[k] !== undefined) (kept ??= {})[k] = ann[k];
    if (kept) pod.metadata.annotations = kept;
    else delete pod.metadata.annotations;
  }
  const spec = pod.spec;
  if (!spec) return pod;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    if (!c.ports) continue;
    const host = c.ports.filter((p) => p.hostPort !== undefined && p.hostPort > 0);
    if (host.length > 0) c.ports = host;
    else delete c.ports;
  }
  if (spec.volumes) {
    const kept = spec.volumes.filter((v) => v.persistentVolumeClaim || v.emptyDir || v.hostPath);
    if (kept.length > 0) spec.volumes = kept;
    else delete spec.volumes;
  }
  return pod;
}

/**
 * The operator's one Pod informer, shared by every controller (scale-in and drains read pods by node from it,
 * provisioning reads the unschedulable ones). The informer factory keeps one informer per kind and the first
 * caller's schema and transform win, so every caller must come through here: the schema (src/kube PodSchema)
 * and the trim serve all of them.
 */
export function podInformer(informers: InformerFactory): Informer<Pod> {
  return informers.informer(Resources.pods, PodSchema, {
    transform: trimPod,
    indexers: {
      [PODS_BY_NODE]: podByNodeName,
      [PODS_UNSCHEDULABLE]: (p) => (isUnschedulable(p) ? [YES] : []),
    },
  });
}

/** The pods bound to `nodeName` (any phase; read-only informer objects). */
export function podsOnNode(pods: Informer<Pod>, nodeName: string): Pod[] {
  return pods.byIndex(PODS_BY_NODE, nodeName);
}

/** The pods the scheduler has marked unschedulable (`PodScheduled=False`, reason `Unschedulable`), unbound. */
export function unschedulablePods(pods: Informer<Pod>): Pod[] {
  return pods.byIndex(PODS_UNSCHEDULABLE, YES);
}
