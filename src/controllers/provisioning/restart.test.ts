import { describe, expect, test } from '@jest/globals';
import type { ElasticityLaunch } from '../../apis/v1beta1/index.js';
import type { CloudInstance, PoolInstance } from '../../cloud/types.js';
import type { Node } from '../../kube/index.js';
import { RESTART_GRACE_MS, inFlightOf } from './inflight.js';
import { chosenRestarts, restartableOf } from './restart.js';
import type { Offering } from './scheduling/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const member = (id: string, type = 'ecs.g7.xlarge'): PoolInstance => ({
  instanceId: id,
  status: 'Stopped',
  zoneId: 'z1',
  instanceType: type,
  chargeType: 'PostPaid',
  spotStrategy: 'NoSpot',
  privateIp: undefined,
  vSwitchId: 'vsw-1',
  hostName: undefined,
  imageId: undefined,
  tags: {},
  locks: [],
  lifecycleState: 'Stopped',
  healthy: true,
  creationType: 'AutoCreated',
  scalingConfigurationId: undefined,
  reclaiming: false,
  creationTime: undefined,
  expiredTime: undefined,
  deletionProtection: false,
});
const offering = (type: string): Offering => ({
  instanceType: type,
  zoneId: 'z1',
  vSwitchId: 'vsw-1',
  pricePerHour: 1,
  allocatable: { cpuMilli: 3920, memoryMiB: 13_700, gpus: 0, pods: 110 },
  labels: { 'node.kubernetes.io/instance-type': type },
  available: true,
});
const node = (name: string, id: string, ready: boolean, since = T0): Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  spec: {
    providerID: `cn-hangzhou.${id}`,
    unschedulable: true,
    taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }],
  },
  status: {
    conditions: [
      { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(since).toISOString() },
    ],
    allocatable: { cpu: '3920m', memory: '13700Mi', pods: '110' },
  },
});
const restart = (ids: string[], attached: boolean): ElasticityLaunch => ({
  id: 'r1',
  action: 'Restart',
  instanceType: 'ecs.g7.xlarge',
  zoneId: 'z1',
  vSwitchId: 'vsw-1',
  count: ids.length,
  instanceIds: ids,
  attached,
  startedAt: new Date(T0).toISOString(),
});

describe('restartableOf: an economical pool’s Stopped members as nodes to start again', () => {
  const nodes = new Map([['i-1', node('n1', 'i-1', false)]]);
  const base = {
    pool: 'eco',
    records: [] as ElasticityLaunch[],
    room: 10,
    nodeOf: (id: string) => nodes.get(id),
    offering: (m: PoolInstance) => offering(m.instanceType),
    taints: [],
  };

  test('each member as the node it will be again: its Node’s name and labels, the offering’s allocatable, the pool’s taints', () => {
    const r = restartableOf({ ...base, stopped: [member('i-1'), member('i-2')] });
    expect(
      r.map((x) => [
        x.node.name,
        x.nodeName,
        x.node.labels['kubernetes.io/hostname'],
        x.node.labels['node.kubernetes.io/instance-type'],
      ]),
    ).toEqual([
      // prettier-ignore
      ['n1', 'n1', 'n1', 'ecs.g7.xlarge'],
      ['stopped-i-2', undefined, 'stopped-i-2', 'ecs.g7.xlarge'],
    ]);
    expect(r[0]!.node).toMatchObject({
      taints: [],
      inFlight: true,
      daemonSetsPending: true,
      allocatable: { cpuMilli: 3920 },
    });
  });

  test('members a Restart record is starting, beyond the room, or without an offering are left out', () => {
    expect(
      restartableOf({
        ...base,
        stopped: [member('i-1'), member('i-2')],
        records: [restart(['i-1'], true)],
      }).map((x) => x.instance.instanceId),
    ).toEqual(['i-2']);
    expect(restartableOf({ ...base, stopped: [member('i-1'), member('i-2')], room: 1 })).toHaveLength(1);
    expect(restartableOf({ ...base, stopped: [member('i-1')], offering: () => undefined })).toEqual([]);
  });

  test('the members a plan placed pods on, by pool', () => {
    const r = restartableOf({ ...base, stopped: [member('i-1'), member('i-2')] });
    const chosen = chosenRestarts(
      r,
      new Map([
        ['ns/a', 'n1'],
        ['ns/b', 'n1'],
        ['ns/c', 'new-1'],
      ]),
    );
    expect([...chosen].map(([p, rs]) => [p, rs.map((x) => x.instance.instanceId)])).toEqual([
      ['eco', ['i-1']],
    ]);
  });
});

describe('inFlightOf: Restart records', () => {
  const input = (r: ElasticityLaunch, now: number, status: string, n?: Node) => ({
    pool: 'eco',
    prepaid: false,
    records: [r],
    instances: new Map([['i-1', { instanceId: 'i-1', status } as CloudInstance]]),
    nodes: new Map(n ? [['i-1', n]] : []),
    podsOn: () => [],
    offering: () => offering('ecs.g7.xlarge'),
    attachedAt: () => undefined,
    now,
  });

  test('a scale-out never asked for (a crash in between) is asked again, its members counted in flight', () => {
    const f = inFlightOf(input(restart(['i-1'], false), T0 + 1000, 'Stopped', node('n1', 'i-1', false)), []);
    expect({
      resume: f.toResume.length,
      keep: f.keep.length,
      attach: f.toAttach.length,
      unattached: f.unattached,
      existing: f.existing.map((e) => e.name),
      booting: f.booting,
    }).toEqual({ resume: 1, keep: 1, attach: 0, unattached: 1, existing: ['n1'], booting: 1 });
  });

  test('asked: the member starting counts in flight (its unreachable taint ignored), nothing to attach', () => {
    const f = inFlightOf(input(restart(['i-1'], true), T0 + 5000, 'Starting', node('n1', 'i-1', false)), []);
    expect({
      resume: f.toResume.length,
      keep: f.keep.length,
      attach: f.toAttach.length,
      unattached: f.unattached,
    }).toEqual({ resume: 0, keep: 1, attach: 0, unattached: 0 });
    expect(f.existing[0]!.taints).toEqual([]);
  });

  test('a planned member still Stopped after the grace (ESS started another): no longer counted', () => {
    const early = inFlightOf(
      input(restart(['i-1'], true), T0 + RESTART_GRACE_MS - 1, 'Stopped', node('n1', 'i-1', false)),
      [],
    );
    const late = inFlightOf(
      input(restart(['i-1'], true), T0 + RESTART_GRACE_MS + 1, 'Stopped', node('n1', 'i-1', false)),
      [],
    );
    expect([early.keep.length, late.keep.length, late.existing.length]).toEqual([1, 0, 0]);
  });

  test('Ready for the grace period: done', () => {
    const f = inFlightOf(
      input(restart(['i-1'], true), T0 + 120_000, 'Running', node('n1', 'i-1', true, T0 + 10_000)),
      [],
    );
    expect([f.keep.length, f.booting]).toEqual([0, 0]);
  });
});
