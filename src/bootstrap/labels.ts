import type { Taint } from './input.js';

/** The label the operator puts on every node of a pool (the node knows it from its user data). */
export const POOL_LABEL = 'nodepool.alicloud.dev/pool';

/**
 * Labels a kubelet may set on its own Node under the NodeRestriction admission plugin: anything outside the
 * `kubernetes.io` / `k8s.io` namespaces, the `kubelet.kubernetes.io/` and `node.kubernetes.io/` prefixes, and a
 * few well-known labels. Others must be applied by the operator after registration.
 */
const KUBELET_WELL_KNOWN = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.kubernetes.io/zone',
  'failure-domain.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
]);

export function kubeletMaySetLabel(key: string): boolean {
  if (KUBELET_WELL_KNOWN.has(key)) return true;
  const slash = key.indexOf('/');
  if (slash < 0) return true;
  const prefix = key.slice(0, slash);
  if (prefix === 'node-restriction.kubernetes.io' || prefix.endsWith('.node-restriction.kubernetes.io'))
    return false;
  if (prefix === 'kubelet.kubernetes.io' || prefix.endsWith('.kubelet.kubernetes.io')) return true;
  if (prefix === 'node.kubernetes.io' || prefix.endsWith('.node.kubernetes.io')) return true;
  const restricted = (ns: string): boolean => prefix === ns || prefix.endsWith(`.${ns}`);
  return !restricted('kubernetes.io') && !restricted('k8s.io');
}

/** Split labels into those the kubelet registers with and those the operator must apply afterwards. */
export function splitLabels(labels: Record<string, string>): {
  kubelet: Record<string, string>;
  operator: Record<string, string>;
} {
  const kubelet: Record<string, string> = {};
  const operator: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) (kubeletMaySetLabel(k) ? kubelet : operator)[k] = v;
  return { kubelet, operator };
}

/** `k=v,k2=v2` in key order, the form of `--node-labels`. */
export function labelsFlag(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(',');
}

/** `k=v:Effect,k2:Effect`, the form of `--register-with-taints`. */
export function taintsFlag(taints: readonly Taint[]): string {
  return taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(',');
}
