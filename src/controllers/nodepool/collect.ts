import type { DeepReadonly } from '../../util/readonly.js';
import type { Node } from '../../kube/schemas.js';
import { isAdmitted } from '../node/admission/admit.js';
import type { PoolDeps, PoolReconcile } from './context.js';
import { instanceIdOf } from './observe.js';

/**
 * How old a never-admitted Node of a released instance must be before it is removed: a read right after a launch
 * may not show the instance yet (eventually consistent reads), a Node of a minute ago is past that.
 */
export const STRAY_NODE_GRACE_MS = 60_000;

/** The pool's Nodes whose instance is not a member of its group, admitted or not (pure). */
export function nodesOutsideGroup(
  poolNodes: readonly DeepReadonly<Node>[],
  members: ReadonlySet<string>,
  pool: string,
): { admitted: DeepReadonly<Node>[]; stray: DeepReadonly<Node>[] } {
  const outside = poolNodes.filter((n) => {
    const id = instanceIdOf(n);
    return id !== undefined && !members.has(id);
  });
  return {
    admitted: outside.filter((n) => isAdmitted(n, pool)),
    stray: outside.filter((n) => !isAdmitted(n, pool)),
  };
}

/**
 * The pool's Nodes whose instance is not a member of its group: the instance is gone (released by ESS after a
 * hook, or outside the operator) → the Node is removed; alive but detached (retained, or detached by hand) →
 * the operator lets go of the Node (no finalizer, no admission) and leaves it be. A Node never admitted (its
 * kubelet registered as its instance was being released) is removed once its instance is gone too — nothing
 * else would: its machine is no more — and otherwise left alone (it is not the pool's).
 */
export async function collectNodes(d: PoolDeps, r: PoolReconcile): Promise<void> {
  const { admitted, stray: all } = nodesOutsideGroup(
    r.poolNodes,
    new Set(r.instances.map((i) => i.instanceId)),
    r.name,
  );
  const now = d.clock.now();
  const age = (n: DeepReadonly<Node>): number =>
    now - (Date.parse(n.metadata.creationTimestamp ?? '') || now);
  const stray = all.filter((n) => age(n) >= STRAY_NODE_GRACE_MS);
  const young = all.filter((n) => age(n) < STRAY_NODE_GRACE_MS);
  // looked at again once the youngest is past the grace (nothing else may wake the pool up)
  if (young.length > 0) {
    const wait = STRAY_NODE_GRACE_MS - Math.min(...young.map(age)) + 1_000;
    r.requeueAfterMs = Math.min(r.requeueAfterMs ?? Infinity, wait);
  }
  if (admitted.length === 0 && stray.length === 0) return;
  const alive = new Set(
    (await d.cloud.describeInstances([...admitted, ...stray].map((n) => instanceIdOf(n)!)))
      .filter((i) => i.status !== 'Deleted')
      .map((i) => i.instanceId),
  );
  for (const n of admitted) await collectAdmitted(d, r, n, alive.has(instanceIdOf(n)!));
  for (const n of stray.filter((x) => !alive.has(instanceIdOf(x)!))) {
    await d.executor.deleteNode(n);
    r.log.info(
      { node: n.metadata.name, instance: instanceIdOf(n), action: 'delete-stray-node' },
      'removed a never-admitted Node of the pool whose instance is released',
    );
    r.progress.push(`removed Node ${n.metadata.name} (never admitted, instance released)`);
  }
}

async function collectAdmitted(
  d: PoolDeps,
  r: PoolReconcile,
  n: DeepReadonly<Node>,
  alive: boolean,
): Promise<void> {
  if (alive) {
    if (n.metadata.deletionTimestamp) return; // the termination controller's
    await d.executor.letGo(n);
    r.log.info(
      { node: n.metadata.name, instance: instanceIdOf(n), action: 'let-go' },
      'the Node of an instance no longer in the group is no longer managed',
    );
    return;
  }
  await d.executor.deleteNode(n);
  r.log.info(
    { node: n.metadata.name, instance: instanceIdOf(n), action: 'delete-node' },
    'removed the Node of a released instance',
  );
  r.progress.push(`removed Node ${n.metadata.name} (instance released)`);
}
