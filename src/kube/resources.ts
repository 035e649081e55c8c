/** Where a kind lives in the API: group (empty for core), version, plural, and whether it is namespaced. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export function apiVersionOf(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/** `v1/nodes`, `coordination.k8s.io/v1/leases`: a short name for logs and metrics. */
export function resourceName(ref: ResourceRef): string {
  return `${apiVersionOf(ref)}/${ref.plural}`;
}

/** The URL path of a collection, an object or an object's subresource. */
export function resourcePath(
  ref: ResourceRef,
  opts: { namespace?: string | undefined; name?: string; subresource?: string } = {},
): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && opts.name !== undefined && !opts.namespace) {
    throw new Error(`${ref.kind} is namespaced: a namespace is needed to address ${opts.name}`);
  }
  const ns = ref.namespaced && opts.namespace ? `/namespaces/${encodeURIComponent(opts.namespace)}` : '';
  const name = opts.name === undefined ? '' : `/${encodeURIComponent(opts.name)}`;
  const sub = opts.subresource ? `/${opts.subresource}` : '';
  return `${base}${ns}/${ref.plural}${name}${sub}`;
}

/** A custom resource's ref (e.g. `crd('nodepool.alicloud.dev', 'v1beta1', 'nodepools', 'NodePool', false)`). */
export function crd(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
): ResourceRef {
  return { group, version, plural, kind, namespaced };
}

export const Resources = {
  nodes: { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false },
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  secrets: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  events: { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  daemonSets: { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  persistentVolumeClaims: {
    group: '',
    version: 'v1',
    plural: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
  },
  persistentVolumes: {
    group: '',
    version: 'v1',
    plural: 'persistentvolumes',
    kind: 'PersistentVolume',
    namespaced: false,
  },
  podDisruptionBudgets: {
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
  },
} as const satisfies Record<string, ResourceRef>;
