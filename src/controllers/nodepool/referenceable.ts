import { GROUP } from '../../apis/v1beta1/constants.js';

/**
 * Which Secrets and ConfigMaps a pool may reference (`userDataFrom`, `preUserDataFrom`, `passwordSecretRef`,
 * `joinCommandSecretRef`). Whatever a reference names is copied into the scaling configuration's UserData or
 * password — readable by anyone with `ess:DescribeScalingConfigurations`, by every pod on the pool's nodes
 * through the metadata service, and from the nodes' disks. The operator reads its own namespace (kube-system by
 * default) with its own identity, so without a rule a pool author could copy the operator's AccessKey or a
 * bootstrap token out of it (a confused deputy). The rule: an object is followed only when it opts in with the
 * label `nodepool.alicloud.dev/referenceable: "true"` — which only someone who may write Secrets in that namespace
 * can set — and never when it is the operator's credentials Secret or a credential kind (bootstrap token,
 * service account token, Helm release) even labelled. Pure: the caller reads the object.
 */
export const REFERENCEABLE_LABEL = `${GROUP}/referenceable`;

/** Secret types never followed, labelled or not. */
const NEVER_TYPES: readonly string[] = [
  'bootstrap.kubernetes.io/token',
  'kubernetes.io/service-account-token',
  'helm.sh/release.v1',
];

/** What the rule looks at (undefined: the object does not exist or the operator may not read it). */
export interface ReferencedObject {
  name: string;
  labels?: Record<string, string> | undefined;
  /** A Secret's type (a ConfigMap has none). */
  type?: string | undefined;
}

export interface ReferencePolicy {
  /** The operator's own credentials Secret (`--credentials-secret`), never followed. */
  credentialsSecret?: string | undefined;
}

/** Whether a pool may copy this object's data. A name is checked before the object is read (see `nameRefused`). */
export function referenceable(
  kind: 'Secret' | 'ConfigMap',
  obj: ReferencedObject | undefined,
  policy: ReferencePolicy,
): boolean {
  if (!obj || nameRefused(kind, obj.name, policy)) return false;
  if (obj.type !== undefined && NEVER_TYPES.includes(obj.type)) return false;
  return obj.labels?.[REFERENCEABLE_LABEL] === 'true';
}

/** Names refused without reading: the credentials Secret and `bootstrap-token-*` Secrets. */
export function nameRefused(kind: 'Secret' | 'ConfigMap', name: string, policy: ReferencePolicy): boolean {
  if (kind !== 'Secret') return false;
  return name === policy.credentialsSecret || name.startsWith('bootstrap-token-');
}

/**
 * The one message for every refusal — missing, unreadable, unlabelled, forbidden — so a pool's status never
 * tells its author whether an object exists.
 */
export function refusedMessage(
  field: string,
  kind: 'Secret' | 'ConfigMap',
  namespace: string,
  name: string,
): string {
  return `${field}: ${kind} ${namespace}/${name} cannot be referenced: a pool may reference only a ${kind} in ${namespace} labelled ${REFERENCEABLE_LABEL}: "true" (never the operator's credentials nor a bootstrap token). Create it with that label, or label it: kubectl label ${kind.toLowerCase()} -n ${namespace} ${name} ${REFERENCEABLE_LABEL}=true`;
}
