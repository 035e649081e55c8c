import { describe, expect, test } from '@jest/globals';
import { Annotation } from '../../../apis/v1beta1/constants.js';
import type { NodePool } from '../../../apis/v1beta1/index.js';
import { poolInstance } from '../../../cloud/fake/instances.js';
import type { PoolInstance } from '../../../cloud/types.js';
import type { Node, Pod } from '../../../kube/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import type { Candidate, PoolView } from '../types.js';
import { deletion, essHook, registrationMethod, scaleIn } from './index.js';
import { deletedNodeCommands } from './deleted-node.js';

const inst = poolInstance;
const node = (
  name: string,
  created: string,
  annotations: Record<string, string> = {},
  deleting = false,
): Node => ({
  metadata: {
    name,
    creationTimestamp: created,
    annotations,
    ...(deleting ? { deletionTimestamp: created } : {}),
  },
});
const cand = (id: string, n?: Node, over: Partial<PoolInstance> = {}): Candidate => ({
  instanceId: id,
  instance: inst(id, over),
  node: n,
  ready: n !== undefined,
  claim: undefined,
});
const pod = (nodeName: string, name: string): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { nodeName },
  status: { phase: 'Running' },
});

function view(
  candidates: Candidate[],
  desired: number,
  over: {
    economical?: boolean;
    deleting?: boolean;
    pods?: Pod[];
    waiting?: { instanceId: string; late?: boolean }[];
    existing?: string[];
  } = {},
): PoolView {
  // prettier-ignore
  const scaling = over.economical ? { mode: 'Auto', minSize: 0, maxSize: desired, economical: true } : { mode: 'Manual', desiredSize: desired };
  return {
    kind: 'NodePool',
    pool: {
      metadata: { name: 'web' },
      spec: { scaling, registrationTimeout: '10m', existingInstances: over.existing },
    } as unknown as DeepReadonly<NodePool>,
    uid: 'u',
    status: over.waiting ? { registration: { waiting: over.waiting } } : {},
    group: undefined,
    candidates,
    desired,
    lifecycleActions: [],
    deleting: over.deleting ?? false,
    now: 0,
    podsOn: (names) =>
      Promise.resolve(
        new Map(names.map((n) => [n, (over.pods ?? []).filter((p) => p.spec?.nodeName === n)])),
      ),
  };
}

describe('scaleIn', () => {
  const a = node('a', '2026-01-01T00:00:00Z');
  const b = node('b', '2026-01-02T00:00:00Z');
  const c = node('c', '2026-01-03T00:00:00Z', { [Annotation.removeFirst]: 'true' });
  const cases: [
    string,
    Candidate[],
    number,
    { economical?: boolean; pods?: Pod[]; deleting?: boolean; existing?: string[] },
    string[],
    string | undefined,
  ][] = [
    // prettier-ignore
    ['at its size: nothing', [cand('i-a', a), cand('i-b', b)], 2, {}, [], undefined],
    ['nodeless instances go first', [cand('i-a', a), cand('i-x'), cand('i-b', b)], 2, {}, ['i-x'], 'remove'],
    [
      'remove-first, then empty, then newest',
      [cand('i-a', a), cand('i-b', b), cand('i-c', c)],
      1,
      { pods: [pod('b', 'p1')] },
      ['i-c', 'i-a'],
      'remove',
    ],
    ['the newest of equally empty nodes', [cand('i-a', a), cand('i-b', b)], 1, {}, ['i-b'], 'remove'],
    [
      'economical: stop instead of release',
      [cand('i-a', a), cand('i-b', b)],
      1,
      { economical: true },
      ['i-b'],
      'stop',
    ],
    [
      'stopped and removing members do not count',
      [
        cand('i-a', a),
        cand('i-s', undefined, { lifecycleState: 'Stopped' }),
        cand('i-r', undefined, { lifecycleState: 'Removing' }),
      ],
      1,
      {},
      [],
      undefined,
    ],
    [
      "the pool's existingInstances count toward the size but are never victims, even nodeless",
      [cand('i-a', a), cand('i-own'), cand('i-b', b)],
      2,
      { existing: ['i-own'] },
      ['i-b'],
      'remove',
    ],
    [
      'more existingInstances than desiredSize: none removed',
      [cand('i-o1', a), cand('i-o2', b)],
      1,
      { existing: ['i-o1', 'i-o2'] },
      [],
      undefined,
    ],
    [
      'a deleting pool: nothing (deletion is its own method)',
      [cand('i-a', a), cand('i-b', b)],
      0,
      { deleting: true },
      [],
      undefined,
    ],
  ];
  test.each(cases)('%s', async (_n, cs, desired, over, ids, disposal) => {
    const p = await scaleIn.propose(view(cs, desired, over));
    expect(p.commands.flatMap((x) => x.nodes.map((t) => t.instanceId))).toEqual(ids);
    expect(p.commands[0]?.disposal.kind).toBe(disposal);
    if (p.commands[0]) expect(p.commands[0].voluntary).toBe(true);
  });
});

test('scaleIn: replacements launched first for claimed members (rotation, consolidation) are no excess', async () => {
  const claim = {
    method: 'upgrade' as const,
    reason: 'r',
    voluntary: true,
    replacementsFirst: true,
    disposal: 'remove' as const,
    since: 'x',
  };
  const a = node('a', '2026-01-01T00:00:00Z');
  const b = node('b', '2026-01-02T00:00:00Z');
  const cs = [
    { ...cand('i-a', a), claim },
    cand('i-b', b),
    cand('i-new'),
    cand('i-new2', node('n', '2026-01-03T00:00:00Z')),
  ];
  expect((await scaleIn.propose(view(cs, 3))).commands).toEqual([]);
  // the spec lowered meanwhile: the excess is counted without the member being replaced
  const p = await scaleIn.propose(view(cs, 2));
  expect(p.commands.flatMap((c) => c.nodes.map((t) => t.instanceId))).toEqual(['i-new']);
});

describe('the involuntary methods', () => {
  test('essHook: one command per lifecycle action, with the Nodes of its instances', async () => {
    const v = {
      ...view([cand('i-a', node('a', 'x')), cand('i-b')], 2),
      lifecycleActions: [{ activityId: 'asa-1', hookId: 'ash-1', token: 't', instanceIds: ['i-a', 'i-b'] }],
    };
    const [c] = (await essHook.propose(v)).commands;
    expect(c).toMatchObject({
      voluntary: false,
      disposal: { kind: 'hook', hookId: 'ash-1', token: 't' },
      nodes: [
        { instanceId: 'i-a', node: 'a' },
        { instanceId: 'i-b', node: undefined },
      ],
    });
  });
  test('registration: late instances (from status.registration) are removed and replaced; Subscription ones, existingInstances and Ready ones never', async () => {
    // prettier-ignore
    const m = registrationMethod((id) => Promise.resolve(`story of ${id}`));
    // i-was: its Node was Ready once and is NotReady now — repair's business, never released here
    const was = { ...cand('i-was', node('w', 'x', { [Annotation.wasReady]: 'x' })), ready: false };
    const cs = [
      cand('i-late'),
      cand('i-sub', undefined, { chargeType: 'PrePaid' }),
      cand('i-own', undefined, { creationType: 'Attached' }),
      cand('i-wait'),
      cand('i-ready', node('r', 'x')),
      was,
    ];
    const v = view(cs, 5, {
      existing: ['i-own'],
      waiting: [
        { instanceId: 'i-late', late: true },
        { instanceId: 'i-sub', late: true },
        { instanceId: 'i-own', late: true },
        { instanceId: 'i-wait' },
        { instanceId: 'i-ready', late: true },
        { instanceId: 'i-was', late: true },
      ],
    });
    const p = await m.propose(v);
    expect(p.commands.map((c) => [c.nodes[0]!.instanceId, c.reason, c.disposal])).toEqual([
      [
        'i-late',
        'instance i-late did not become a Ready node within 10m; story of i-late',
        { kind: 'remove', replace: true },
      ],
    ]);
    expect((await m.propose({ ...v, deleting: true })).commands).toEqual([]);
  });
  test('deletion: drains only the Nodes of instances that are released (the Delete table); retained ones keep working', async () => {
    // prettier-ignore
    const cs = [cand('i-a', node('a', 'x')), cand('i-sub', node('s', 'x'), { chargeType: 'PrePaid' }), cand('i-att', node('t', 'x'), { creationType: 'Attached' })];
    expect((await deletion.propose(view(cs, 0))).commands).toEqual([]);
    const [c] = (await deletion.propose(view(cs, 0, { deleting: true }))).commands;
    expect(c).toMatchObject({
      disposal: { kind: 'drain' },
      voluntary: false,
      nodes: [{ instanceId: 'i-a', node: 'a' }],
    });
  });
  test('deletedNode: one command per admitted Node being deleted, replaced by ESS', () => {
    const cs = [cand('i-a', node('a', 'x', {}, true)), cand('i-b', node('b', 'x'))];
    expect(deletedNodeCommands(view(cs, 2))).toEqual([
      expect.objectContaining({
        method: 'deletedNode',
        nodes: [{ instanceId: 'i-a', node: 'a' }],
        disposal: { kind: 'remove', replace: true },
        voluntary: false,
      }),
    ]);
  });
});
