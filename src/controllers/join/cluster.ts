import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigMapSchema, parseAs, Resources, TypedResource, type KubeClient } from '../../kube/index.js';

/** The cluster facts a joining node needs could not be found. */
export class ClusterJoinError extends Error {
  override readonly name = 'ClusterJoinError';
}

const VersionSchema = z.looseObject({ gitVersion: z.string() });

/** `v1.34.4` from the API server's /version (build metadata such as `+k3s1` or `-eks-…` dropped). */
export async function readKubernetesVersion(client: KubeClient): Promise<string> {
  const v = parseAs(VersionSchema, await client.request({ method: 'GET', path: '/version' }), '/version');
  const m = /^v?(\d+\.\d+\.\d+)/.exec(v.gitVersion);
  if (!m)
    throw new ClusterJoinError(`the API server's version ${JSON.stringify(v.gitVersion)} is not vX.Y.Z`);
  return `v${m[1]}`;
}

/** The CA the client trusts, from its kubeconfig (file or inline data; in-cluster: the service account's ca.crt). */
export function caFromKubeconfig(client: KubeClient): string | undefined {
  const cluster = client.config.getCurrentCluster();
  if (!cluster || cluster.skipTLSVerify) return undefined;
  if (cluster.caData) return Buffer.from(cluster.caData, 'base64').toString('utf8');
  if (cluster.caFile) return readFileSync(cluster.caFile, 'utf8');
  return undefined;
}

const ClusterInfoKubeconfig = z.looseObject({
  clusters: z
    .array(z.looseObject({ cluster: z.looseObject({ 'certificate-authority-data': z.string().optional() }) }))
    .min(1),
});

/** The CA published in `kube-public/cluster-info` (what kubeadm-style joining nodes read). */
export async function caFromClusterInfo(client: KubeClient): Promise<string | undefined> {
  const cm = await new TypedResource(client, Resources.configMaps, ConfigMapSchema).get(
    'cluster-info',
    'kube-public',
  );
  const text = cm.data?.kubeconfig;
  if (!text) return undefined;
  const kc = parseAs(ClusterInfoKubeconfig, parse(text), 'kube-public/cluster-info kubeconfig');
  const data = kc.clusters[0]?.cluster['certificate-authority-data'];
  return data ? Buffer.from(data, 'base64').toString('utf8') : undefined;
}

/**
 * The cluster CA (PEM): given explicitly, else the client's kubeconfig, else `kube-public/cluster-info`.
 * Throws a ClusterJoinError when none has one.
 */
export async function readClusterCa(client: KubeClient, given?: string): Promise<string> {
  if (given) return given;
  const local = caFromKubeconfig(client);
  if (local) return local;
  // The CA pinned into every node's user data must not come from a connection that verified nobody: with
  // insecure-skip-tls-verify, cluster-info could be anyone's answer (a man in the middle would pin its own CA).
  if (client.config.getCurrentCluster()?.skipTLSVerify) {
    throw new ClusterJoinError(
      "the kubeconfig skips TLS verification (insecure-skip-tls-verify), so the cluster CA cannot be read from the API server: nodes would pin a CA nobody verified. Use a kubeconfig with the cluster's certificate-authority",
    );
  }
  const published = await caFromClusterInfo(client).catch((err: unknown) => {
    throw new ClusterJoinError(
      `the cluster CA is neither in the kubeconfig nor readable from kube-public/cluster-info: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  if (!published) {
    throw new ClusterJoinError(
      'the cluster CA is neither in the kubeconfig nor in kube-public/cluster-info (pass the CA explicitly)',
    );
  }
  return published;
}
