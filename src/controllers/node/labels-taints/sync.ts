import {
  ConflictError,
  NodeSchema,
  NotFoundError,
  Resources,
  TypedResource,
  type KubeClient,
  type Node,
} from '../../../kube/index.js';
import type { Logger } from '../../../log.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import type { Clock } from '../../../runtime/clock.js';
import type { EventRecorder, EventSubject } from '../../../runtime/events.js';
import {
  appliedOrAdopted,
  formatTaint,
  nodeMetadataPatch,
  planNodeMetadata,
  type DesiredMetadata,
  type NodeMetadataPlan,
  type NodeTaint,
} from './plan.js';

/** The Warning Event reason when the pool adds a NoExecute taint to a Node that did not have it. */
export const NO_EXECUTE_TAINT_ADDED = 'NoExecuteTaintAdded';

export interface NodeMetadataSyncDeps {
  client: KubeClient;
  clock: Clock;
  logger: Logger;
  /** When given with `poolRef`, a NoExecute taint added to a Node is a Warning Event on the pool. */
  events?: EventRecorder | undefined;
}

export interface NodeMetadataSyncRequest {
  /** The pool's name (for logs). */
  pool: string;
  /** The pool object, for Events. */
  poolRef?: EventSubject | undefined;
  /** The pool's labels and taints now. */
  desired: DesiredMetadata;
  /**
   * What a Node without a record registered with (first adoption); default `desired`: the kubelet flags are
   * rendered from the pool's labels and taints.
   */
  registered?: DesiredMetadata | undefined;
  /** Attempts when the Node keeps changing under us (409 Conflict); default 5. */
  maxAttempts?: number | undefined;
}

export type NodeMetadataSyncResult =
  | { outcome: 'unchanged'; attempts: number; node: DeepReadonly<Node> }
  | { outcome: 'updated'; attempts: number; node: Node; plan: NodeMetadataPlan; addedNoExecute: NodeTaint[] }
  | { outcome: 'gone'; attempts: number };

/**
 * Bring one Node to its pool's labels and taints (see `planNodeMetadata`). `spec.taints` is an atomic list, so
 * this is a read-modify-write: the plan is made from `node` (e.g. the informer's copy) and written as a merge
 * patch guarded by its resourceVersion; on 409 Conflict the Node is read again and planned again, up to
 * `maxAttempts` (then the ConflictError is thrown and the caller requeues). No request when nothing changes.
 */
export async function syncNodeMetadata(
  deps: NodeMetadataSyncDeps,
  node: DeepReadonly<Node>,
  req: NodeMetadataSyncRequest,
): Promise<NodeMetadataSyncResult> {
  const maxAttempts = req.maxAttempts ?? 5;
  let current: DeepReadonly<Node> = node;
  // made only when there is something to write: a pool at rest runs this for each of its Nodes on every look
  let nodes: TypedResource<typeof NodeSchema> | undefined;
  let log: Logger | undefined;
  for (let attempt = 1; ; attempt++) {
    const applied = appliedOrAdopted(current, req.registered ?? req.desired);
    const now = new Date(deps.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    const plan = planNodeMetadata(current, req.desired, applied, { now });
    if (!plan) return { outcome: 'unchanged', attempts: attempt, node: current };
    nodes ??= new TypedResource(deps.client, Resources.nodes, NodeSchema);
    log ??= deps.logger.child({ pool: req.pool, node: node.metadata.name });
    try {
      const updated = await nodes.mergePatch(
        current.metadata.name,
        nodeMetadataPatch(plan, current.metadata.resourceVersion),
      );
      log.info(
        {
          action: 'sync-labels-taints',
          attempt,
          setLabels: Object.keys(plan.setLabels),
          removeLabels: plan.removeLabels,
          taints: plan.taints?.map(formatTaint),
          removedTaints: plan.removedTaints.map((t) => `${t.key}:${t.effect}`),
        },
        'applied the pool labels and taints to a node',
      );
      if (plan.addedNoExecute.length > 0 && deps.events && req.poolRef) {
        const taints = plan.addedNoExecute.map(formatTaint).join(', ');
        await deps.events.warning(
          req.poolRef,
          NO_EXECUTE_TAINT_ADDED,
          'SyncTaints',
          `added ${taints} to node ${current.metadata.name}: its pods that do not tolerate it are evicted`,
        );
      }
      return {
        outcome: 'updated',
        attempts: attempt,
        node: updated,
        plan,
        addedNoExecute: plan.addedNoExecute,
      };
    } catch (err) {
      if (err instanceof NotFoundError) return { outcome: 'gone', attempts: attempt };
      if (!(err instanceof ConflictError) || attempt >= maxAttempts) throw err;
      log.debug(
        { action: 'sync-labels-taints', attempt },
        'the node changed since it was read: reading it again',
      );
      try {
        current = await nodes.get(current.metadata.name);
      } catch (e) {
        if (e instanceof NotFoundError) return { outcome: 'gone', attempts: attempt };
        throw e;
      }
    }
  }
}
