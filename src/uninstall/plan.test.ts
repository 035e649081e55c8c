import { describe, expect, test } from '@jest/globals';
import {
  UninstallError,
  cloudResourcesChoice,
  deletionProgress,
  finalizerRemovalPatch,
  isOperatorFinalizer,
  runningOperator,
} from './plan.js';

describe('uninstall planning', () => {
  test("only the operator's own finalizers are removed; others stay in order", () => {
    expect(
      finalizerRemovalPatch([
        'a.example/x',
        'nodepool.alicloud.dev/cleanup',
        'kubernetes',
        'nodepool.alicloud.dev/node',
      ]),
    ).toEqual([
      {
        op: 'test',
        path: '/metadata/finalizers',
        value: ['a.example/x', 'nodepool.alicloud.dev/cleanup', 'kubernetes', 'nodepool.alicloud.dev/node'],
      },
      { op: 'replace', path: '/metadata/finalizers', value: ['a.example/x', 'kubernetes'] },
    ]);
    expect(finalizerRemovalPatch(['kubernetes'])).toBeUndefined();
    expect(finalizerRemovalPatch(undefined)).toBeUndefined();
    expect(finalizerRemovalPatch([])).toBeUndefined();
  });

  test('the domain must match exactly: look-alike domains are not ours', () => {
    expect(isOperatorFinalizer('nodepool.alicloud.dev/pool')).toBe(true);
    expect(isOperatorFinalizer('x.nodepool.alicloud.dev/pool')).toBe(false);
    expect(isOperatorFinalizer('nodepool.alicloud.dev.evil/pool')).toBe(false);
    expect(isOperatorFinalizer('alicloud.dev/pool')).toBe(false);
  });

  test('exactly one of keep and delete', () => {
    expect(cloudResourcesChoice({ keepCloudResources: true })).toBe('keep');
    expect(cloudResourcesChoice({ deleteCloudResources: true })).toBe('delete');
    expect(() => cloudResourcesChoice({})).toThrow(UninstallError);
    expect(() => cloudResourcesChoice({ keepCloudResources: true, deleteCloudResources: true })).toThrow(
      /not both/,
    );
  });

  test('a Lease renewed within its duration means a running operator; an expired or released one does not', () => {
    const now = Date.parse('2026-11-23T00:00:30Z');
    const lease = (holder: string | undefined, renewTime: string, leaseDurationSeconds = 15) => ({
      metadata: { name: 'alicloud-nodepool-operator', namespace: 'kube-system' },
      spec: { holderIdentity: holder, renewTime, leaseDurationSeconds },
    });
    expect(runningOperator(lease('pod-a', '2026-11-23T00:00:20.000000Z'), now)).toBe(
      'an operator (pod-a) holds the Lease kube-system/alicloud-nodepool-operator, renewed 10 s ago',
    );
    expect(runningOperator(lease('pod-a', '2026-11-23T00:00:10.000000Z'), now)).toBeUndefined();
    expect(runningOperator(lease('', '2026-11-23T00:00:29.000000Z'), now)).toBeUndefined();
    expect(runningOperator(lease(undefined, '2026-11-23T00:00:29.000000Z'), now)).toBeUndefined();
    expect(runningOperator(undefined, now)).toBeUndefined();
  });

  test('deletion progress names each pool left with its Nodes, group and what it says; then all done', () => {
    const a = {
      kind: 'NodePool',
      name: 'a',
      scalingGroupId: 'asg-1',
      nodes: 2,
      retained: [],
      detail: 'draining 2 node(s)',
      gone: false,
    };
    const b = { kind: 'ManagedNodePool', name: 'b', nodes: 0, retained: [], gone: true };
    expect(deletionProgress([a, b], 12_400)).toBe(
      'waiting for 1 of 2 pool(s), 12 s: NodePool a (2 Node(s) left; group asg-1; draining 2 node(s))',
    );
    expect(deletionProgress([{ ...a, gone: true }, b], 30_000)).toBe('all 2 pool(s) deleted (30 s)');
  });
});
