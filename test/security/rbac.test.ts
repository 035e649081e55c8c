import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { ensureHelm } from '../../src/devstack/helm.js';
import { ensureCrds } from '../api/support/crds.js';
import { helmTemplate } from '../../src/packaging/helm.js';
import { eventually, kubectl, kubectlOk, uniqueName } from '../support/kube.js';

// Issue 17, finding 4: the operator's ServiceAccount could create, update and delete any Secret in kube-system
// and list and watch them all. Now the chart grants no update or watch on Secrets and no list in the release
// namespace, and ValidatingAdmissionPolicies hold the ServiceAccount to creating and deleting its pools'
// bootstrap tokens only (and deleting finished pods only). The chart's RBAC objects and policies are applied
// from `helm template` (release namespace: a namespace of its own, so the release-namespace Role is seen apart
// from kube-system's) and checked with the ServiceAccount's identity (impersonation).
const release = uniqueName('sec-rbac').slice(0, 30);
const ns = uniqueName('sec-rbac-ns');
const sa = `${release}-alicloud-nodepool-operator`;
const asSA = `system:serviceaccount:${ns}:${sa}`;
const KINDS = new Set([
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
]);
let applied = '';
const extra: string[][] = [];

beforeAll(async () => {
  const helm = await ensureHelm({ report: (l) => process.stderr.write(`[helm] ${l}\n`) });
  await ensureCrds();
  await kubectlOk(['create', 'namespace', ns]);
  const rendered = await helmTemplate(helm, { release, namespace: ns, set: ['settings.clusterId=c-rbac'] });
  const objs = parseAllDocuments(rendered)
    .map((d) => d.toJS() as { kind?: string } | null)
    .filter((o): o is { kind: string } => o !== null && KINDS.has(o.kind ?? ''));
  applied = objs.map((o) => JSON.stringify(o)).join('\n');
  await kubectlOk(['apply', '-f', '-'], { input: applied });
}, 900_000);

afterAll(async () => {
  for (const what of extra) await kubectl(['delete', ...what, '--ignore-not-found', '--wait=false']);
  await kubectl(['delete', '-f', '-', '--ignore-not-found', '--wait=false'], { input: applied });
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

/** `resource#subresource` asks for a subresource. */
const can = async (verb: string, resource: string, where: string[]): Promise<string> => {
  const [res = resource, sub] = resource.split('#');
  const args = ['auth', 'can-i', verb, res, ...(sub ? [`--subresource=${sub}`] : []), ...where, '--as', asSA];
  return (await kubectl(args)).stdout.trim();
};

describe('RBAC, verb by verb', () => {
  // [verb, resource, where, allowed]
  const CASES: [string, string, string[], 'yes' | 'no'][] = [
    ['create', 'secrets', ['-n', 'kube-system'], 'yes'],
    ['delete', 'secrets', ['-n', 'kube-system'], 'yes'],
    ['list', 'secrets', ['-n', 'kube-system'], 'yes'],
    ['update', 'secrets', ['-n', 'kube-system'], 'no'],
    ['watch', 'secrets', ['-n', 'kube-system'], 'no'],
    ['get', 'secrets', ['-n', ns], 'yes'],
    ['list', 'secrets', ['-n', ns], 'no'],
    ['watch', 'secrets', ['-n', ns], 'no'],
    ['create', 'secrets', ['-n', ns], 'no'],
    ['list', 'configmaps', ['-n', ns], 'no'],
    ['update', 'nodes', [], 'no'],
    ['patch', 'nodes', [], 'yes'],
    ['update', 'nodepools.nodepool.alicloud.dev', [], 'no'],
    ['patch', 'nodepools.nodepool.alicloud.dev', [], 'yes'],
    ['update', 'nodepools.nodepool.alicloud.dev#status', [], 'yes'],
    ['patch', 'nodepools.nodepool.alicloud.dev#status', [], 'yes'],
    ['update', 'nodepools.nodepool.alicloud.dev#finalizers', [], 'no'],
    ['create', 'events', ['-n', 'default'], 'no'],
    ['create', 'events.events.k8s.io', ['-n', 'default'], 'yes'],
    ['update', 'certificatesigningrequests.certificates.k8s.io#approval', [], 'yes'],
    ['create', 'clusterrolebindings.rbac.authorization.k8s.io', [], 'no'],
  ];
  test.each(CASES)('%s %s %j: %s', async (verb, resource, where, allowed) => {
    expect(await can(verb, resource, where)).toBe(allowed);
  });
});

test('approve: only the two kubelet signers (a SubjectAccessReview, as the API server asks it on /approval)', async () => {
  const allowed = async (signer: string): Promise<boolean> => {
    const review = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: asSA,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
        resourceAttributes: {
          group: 'certificates.k8s.io',
          resource: 'signers',
          verb: 'approve',
          name: signer,
        },
      },
    };
    const out = await kubectlOk(['create', '-o', 'json', '-f', '-'], { input: JSON.stringify(review) });
    return (JSON.parse(out) as { status: { allowed: boolean } }).status.allowed;
  };
  expect(await allowed('kubernetes.io/kube-apiserver-client-kubelet')).toBe(true);
  expect(await allowed('kubernetes.io/kubelet-serving')).toBe(true);
  expect(await allowed('kubernetes.io/kube-apiserver-client')).toBe(false);
  expect(await allowed('kubernetes.io/legacy-unknown')).toBe(false);
});

describe("ValidatingAdmissionPolicy: only the pools' bootstrap tokens, only finished pods", () => {
  const secret = (
    name: string,
    type: string,
    labels: Record<string, string> = {},
    data: Record<string, string> = {},
    annotations: Record<string, string> = {},
  ) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'kube-system', labels, annotations },
      type,
      stringData: data,
    });
  const createAsSA = (manifest: string) =>
    kubectl(['create', '-f', '-', '--dry-run=server', '--as', asSA], { input: manifest });
  const token = (id: string) => ({
    'token-id': id,
    'token-secret': '0123456789abcdef',
    'usage-bootstrap-authentication': 'true',
  });

  test('a kubernetes.io/service-account-token Secret for a kube-system ServiceAccount is denied', async () => {
    const r = await eventually(
      'the policy in force',
      async () => {
        const x = await createAsSA(
          secret(
            'sec-rbac-sa-token',
            'kubernetes.io/service-account-token',
            {},
            {},
            { 'kubernetes.io/service-account.name': 'default' },
          ),
        );
        return x.code !== 0 ? x : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(r.stderr).toMatch(
      /ValidatingAdmissionPolicy .*-secrets.* denied request: alicloud-nodepool-operator may only create and delete its pools' bootstrap tokens/,
    );
    expect(r.stderr).toContain('of type kubernetes.io/service-account-token');
  });

  test('an Opaque Secret, and a token without the pool label or with another name, are denied; a pool token is allowed', async () => {
    expect(
      (await createAsSA(secret('sec-rbac-opaque', 'Opaque', { 'nodepool.alicloud.dev/pool': 'p' }))).code,
    ).not.toBe(0);
    expect(
      (
        await createAsSA(
          secret('bootstrap-token-aaaaaa', 'bootstrap.kubernetes.io/token', {}, token('aaaaaa')),
        )
      ).code,
    ).not.toBe(0);
    const ok = await createAsSA(
      secret(
        'bootstrap-token-bbbbbb',
        'bootstrap.kubernetes.io/token',
        { 'nodepool.alicloud.dev/pool': 'p' },
        token('bbbbbb'),
      ),
    );
    expect({ code: ok.code, stderr: ok.stderr.trim() }).toEqual({ code: 0, stderr: '' });
  });

  test('deleting a Secret that is not a pool token is denied', async () => {
    const name = uniqueName('sec-rbac-victim');
    await kubectlOk(['create', 'secret', 'generic', name, '-n', 'kube-system', '--from-literal=k=v']);
    extra.push(['secret', name, '-n', 'kube-system']);
    const r = await kubectl([
      'delete',
      'secret',
      name,
      '-n',
      'kube-system',
      '--dry-run=server',
      '--as',
      asSA,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`not DELETE Secret kube-system/${name} of type Opaque`);
  });

  test('a running (pending) pod cannot be deleted by the operator; a finished one can', async () => {
    const pod = uniqueName('sec-rbac-pod');
    await kubectlOk(['run', pod, '-n', ns, '--image=registry.example/none', '--restart=Never']);
    const denied = await kubectl(['delete', 'pod', pod, '-n', ns, '--dry-run=server', '--as', asSA]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('deletes only finished pods');
    await kubectlOk([
      'patch',
      'pod',
      pod,
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"phase":"Succeeded"}}',
    ]);
    const allowed = await kubectl(['delete', 'pod', pod, '-n', ns, '--dry-run=server', '--as', asSA]);
    expect({ code: allowed.code, stderr: allowed.stderr.trim() }).toEqual({ code: 0, stderr: '' });
  });
});
