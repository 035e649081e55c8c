import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { kustomizeBase } from './kustomize-base.js';

const RENDERED = `---
# Source: chart/templates/sa.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: op
  namespace: kube-system
  labels:
    helm.sh/chart: chart-0.1.0
    app.kubernetes.io/name: op
    app.kubernetes.io/managed-by: Helm
---
# Source: chart/templates/role.yaml
# Why this Role exists.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: op
  namespace: kube-system
rules:
  # the reason for this rule
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
---
# Source: chart/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: op
  labels:
    helm.sh/chart: chart-0.1.0
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/name: op
        app.kubernetes.io/managed-by: Helm
`;

describe('kustomize base from helm template output', () => {
  const files = kustomizeBase(RENDERED);

  test('one file per object, listed in the kustomization in rendering order', () => {
    expect([...files.keys()]).toEqual([
      'serviceaccount-op.yaml',
      'role-op.yaml',
      'deployment-op.yaml',
      'kustomization.yaml',
    ]);
    expect(parse(files.get('kustomization.yaml')!)).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['serviceaccount-op.yaml', 'role-op.yaml', 'deployment-op.yaml'],
    });
  });

  test("Helm's labels and Source lines go; the chart's comments stay", () => {
    const sa = files.get('serviceaccount-op.yaml')!;
    expect(parse(sa)).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'op', namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'op' } },
    });
    const role = files.get('role-op.yaml')!;
    expect(role).not.toContain('Source:');
    expect(role).toContain('# Why this Role exists.');
    expect(role).toContain('# the reason for this rule');
    expect(role).toContain('resources: ["secrets"]');
    const d = parse(files.get('deployment-op.yaml')!) as {
      metadata: { labels?: object };
      spec: { template: { metadata: { labels: object } } };
    };
    expect(d.metadata.labels).toEqual({});
    expect(d.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'op' });
  });

  test('two objects that would share a file name are refused', () => {
    const twice = `${RENDERED}---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: op\n`;
    expect(() => kustomizeBase(twice)).toThrow(/two objects map to serviceaccount-op\.yaml/);
  });

  test('file modes stay octal, as Kubernetes reads YAML (1.1): 0440 is r--r-----, never the decimal 440', () => {
    const files = kustomizeBase(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: op
spec:
  template:
    spec:
      volumes:
        - name: credentials
          secret:
            secretName: creds
            defaultMode: 0440
`);
    const text = files.get('deployment-op.yaml') ?? '';
    expect(text).toContain('defaultMode: 0440');
    const doc = parse(text, { version: '1.1' }) as {
      spec: { template: { spec: { volumes: { secret: { defaultMode: number } }[] } } };
    };
    expect(doc.spec.template.spec.volumes[0]!.secret.defaultMode).toBe(0o440);
  });
});
