import type { ManagedNodePool, NodePool } from '../apis/v1beta1/index.js';
import type { BootstrapInputSource } from './input.js';

/** The default containerd of new nodes when a pool names no version. */
export const DEFAULT_CONTAINERD_VERSION = '1.7.20';

/** What the operator knows about the cluster nodes join (Managed bootstrap). */
export interface ClusterJoin {
  clusterId: string;
  apiServer: string;
  caCertHash: string;
  /** The pool's bootstrap token (secret). */
  token: string;
  kubernetesVersion: string;
}

/** What a pool only references, read by the caller (from Secrets, ConfigMaps, ack-agent-config). */
export interface ResolvedReferences {
  preUserData?: string;
  userData?: string;
  /** External: the kubeadm join command from `joinCommandSecretRef`. */
  joinCommand?: string;
  /** External: `scriptURL`, or `addNodeScriptPath` of ConfigMap kube-system/ack-agent-config. */
  scriptURL?: string;
}

export class UnresolvedReferenceError extends Error {
  override readonly name = 'UnresolvedReferenceError';
}

/**
 * The renderer's input for a validated pool: its spec, the cluster's join settings and the contents of what
 * it references. A reference that was not resolved is an error naming the field.
 */
export function bootstrapInputFromPool(
  pool: NodePool | ManagedNodePool,
  cluster: ClusterJoin,
  refs: ResolvedReferences = {},
): BootstrapInputSource {
  const spec = pool.spec;
  const preUserData = spec.preUserData ?? refs.preUserData;
  if (spec.preUserDataFrom && refs.preUserData === undefined) {
    throw new UnresolvedReferenceError(
      'spec.preUserDataFrom: the referenced Secret or ConfigMap key was not read',
    );
  }
  const userData = spec.userData ?? refs.userData;
  if (spec.userDataFrom && refs.userData === undefined) {
    throw new UnresolvedReferenceError(
      'spec.userDataFrom: the referenced Secret or ConfigMap key was not read',
    );
  }
  const skip = 'bootstrap' in spec ? spec.bootstrap.skip : undefined;
  const common = {
    pool: pool.metadata.name,
    clusterId: cluster.clusterId,
    runtime: { name: 'containerd' as const, version: spec.runtime?.version ?? DEFAULT_CONTAINERD_VERSION },
    dataDisks: spec.dataDisks?.length ?? 0,
    ...(spec.customNodeName ? { customNodeName: spec.customNodeName } : {}),
    labels: spec.labels ?? {},
    taints: (spec.taints ?? []).map((t) => ({ key: t.key, value: t.value ?? '', effect: t.effect })),
    kubelet: spec.kubelet ?? {},
    sysctls: spec.osConfig?.sysctls ?? {},
    skip: {
      autoFdisk: skip?.autoFdisk ?? false,
      keepContainerData: skip?.keepContainerData ?? false,
      yum: skip?.yum ?? false,
      securityFix: skip?.securityFix ?? false,
    },
    cloudMonitor: spec.cloudMonitor ?? false,
    ...(preUserData === undefined ? {} : { preUserData }),
    ...(userData === undefined ? {} : { userData }),
  };
  const managed = {
    apiServer: cluster.apiServer,
    caCertHash: cluster.caCertHash,
    token: cluster.token,
    kubernetesVersion: cluster.kubernetesVersion,
  };
  if (pool.kind === 'ManagedNodePool') {
    return { ...common, image: 'ContainerOS', securityHardening: 'Disabled', mode: 'Managed', managed };
  }
  const np = pool.spec;
  const base = { ...common, image: np.image.type, securityHardening: np.securityHardening };
  if (np.bootstrap.mode === 'Managed') return { ...base, mode: 'Managed', managed };
  const ext = np.bootstrap.external;
  if (!refs.joinCommand) {
    throw new UnresolvedReferenceError(
      'spec.bootstrap.external.joinCommandSecretRef: the join command was not read',
    );
  }
  const scriptURL = ext?.scriptURL ?? refs.scriptURL;
  if (!scriptURL) {
    throw new UnresolvedReferenceError(
      'spec.bootstrap.external.scriptURL: not set, and ConfigMap kube-system/ack-agent-config has no addNodeScriptPath',
    );
  }
  return {
    ...base,
    mode: 'External',
    external: {
      scriptURL,
      ...(ext?.scriptSHA256 ? { scriptSHA256: ext.scriptSHA256 } : {}),
      joinCommand: refs.joinCommand,
      kubeVersion: ext?.kubeVersion ?? cluster.kubernetesVersion,
      runtime: ext?.runtime ?? 'containerd',
      runtimeVersion: ext?.runtimeVersion ?? common.runtime.version,
    },
  };
}
