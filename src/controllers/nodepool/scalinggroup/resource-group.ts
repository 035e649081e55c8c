import type { PoolInstance } from '../../../cloud/types.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { REQUEUE, requeueSoon, type PoolDeps, type PoolReconcile } from '../context.js';

/** Instances moved per reconcile (ECS JoinResourceGroup takes one per call); the rest at the next look. */
export const MOVES_PER_RECONCILE = 20;

/** The Event reason of a move to `spec.resourceGroupId` (the scaling group's, or its instances'). */
export const RESOURCE_GROUP_CHANGED = 'ResourceGroupChanged';

/**
 * The members to move into the spec's resource group (pure): those DescribeInstances shows in another one. None
 * when the spec names none (the operator then manages no resource group: everything stays where it is); an
 * instance ECS no longer knows or that is leaving the group is skipped, and one whose resource group ECS did not
 * report is not guessed at.
 */
export function instancesToMove(
  want: string | undefined,
  instances: readonly DeepReadonly<PoolInstance>[],
): string[] {
  if (want === undefined) return [];
  return instances
    .filter(
      (i) =>
        i.status !== undefined &&
        i.status !== 'Deleted' &&
        !i.lifecycleState.startsWith('Removing') &&
        i.resourceGroupId !== undefined &&
        i.resourceGroupId !== want,
    )
    .map((i) => i.instanceId);
}

/**
 * Brings the pool's instances into `spec.resourceGroupId` (level-triggered: whatever the listing shows elsewhere,
 * whether the spec changed or someone moved an instance by hand), at most MOVES_PER_RECONCILE per look, with an
 * Event and a Progressing line; the listing is updated with what was moved. Nothing is relaunched.
 */
export async function moveInstances(d: PoolDeps, r: PoolReconcile, want: string | undefined): Promise<void> {
  const all = instancesToMove(want, r.instances);
  if (want === undefined || all.length === 0) return;
  const batch = all.slice(0, MOVES_PER_RECONCILE);
  const left = all.length - batch.length;
  r.log.info(
    { action: 'join-resource-group', resourceGroupId: want, instances: batch },
    'moving instances to the resource group',
  );
  await d.cloud.joinResourceGroup(batch, want);
  const moved = new Set(batch);
  r.instances = r.instances.map((i) => (moved.has(i.instanceId) ? { ...i, resourceGroupId: want } : i));
  r.reusedListing = false;
  const n = `${batch.length} instance${batch.length === 1 ? '' : 's'}`;
  await d.events.normal(
    r.subject,
    RESOURCE_GROUP_CHANGED,
    'Update',
    `moved ${n} to resource group ${want}${left > 0 ? `; ${left} more to move` : ''}`,
  );
  r.progress.push(`moving instances to resource group ${want}: ${n} moved, ${left} left`);
  if (left > 0) requeueSoon(r, REQUEUE.progressing);
}
