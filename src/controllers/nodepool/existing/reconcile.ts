import type { ScalingGroup } from '../../../cloud/types.js';
import type { PoolDeps, PoolReconcile } from '../context.js';
import { existingInstancesProblem } from '../cloud-policy.js';
import { ReferenceError } from '../resolve.js';

/**
 * `existingInstances`: attached to the group (ESS re-initializes them: a Warning Event says their system disk's
 * data is lost). Unknown instances, another group's, or ones their owner did not tag
 * `nodepool.alicloud.dev/attachable=true` are refused (Degraded, naming them: cloud-policy.ts).
 */
export async function attachExisting(d: PoolDeps, r: PoolReconcile, group: ScalingGroup): Promise<void> {
  const wanted = r.pool.spec.existingInstances ?? [];
  if (wanted.length === 0) return;
  const inGroup = new Set(r.instances.map((i) => i.instanceId));
  const missing = wanted.filter((id) => !inGroup.has(id));
  if (missing.length === 0) return;
  const found = await d.cloud.describeInstances(missing);
  const problem = existingInstancesProblem(missing, found, group.id, d.cloud.region);
  if (problem) throw new ReferenceError(problem);
  const running = found.filter((i) => i.status === 'Running').map((i) => i.instanceId);
  if (running.length === 0) return void r.progress.push(`waiting for existing instance(s) ${missing.join(', ')} to run`); // prettier-ignore
  await d.events.warning(r.subject, 'ExistingInstancesAttached', 'Attach', `attaching ${running.join(', ')} to the pool: they are re-initialized with the pool's image and user data, and the data on their system disks is lost`); // prettier-ignore
  await d.cloud.attachInstances(group.id, running, { operationId: `${r.uid}/existing/${[...running].sort().join(',')}` }); // prettier-ignore
  r.progress.push(`attaching ${running.length} existing instance(s)`);
}
