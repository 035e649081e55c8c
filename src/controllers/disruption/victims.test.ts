import { describe, expect, test } from '@jest/globals';
import { Annotation } from '../../apis/v1beta1/constants.js';
import type { Node, Pod } from '../../kube/index.js';
import { MIRROR_POD_ANNOTATION } from './pods.js';
import { candidatesOf, chooseVictims, rankVictims } from './victims.js';

let seq = 0;
function node(name: string, created: string, annotations: Record<string, string> = {}): Node {
  return { metadata: { name, creationTimestamp: created, annotations } };
}
function pod(nodeName: string, extra: Partial<Pod['metadata']> = {}, phase = 'Running'): Pod {
  return {
    metadata: { name: `p${seq++}`, namespace: 'ns', ...extra },
    spec: { nodeName },
    status: { phase },
  };
}
const ds = {
  ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u', controller: true }],
};
const protectedPod = { annotations: { [Annotation.doNotDisrupt]: 'true' } };

const T = (day: number): string => `2026-01-${String(day).padStart(2, '0')}T00:00:00Z`;

describe('victim order', () => {
  const nodes = [
    node('old-busy', T(1)),
    node('new-busy', T(5)),
    node('empty-with-daemons', T(2)),
    node('one-pod', T(3)),
    node('marked', T(1), { [Annotation.removeFirst]: 'true' }),
    node('marked-protected', T(1), { [Annotation.removeFirst]: 'true' }),
    node('protected-empty-ish', T(9)),
    node('draining', T(1), { [Annotation.drainStarted]: T(10) }),
    node('finished-only', T(2)),
  ];
  const pods = [
    pod('old-busy'),
    pod('old-busy'),
    pod('new-busy'),
    pod('new-busy'),
    pod('empty-with-daemons', ds),
    pod('empty-with-daemons', { annotations: { [MIRROR_POD_ANNOTATION]: 'x' } }),
    pod('one-pod'),
    pod('marked'),
    pod('marked'),
    pod('marked'),
    pod('marked-protected', protectedPod),
    pod('protected-empty-ish', protectedPod),
    pod('draining'),
    pod('draining'),
    pod('draining'),
    pod('draining'),
    pod('finished-only', {}, 'Succeeded'),
    pod('finished-only', ds),
  ];

  test('draining first, then remove-first, then unprotected before protected, empty, fewest pods, newest, by name', () => {
    expect(rankVictims(candidatesOf(nodes, pods)).map((v) => v.name)).toEqual([
      'draining',
      'marked', // remove-first: the user named these
      'marked-protected', // remove-first outranks do-not-disrupt, but within the tier unprotected go first
      'empty-with-daemons', // empty (DaemonSet and mirror pods only); same day as the next: by name
      'finished-only', // empty (a finished pod and a DaemonSet pod)
      'one-pod',
      'new-busy',
      'old-busy',
      'protected-empty-ish', // a do-not-disrupt pod: last, however few pods
    ]);
  });

  test('chooseVictims takes the first N; the ranking says why', () => {
    const chosen = chooseVictims(candidatesOf(nodes, pods), 3);
    expect(chosen.map((v) => v.name)).toEqual(['draining', 'marked', 'marked-protected']);
    expect(chosen[0]).toMatchObject({ disrupting: true, pods: 4 });
    expect(chosen[2]).toMatchObject({ removeFirst: true, pods: 1, protectedPods: 1, disrupting: false });
    expect(chooseVictims(candidatesOf(nodes, pods), 0)).toEqual([]);
    expect(chooseVictims(candidatesOf(nodes, pods), 99)).toHaveLength(nodes.length);
  });

  test('the order does not depend on the input order', () => {
    const reversed = rankVictims(candidatesOf([...nodes].reverse(), [...pods].reverse())).map((v) => v.name);
    expect(reversed).toEqual(rankVictims(candidatesOf(nodes, pods)).map((v) => v.name));
  });

  test('newest first among equals; a node without creationTimestamp counts as the oldest', () => {
    const n = [node('a', T(1)), node('b', T(3)), { metadata: { name: 'c' } }, node('d', T(2))];
    expect(rankVictims(candidatesOf(n, [])).map((v) => v.name)).toEqual(['b', 'd', 'a', 'c']);
  });
});
