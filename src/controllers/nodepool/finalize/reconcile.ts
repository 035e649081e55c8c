import { Reason, type NodePool } from '../../../apis/v1beta1/index.js';
import { CloudError } from '../../../cloud/errors.js';
import type { ScalingGroup } from '../../../cloud/types.js';
import { NotFoundError } from '../../../kube/index.js';
import type { ReconcileResult } from '../../../runtime/controller.js';
import { finalizerPatch } from '../../../runtime/finalizers.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { deleteOutcome, retainedOf } from '../../disruption/disposal.js';
import { parseDuration } from '../../disruption/duration.js';
import { POOL_FINALIZER, REQUEUE, type CachedPool, type PoolDeps, type PoolReconcile } from '../context.js';
import { addRetained, admittedNodes, runDisruptions } from '../disruption.js';
import { scalingGroupName } from '../launch.js';
import { instanceIdOf } from '../observe.js';
import { poolConditions } from '../status/conditions.js';
import { writeStatus } from '../status/write.js';

/**
 * What deletion needs of a pool whose spec may no longer validate: its name and its drain timeout when that
 * one reads (security finding 7: deletion never depends on the spec; the group is found from the status or
 * its name, every decision is by the instances' own charge types).
 */
export function poolForDeletion(
  o: CachedPool,
  valid: DeepReadonly<NodePool> | undefined,
): DeepReadonly<NodePool> {
  if (valid) return valid;
  const raw = (o.spec as { disruption?: { drainTimeout?: unknown; budget?: unknown } } | undefined)
    ?.disruption;
  const t = typeof raw?.drainTimeout === 'string' ? raw.drainTimeout : undefined;
  const drainTimeout =
    t !== undefined &&
    (() => {
      try {
        return parseDuration(t) >= 0;
      } catch {
        return false;
      }
    })()
      ? t
      : undefined;
  // only metadata and disruption.drainTimeout are read on this path (executor, deletion method)
  return {
    apiVersion: 'nodepool.alicloud.dev/v1beta1',
    kind: 'NodePool',
    metadata: o.metadata,
    spec: { disruption: drainTimeout ? { drainTimeout } : {}, scaling: { mode: 'Manual' } },
  } as unknown as DeepReadonly<NodePool>;
}

async function findGroup(d: PoolDeps, r: PoolReconcile): Promise<ScalingGroup | undefined> {
  return d.cloud
    .findScalingGroup({ id: r.prior.scalingGroupId, name: scalingGroupName(d.cluster, r.name) })
    .catch((e: unknown) => {
      // prettier-ignore
      if (e instanceof CloudError && e.kind === 'NotFound') return undefined;
      throw e;
    });
}

/** Drains done: the kept are detached (their Nodes let go), then the group is deleted (it releases the rest). */
async function emptyGroup(d: PoolDeps, r: PoolReconcile, group: ScalingGroup): Promise<void> {
  const retain = r.instances.filter((i) => deleteOutcome(i).outcome === 'retain');
  if (retain.length > 0) {
    const toDetach = retain.filter((i) => !/^Removing/.test(i.lifecycleState)).map((i) => i.instanceId);
    if (toDetach.length > 0) {
      await d.cloud.detachInstances(group.id, toDetach, {
        decreaseDesired: true,
        operationId: `${r.uid}/delete-detach/${[...toDetach].sort().join(',')}`,
      });
      await d.events.normal(
        r.subject,
        'InstancesRetained',
        'Delete',
        `detaching and keeping ${toDetach.length} instance(s) with their nodes: ${retain.map((i) => `${i.instanceId} (${deleteOutcome(i).reason})`).join(', ')}`,
      );
    }
    addRetained(
      r.status,
      retain.map((i) => retainedOf(i, deleteOutcome(i).reason)),
    );
    for (const n of admittedNodes(r))
      if (retain.some((i) => i.instanceId === instanceIdOf(n))) await d.executor.letGo(n);
    r.progress.push(`detaching ${retain.length} retained instance(s)`);
    return;
  }
  const state = await d.cloud.deleteScalingGroup(group.id);
  if (state === 'deleting')
    r.progress.push(`deleting scaling group ${group.id} and releasing ${r.instances.length} instance(s)`);
  else r.log.info({ action: 'delete-group', scalingGroupId: group.id }, 'scaling group deleted');
}

/** The group is gone: Nodes whose instances no longer exist are removed; retained ones stay, let go. */
async function releaseNodes(d: PoolDeps, r: PoolReconcile): Promise<void> {
  const ids = r.poolNodes.map((n) => instanceIdOf(n)).filter((x): x is string => x !== undefined);
  const alive = new Set(
    (await d.cloud.describeInstances(ids)).filter((i) => i.status !== 'Deleted').map((i) => i.instanceId),
  );
  for (const n of r.poolNodes) {
    const id = instanceIdOf(n);
    if (id && alive.has(id)) await d.executor.letGo(n);
    else await d.executor.deleteNode(n);
  }
}

/**
 * Pool deletion, from the status and the cloud alone (the spec may not even validate): the Nodes of instances
 * that are released are drained through the disruption engine (`deletion` method; ESS hooks served), then the
 * kept ones detached, the group deleted, the Nodes cleaned up, and the finalizer removed. Each step is derived
 * again from the cloud, so a restart half-way finishes the job.
 */
export async function finalizePool(d: PoolDeps, r: PoolReconcile): Promise<ReconcileResult> {
  const group = await findGroup(d, r);
  if (group) {
    r.instances = await d.cloud.listPoolInstances(group.id);
    const res = await runDisruptions(d, r, group, true);
    const busy = res.outcomes.some((o) => o.waiting.length > 0 || o.held.length > 0);
    r.progress = r.progress.filter((p) => !/ node\(s\) done$/.test(p));
    if (!busy) await emptyGroup(d, r, group);
  }
  if (!group || r.progress.length === 0) await releaseNodes(d, r);
  const status = {
    ...r.status,
    phase: 'Deleting' as const,
    conditions: poolConditions(
      r.prior.conditions,
      r.generation,
      {
        ready: [false, Reason.Deleting, 'the pool is being deleted'],
        progressing: [true, Reason.Deleting, r.progress.join('; ') || 'removing the finalizer'],
        degraded: [false, Reason.Deleting, 'no problem seen'],
      },
      d.clock.now(),
    ),
  };
  const written = await writeStatus(d.poolApi, d.kind.kind, r.obj, status);
  if (group || r.progress.length > 0)
    return { requeueAfter: Math.min(REQUEUE.progressing, r.requeueAfterMs ?? Infinity) };
  await d.join.forget(r.name);
  const o = written ?? r.obj;
  const rm = finalizerPatch(o.metadata, POOL_FINALIZER, 'remove');
  if (rm)
    await d.poolApi.jsonPatch(r.name, rm).catch((e: unknown) => {
      if (!(e instanceof NotFoundError)) throw e;
    });
  r.log.info(
    { action: 'finalize', retained: (r.status.retainedInstances ?? []).map((x) => x.instanceId) },
    'pool deleted',
  );
  return {};
}
