import { KubeConfig } from '@kubernetes/client-node';
import { isIPv6 } from 'node:net';

export { KubeConfig };

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The client configuration: in-cluster (the pod's service account token, re-read as it rotates, and CA) when
 * `KUBERNETES_SERVICE_HOST` is set and no kubeconfig is given, else the kubeconfig file (`kubeconfig`, or
 * `$KUBECONFIG`, or `~/.kube/config`).
 */
export function loadKubeConfig(
  opts: { kubeconfig?: string | undefined; env?: NodeJS.ProcessEnv; serviceAccountDir?: string } = {},
): KubeConfig {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else if (env.KUBERNETES_SERVICE_HOST) loadInCluster(kc, env, opts.serviceAccountDir ?? SA_DIR);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) {
    throw new Error(
      `no Kubernetes cluster configured: ${opts.kubeconfig ? `${opts.kubeconfig} has no current context` : 'set KUBECONFIG (or --kubeconfig), or run in a cluster'}`,
    );
  }
  return kc;
}

function loadInCluster(kc: KubeConfig, env: NodeJS.ProcessEnv, dir: string): void {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: `${dir}/ca.crt`, skipTLSVerify: false }],
    users: [
      { name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile: `${dir}/token` } } },
    ],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster' }],
    currentContext: 'in-cluster',
  });
}
