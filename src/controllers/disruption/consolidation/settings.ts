import type { ConsolidationPolicy, NodePool } from '../../../apis/v1beta1/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { parseDuration } from '../duration.js';

/** A pool's `disruption.consolidation`, resolved: what the consolidation method acts on. */
export interface ConsolidationSettings {
  policy: Exclude<ConsolidationPolicy, 'Never'>;
  /** `after` as written (for messages) and in ms. */
  after: string;
  afterMs: number;
  /** Percent: both CPU and memory requests below it → underused. */
  threshold: number;
}

export const DEFAULT_CONSOLIDATE_AFTER = '10m';
export const DEFAULT_UTILIZATION_THRESHOLD = 50;

/**
 * The consolidation a pool asks for, or undefined when it has none: Manual pools (admission refuses the block
 * there), Subscription pools (never consolidated: a Subscription instance is never released), policy `Never`
 * (a NodePool's default; a ManagedNodePool arrives here with its default `WhenEmptyOrUnderutilized` filled in
 * by `managedAsNodePool`).
 */
export function consolidationOf(pool: DeepReadonly<NodePool>): ConsolidationSettings | undefined {
  const c = pool.spec.disruption?.consolidation;
  const policy = c?.policy ?? 'Never';
  if (policy === 'Never' || pool.spec.scaling.mode !== 'Auto') return undefined;
  if (pool.spec.billing.chargeType === 'Subscription') return undefined;
  const after = c?.after ?? DEFAULT_CONSOLIDATE_AFTER;
  return {
    policy,
    after,
    afterMs: parseDuration(after),
    threshold: c?.utilizationThreshold ?? DEFAULT_UTILIZATION_THRESHOLD,
  };
}
