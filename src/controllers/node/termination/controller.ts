import { POOL_LABEL } from '../../../bootstrap/labels.js';
import type { CloudProvider } from '../../../cloud/provider.js';
import { TypedResource, type Node } from '../../../kube/index.js';
import { Controller, type ReconcileContext, type ReconcileResult } from '../../../runtime/controller.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import type { ControllerDeps } from '../../deps.js';
import { claimOf } from '../../disruption/claim.js';
import { Drainer } from '../../disruption/drain.js';
import { DisruptionExecutor, NODE_FINALIZER, type ExecutionResult } from '../../disruption/executor.js';
import { deletedNode, deletedNodeCommands } from '../../disruption/methods/index.js';
import { indexedPodsOnNodes } from '../../disruption/pods-by-node.js';
import { podInformer } from '../../pods/index.js';
import { automationOf } from '../../disruption/preview.js';
import type { PoolView } from '../../disruption/types.js';
import { PoolObjectSchema, type CachedPool } from '../../nodepool/context.js';
import { addRetained } from '../../nodepool/disruption.js';
import { poolForDeletion } from '../../nodepool/finalize/reconcile.js';
import { POOL_KINDS, poolSpecOf, type PoolKindName } from '../../nodepool/kinds.js';
import { poolNodesInformer } from '../../nodepool/controller.js';
import { instanceIdOf, isNodeReady } from '../../nodepool/observe.js';
import { isAdmitted } from '../admission/admit.js';
import { recordOnPool } from './record.js';

export const NODE_TERMINATION_CONTROLLER = 'node-termination';

export interface TerminationDeps extends ControllerDeps {
  cloud: CloudProvider;
}

/**
 * The Node termination controller, keyed by Node (Karpenter's `node/termination`): it owns the operator's Node
 * finalizer. `kubectl delete node` of an admitted pool Node is the `deletedNode` disruption method — drained,
 * its instance removed by the Delete table through the one executor, the finalizer dropped — without waiting
 * for the pool's own reconcile and its cloud reads (one DescribeScalingInstances of that instance). A Node
 * that was never admitted, or whose instance is gone, just loses the finalizer: nothing is removed
 * for it. A deleting pool's Nodes are its deletion's; a pool this operator does not manage is left alone.
 */
export function newNodeTerminationController(deps: TerminationDeps): Controller {
  const selector = deps.settings.poolSelector ? { labelSelector: deps.settings.poolSelector } : {};
  const kinds: PoolKindName[] = ['NodePool', 'ManagedNodePool'];
  const pools = kinds.map((k) => ({
    kind: k,
    informer: deps.informers.informer(POOL_KINDS[k].ref, PoolObjectSchema, selector),
    api: new TypedResource(deps.client, POOL_KINDS[k].ref, PoolObjectSchema),
  }));
  const nodes = poolNodesInformer(deps);
  const drainer = new Drainer({
    client: deps.client,
    clock: deps.clock,
    logger: deps.logger,
    events: deps.events,
  });
  const executor = new DisruptionExecutor({
    client: deps.client,
    cloud: deps.cloud,
    clock: deps.clock,
    logger: deps.logger,
    events: deps.events,
    drainer,
  });
  const podsOn = indexedPodsOnNodes(podInformer(deps.informers));

  const reconcile = async (name: string, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const n = nodes.get(name);
    if (!n?.metadata.deletionTimestamp || !n.metadata.finalizers?.includes(NODE_FINALIZER)) return {};
    const poolName = n.metadata.labels?.[POOL_LABEL] ?? '';
    const owner = pools.find((p) => p.informer.get(poolName));
    const po = owner?.informer.get(poolName);
    const id = instanceIdOf(n);
    // a pool this operator does not manage (another install's, by --pool-selector): not ours to touch
    if (!owner || !po) return {};
    if (!id || !isAdmitted(n, poolName)) {
      await executor.dropFinalizer(n); // never admitted: nothing is removed for it
      return {};
    }
    if (po.metadata.deletionTimestamp) return { requeueAfter: 10_000 }; // the pool's deletion handles its Nodes
    const groupId = (po.status as { scalingGroupId?: string } | undefined)?.scalingGroupId;
    const [instance] = groupId ? await deps.cloud.listPoolInstances(groupId, [id]) : [];
    if (!instance) {
      await executor.dropFinalizer(n); // not a member: nothing to remove
      return {};
    }
    const view = viewOf(owner.kind, po, n, instance, deps.clock.now(), podsOn);
    const subject = {
      apiVersion: 'nodepool.alicloud.dev/v1beta1',
      kind: owner.kind,
      name: poolName,
      uid: po.metadata.uid,
    };
    const res = await executor.execute(
      { view, poolRef: subject, groupId, forceDrain: false },
      deletedNodeCommands(view),
    );
    await record(owner.api, owner.kind, poolName, view, res);
    const o = res.outcomes[0];
    ctx.log.debug({ node: name, action: 'node-delete', done: o?.done.length ?? 0 }, 'termination step');
    if (o && o.done.length > 0) return {};
    return { requeueAfter: o?.retryAfterMs ?? 5_000 };
  };

  const controller = new Controller({
    name: NODE_TERMINATION_CONTROLLER,
    logger: deps.logger,
    clock: deps.clock,
    concurrency: 4,
    metrics: {
      controller: deps.metrics.controller(NODE_TERMINATION_CONTROLLER),
      queue: deps.metrics.queue(NODE_TERMINATION_CONTROLLER),
    },
    reconcile,
  });
  controller.watch(nodes, (n: Node) => (n.metadata.deletionTimestamp ? n.metadata.name : undefined));
  return controller;
}

function viewOf(
  kind: PoolKindName,
  po: CachedPool,
  n: DeepReadonly<Node>,
  instance: Awaited<ReturnType<CloudProvider['listPoolInstances']>>[number],
  now: number,
  podsOn: PoolView['podsOn'],
): PoolView {
  const spec = poolSpecOf(kind, po);
  return {
    kind,
    pool: poolForDeletion(po, spec.ok ? spec.pool : undefined),
    uid: po.metadata.uid ?? po.metadata.name,
    status: po.status ?? {},
    group: undefined,
    candidates: [
      { instanceId: instance.instanceId, instance, node: n, ready: isNodeReady(n), claim: claimOf(n) },
    ],
    desired: 0,
    lifecycleActions: [],
    deleting: false,
    now,
    podsOn,
  };
}

/** What the termination did, on the pool: retained instances, `status.automation.deletedNode`. */
async function record(
  api: TypedResource<typeof PoolObjectSchema>,
  kind: string,
  pool: string,
  view: PoolView,
  res: ExecutionResult,
): Promise<void> {
  const a = automationOf(
    view.status.automation?.deletedNode,
    deletedNode,
    view,
    { commands: res.outcomes.map((o) => o.command) },
    res.outcomes,
  );
  const same = JSON.stringify(a) === JSON.stringify(view.status.automation?.deletedNode ?? {});
  if (same && res.retained.length === 0) return;
  await recordOnPool(api, kind, pool, (s) => {
    addRetained(s, res.retained);
    return { ...s, automation: { ...(s.automation ?? {}), deletedNode: a } };
  });
}
