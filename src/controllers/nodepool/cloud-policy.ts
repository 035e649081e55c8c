import { GROUP } from '../../apis/v1beta1/constants.js';
import type { CloudInstance } from '../../cloud/types.js';

/**
 * What a pool author may borrow from the operator's cloud identity. The operator attaches a pool's RAM role to
 * its instances (ram:PassRole), uses its security groups and attaches the instances it names: without limits,
 * whoever may write a pool could give nodes any role the operator can pass, put them in any security group of
 * the VPC, or pull any running instance of the VPC into the cluster (re-initialized: its disk is lost). Pure:
 * the caller reads the settings and the cloud.
 */

/** `--allowed-ram-roles` when empty: ACK's worker roles (`KubernetesWorkerRole-<id>`) and the examples' role. */
export const DEFAULT_ALLOWED_RAM_ROLES: readonly string[] = ['KubernetesWorkerRole*', 'k8s-worker-role'];

/** The ECS tag an instance must carry (value "true") to be attached by a pool's `existingInstances`. */
export const ATTACHABLE_TAG = `${GROUP}/attachable`;

export interface CloudPolicy {
  /** RAM role names, or prefixes ending in `*`; `*` alone allows any. Empty: DEFAULT_ALLOWED_RAM_ROLES. */
  allowedRamRoles?: readonly string[] | undefined;
  /** Security group ids; empty: any group of the cluster's VPC (the pool's VPC is the cluster's). */
  allowedSecurityGroups?: readonly string[] | undefined;
}

const matches = (name: string, pattern: string): boolean =>
  pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;

/** Why the pool may not use this RAM role, or undefined. */
export function ramRoleProblem(role: string | undefined, policy: CloudPolicy): string | undefined {
  if (role === undefined) return undefined;
  const allowed = policy.allowedRamRoles?.length ? policy.allowedRamRoles : DEFAULT_ALLOWED_RAM_ROLES;
  if (allowed.some((p) => matches(role, p))) return undefined;
  return `spec.ramRoleName: RAM role ${role} is not one the operator may attach (--allowed-ram-roles: ${allowed.join(', ')}); ask the cluster's administrators to allow it`;
}

/** Why the pool may not use these security groups, or undefined. */
export function securityGroupsProblem(ids: readonly string[], policy: CloudPolicy): string | undefined {
  const allowed = policy.allowedSecurityGroups ?? [];
  if (allowed.length === 0) return undefined;
  const refused = ids.filter((id) => !allowed.includes(id));
  if (refused.length === 0) return undefined;
  return `spec.securityGroup.ids: security group(s) ${refused.join(', ')} are not allowed by the operator (--allowed-security-groups: ${allowed.join(', ')})`;
}

/**
 * Why a pool may not attach these instances (`missing`: the ids it names that are not members yet; `found`: what
 * ECS knows of them), or undefined: each must exist, belong to no other scaling group, and carry the opt-in tag
 * `nodepool.alicloud.dev/attachable: "true"` (set by whoever owns the instance, who accepts that it is
 * re-initialized).
 */
export function existingInstancesProblem(
  missing: readonly string[],
  found: readonly Pick<CloudInstance, 'instanceId' | 'tags'>[],
  groupId: string,
  region: string,
): string | undefined {
  const unknown = missing.filter((id) => !found.some((i) => i.instanceId === id));
  if (unknown.length > 0)
    return `spec.existingInstances: instance(s) ${unknown.join(', ')} do not exist in ${region}`;
  const group = (i: Pick<CloudInstance, 'tags'>) => i.tags['acs:autoscaling:scalingGroupId'];
  const elsewhere = found.filter((i) => group(i) && group(i) !== groupId);
  if (elsewhere.length > 0)
    return `spec.existingInstances: instance(s) ${elsewhere.map((i) => `${i.instanceId} (in ${group(i)})`).join(', ')} belong to another scaling group`;
  const notOptedIn = found.filter((i) => i.tags[ATTACHABLE_TAG] !== 'true');
  if (notOptedIn.length > 0)
    return `spec.existingInstances: instance(s) ${notOptedIn.map((i) => i.instanceId).join(', ')} do not carry the tag ${ATTACHABLE_TAG}=true: an instance is attached (and re-initialized, its system disk's data lost) only when its owner tagged it so`;
  return undefined;
}
