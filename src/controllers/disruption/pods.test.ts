import { expect, test } from '@jest/globals';
import { Annotation } from '../../apis/v1beta1/constants.js';
import type { Pod } from '../../kube/index.js';
import { MIRROR_POD_ANNOTATION, isWorkloadPod, podDisposition, type PodDisposition } from './pods.js';

const owner = (kind: string): NonNullable<Pod['metadata']['ownerReferences']> => [
  { apiVersion: 'apps/v1', kind, name: 'o', uid: 'u', controller: true },
];

const cases: [string, Pod, PodDisposition, boolean][] = [
  [
    'a ReplicaSet pod is evicted',
    { metadata: { name: 'p', ownerReferences: owner('ReplicaSet') }, status: { phase: 'Running' } },
    'evict',
    true,
  ],
  ['a bare pod is evicted', { metadata: { name: 'p' }, status: { phase: 'Pending' } }, 'evict', true],
  [
    'a DaemonSet pod is ignored',
    { metadata: { name: 'p', ownerReferences: owner('DaemonSet') }, status: { phase: 'Running' } },
    'ignore',
    false,
  ],
  [
    'a mirror pod is ignored',
    { metadata: { name: 'p', annotations: { [MIRROR_POD_ANNOTATION]: 'abc' } } },
    'ignore',
    false,
  ],
  [
    'a Succeeded pod is deleted',
    { metadata: { name: 'p' }, status: { phase: 'Succeeded' } },
    'delete',
    false,
  ],
  [
    'a Failed do-not-disrupt pod is deleted (nothing runs)',
    {
      metadata: { name: 'p', annotations: { [Annotation.doNotDisrupt]: 'true' } },
      status: { phase: 'Failed' },
    },
    'delete',
    false,
  ],
  [
    'karpenter.sh/do-not-disrupt is protected too',
    {
      metadata: { name: 'p', annotations: { 'karpenter.sh/do-not-disrupt': 'true' } },
      status: { phase: 'Running' },
    },
    'protected',
    true,
  ],
  [
    "cluster-autoscaler's safe-to-evict=false is protected too",
    {
      metadata: { name: 'p', annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' } },
      status: { phase: 'Running' },
    },
    'protected',
    true,
  ],
  [
    'safe-to-evict=true is evicted',
    {
      metadata: { name: 'p', annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' } },
      status: { phase: 'Running' },
    },
    'evict',
    true,
  ],
  [
    'a do-not-disrupt pod is protected',
    {
      metadata: { name: 'p', annotations: { [Annotation.doNotDisrupt]: 'true' } },
      status: { phase: 'Running' },
    },
    'protected',
    true,
  ],
  [
    'do-not-disrupt other than "true" does not protect',
    { metadata: { name: 'p', annotations: { [Annotation.doNotDisrupt]: 'false' } } },
    'evict',
    true,
  ],
  [
    'a terminating pod is waited for',
    { metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } },
    'terminating',
    true,
  ],
  [
    'a terminating DaemonSet pod is still ignored',
    {
      metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z', ownerReferences: owner('DaemonSet') },
    },
    'ignore',
    false,
  ],
];

test.each(cases)('%s', (_name, pod, disposition, workload) => {
  expect(podDisposition(pod)).toBe(disposition);
  expect(isWorkloadPod(pod)).toBe(workload);
});
