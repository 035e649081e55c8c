import { describe, expect, test } from '@jest/globals';
import { PodSchema, type Pod } from '../../kube/index.js';
import { isUnschedulable, trimPod } from './index.js';

const pod = (
  over: Partial<Pod> & { conditions?: NonNullable<Pod['status']>['conditions']; phase?: string },
): Pod => ({
  // prettier-ignore
  metadata: { name: 'p', namespace: 'ns', ...over.metadata },
  spec: { containers: [{ name: 'c' }], ...over.spec },
  status: { phase: over.phase ?? 'Pending', conditions: over.conditions ?? [] },
});
const unschedulable = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }];

describe('isUnschedulable', () => {
  test.each([
    ['PodScheduled=False/Unschedulable, unbound', pod({ conditions: unschedulable }), true],
    ['not tried yet (no condition)', pod({}), false],
    [
      'PodScheduled=False for another reason (SchedulingGated)',
      pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
      false,
    ],
    ['scheduled', pod({ conditions: [{ type: 'PodScheduled', status: 'True' }] }), false],
    [
      'bound (nodeName set) with a stale condition',
      pod({ spec: { nodeName: 'n1' }, conditions: unschedulable }),
      false,
    ],
    [
      'being deleted',
      pod({ metadata: { name: 'p', deletionTimestamp: '2025-01-01T00:00:00Z' }, conditions: unschedulable }),
      false,
    ],
    ['finished', pod({ phase: 'Failed', conditions: unschedulable }), false],
  ])('%s', (_what, p, want) => {
    expect(isUnschedulable(p)).toBe(want);
  });
});

describe('trimPod (what the shared informer keeps of a pod)', () => {
  test('keeps what scheduling and disruption read, drops the rest', () => {
    const raw = {
      metadata: {
        name: 'web-1',
        namespace: 'shop',
        labels: { app: 'web' },
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{"big":"x"}',
          'nodepool.alicloud.dev/do-not-disrupt': 'true',
          'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false',
        },
        managedFields: [{ manager: 'kubectl' }],
      },
      spec: {
        containers: [
          {
            name: 'a',
            image: 'nginx',
            env: [{ name: 'X', value: 'y' }],
            resources: { requests: { cpu: '1' } },
            ports: [{ containerPort: 80 }, { containerPort: 443, hostPort: 8443 }],
          },
          { name: 'b', ports: [{ containerPort: 9090 }] },
        ],
        initContainers: [
          { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { memory: '1Gi' } } },
        ],
        overhead: { cpu: '250m' },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] }],
            },
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: {} }],
          },
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } },
            ],
          },
        },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { app: 'web' } },
          },
        ],
        volumes: [
          { name: 'kube-api-access-x', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
          { name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available',
          },
        ],
        containerStatuses: [],
      },
    };
    const p = trimPod(PodSchema.parse(raw));
    expect(p.metadata.annotations).toEqual({
      'nodepool.alicloud.dev/do-not-disrupt': 'true',
      'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false',
    });
    expect(p.metadata).not.toHaveProperty('managedFields');
    expect(p.spec?.containers?.[0]).toEqual({
      name: 'a',
      resources: { requests: { cpu: '1' } },
      ports: [{ hostPort: 8443 }],
    });
    expect(p.spec?.containers?.[1]).toEqual({ name: 'b' });
    expect(p.spec?.initContainers?.[0]?.restartPolicy).toBe('Always');
    expect(p.spec?.overhead).toEqual({ cpu: '250m' });
    expect(p.spec?.affinity?.nodeAffinity).toEqual(
      raw.spec.affinity.nodeAffinity && {
        requiredDuringSchedulingIgnoredDuringExecution:
          raw.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution,
      },
    );
    expect(
      p.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0]?.topologyKey,
    ).toBe('kubernetes.io/hostname');
    expect(p.spec?.topologySpreadConstraints).toHaveLength(1);
    expect(p.spec?.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } },
      { name: 'scratch', emptyDir: {} },
    ]);
    expect(p.status?.conditions?.[0]).toEqual({
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
    });
    expect(p.status).not.toHaveProperty('containerStatuses');
  });

  test('a pod with none of the kept annotations has none', () => {
    const p = trimPod(PodSchema.parse({ metadata: { name: 'x', annotations: { a: 'b' } }, spec: {} }));
    expect(p.metadata.annotations).toBeUndefined();
  });
});
