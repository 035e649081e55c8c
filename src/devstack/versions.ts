/** Pinned versions of the local control plane. Changing one changes the binary cache key. */
export const VERSIONS = {
  kubernetes: 'v1.34.4',
  /** The k8s.io staging modules released with `kubernetes` (v0.MINOR.PATCH). */
  kubernetesStaging: 'v0.34.4',
  etcd: 'v3.6.4',
  kwok: 'v0.8.0',
  /** Helm, for the chart's tests (its own cache folder: see helmCacheKey). */
  helm: 'v3.22.0',
} as const;

/** Oldest Go that builds every module above (kwok v0.8.0 declares go 1.26). */
export const MIN_GO: readonly [number, number] = [1, 26];

export const K8S_BINARIES = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
] as const;
export const ALL_BINARIES = [...K8S_BINARIES, 'etcd', 'kwok'] as const;
export type BinaryName = (typeof ALL_BINARIES)[number];

/** The directory name of one cached build: every version that goes into it. */
export function cacheKey(): string {
  return `k8s-${VERSIONS.kubernetes}_etcd-${VERSIONS.etcd}_kwok-${VERSIONS.kwok}`;
}

/** `go version go1.26.8 linux/amd64` → `go1.26.8`, or undefined when the text is not a Go version line. */
export function parseGoVersion(output: string): { tag: string; major: number; minor: number } | undefined {
  const m = /\bgo(\d+)\.(\d+)(?:\.(\d+))?\S*/.exec(output);
  if (!m?.[1] || !m[2]) return undefined;
  return { tag: m[0], major: Number(m[1]), minor: Number(m[2]) };
}

export function goIsRecentEnough(v: { major: number; minor: number }): boolean {
  return v.major > MIN_GO[0] || (v.major === MIN_GO[0] && v.minor >= MIN_GO[1]);
}

/** -ldflags that make /version report the real release, as Kubernetes' own build does. */
export function kubernetesLdflags(buildDate: string): string {
  const [major, minor] = VERSIONS.kubernetes.replace(/^v/, '').split('.');
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${VERSIONS.kubernetes}`,
      `-X ${pkg}.gitMajor=${major ?? ''}`,
      `-X ${pkg}.gitMinor=${minor ?? ''}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=${buildDate}`,
    );
  }
  return flags.join(' ');
}

/** The folder name of the cached helm build: its version and the Kubernetes release it assumes. */
export function helmCacheKey(): string {
  return `helm-${VERSIONS.helm}_k8s-${VERSIONS.kubernetes}`;
}

/**
 * -ldflags for helm: without the Kubernetes version stamped in, `helm template` and `helm lint` assume
 * Kubernetes 1.20 (helm's Makefile sets these from its client-go; here they are the control plane's release).
 */
export function helmLdflags(): string {
  const [major, minor] = VERSIONS.kubernetes.replace(/^v/, '').split('.');
  const flags = ['-s', '-w', `-X helm.sh/helm/v3/internal/version.version=${VERSIONS.helm}`];
  for (const pkg of ['helm.sh/helm/v3/pkg/chartutil', 'helm.sh/helm/v3/pkg/lint/rules']) {
    flags.push(`-X ${pkg}.k8sVersionMajor=${major ?? ''}`, `-X ${pkg}.k8sVersionMinor=${minor ?? ''}`);
  }
  flags.push('-X helm.sh/helm/v3/internal/version.gitTreeState=clean');
  return flags.join(' ');
}
