import { PodSchema, Resources, TypedResource, type KubeClient, type Pod } from '../../kube/index.js';
import type { DeepReadonly } from '../../util/readonly.js';

/** The pods bound to some Nodes, by Node name. */
export type PodsOnNodes = (nodes: readonly string[]) => Promise<ReadonlyMap<string, readonly DeepReadonly<Pod>[]>>; // prettier-ignore

/**
 * Until the shared pod informer (with its pods-by-node index) lands: one listing of the pods bound to a node,
 * grouped by node — the one place to swap for the index. Called only when a method ranks Nodes by their pods
 * (scale-in beyond the nodeless instances).
 */
export function listedPodsOnNodes(client: KubeClient): PodsOnNodes {
  const pods = new TypedResource(client, Resources.pods, PodSchema);
  return async (nodes) => {
    const out = new Map<string, DeepReadonly<Pod>[]>(nodes.map((n) => [n, []]));
    if (nodes.length === 0) return out;
    const { items } = await pods.list({ fieldSelector: 'spec.nodeName!=' });
    for (const p of items) out.get(p.spec?.nodeName ?? '')?.push(p);
    return out;
  };
}
