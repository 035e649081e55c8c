import { describe, expect, test } from '@jest/globals';
import { Annotation } from '../../../apis/v1beta1/constants.js';
import type { Node, Pod } from '../../../kube/index.js';
import {
  simPodOf,
  type ExistingNode,
  type Offering,
  type PoolTemplate,
  type SimPod,
} from '../../provisioning/scheduling/index.js';
import type { PoolView } from '../types.js';
import { inWindows } from './method.js';
import { nextMark, type Mark } from './mark.js';
import { planConsolidation, type ConsolidationInput, type Member } from './plan.js';
import type { ConsolidationSettings } from './settings.js';
import { nodeUse } from './usage.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const S: ConsolidationSettings = {
  policy: 'WhenEmptyOrUnderutilized',
  after: '10m',
  afterMs: 10 * MIN,
  threshold: 50,
};
const ALLOC = { cpuMilli: 4000, memoryMiB: 16384, gpus: 0, pods: 110 };
const labels = (name: string) => ({
  'kubernetes.io/hostname': name,
  'topology.kubernetes.io/zone': 'z-a',
  'nodepool.alicloud.dev/pool': 'web',
});

/** A pod of `cpu` millicores and `mem` MiB, controlled by a ReplicaSet. */
function pod(name: string, cpu: number, mem: number, extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'web' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true },
      ],
      ...extra,
    },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu: `${cpu}m`, memory: `${mem}Mi` } } }] },
    status: { phase: 'Running' },
  };
}
const sim = (p: Pod): SimPod => simPodOf(p);

/** A member whose node has been in `state` since `since` (minutes before now), holding `pods`. */
function member(name: string, pods: Pod[], since: number | undefined, o: Partial<Member> = {}): Member {
  const node: Node = { metadata: { name, annotations: {} } };
  const use = nodeUse(node, pods, ALLOC, S.threshold);
  const at = since === undefined ? undefined : T0 - since * MIN;
  const mark: Mark | undefined =
    at === undefined || use.state === 'busy'
      ? undefined
      : { underusedSince: iso(at), threshold: 50, ...(use.state === 'empty' ? { emptySince: iso(at) } : {}) };
  return {
    instanceId: `i-${name}`,
    node: name,
    createdAt: T0 - 60 * MIN,
    eligible: true,
    claim: undefined,
    state: use.state,
    cpuPercent: use.cpuPercent,
    memoryPercent: use.memoryPercent,
    mark,
    pods: use.moving.map((p) => sim(p as Pod)),
    blockers: use.blockers,
    instanceType: 'ecs.g7.xlarge',
    zoneId: 'z-a',
    pricePerHour: 0.8,
    ...o,
  };
}

/** The member's node (or another node) as a destination with `usedCpu` / `usedMem` already requested. */
function dest(name: string, usedCpu: number, usedMem: number, podsHere = 0): ExistingNode {
  return {
    name,
    pool: 'web',
    labels: labels(name),
    taints: [],
    allocatable: ALLOC,
    used: { cpuMilli: usedCpu, memoryMiB: usedMem, gpus: 0, pods: podsHere },
    pods: [],
    hostPorts: [],
  };
}

const offering = (type: string, cpu: number, mem: number, price: number): Offering => ({
  instanceType: type,
  zoneId: 'z-a',
  vSwitchId: 'vsw-a',
  pricePerHour: price,
  allocatable: { cpuMilli: cpu, memoryMiB: mem, gpus: 0, pods: 110 },
  labels: { 'topology.kubernetes.io/zone': 'z-a', 'nodepool.alicloud.dev/pool': 'web' },
  available: true,
});
const template = (...offerings: Offering[]): PoolTemplate => ({
  name: 'web',
  kind: 'NodePool',
  priority: 0,
  taints: [],
  offerings,
  room: 10,
});

function input(
  members: Member[],
  nodes: ExistingNode[],
  o: Partial<ConsolidationInput> = {},
): ConsolidationInput {
  return {
    settings: S,
    now: T0,
    minSize: 0,
    maxSize: 10,
    active: members.length,
    members,
    nodes,
    reserved: [],
    ...o,
  };
}

const removed = (i: ConsolidationInput) =>
  planConsolidation(i).commands.map(
    (c) => `${c.nodes[0]!.node}${c.replacement ? `→${c.replacement.instanceType}` : ''}`,
  );

describe('planConsolidation', () => {
  // each node also appears as a destination (the cluster's nodes include the pool's own)
  const full = (n: string) => dest(n, 3000, 12000, 3);
  const cases: [string, () => ConsolidationInput, string[], string | undefined][] = [
    [
      'an empty node past `after` is removed',
      () => input([member('a', [], 11)], [dest('a', 0, 0), full('b')]),
      ['a'],
      undefined,
    ],
    [
      'an empty node before `after` waits (NotBefore)',
      () => input([member('a', [], 5)], [dest('a', 0, 0)]),
      [],
      'NotBefore',
    ],
    [
      'a node launched less than `after` ago is not a candidate, whatever its mark',
      () => input([member('a', [], 11, { createdAt: T0 - 2 * MIN })], [dest('a', 0, 0)]),
      [],
      'NotBefore',
    ],
    [
      'an underused node whose pods fit on the others is removed',
      () =>
        input(
          [member('a', [pod('p1', 500, 1024), pod('p2', 500, 1024)], 11)],
          [dest('a', 1000, 2048, 2), dest('b', 1000, 4096, 1)],
        ),
      ['a'],
      undefined,
    ],
    [
      'policy WhenEmpty: an underused node stays',
      () =>
        input([member('a', [pod('p1', 500, 1024)], 11)], [dest('a', 500, 1024, 1), dest('b', 0, 0)], {
          settings: { ...S, policy: 'WhenEmpty' },
        }),
      [],
      undefined,
    ],
    [
      'an underused node whose pods fit nowhere, no cheaper type: held, naming the pods',
      () => input([member('a', [pod('p1', 1500, 4096)], 11)], [dest('a', 1500, 4096, 1), full('b')]),
      [],
      'PodsWouldNotFit',
    ],
    [
      '… with a cheaper type that holds them: replaced by one cheaper node, launched first',
      () =>
        input([member('a', [pod('p1', 1500, 4096)], 11)], [dest('a', 1500, 4096, 1), full('b')], {
          template: template(
            offering('ecs.g7.xlarge', 3900, 13000, 0.8),
            offering('ecs.g7.large', 1900, 6000, 0.4),
          ),
        }),
      ['a→ecs.g7.large'],
      undefined,
    ],
    [
      '… not when the pool is at maxSize (no room for the replacement)',
      () =>
        input([member('a', [pod('p1', 1500, 4096)], 11)], [dest('a', 1500, 4096, 1), full('b')], {
          maxSize: 1,
          template: template(offering('ecs.g7.large', 1900, 6000, 0.4)),
        }),
      [],
      'PodsWouldNotFit',
    ],
    [
      '… nor when only dearer types hold them',
      () =>
        input([member('a', [pod('p1', 1500, 4096)], 11)], [dest('a', 1500, 4096, 1), full('b')], {
          template: template(offering('ecs.g7.2xlarge', 7900, 28000, 1.6)),
        }),
      [],
      'PodsWouldNotFit',
    ],
    [
      'minSize holds: two empty nodes, minSize 1 → one goes',
      () =>
        input([member('a', [], 12), member('b', [], 11)], [dest('a', 0, 0), dest('b', 0, 0)], { minSize: 1 }),
      ['a'],
      'MinSize',
    ],
    [
      'a do-not-disrupt pod keeps its node',
      () =>
        input(
          [member('a', [pod('p1', 100, 100, { annotations: { [Annotation.doNotDisrupt]: 'true' } })], 11)],
          [dest('a', 100, 100, 1), dest('b', 0, 0)],
        ),
      [],
      'DoNotDisrupt',
    ],
    [
      'karpenter.sh/do-not-disrupt keeps it',
      () =>
        input(
          [
            member(
              'a',
              [pod('p1', 100, 100, { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } })],
              11,
            ),
          ],
          [dest('a', 100, 100, 1), dest('b', 0, 0)],
        ),
      [],
      'DoNotDisrupt',
    ],
    [
      'safe-to-evict "false" keeps it',
      () =>
        input(
          [
            member(
              'a',
              [
                pod('p1', 100, 100, {
                  annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
                }),
              ],
              11,
            ),
          ],
          [dest('a', 100, 100, 1), dest('b', 0, 0)],
        ),
      [],
      'DoNotDisrupt',
    ],
    [
      'a pod without a controller keeps it',
      () =>
        input(
          [member('a', [pod('p1', 100, 100, { ownerReferences: [] })], 11)],
          [dest('a', 100, 100, 1), dest('b', 0, 0)],
        ),
      [],
      'NotEvictable',
    ],
    [
      '… unless annotated safe-to-evict "true"',
      () =>
        input(
          [
            member(
              'a',
              [
                pod('p1', 100, 100, {
                  ownerReferences: [],
                  annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' },
                }),
              ],
              11,
            ),
          ],
          [dest('a', 100, 100, 1), dest('b', 0, 0)],
        ),
      ['a'],
      undefined,
    ],
    [
      'pending pods that would run on an empty node keep it (no ping-pong with elasticity)',
      () =>
        input([member('a', [], 11)], [full('b'), dest('a', 0, 0)], {
          reserved: [sim(pod('pending', 2000, 2048))],
        }),
      [],
      'PodsWouldNotFit',
    ],
    [
      'pending pods that fit elsewhere do not',
      () =>
        input([member('a', [], 11)], [dest('b', 0, 0), dest('a', 0, 0)], {
          reserved: [sim(pod('pending', 2000, 2048))],
        }),
      ['a'],
      undefined,
    ],
    [
      "two underused nodes, room for one's pods only: one goes, the other receives",
      () =>
        input(
          [member('a', [pod('p1', 1000, 1024)], 11), member('b', [pod('p2', 1000, 1024)], 11)],
          [dest('a', 1000, 1024, 1), dest('b', 1000, 1024, 1), dest('c', 2500, 4096, 1)],
        ),
      ['a'],
      'PodsWouldNotFit',
    ],
    [
      'a node claimed by consolidation is proposed again, with its replacement',
      () =>
        input(
          [
            member('a', [pod('p1', 1500, 4096)], 11, {
              claim: {
                method: 'consolidation',
                reason: 'r',
                voluntary: true,
                replacementsFirst: true,
                disposal: 'remove',
                since: iso(T0),
                replacement: {
                  id: 'x',
                  startedAt: iso(T0),
                  instanceType: 'ecs.g7.large',
                  zoneId: 'z-a',
                  vSwitchId: 'vsw-a',
                },
              },
            }),
          ],
          [full('b')],
        ),
      ['a→ecs.g7.large'],
      undefined,
    ],
  ];
  test.each(cases)('%s', (_n, make, expected, blocker) => {
    const i = make();
    expect(removed(i)).toEqual(expected);
    const p = planConsolidation(i);
    expect(p.pending?.blockedBy.map((b) => b.kind)[0]).toBe(blocker);
    for (const c of p.commands)
      expect(c).toMatchObject({
        method: 'consolidation',
        voluntary: true,
        disposal: { kind: 'remove', replace: false },
      });
  });

  test('the preview names what holds the first due node and when the next one is due', () => {
    const blocked = planConsolidation(
      input([member('a', [pod('p1', 1500, 4096)], 11)], [dest('a', 1500, 4096, 1), full('b')]),
    );
    expect(blocked.pending).toMatchObject({
      action: 'Remove',
      nodes: ['a'],
      blockedBy: [
        {
          kind: 'PodsWouldNotFit',
          message:
            'pods would not fit on the other nodes: default/p1; no cheaper instance type than ecs.g7.xlarge in the pool',
        },
      ],
    });
    expect(blocked.pending?.reason).toMatch(
      /^node a underused since .* \(requests: CPU 38%, memory 25% of allocatable, below 50%; after 10m\)$/,
    );
    const waiting = planConsolidation(input([member('a', [], 4)], [dest('a', 0, 0)]));
    expect(waiting.pending).toMatchObject({
      nodes: ['a'],
      notBefore: iso(T0 + 6 * MIN).replace(/\.\d+Z$/, 'Z'),
    });
    expect(waiting.requeueAfterMs).toBe(6 * MIN);
  });

  test('at most one replacement at a time', () => {
    // 1.9 CPU each, on 3.9 CPU nodes less 1 CPU of DaemonSets: neither fits beside the other
    const m = (n: string) => member(n, [pod(`${n}-p`, 1900, 4096)], 11);
    const p = planConsolidation(
      input([m('a'), m('b')], [dest('a', 2900, 4096, 2), dest('b', 2900, 4096, 2)], {
        template: template(offering('ecs.c7.large', 1950, 6000, 0.4)),
      }),
    );
    expect(p.commands[0]?.replacement?.instanceType).toBe('ecs.c7.large');
    expect(p.commands).toHaveLength(1);
    expect(p.pending?.blockedBy[0]?.message).toMatch(/a replacement is already under way/);
  });

  test('required pod affinity: on the hostname it moves beside its peer; on another key it keeps its node', () => {
    const withAffinity = (topologyKey: string): Pod => {
      const p = pod('p1', 500, 1024, { labels: { app: 'api' } });
      const term = { topologyKey, labelSelector: { matchLabels: { app: 'db' } } };
      return {
        ...p,
        spec: {
          ...p.spec!,
          affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } },
        },
      };
    };
    // b has room but no db pod; c holds the db pod: p1 can only go to c
    const db = { namespace: 'default', labels: { app: 'db' }, antiAffinity: [] };
    const nodes = () => [
      dest('a', 500, 1024, 1),
      dest('b', 0, 0),
      { ...dest('c', 500, 1024, 1), pods: [db] },
    ];
    const moved = planConsolidation(
      input([member('a', [withAffinity('kubernetes.io/hostname')], 11)], nodes()),
    );
    expect(moved.commands.map((c) => c.nodes[0]!.node)).toEqual(['a']);
    const withoutPeer = planConsolidation(
      input(
        [member('a', [withAffinity('kubernetes.io/hostname')], 11)],
        [dest('a', 500, 1024, 1), dest('b', 0, 0)],
      ),
    );
    expect(withoutPeer.commands).toEqual([]);
    expect(withoutPeer.pending?.blockedBy[0]?.kind).toBe('PodsWouldNotFit');
    const rack = planConsolidation(input([member('a', [withAffinity('example.com/rack')], 11)], nodes()));
    expect(rack.commands).toEqual([]);
    expect(rack.pending?.blockedBy[0]).toMatchObject({ kind: 'PodsWouldNotFit' });
  });
});

describe('multi-node consolidation (several nodes replaced by one cheaper node)', () => {
  const commands = (i: ConsolidationInput) =>
    planConsolidation(i).commands.map(
      (c) =>
        `${c.nodes.map((t) => t.node).join('+')}${c.replacement ? `→${c.replacement.instanceType}` : ''}`,
    );
  // one pod each that fits nowhere else (each node has 1 CPU free besides it: 1.5 CPU of DaemonSets, d is
  // full); one xlarge (3.9 CPU) holds two of them, a 2xlarge three
  const m = (n: string, o: Partial<Member> = {}) => member(n, [pod(`${n}-p`, 1500, 4096)], 11, o);
  const nodes = (...names: string[]) => [
    ...names.map((n) => dest(n, 3000, 8192, 2)),
    dest('d', 3000, 12000, 3),
  ];
  const xlarge = offering('ecs.g7.xlarge', 3900, 13000, 0.8);
  const big = offering('ecs.g7.2xlarge', 5800, 28000, 1.6);
  const cases: [string, () => ConsolidationInput, string[]][] = [
    [
      'three nodes of 0.8 CNY/h whose pods fit one 2xlarge of 1.6: replaced by it, launched first',
      () => input([m('a'), m('b'), m('c')], nodes('a', 'b', 'c'), { template: template(xlarge, big) }),
      ['a+b+c→ecs.g7.2xlarge'],
    ],
    [
      'the largest prefix that fits: four candidates, one 2xlarge holds three',
      () =>
        input([m('a'), m('b'), m('c'), m('e')], nodes('a', 'b', 'c', 'e'), {
          template: template(big),
          maxSize: 10,
        }),
      ['a+b+c→ecs.g7.2xlarge'],
    ],
    [
      "the budget's headroom caps the command (carried out whole): two of three, on one xlarge",
      () =>
        input([m('a'), m('b'), m('c')], nodes('a', 'b', 'c'), {
          template: template(xlarge, big),
          allowed: 2,
        }),
      ['a+b→ecs.g7.xlarge'],
    ],
    [
      'a headroom of one: no multi-node command',
      () =>
        input([m('a'), m('b'), m('c')], nodes('a', 'b', 'c'), {
          template: template(xlarge, big),
          allowed: 1,
        }),
      [],
    ],
    [
      'minSize: three of three nodes at minSize 2 → two replaced by one',
      () =>
        input([m('a'), m('b'), m('c')], nodes('a', 'b', 'c'), {
          template: template(xlarge, big),
          minSize: 2,
          active: 3,
        }),
      ['a+b→ecs.g7.xlarge'],
    ],
    [
      'not when the one node is not cheaper than the nodes it replaces together',
      () =>
        input(
          [m('a', { pricePerHour: 0.5 }), m('b', { pricePerHour: 0.5 }), m('c', { pricePerHour: 0.5 })],
          nodes('a', 'b', 'c'),
          {
            template: template(big),
          },
        ),
      [],
    ],
    [
      'nor with policy WhenEmpty',
      () =>
        input([m('a'), m('b'), m('c')], nodes('a', 'b', 'c'), {
          template: template(xlarge, big),
          settings: { ...S, policy: 'WhenEmpty' },
        }),
      [],
    ],
    [
      'nor when the pool is at maxSize',
      () =>
        input([m('a'), m('b'), m('c')], nodes('a', 'b', 'c'), {
          template: template(xlarge, big),
          maxSize: 3,
        }),
      [],
    ],
    [
      'a node that receives the pods of a node removed after it is no part of it',
      () =>
        input(
          // a and c: one pod that fits nowhere; b's two small pods fit only on a (c and d have no room)
          [m('a'), m('c'), member('b', [pod('b-1', 450, 512), pod('b-2', 450, 512)], 11)],
          [
            dest('a', 3000, 8192, 2),
            dest('b', 3200, 8192, 3),
            dest('c', 3700, 8192, 2),
            dest('d', 4000, 12000, 3),
          ],
          { template: template(xlarge, big) },
        ),
      ['b'],
    ],
    [
      'a node with a blocker is no part of it',
      () =>
        input(
          [
            member('a', [pod('a-p', 1500, 4096, { annotations: { [Annotation.doNotDisrupt]: 'true' } })], 11),
            m('b'),
            m('c'),
          ],
          nodes('a', 'b', 'c'),
          { template: template(xlarge, big) },
        ),
      ['b+c→ecs.g7.xlarge'],
    ],
  ];
  test.each(cases)('%s', (_n, make, expected) => {
    const p = planConsolidation(make());
    expect(commands(make())).toEqual(expected);
    for (const c of p.commands)
      expect(c).toMatchObject({
        voluntary: true,
        replacementsFirst: c.replacement !== undefined,
        disposal: { kind: 'remove', replace: false },
      });
  });

  test('its reason names the nodes and the prices; the node left waits for the replacement under way', () => {
    const p = planConsolidation(
      input([m('a'), m('b'), m('c'), m('e')], nodes('a', 'b', 'c', 'e'), { template: template(big) }),
    );
    expect(p.commands[0]!.reason).toBe(
      'nodes a, b, c underused or empty for 10m (below 50%): their 3 pod(s) fit on the other nodes with one cheaper ecs.g7.2xlarge in z-a (1.6 vs 2.4 CNY/h for the 3), launched and Ready first',
    );
    expect(p.pending).toMatchObject({ nodes: ['e'], blockedBy: [{ kind: 'PodsWouldNotFit' }] });
    expect(p.pending?.blockedBy[0]?.message).toMatch(/a replacement is already under way$/);
  });

  test('claims sharing one replacement go on as one command (its one replacement launched once)', () => {
    const claim = () => ({
      method: 'consolidation' as const,
      reason: 'r',
      voluntary: true,
      replacementsFirst: true,
      disposal: 'remove' as const,
      since: iso(T0),
      replacement: {
        id: 'x',
        startedAt: iso(T0),
        instanceType: 'ecs.g7.2xlarge',
        zoneId: 'z-a',
        vSwitchId: 'vsw-a',
      },
    });
    const p = planConsolidation(
      input([m('a', { claim: claim() }), m('b', { claim: claim() }), m('c')], nodes('c'), {
        template: template(xlarge, big),
      }),
    );
    expect(p.commands.map((c) => c.nodes.map((t) => t.node))).toEqual([['a', 'b']]);
    expect(p.commands[0]!.replacement?.instanceType).toBe('ecs.g7.2xlarge');
  });
});

describe('nextMark: since when a node is empty or underused', () => {
  const t = (m: number) => T0 + m * MIN;
  test.each([
    [
      'first seen empty: both start now',
      undefined,
      'empty',
      true,
      { underusedSince: iso(t(0)), emptySince: iso(t(0)) },
    ],
    [
      'still empty: kept',
      { underusedSince: iso(t(-5)), emptySince: iso(t(-3)), threshold: 50 },
      'empty',
      true,
      { underusedSince: iso(t(-5)), emptySince: iso(t(-3)) },
    ],
    [
      'empty → underused: empty ends, underused goes on',
      { underusedSince: iso(t(-5)), emptySince: iso(t(-3)), threshold: 50 },
      'underused',
      true,
      { underusedSince: iso(t(-5)) },
    ],
    ['busy: the mark goes', { underusedSince: iso(t(-5)), threshold: 50 }, 'busy', true, undefined],
    [
      'an untrusted mark (consolidation was off) starts again',
      { underusedSince: iso(t(-500)), threshold: 50 },
      'underused',
      false,
      { underusedSince: iso(t(0)) },
    ],
    [
      'a mark of another threshold starts again',
      { underusedSince: iso(t(-5)), threshold: 30 },
      'underused',
      true,
      { underusedSince: iso(t(0)) },
    ],
  ] as const)('%s', (_n, prior, state, trusted, want) => {
    const m = nextMark(prior, state, 50, T0, trusted);
    expect(
      m === undefined
        ? undefined
        : { underusedSince: m.underusedSince, ...(m.emptySince ? { emptySince: m.emptySince } : {}) },
    ).toEqual(want);
  });
});

describe('nodeUse', () => {
  const n = (annotations: Record<string, string> = {}): Node => ({ metadata: { name: 'a', annotations } });
  test('DaemonSet, mirror and finished pods leave a node empty; they still count in its use', () => {
    const ds = pod('ds', 1000, 1024, {
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd', uid: 'd', controller: true }],
    });
    const mirror = pod('m', 100, 100, { annotations: { 'kubernetes.io/config.mirror': 'x' } });
    const done = { ...pod('j', 3000, 1024), status: { phase: 'Succeeded' } };
    const u = nodeUse(n(), [ds, mirror, done], ALLOC, 50);
    expect(u).toMatchObject({ state: 'empty', moving: [], blockers: [] });
    expect(Math.round(u.cpuPercent)).toBe(28);
  });
  test('a pod requesting a resource the simulation does not count keeps its node', () => {
    const p = pod('fpga', 100, 100);
    p.spec!.containers![0]!.resources = {
      requests: { cpu: '100m', 'example.com/fpga': '1' },
      limits: { 'example.com/fpga': '1' },
    };
    expect(nodeUse(n(), [p], ALLOC, 50).blockers[0]?.message).toBe(
      'pod default/fpga requests example.com/fpga, which the scheduling simulation does not count',
    );
  });
  test('underused needs both CPU and memory below the threshold', () => {
    expect(nodeUse(n(), [pod('p', 1000, 12000)], ALLOC, 50).state).toBe('busy');
    expect(nodeUse(n(), [pod('p', 1000, 4000)], ALLOC, 50).state).toBe('underused');
  });
  test('local storage blocks unless safe-to-evict; an in-memory emptyDir does not; the node annotation blocks', () => {
    const withVol = (name: string, v: object, ann: Record<string, string> = {}) => {
      const p = pod(name, 100, 100, { annotations: ann });
      p.spec!.volumes = [{ name: 'v', ...v }];
      return p;
    };
    expect(nodeUse(n(), [withVol('a', { emptyDir: {} })], ALLOC, 50).blockers[0]?.message).toMatch(
      /pod default\/a has local storage \(emptyDir volume v\)/,
    );
    expect(nodeUse(n(), [withVol('a', { hostPath: {} })], ALLOC, 50).blockers[0]?.kind).toBe('NotEvictable');
    expect(nodeUse(n(), [withVol('a', { emptyDir: { medium: 'Memory' } })], ALLOC, 50).blockers).toEqual([]);
    expect(
      nodeUse(
        n(),
        [withVol('a', { emptyDir: {} }, { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' })],
        ALLOC,
        50,
      ).blockers,
    ).toEqual([]);
    expect(nodeUse(n({ [Annotation.doNotDisrupt]: 'true' }), [], ALLOC, 50).blockers[0]).toEqual({
      kind: 'DoNotDisrupt',
      message: `node a is annotated ${Annotation.doNotDisrupt}=true`,
    });
  });
});

describe('maintenance windows', () => {
  test('outside them nothing new starts (a consolidation under way goes on); the preview names the window', () => {
    const claimed = member('b', [], 30, {
      claim: {
        method: 'consolidation',
        reason: 'r',
        voluntary: true,
        replacementsFirst: false,
        disposal: 'remove',
        since: iso(T0),
      },
    });
    const plan = planConsolidation(input([member('a', [], 11), claimed], [dest('a', 0, 0)]));
    expect(plan.commands.map((c) => c.nodes[0]!.node)).toEqual(['b', 'a']);
    // T0 is Sunday 2026-03-01 00:00 UTC; the window opens Saturday 02:00 UTC
    const candidates = [{ instanceId: 'i-b', claim: claimed.claim }] as unknown as PoolView['candidates'];
    const closed = inWindows(
      { windows: [{ days: ['Sat'], start: '02:00', duration: '4h', timeZone: 'UTC' }], now: T0, candidates },
      plan,
    );
    expect(closed.commands.map((c) => c.nodes[0]!.node)).toEqual(['b']);
    expect(closed.pending).toMatchObject({
      nodes: ['a'],
      notBefore: '2026-03-07T02:00:00.000Z',
      blockedBy: [
        {
          kind: 'MaintenanceWindow',
          message:
            'outside the maintenance windows: the next, Sat 02:00 for 4h (UTC), opens at 2026-03-07T02:00:00.000Z',
        },
      ],
    });
    const open = inWindows(
      { windows: [{ days: ['Sun'], start: '00:00', duration: '1h' }], now: T0, candidates },
      plan,
    );
    expect(open).toBe(plan);
  });
});
