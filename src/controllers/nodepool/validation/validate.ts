import { Reason, type ManagedNodePool, type NodePool } from '../../../apis/v1beta1/index.js';
import * as z from 'zod';
import { createdWithProblems } from '../../../apis/v1beta1/validate.js';
import type { Settings } from '../../../operator/settings.js';
import type { CachedPool } from '../context.js';
import { nameConflict, type PoolKindName, type PoolSpecResult } from '../kinds.js';

const CreatedWithSchema = z.record(z.string(), z.string());

export type Validation =
  | { ok: true; pool: NodePool; managed?: ManagedNodePool | undefined }
  | { ok: false; reason: string; message: string };

/**
 * The validation sub-reconciler (pure): the spec against the API's schemas (what admission checked, again),
 * the name against the other kind's pools, region and VPC against the cluster's, the immutable fields against
 * what the pool was created with. A problem is a Degraded pool
 * with that reason and message, and no cloud call.
 */
export function validatePool(
  kind: PoolKindName,
  o: CachedPool,
  spec: PoolSpecResult,
  other: CachedPool | undefined,
  settings: Pick<Settings, 'region' | 'vpcId'>,
): Validation {
  if (!spec.ok) {
    const message = spec.problems.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`).join('; ');
    return { ok: false, reason: Reason.InvalidSpec, message: `the spec is invalid: ${message}` };
  }
  const clash = nameConflict(
    { kind, name: o.metadata.name, created: o.metadata.creationTimestamp },
    other && { created: other.metadata.creationTimestamp },
  );
  if (clash) return { ok: false, reason: Reason.NameConflict, message: clash };
  const p = spec.pool;
  if (settings.region && p.spec.region !== settings.region)
    return {
      ok: false,
      reason: Reason.RegionMismatch,
      message: `spec.region ${p.spec.region} is not the cluster's region ${settings.region}`,
    };
  if (settings.vpcId && p.spec.vpcId !== settings.vpcId)
    return {
      ok: false,
      reason: Reason.VpcMismatch,
      message: `spec.vpcId ${p.spec.vpcId} is not the cluster's VPC ${settings.vpcId}`,
    };
  const changed = immutableChange(o, p);
  if (changed) return { ok: false, reason: Reason.ImmutableFieldChanged, message: changed };
  return { ok: true, pool: p, managed: spec.managed };
}

/**
 * An immutable field changed since the scaling group was created (what `status.createdWith` recorded): a change
 * admission did not stop (an object older than a rule, a CRD without its rules). Both kinds in NodePool terms.
 */
function immutableChange(o: CachedPool, p: NodePool): string | undefined {
  const recorded = CreatedWithSchema.safeParse(o.status?.createdWith);
  if (!recorded.success) return undefined;
  const createdWith = recorded.data;
  const problems = createdWithProblems('NodePool', createdWith, p.spec);
  if (problems.length === 0) return undefined;
  const what = problems.map((x) => x.message).join('; ');
  const was = (path: string): string => {
    const v = createdWith[path];
    return v === undefined ? '?' : v === 'null' ? '(not set)' : v;
  };
  return `${what} (the pool was created with ${problems.map((x) => `${x.path}=${was(x.path)}`).join(', ')}; nothing is changed in the cloud until the value is restored — or create a new pool)`;
}
