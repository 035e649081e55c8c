import type { NodePool } from '../../../apis/v1beta1/index.js';
import type { PoolDeps, PoolReconcile } from '../context.js';
import { poolTags } from '../launch.js';
import { activeMembers, joinMembers } from '../observe.js';

/**
 * The pool's tags on its existing instances: missing or changed ones written, keys the pool applied before and
 * dropped from `spec.tags` removed (only those: `status.appliedTagKeys`); others' tags left alone.
 */
export async function syncTags(d: PoolDeps, r: PoolReconcile): Promise<void> {
  const desired = poolTags(r.pool as NodePool, d.cluster);
  const instances = activeMembers(joinMembers(r.instances, [])).map((m) => m.instance);
  const stale = (r.prior.appliedTagKeys ?? []).filter((k) => !(k in desired));
  const needTags = instances.filter((i) => Object.entries(desired).some(([k, v]) => i.tags[k] !== v));
  if (needTags.length > 0)
    await d.cloud.tagInstances(
      needTags.map((i) => i.instanceId),
      desired,
    );
  const needUntag = instances.filter((i) => stale.some((k) => k in i.tags));
  if (needUntag.length > 0)
    await d.cloud.untagInstances(
      needUntag.map((i) => i.instanceId),
      stale,
    );
  r.status.appliedTagKeys = Object.keys(desired).sort();
  r.tagged = needTags.length + needUntag.length > 0;
}
