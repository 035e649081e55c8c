import { describe, expect, test } from '@jest/globals';
import { Annotation } from '../../../apis/v1beta1/constants.js';
import type { Node } from '../../../kube/index.js';
import { isUnreachable, rebootOf, rebootRecord, unhealthOf, wasReady } from './health.js';
import { unmarkedReady } from './mark.js';

const NOW = Date.parse('2026-05-01T00:00:00Z');
const node = (
  conditions: NonNullable<Node['status']>['conditions'],
  annotations: Record<string, string> = {},
  taints: { key: string; effect: string }[] = [],
): Node => ({ metadata: { name: 'n', annotations }, spec: { taints }, status: { conditions } });
const at = (msAgo: number): string => new Date(NOW - msAgo).toISOString();

describe('node health', () => {
  test.each([
    ['Ready', [{ type: 'Ready', status: 'True' }], undefined],
    [
      'Ready Unknown since 5 min',
      [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: at(300_000) }],
      { since: NOW - 300_000, problem: 'Ready=Unknown (NodeStatusUnknown)' },
    ],
    [
      'NotReady',
      [{ type: 'Ready', status: 'False', lastTransitionTime: at(60_000) }],
      { since: NOW - 60_000, problem: 'Ready=False' },
    ],
    [
      'a failing condition reported by a problem detector',
      [
        { type: 'Ready', status: 'True' },
        { type: 'KernelDeadlock', status: 'True', lastTransitionTime: at(120_000) },
      ],
      { since: NOW - 120_000, problem: 'KernelDeadlock=True' },
    ],
    [
      'pressure is not a failure',
      [
        { type: 'Ready', status: 'True' },
        { type: 'DiskPressure', status: 'True' },
      ],
      undefined,
    ],
    ['no Ready condition at all', [], { since: NOW, problem: 'no Ready condition' }],
  ] as const)('%s', (_n, conditions, want) => {
    expect(unhealthOf(node([...conditions]), NOW)).toEqual(want);
  });

  test('was Ready once: the mark, or Ready now; the mark is written only for Ready Nodes without one', () => {
    const down = node([{ type: 'Ready', status: 'Unknown' }], { [Annotation.wasReady]: at(0) });
    expect(wasReady(down)).toBe(true);
    expect(wasReady(node([{ type: 'Ready', status: 'False' }]))).toBe(false);
    const up = node([{ type: 'Ready', status: 'True' }]);
    expect(unmarkedReady([down, up, node([{ type: 'Ready', status: 'False' }])])).toEqual([up]);
  });

  test('unreachable: Ready Unknown, or the unreachable taint; NotReady with a live kubelet is not', () => {
    expect(isUnreachable(node([{ type: 'Ready', status: 'Unknown' }]))).toBe(true);
    expect(
      isUnreachable(
        node([{ type: 'Ready', status: 'False' }], {}, [
          { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
        ]),
      ),
    ).toBe(true);
    expect(isUnreachable(node([{ type: 'Ready', status: 'False' }]))).toBe(false);
  });

  test('a reboot record reads back; an unreadable one is none', () => {
    const n = node([], { [Annotation.repairReboot]: rebootRecord(NOW, NOW - 1000) });
    expect(rebootOf(n)).toEqual({ at: NOW, unhealthySince: NOW - 1000 });
    expect(rebootOf(node([], { [Annotation.repairReboot]: '{' }))).toBeUndefined();
  });
});
