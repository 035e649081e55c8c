import { Annotation } from '../../apis/v1beta1/constants.js';
import type { NodePool } from '../../apis/v1beta1/index.js';
import { typedReplacements } from '../disruption/replacement.js';
import type { LifecycleAction, PoolInstance, ScalingGroup } from '../../cloud/types.js';
import type { Node } from '../../kube/index.js';
import type { DeepReadonly } from '../../util/readonly.js';
import { claimOf } from '../disruption/claim.js';
import type { RetainedInstance } from '../disruption/disposal.js';
import { runEngine, type EngineResult } from '../disruption/engine.js';
import type { Candidate, PoolView } from '../disruption/types.js';
import { isAdmitted } from '../node/admission/admit.js';
import type { PoolDeps, PoolReconcile, Status } from './context.js';
import { instanceIdOf, isNodeReady } from './observe.js';

/** The pool's admitted Nodes (those this reconcile admitted included). */
export function admittedNodes(r: PoolReconcile): DeepReadonly<Node>[] {
  return r.poolNodes.filter((n) => isAdmitted(n, r.name) || r.admittedNow.has(n.metadata.name));
}

/** Members joined with their admitted Nodes, as the engine sees them. */
export function candidatesOf(
  instances: readonly PoolInstance[],
  nodes: readonly DeepReadonly<Node>[],
): Candidate[] {
  const byInstance = new Map<string, DeepReadonly<Node>>();
  for (const n of nodes) {
    const id = instanceIdOf(n);
    if (id) byInstance.set(id, n);
  }
  return instances.map((instance) => {
    const node = byInstance.get(instance.instanceId);
    return {
      instanceId: instance.instanceId,
      instance,
      node,
      ready: node !== undefined && isNodeReady(node),
      claim: claimOf(node),
    };
  });
}

export function poolView(
  d: PoolDeps,
  r: PoolReconcile,
  opts: {
    group: ScalingGroup | undefined;
    actions: readonly LifecycleAction[];
    deleting: boolean;
    status: DeepReadonly<Status>;
  },
): PoolView {
  return {
    kind: d.kind.kind,
    pool: r.pool,
    uid: r.uid,
    status: opts.status,
    group: opts.group,
    candidates: candidatesOf(r.instances, admittedNodes(r)),
    desired: r.wanted,
    lifecycleActions: opts.actions,
    deleting: opts.deleting,
    now: d.clock.now(),
    windows: r.pool.spec.management?.maintenance.windows, // a ManagedNodePool's maintenance, mapped there
    podsOn: d.podsOn,
  };
}

/** Adds instances to `status.retainedInstances` (each once). */
export function addRetained(status: Status, retained: readonly RetainedInstance[]): void {
  if (retained.length === 0) return;
  const list = [...(status.retainedInstances ?? [])];
  for (const x of retained) if (!list.some((y) => y.instanceId === x.instanceId)) list.push(x);
  status.retainedInstances = list.slice(-2000);
}

/**
 * The pool's disruption engine: ESS hooks (read only when a member waits in one), failed registrations,
 * deletion, scale-in — every removal — through the one executor; `status.automation`, retained instances,
 * progress and the requeue from what it did and waits for.
 */
export async function runDisruptions(
  d: PoolDeps,
  r: PoolReconcile,
  group: ScalingGroup,
  deleting = false,
): Promise<EngineResult> {
  const waiting = r.instances.some((i) => i.lifecycleState === 'Removing:Wait');
  const actions = waiting ? await d.cloud.pendingLifecycleActions(group.id) : [];
  const view = poolView(d, r, { group, actions, deleting, status: r.status });
  const forceDrain = r.obj.metadata.annotations?.[Annotation.forceDrain] === 'true';
  const res = await runEngine(d.methods, d.executor, {
    view,
    poolRef: r.subject,
    groupId: group.id,
    forceDrain,
    replacements: typedReplacements(
      d.cloud,
      d.cluster,
      r.log,
      { name: r.name, pool: r.pool as NodePool, group },
      r.resolved,
    ),
  });
  r.status.automation = { ...(r.status.automation ?? {}), ...res.automation };
  addRetained(r.status, res.retained);
  r.progress.push(...res.progress);
  if (res.requeueAfterMs !== undefined)
    r.requeueAfterMs = Math.min(r.requeueAfterMs ?? Infinity, res.requeueAfterMs);
  return res;
}
