import { stringify } from 'yaml';

/** The group of the tokens `kubeadm token create` makes (the one kubeadm binds to automatic approval). */
export const KUBEADM_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';

/**
 * What kubeadm creates so that nodes can join with a bootstrap token: RBAC for the bootstrappers to create
 * CSRs, auto-approval of node client certificates (first and renewed), the public `cluster-info` ConfigMap
 * that a joining node reads (and the bootstrap signer signs), and anonymous read access to it.
 *
 * As in a kubeadm cluster, automatic approval (and reading Nodes) is bound to kubeadm's own token group
 * `system:bootstrappers:kubeadm:default-node-token` (tokens made by `kubeadm token create`, an External
 * pool's join command), never to all of `system:bootstrappers`: the operator's pool tokens are in
 * `system:bootstrappers:nodepool:<pool>` and only the operator's CSR approver approves them (docs/security.md).
 * Every token may create a CSR, which grants nothing by itself.
 */
export function clusterSetupManifest(opts: { server: string; caPem: string }): string {
  const bind = (name: string, clusterRole: string, group: string): object => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  });
  const clusterInfoKubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: '',
        cluster: {
          server: opts.server,
          'certificate-authority-data': Buffer.from(opts.caPem).toString('base64'),
        },
      },
    ],
    contexts: [],
    users: [],
    preferences: {},
    'current-context': '',
  });
  const docs: object[] = [
    bind('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', 'system:bootstrappers'),
    bind(
      'kubeadm:node-autoapprove-bootstrap',
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
      KUBEADM_TOKEN_GROUP,
    ),
    bind(
      'kubeadm:node-autoapprove-certificate-rotation',
      'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
      'system:nodes',
    ),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'kubeadm:get-nodes' },
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
    },
    bind('kubeadm:get-nodes', 'kubeadm:get-nodes', KUBEADM_TOKEN_GROUP),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-info', namespace: 'kube-public' },
      data: { kubeconfig: clusterInfoKubeconfig },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'kubeadm:bootstrap-signer-clusterinfo',
      },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
    },
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}
