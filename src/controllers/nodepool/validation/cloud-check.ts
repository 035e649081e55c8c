import type { NodePool } from '../../../apis/v1beta1/index.js';
import { ramRoleProblem, securityGroupsProblem } from '../cloud-policy.js';
import type { PoolDeps, PoolReconcile } from '../context.js';
import type { PoolKindName } from '../kinds.js';
import { ReferenceError } from '../resolve.js';
import { armPool, factsProblem, type CloudFacts } from './cloud-facts.js';

/** A rule the cloud's facts break (cloud-facts.ts): the pool is Degraded with this reason, nothing is created. */
export class CloudFactsError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'CloudFactsError';
  }
}

/** What a pool's checked facts leave for the rest of the reconcile. */
export interface CheckedFacts {
  /** DescribeInstanceTypes says the pool's types are Arm (undefined: none found; the name decides). */
  arm: boolean | undefined;
}

/** The facts of one pool's spec, read through the shared (memoized) lookups of the one rate-limited client. */
async function readFacts(d: PoolDeps, spec: NodePool['spec']): Promise<CloudFacts> {
  const custom =
    spec.image.type === 'Custom' && spec.securityHardening !== 'Disabled' ? spec.image.id : undefined;
  const [vSwitches, securityGroups, instanceTypes, images] = await Promise.all([
    d.lookups.vSwitches(spec.vSwitchIds),
    d.lookups.securityGroups(spec.securityGroup.ids),
    d.lookups.instanceTypes(spec.instanceTypes),
    custom ? d.lookups.images([custom]) : Promise.resolve([]),
  ]);
  return { vSwitches, securityGroups, instanceTypes, customImage: images.find((i) => i.id === custom) };
}

/**
 * The cloud-facts sub-reconciler: the pool's vSwitches, security groups, instance types and (for hardening) Custom image read
 * from the cloud and checked (cloud-facts.ts) before the scaling group is created or changed. A version of the
 * spec found good is not read again until CLOUD_RECHECK_MS (the cloud stays the truth); a problem throws
 * CloudFactsError, read again on every reconcile until fixed.
 */
export async function checkCloudFacts(
  d: PoolDeps,
  r: PoolReconcile,
  kind: PoolKindName,
): Promise<CheckedFacts> {
  const known = d.state.cloudFacts.get(r.name, r.version);
  if (known) return known;
  const spec = r.pool.spec as NodePool['spec'];
  // what the pool borrows from the operator's identity is refused before anything is looked up (cloud-policy.ts)
  const borrowed =
    ramRoleProblem(spec.ramRoleName, d.refs.policy) ??
    securityGroupsProblem(spec.securityGroup.ids, d.refs.policy);
  if (borrowed) throw new ReferenceError(borrowed);
  const facts = await readFacts(d, spec);
  const problem = factsProblem(kind, spec, facts, d.cloud.region);
  if (problem) throw new CloudFactsError(problem.reason, problem.message);
  const checked = { arm: armPool(spec, facts.instanceTypes) };
  d.state.cloudFacts.set(r.name, r.version, checked);
  return checked;
}
