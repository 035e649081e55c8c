import { describe, expect, test } from '@jest/globals';
import type { Node } from '../../kube/index.js';
import { nodeChanged } from './node-change.js';

const node = (over: Partial<Node['metadata']> = {}, ready = 'True'): Node => ({
  metadata: {
    name: 'n1',
    resourceVersion: '1',
    labels: { 'nodepool.alicloud.dev/pool': 'a', team: 'x' },
    ...over,
  },
  spec: { providerID: 'cn-hangzhou.i-1' },
  status: { conditions: [{ type: 'Ready', status: ready, lastTransitionTime: '2026-01-01T00:00:00Z' }] },
});

describe('which Node updates reconcile the pool', () => {
  test('only the resourceVersion changed (a heartbeat): no', () => {
    expect(nodeChanged(node(), node({ resourceVersion: '2' }))).toBe(false);
  });
  test("a condition's transition time with its status unchanged (a kubelet's first heartbeat): no", () => {
    const b = node({ resourceVersion: '2' });
    b.status = {
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-02T00:00:00Z' }],
    };
    expect(nodeChanged(node(), b)).toBe(false);
    b.status = {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', lastTransitionTime: '2026-01-02T00:00:00Z' },
      ],
    };
    expect(nodeChanged(node(), b)).toBe(true);
  });
  test('a label, a finalizer, the deletion, the Ready status: yes', () => {
    expect(
      nodeChanged(
        node(),
        node({ resourceVersion: '2', labels: { 'nodepool.alicloud.dev/pool': 'a', team: 'y' } }),
      ),
    ).toBe(true);
    expect(
      nodeChanged(node(), node({ resourceVersion: '2', finalizers: ['nodepool.alicloud.dev/node'] })),
    ).toBe(true);
    expect(
      nodeChanged(node(), node({ resourceVersion: '2', deletionTimestamp: '2026-01-01T00:00:00Z' })),
    ).toBe(true);
    expect(nodeChanged(node(), node({ resourceVersion: '2' }, 'False'))).toBe(true);
  });
  test('a taint or unschedulable: yes', () => {
    const a = node();
    const b = { ...node({ resourceVersion: '2' }), spec: { ...a.spec, unschedulable: true } };
    expect(nodeChanged(a, b)).toBe(true);
    const c = {
      ...node({ resourceVersion: '2' }),
      spec: { ...a.spec, taints: [{ key: 'k', effect: 'NoSchedule' }] },
    };
    expect(nodeChanged(a, c)).toBe(true);
  });
});
