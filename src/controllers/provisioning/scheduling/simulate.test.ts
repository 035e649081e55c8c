import { describe, expect, test } from '@jest/globals';
import type { Pod } from '../../../kube/index.js';
import { allocatableOf } from '../../../bootstrap/reservations.js';
import {
  simPodOf,
  simulate,
  type ExistingNode,
  type Offering,
  type Plan,
  type PoolTemplate,
  type SimPod,
} from './index.js';

/** Shapes as the simulator's catalogue has them: vCPU, GiB, price per hour (CNY). */
const TYPES: Record<string, [number, number, number, number?]> = {
  'ecs.c7.large': [2, 4, 0.3],
  'ecs.g7.large': [2, 8, 0.4],
  'ecs.g7.xlarge': [4, 16, 0.8],
  'ecs.g7.2xlarge': [8, 32, 1.6],
  'ecs.g7.4xlarge': [16, 64, 3.2],
  'ecs.r7.2xlarge': [8, 64, 2.1],
  'ecs.gn7i-c8g1.2xlarge': [8, 30, 8.8, 1],
};

function offering(
  pool: string,
  type: string,
  zone = 'z-a',
  extra: Partial<Offering> = {},
  labels: Record<string, string> = {},
): Offering {
  // prettier-ignore
  const [cpu, gib, price, gpus] = TYPES[type]!;
  const a = allocatableOf({ cpuMilli: cpu * 1000, memoryMiB: gib * 1024, gpus: gpus ?? 0 });
  return {
    instanceType: type,
    zoneId: zone,
    vSwitchId: `vsw-${zone}`,
    pricePerHour: price,
    allocatable: { cpuMilli: a.cpuMilli, memoryMiB: a.memoryMiB, gpus: a.gpus, pods: a.pods },
    labels: {
      ...labels,
      'nodepool.alicloud.dev/pool': pool,
      'topology.kubernetes.io/zone': zone,
      'node.kubernetes.io/instance-type': type,
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/os': 'linux',
    },
    available: true,
    ...extra,
  };
}

function pool(
  name: string,
  types: string[],
  o: Partial<PoolTemplate> & { zones?: string[]; labels?: Record<string, string> } = {},
): PoolTemplate {
  // prettier-ignore
  const zones = o.zones ?? ['z-a'];
  return {
    name,
    kind: 'NodePool',
    priority: 0,
    taints: [],
    room: 10,
    offerings: zones.flatMap((z) => types.map((t) => offering(name, t, z, {}, o.labels))),
    ...o,
  };
}

let seq = 0;
function pod(
  spec: NonNullable<Pod['spec']> = {},
  labels: Record<string, string> = {},
  name?: string,
): SimPod {
  return simPodOf({
    metadata: { name: name ?? `p${++seq}`, namespace: 'default', labels },
    spec: {
      ...spec,
      containers: spec.containers ?? [{ name: 'c', resources: { requests: { cpu: '1', memory: '1Gi' } } }],
    },
  });
}
const req = (cpu: string, memory: string, extra: Record<string, string> = {}): NonNullable<Pod['spec']> => ({
  containers: [{ name: 'c', resources: { requests: { cpu, memory, ...extra } } }],
});
const many = (n: number, spec: NonNullable<Pod['spec']>, labels: Record<string, string> = {}): SimPod[] =>
  Array.from({ length: n }, () => pod(spec, labels));

describe('pod requests', () => {
  test('containers + sidecars, or the largest init container, plus overhead; limits stand for missing requests', () => {
    const p = simPodOf({
      metadata: { name: 'x' },
      spec: {
        containers: [
          { name: 'a', resources: { requests: { cpu: '500m', memory: '1Gi' } } },
          { name: 'b', resources: { limits: { cpu: '250m', memory: '256Mi' } } },
        ],
        initContainers: [
          { name: 'migrate', resources: { requests: { cpu: '2', memory: '512Mi' } } },
          {
            name: 'proxy',
            restartPolicy: 'Always',
            resources: { requests: { cpu: '100m', memory: '128Mi' } },
          },
        ],
        overhead: { cpu: '50m', memory: '64Mi' },
      },
    });
    // containers 750m/1280Mi + sidecar 100m/128Mi = 850m/1408Mi; init 2000m/512Mi → max 2000m/1408Mi; + overhead
    expect(p.requests).toEqual({ cpuMilli: 2050, memoryMiB: 1472, gpus: 0, pods: 1 });
    expect(p.problem).toBeUndefined();
  });

  test('a malformed quantity is a problem naming the container and field, not a crash', () => {
    const p = pod(req('lots', '1Gi'));
    expect(p.problem).toContain('container c requests cpu: "lots" is not a quantity');
    const plan = simulate({ pods: [p], pools: [pool('a', ['ecs.g7.xlarge'])] });
    expect(plan.nodes).toHaveLength(0);
    expect(plan.unschedulable.get(p.key)?.[0]?.reason).toContain('is not a quantity');
  });
});

describe('simulate: packing and choice', () => {
  test('identical pods pack onto as few nodes as fit, the cheapest type that holds them', () => {
    const plan = simulate({
      pods: many(12, req('1500m', '2Gi')),
      pools: [pool('a', ['ecs.g7.large', 'ecs.g7.xlarge', 'ecs.g7.2xlarge', 'ecs.g7.4xlarge'])],
    });
    // 16 vCPU nodes hold 10 of them (15.85 allocatable): one 4xlarge and the 2 left on the cheapest that holds 2 (xlarge 3.92)
    expect(plan.nodes.map((n) => [n.instanceType, n.pods.length])).toEqual([
      ['ecs.g7.4xlarge', 10],
      ['ecs.g7.xlarge', 2],
    ]);
    expect(plan.unschedulable.size).toBe(0);
  });

  test('Karpenter-style mix: big memory pods go to r7, small ones pack on g7; everything fits', () => {
    const pods = [...many(10, req('900m', '3174Mi')), ...many(4, req('3500m', '28Gi'))];
    const plan = simulate({
      pods,
      pools: [
        pool('g', ['ecs.g7.xlarge', 'ecs.g7.2xlarge', 'ecs.g7.4xlarge']),
        pool('r', ['ecs.r7.2xlarge']),
      ],
    });
    expect(plan.unschedulable.size).toBe(0);
    expect(plan.nodes.filter((n) => n.pool === 'r').map((n) => n.pods.length)).toEqual([2, 2]);
    expect(plan.nodes.filter((n) => n.pool === 'g').reduce((a, n) => a + n.pods.length, 0)).toBe(10);
  });

  test('the higher scaling.priority wins over price; at equal priority the lower price per packed pod', () => {
    const cheap = pool('cheap', ['ecs.g7.xlarge']);
    const dear = pool('dear', ['ecs.g7.xlarge'], {
      priority: 10,
      offerings: [offering('dear', 'ecs.g7.xlarge', 'z-a', { pricePerHour: 5 })],
    });
    expect(simulate({ pods: [pod()], pools: [cheap, dear] }).nodes[0]?.pool).toBe('dear');
    const dear0 = { ...dear, priority: 0 };
    expect(simulate({ pods: [pod()], pools: [dear0, cheap] }).nodes[0]?.pool).toBe('cheap');
  });

  test('maxSize holds: no more new nodes than the room; the rest are unschedulable with the reason', () => {
    const pods = many(
      5,
      {
        ...req('1', '1Gi'),
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'one' } } },
            ],
          },
        },
      },
      { app: 'one' },
    );
    const plan = simulate({ pods, pools: [pool('a', ['ecs.g7.xlarge'], { room: 3 })] });
    expect(plan.nodes).toHaveLength(3);
    expect(plan.unschedulable.size).toBe(2);
    expect([...plan.unschedulable.values()][0]).toEqual([
      { pool: 'a', reason: 'at maxSize (no room for another node)' },
    ]);
  });

  test('an unavailable offering (no stock / failed recently) is skipped for the next one', () => {
    const p = pool('a', ['ecs.g7.xlarge'], { zones: ['z-a', 'z-b'] });
    const offerings = p.offerings.map((o) =>
      o.zoneId === 'z-a' ? { ...o, available: false, unavailableReason: 'NoStock' } : o,
    );
    const plan = simulate({ pods: [pod()], pools: [{ ...p, offerings }] });
    expect(plan.nodes.map((n) => n.zoneId)).toEqual(['z-b']);
    const none = simulate({
      pods: [pod()],
      pools: [
        { ...p, offerings: offerings.map((o) => ({ ...o, available: false, unavailableReason: 'NoStock' })) },
      ],
    });
    expect([...none.unschedulable.values()][0]?.[0]?.reason).toMatch(
      /^no fitting offering available: ecs.g7.xlarge in z-a \(NoStock\)/,
    );
  });

  test('in-flight capacity is used first: a pod already covered starts no node', () => {
    const alloc = offering('a', 'ecs.g7.xlarge').allocatable;
    const inflight: ExistingNode = {
      name: 'i-launched',
      pool: 'a',
      labels: offering('a', 'ecs.g7.xlarge').labels,
      taints: [],
      allocatable: alloc,
      used: { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 },
      pods: [],
      hostPorts: [],
      inFlight: true,
    };
    const plan = simulate({
      pods: many(3, req('1', '2Gi')),
      pools: [pool('a', ['ecs.g7.xlarge'])],
      existing: [inflight],
    });
    expect(plan.nodes).toHaveLength(0);
    expect(new Set(plan.onExisting.values())).toEqual(new Set(['i-launched']));
  });

  test('DaemonSet overhead comes off each new node (only the DaemonSets that would land there)', () => {
    const ds = [pod(req('1', '2Gi')), pod({ ...req('8', '8Gi'), nodeSelector: { gpu: 'yes' } })];
    // g7.xlarge holds 3 × 1 CPU pods alone (3.92), 2 with a 1-CPU DaemonSet; the GPU-only one does not land
    const plan = simulate({
      pods: many(3, req('1', '1Gi')),
      pools: [pool('a', ['ecs.g7.xlarge'])],
      daemonSets: ds,
    });
    expect(plan.nodes.map((n) => n.pods.length)).toEqual([2, 1]);
  });
});

describe('simulate: every constraint decides', () => {
  const general = pool('general', ['ecs.g7.xlarge', 'ecs.g7.4xlarge'], {
    zones: ['z-a', 'z-b'],
    labels: { workload: 'web' },
  });
  const tainted = pool('gpu', ['ecs.gn7i-c8g1.2xlarge'], {
    zones: ['z-b'],
    taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
  });

  test('GPUs: only a GPU type; a toleration opens the tainted pool; without it each pool says why', () => {
    const gpuPod = pod({
      ...req('2', '4Gi', { 'nvidia.com/gpu': '1' }),
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
    });
    expect(simulate({ pods: [gpuPod], pools: [general, tainted] }).nodes.map((n) => n.instanceType)).toEqual([
      'ecs.gn7i-c8g1.2xlarge',
    ]);
    const untolerated = pod(req('2', '4Gi', { 'nvidia.com/gpu': '1' }));
    const plan = simulate({ pods: [untolerated], pools: [general, tainted] });
    expect(plan.nodes).toHaveLength(0);
    expect(plan.unschedulable.get(untolerated.key)).toEqual([
      {
        pool: 'general',
        reason:
          'needs 2 CPU / 4 GiB / 1 GPU, its largest type ecs.g7.4xlarge has 15.9 CPU / 58.4 GiB / 0 GPU allocatable',
      },
      { pool: 'gpu', reason: 'taint dedicated=gpu:NoSchedule not tolerated' },
    ]);
  });

  test('huge requests name the largest type', () => {
    const p = pod(req('96', '64Gi'));
    expect(simulate({ pods: [p], pools: [general] }).unschedulable.get(p.key)?.[0]?.reason).toBe(
      'needs 96 CPU / 64 GiB, its largest type ecs.g7.4xlarge has 15.9 CPU / 58.4 GiB allocatable',
    );
  });

  test('nodeSelector against the labels the new node will carry (pool labels and per-offering ones)', () => {
    const ok = pod({
      ...req('1', '1Gi'),
      nodeSelector: { workload: 'web', 'topology.kubernetes.io/zone': 'z-b' },
    });
    expect(simulate({ pods: [ok], pools: [general] }).nodes.map((n) => n.zoneId)).toEqual(['z-b']);
    const bad = pod({ ...req('1', '1Gi'), nodeSelector: { workload: 'batch' } });
    expect(simulate({ pods: [bad], pools: [general] }).unschedulable.get(bad.key)?.[0]?.reason).toBe(
      "node selector workload=batch does not match (the pool's nodes have workload=web)",
    );
  });

  test.each([
    [
      'In',
      [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['ecs.g7.4xlarge'] }],
      'ecs.g7.4xlarge',
    ],
    [
      'NotIn',
      [{ key: 'node.kubernetes.io/instance-type', operator: 'NotIn', values: ['ecs.g7.xlarge'] }],
      'ecs.g7.4xlarge',
    ],
    ['Exists', [{ key: 'workload', operator: 'Exists' }], 'ecs.g7.xlarge'],
    ['DoesNotExist', [{ key: 'workload', operator: 'DoesNotExist' }], undefined],
    ['Gt', [{ key: 'cores', operator: 'Gt', values: ['8'] }], 'ecs.g7.4xlarge'],
    ['Lt', [{ key: 'cores', operator: 'Lt', values: ['8'] }], 'ecs.g7.xlarge'],
  ])('required node affinity %s', (_op, expressions, want) => {
    const withCores: PoolTemplate = {
      ...general,
      offerings: general.offerings.map((o) => ({
        ...o,
        labels: { ...o.labels, cores: o.instanceType === 'ecs.g7.4xlarge' ? '16' : '4' },
      })),
    };
    const p = pod({
      ...req('1', '1Gi'),
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: expressions }],
          },
        },
      },
    });
    const plan = simulate({ pods: [p], pools: [withCores] });
    expect(plan.nodes[0]?.instanceType).toBe(want);
    if (!want)
      expect(plan.unschedulable.get(p.key)?.[0]?.reason).toBe(
        'required node affinity matches none of its instance types and zones',
      );
  });

  test('required pod anti-affinity on hostname: one per node', () => {
    const pods = many(
      3,
      {
        ...req('500m', '512Mi'),
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'db' } } },
            ],
          },
        },
      },
      { app: 'db' },
    );
    expect(simulate({ pods, pools: [general] }).nodes.map((n) => n.pods.length)).toEqual([1, 1, 1]);
  });

  describe('required pod affinity', () => {
    const HOST = 'kubernetes.io/hostname';
    const ZONE = 'topology.kubernetes.io/zone';
    const aff = (
      key: string,
      app: string,
      extra: Record<string, unknown> = {},
    ): NonNullable<Pod['spec']> => ({
      ...req('1', '1Gi'),
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: key, labelSelector: { matchLabels: { app } }, ...extra },
          ],
        },
      },
    });
    const alloc = offering('general', 'ecs.g7.xlarge').allocatable;
    const inflight = (name: string, zone: string, podLabels: Record<string, string>[]): ExistingNode => ({
      name,
      pool: 'general',
      labels: { ...offering('general', 'ecs.g7.xlarge', zone).labels, [HOST]: name },
      taints: [],
      allocatable: alloc,
      used: {
        cpuMilli: podLabels.length * 1000,
        memoryMiB: podLabels.length * 1024,
        gpus: 0,
        pods: podLabels.length,
      },
      pods: podLabels.map((labels) => ({ namespace: 'default', labels, antiAffinity: [] })),
      hostPorts: [],
      inFlight: true,
    });
    // prettier-ignore
    const cases: [string, () => { pods: SimPod[]; pools?: PoolTemplate[]; existing?: ExistingNode[]; zoneCounts?: (ns: string) => Map<string, number> }, (plan: ReturnType<typeof simulate>, pods: SimPod[]) => void][] = [
      ['hostname, a group that selects itself: together on one new node', () => ({ pods: many(3, aff(HOST, 'cache'), { app: 'cache' }) }),
        (plan) => expect(plan.nodes.map((n) => n.pods.length)).toEqual([3])],
      ['hostname, beyond one node: the rest cannot follow (no second node for them)', () => ({ pods: many(20, aff(HOST, 'cache'), { app: 'cache' }) }),
        (plan, pods) => { expect(plan.nodes).toHaveLength(1); expect(plan.nodes[0]!.pods.length + plan.unschedulable.size).toBe(pods.length); expect([...plan.unschedulable.values()][0]?.[0]?.reason).toMatch(/^required pod affinity on hostname: a new node would not run the pods it must be with/); }],
      ['hostname, to a pod on a node in flight with room: there, no new node', () => ({ pods: many(2, aff(HOST, 'db'), { app: 'web' }), existing: [inflight('n-1', 'z-b', [{ app: 'db' }]), inflight('n-2', 'z-a', [])] }),
        (plan) => { expect(plan.nodes).toHaveLength(0); expect(new Set(plan.onExisting.values())).toEqual(new Set(['n-1'])); }],
      ['hostname, to pods running where the simulation cannot place: no new node, the reason named', () => ({ pods: [pod(aff(HOST, 'db'), { app: 'web' })], zoneCounts: () => new Map([['z-a', 2]]) }),
        (plan, pods) => { expect(plan.nodes).toHaveLength(0); expect(plan.unschedulable.get(pods[0]!.key)?.[0]?.reason).toMatch(/^required pod affinity on hostname/); }],
      ['zone, to pods running in z-b: the new node is in z-b', () => ({ pods: many(2, aff(ZONE, 'db'), { app: 'web' }), zoneCounts: (ns: string) => new Map(ns === 'default' ? [['z-b', 1]] : []) }),
        (plan) => expect(plan.nodes.map((n) => n.zoneId)).toEqual(['z-b'])],
      // z-a is cheaper but its pool has room for one node: the group's first node goes there, and the rest may
      // not follow into z-b (without the affinity they would)
      ['zone, a group that selects itself: every node in the first one’s zone', () => ({ pods: many(30, { ...req('1500m', '1Gi'), affinity: aff(ZONE, 'batch').affinity }, { app: 'batch' }), pools: [pool('cheap', ['ecs.g7.4xlarge'], { zones: ['z-a'], room: 1, offerings: [offering('cheap', 'ecs.g7.4xlarge', 'z-a', { pricePerHour: 3 })] }), pool('dear', ['ecs.g7.4xlarge'], { zones: ['z-b'] })] }),
        (plan, pods) => { expect(plan.nodes.map((n) => n.zoneId)).toEqual(['z-a']); expect(plan.unschedulable.size).toBe(pods.length - plan.nodes[0]!.pods.length); expect([...plan.unschedulable.values()][0]).toEqual([{ pool: 'cheap', reason: 'at maxSize (no room for another node)' }, { pool: 'dear', reason: 'topology spread / zone (anti-)affinity leaves none of its zones' }]); }],
      ['zone, pods in another namespace listed by the term', () => ({ pods: [pod(aff(ZONE, 'db', { namespaces: ['data'] }), { app: 'web' })], zoneCounts: (ns: string) => new Map(ns === 'data' ? [['z-b', 1]] : [['z-a', 5]]) }),
        (plan) => expect(plan.nodes.map((n) => n.zoneId)).toEqual(['z-b'])],
      ['another topology key, or a namespace selector: not simulated, said so', () => ({ pods: [pod(aff('rack', 'db')), pod(aff(ZONE, 'db', { namespaceSelector: {} }))] }),
        (plan, pods) => { expect(plan.nodes).toHaveLength(0); expect(plan.unschedulable.get(pods[0]!.key)?.[0]?.reason).toBe('required pod affinity on rack (only kubernetes.io/hostname and topology.kubernetes.io/zone are simulated)'); expect(plan.unschedulable.get(pods[1]!.key)?.[0]?.reason).toBe('required pod affinity with a namespaceSelector is not simulated'); }],
    ];
    test.each(cases)('%s', (_name, input, check) => {
      const i = input();
      const plan = simulate({
        pods: i.pods,
        pools: i.pools ?? [general],
        ...(i.existing ? { existing: i.existing } : {}),
        ...(i.zoneCounts ? { zoneCounts: i.zoneCounts } : {}),
      });
      check(plan, i.pods);
    });
  });

  test('host ports: two pods wanting the same port get two nodes', () => {
    const spec = {
      containers: [{ name: 'c', resources: { requests: { cpu: '100m' } }, ports: [{ hostPort: 8080 }] }],
    };
    expect(simulate({ pods: many(2, spec), pools: [general] }).nodes).toHaveLength(2);
  });

  test('topology spread on zone: spread over the zones, counting pods already running', () => {
    const spread = {
      ...req('1', '1Gi'),
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: 'web' } },
        },
      ],
    };
    const plan = simulate({
      pods: many(4, spread, { app: 'web' }),
      pools: [general],
      zoneCounts: () => new Map([['z-a', 1]]),
    });
    const perZone = new Map<string, number>();
    for (const n of plan.nodes) perZone.set(n.zoneId, (perZone.get(n.zoneId) ?? 0) + n.pods.length);
    // one already runs in z-a: with the four new ones, the zones end within a skew of 1 (3 / 2 or 2 / 3)
    const a = 1 + (perZone.get('z-a') ?? 0);
    const b = perZone.get('z-b') ?? 0;
    expect(a + b).toBe(5);
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1);
    // and the first new one went to z-b (z-a would have been a skew of 2)
    expect(plan.nodes[0]?.zoneId).toBe('z-b');
  });

  describe('zone spread packs per zone (bin-packing with topology)', () => {
    const zones = ['z-a', 'z-b', 'z-c'];
    const types = ['ecs.c7.large', 'ecs.g7.large', 'ecs.g7.xlarge', 'ecs.g7.2xlarge', 'ecs.g7.4xlarge'];
    const spreadPool = pool('spread', types, { zones, room: 1000 });
    const spreadSpec = {
      ...req('1', '2Gi'),
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: 'spread' } },
        },
      ],
    };
    const perZone = (plan: Plan): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const n of plan.nodes) out[n.zoneId] = (out[n.zoneId] ?? 0) + n.pods.length;
      return out;
    };
    /** The plan's new nodes as the next pass sees them: launched, not registered (in flight). */
    const inFlight = (plan: Plan, prefix: string): ExistingNode[] =>
      plan.nodes.map((n, i) => {
        const o = spreadPool.offerings.find(
          (x) => x.instanceType === n.instanceType && x.zoneId === n.zoneId,
        )!;
        return {
          name: `${prefix}-${i}`,
          pool: n.pool,
          labels: o.labels,
          taints: [],
          allocatable: o.allocatable,
          used: { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 },
          pods: [],
          hostPorts: [],
          inFlight: true,
          daemonSetsPending: true,
        };
      });

    test('300 pods over 3 zones: a handful of big nodes per zone, not one small node per pod', () => {
      const plan = simulate({ pods: many(300, spreadSpec, { app: 'spread' }), pools: [spreadPool] });
      expect(plan.unschedulable.size).toBe(0);
      expect(perZone(plan)).toEqual({ 'z-a': 100, 'z-b': 100, 'z-c': 100 });
      // g7.4xlarge holds 15 of them (15.85 CPU allocatable): 6 full ones and one for the last 10 in each zone
      expect(plan.nodes).toHaveLength(21);
      const full = plan.nodes.filter((n) => n.instanceType === 'ecs.g7.4xlarge' && n.pods.length === 15);
      expect(full).toHaveLength(18);
    });

    test("a second pass with the first pass's launches in flight launches nothing", () => {
      const pods = many(300, spreadSpec, { app: 'spread' });
      const first = simulate({ pods, pools: [spreadPool] });
      const second = simulate({ pods, pools: [spreadPool], existing: inFlight(first, 'launched') });
      expect(second.nodes).toHaveLength(0);
      expect(second.onExisting.size).toBe(300);
      expect(second.unschedulable.size).toBe(0);
    });

    test('nodes in flight in every zone (7 × g7.4xlarge each: 105 places) take all 300: no new launch', () => {
      const big = (zone: string, i: number): ExistingNode => {
        const o = spreadPool.offerings.find((x) => x.instanceType === 'ecs.g7.4xlarge' && x.zoneId === zone)!;
        return {
          name: `i-${zone}-${i}`,
          pool: 'spread',
          labels: o.labels,
          taints: [],
          allocatable: o.allocatable,
          used: { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 },
          pods: [],
          hostPorts: [],
          inFlight: true,
          daemonSetsPending: true,
        };
      };
      const existing = zones.flatMap((z) => Array.from({ length: 7 }, (_, i) => big(z, i)));
      const plan = simulate({
        pods: many(300, spreadSpec, { app: 'spread' }),
        pools: [spreadPool],
        existing,
      });
      expect(plan.nodes).toHaveLength(0);
      expect(plan.onExisting.size).toBe(300);
    });

    test('pods arriving in batches: each pass launches only for the pods the nodes in flight cannot hold', () => {
      const pods = many(300, spreadSpec, { app: 'spread' });
      let existing: ExistingNode[] = [];
      for (let k = 60; k <= 300; k += 60) {
        const plan = simulate({ pods: pods.slice(0, k), pools: [spreadPool], existing });
        // the pods of the earlier passes stay on the nodes launched for them
        for (const p of pods.slice(0, k - 60)) expect(plan.onExisting.has(p.key)).toBe(true);
        existing = [...existing, ...inFlight(plan, `pass-${k}`)];
      }
      // five passes of 60 (20 per zone): at most two nodes per zone and pass
      expect(existing.length).toBeLessThanOrEqual(30);
    });
  });

  test('topology spread on hostname: at most maxSkew per new node', () => {
    const spread = {
      ...req('100m', '128Mi'),
      topologySpreadConstraints: [
        {
          maxSkew: 2,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: 'x' } },
        },
      ],
    };
    expect(
      simulate({ pods: many(5, spread, { app: 'x' }), pools: [general] }).nodes.map((n) => n.pods.length),
    ).toEqual([2, 2, 1]);
  });

  test('the zone of bound volumes', () => {
    const p = simPodOf({ metadata: { name: 'v', namespace: 'default' }, spec: req('1', '1Gi') }, ['z-b']);
    expect(simulate({ pods: [p], pools: [general] }).nodes.map((n) => n.zoneId)).toEqual(['z-b']);
    const q = simPodOf({ metadata: { name: 'w', namespace: 'default' }, spec: req('1', '1Gi') }, ['z-c']);
    expect(simulate({ pods: [q], pools: [general] }).unschedulable.get(q.key)?.[0]?.reason).toBe(
      'its volumes are in z-c: the pool has no vSwitch there',
    );
  });

  test('max pods: the kubelet cap bounds a node', () => {
    const small = {
      ...general,
      offerings: general.offerings
        .filter((o) => o.zoneId === 'z-a' && o.instanceType === 'ecs.g7.4xlarge')
        .map((o) => ({ ...o, allocatable: { ...o.allocatable, pods: 4 } })),
    };
    expect(
      simulate({ pods: many(6, req('10m', '10Mi')), pools: [small] }).nodes.map((n) => n.pods.length),
    ).toEqual([4, 2]);
  });

  test('a blocked pool gives its reason', () => {
    const p = pod();
    expect(
      simulate({ pods: [p], pools: [{ ...general, blocked: 'the pool is Degraded' }] }).unschedulable.get(
        p.key,
      ),
    ).toEqual([{ pool: 'general', reason: 'the pool is Degraded' }]);
  });
});
