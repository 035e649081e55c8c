import { POOL_LABEL } from '../../bootstrap/labels.js';
import { NodeSchema, Resources, TypedResource, type Node, type Pod } from '../../kube/index.js';
import type { Informer } from '../../runtime/informer.js';
import type { NodePoolControllerDeps, PoolObject } from '../nodepool/controller.js';
import { PoolObjectSchema } from '../nodepool/controller.js';
import { POOL_KINDS, type PoolKindName } from '../nodepool/kinds.js';
import { podInformer } from '../pods/index.js';
import {
  ClaimSchema,
  DaemonSetSchema,
  VolumeSchema,
  type Claim,
  type DaemonSet,
  type Volume,
} from './inputs.js';

export interface ProvisioningSources {
  pods: Informer<Pod>;
  kinds: {
    kind: PoolKindName;
    informer: Informer<PoolObject>;
    api: TypedResource<typeof PoolObjectSchema>;
  }[];
  /** Pool Nodes, indexed by pool (`pool`). */
  poolNodes: Informer<Node>;
  allNodes: Informer<Node>;
  daemonSets: Informer<DaemonSet>;
  claims: Informer<Claim>;
  volumes: Informer<Volume>;
}

/**
 * What provisioning reads of the cluster, as informers: pods (pending ones and where the others run), the Auto
 * pools of both kinds (and the API to write their status), the pool Nodes by pool, every Node (zones),
 * DaemonSets (their pods land on a new node too), and PersistentVolumeClaims / PersistentVolumes (volume zones).
 */
export function provisioningSources(deps: NodePoolControllerDeps): ProvisioningSources {
  const selector = deps.settings.poolSelector ? { labelSelector: deps.settings.poolSelector } : {};
  return {
    pods: podInformer(deps.informers),
    kinds: (['NodePool', 'ManagedNodePool'] as const).map((kind) => ({
      kind,
      informer: deps.informers.informer(POOL_KINDS[kind].ref, PoolObjectSchema, selector),
      api: new TypedResource(deps.client, POOL_KINDS[kind].ref, PoolObjectSchema),
    })),
    poolNodes: deps.informers.informer(Resources.nodes, NodeSchema, {
      labelSelector: POOL_LABEL,
      indexers: {
        pool: (n: Node) => {
          const p = n.metadata.labels?.[POOL_LABEL];
          return p ? [p] : [];
        },
      },
    }),
    allNodes: deps.informers.informer(Resources.nodes, NodeSchema),
    daemonSets: deps.informers.informer(Resources.daemonSets, DaemonSetSchema),
    claims: deps.informers.informer(Resources.persistentVolumeClaims, ClaimSchema),
    volumes: deps.informers.informer(Resources.persistentVolumes, VolumeSchema),
  };
}
