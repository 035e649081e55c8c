import { isAdmitted } from '../node/admission/admit.js';
import type { PoolDeps, PoolReconcile } from './context.js';
import { instanceIdOf } from './observe.js';

/**
 * The pool's Nodes whose instance is not a member of its group: the instance is gone (released by ESS after a
 * hook, or outside the operator) → the Node is removed; alive but detached (retained, or detached by hand) →
 * the operator lets go of the Node (no finalizer, no admission) and leaves it be.
 */
export async function collectNodes(d: PoolDeps, r: PoolReconcile): Promise<void> {
  const inGroup = new Set(r.instances.map((i) => i.instanceId));
  const outside = r.poolNodes.filter((n) => {
    const id = instanceIdOf(n);
    return id !== undefined && !inGroup.has(id) && isAdmitted(n, r.name);
  });
  if (outside.length === 0) return;
  const alive = new Set(
    (await d.cloud.describeInstances(outside.map((n) => instanceIdOf(n)!)))
      .filter((i) => i.status !== 'Deleted')
      .map((i) => i.instanceId),
  );
  for (const n of outside) {
    if (alive.has(instanceIdOf(n)!)) {
      if (n.metadata.deletionTimestamp) continue; // the termination controller's
      await d.executor.letGo(n);
      r.log.info(
        { node: n.metadata.name, instance: instanceIdOf(n), action: 'let-go' },
        'the Node of an instance no longer in the group is no longer managed',
      );
      continue;
    }
    await d.executor.deleteNode(n);
    r.log.info(
      { node: n.metadata.name, instance: instanceIdOf(n), action: 'delete-node' },
      'removed the Node of a released instance',
    );
    r.progress.push(`removed Node ${n.metadata.name} (instance released)`);
  }
}
