import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { kwokStages, SIM_KUBELET_ANNOTATION } from './kwok-stages.js';

const MODULE = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-a
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  selector:
    matchExpressions:
    - key: '.status.phase'
      operator: 'In'
      values: ['Running']
  next:
    statusTemplate: |
      phase: Running
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-b
spec:
  resourceRef:
    apiGroup: v1
    kind: Node
  next:
    statusTemplate: |
      phase: Running
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-a
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.status.phase'
      operator: 'In'
      values: ['Pending']
  next:
    statusTemplate: |
      phase: Running
`;

type Doc = {
  metadata: { name: string };
  spec: {
    resourceRef: { kind: string };
    selector?: {
      matchExpressions?: { key: string; operator: string }[];
      matchAnnotations?: Record<string, string>;
    };
    next: { statusTemplate?: string };
  };
};

const docs = (text: string): Doc[] => parseAllDocuments(text).map((d) => d.toJS() as Doc);

describe('kwokStages', () => {
  const out = docs(kwokStages(MODULE));
  const guard = { key: `.metadata.annotations["${SIM_KUBELET_ANNOTATION}"]`, operator: 'DoesNotExist' };

  it('limits every Node stage of the module to Nodes without the kubelet annotation, keeping its selector', () => {
    const a = out.find((d) => d.metadata.name === 'node-a');
    expect(a?.spec.selector?.matchExpressions).toEqual([
      { key: '.status.phase', operator: 'In', values: ['Running'] },
      guard,
    ]);
    expect(out.find((d) => d.metadata.name === 'node-b')?.spec.selector?.matchExpressions).toEqual([guard]);
    expect(a?.spec.next.statusTemplate).toBe('phase: Running\n');
  });

  it('leaves Pod stages alone', () => {
    const pod = out.find((d) => d.metadata.name === 'pod-a');
    expect(pod?.spec.selector?.matchExpressions).toEqual([
      { key: '.status.phase', operator: 'In', values: ['Pending'] },
    ]);
  });

  it('adds the kubelet-stopped stage for annotated Nodes not yet Unknown', () => {
    const s = out.find((d) => d.metadata.name === 'nodepool-sim-kubelet-stopped');
    expect(s?.spec.resourceRef.kind).toBe('Node');
    expect(s?.spec.selector?.matchAnnotations).toEqual({ [SIM_KUBELET_ANNOTATION]: 'stopped' });
    expect(s?.spec.next.statusTemplate).toContain('Kubelet stopped posting node status.');
    expect(out).toHaveLength(5);
  });
});
