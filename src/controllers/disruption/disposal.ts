import type { PoolInstance } from '../../cloud/types.js';
import type { DeepReadonly } from '../../util/readonly.js';

/**
 * API.md's Delete table, the one place it is written: what removing an instance from its pool does, decided
 * by the instance's **real** charge type (a pool whose billing changed holds both kinds) and by who made it.
 * Instances the pool's group created (pay-as-you-go or spot) are released; Subscription instances and instances
 * the user attached (`existingInstances`; not the entrusted ones elasticity launched) are retained — detached from the group, their Node kept. The operator
 * never deletes a Subscription instance nor a machine the user brought. Every removal path (scale-in, a deleted
 * Node, a failed registration, pool deletion, and every automation) goes through it.
 */
export function deleteOutcome(
  i: DeepReadonly<Pick<PoolInstance, 'chargeType' | 'creationType' | 'entrusted'>>,
): {
  outcome: 'release' | 'retain';
  reason: string;
} {
  if (i.chargeType === 'PrePaid')
    return { outcome: 'retain', reason: 'Subscription instances are never released' };
  // an entrusted attached instance is one the operator launched for the pool's pending pods (elasticity)
  if (i.creationType === 'Attached' && !i.entrusted)
    return { outcome: 'retain', reason: 'attached instances are never released' };
  return { outcome: 'release', reason: 'created by the pool' };
}

/**
 * The ECS tag an instance gets before the operator detaches it to keep it (`retained`): written first, so a
 * crash between the detach and the status write never makes the pool take it back as one of its own.
 */
export const RETAINED_TAG = 'nodepool.alicloud.dev/retained';

/** One instance a removal retained: what `status.retainedInstances` lists. */
export interface RetainedInstance {
  instanceId: string;
  chargeType: string;
  expiresAt?: string;
  reason: string;
}

export function retainedOf(i: DeepReadonly<PoolInstance>, why: string): RetainedInstance {
  return {
    instanceId: i.instanceId,
    chargeType: i.chargeType,
    ...(i.expiredTime ? { expiresAt: i.expiredTime } : {}),
    reason: why,
  };
}
