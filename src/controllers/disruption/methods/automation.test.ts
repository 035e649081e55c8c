import { describe, expect, test } from '@jest/globals';
import { Annotation } from '../../../apis/v1beta1/constants.js';
import type { NodePool } from '../../../apis/v1beta1/index.js';
import type { CloudInstance, PoolInstance, SystemEventInfo } from '../../../cloud/types.js';
import type { Node } from '../../../kube/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { poolInstance } from '../../../cloud/fake/instances.js';
import { SharedReads } from '../reads/shared-reads.js';
import type { Candidate, Claim, PoolView } from '../types.js';
import { repairMethod } from './repair.js';
import { spotInterruptionMethod } from './spot-interruption.js';
import { systemEventsMethod } from './system-events.js';

const MIN = 60_000;
const NOW = Date.parse('2026-05-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/** A member whose Node is Ready, or unhealthy since `sickFor` ms (Ready Unknown); marked was-ready. */
function member(
  id: string,
  o: { sickFor?: number; rebootedAgo?: number; claim?: Claim; over?: Partial<PoolInstance> } = {},
): Candidate {
  const since = o.sickFor !== undefined ? NOW - o.sickFor : undefined;
  const annotations: Record<string, string> = { [Annotation.wasReady]: iso(NOW - 60 * MIN) };
  if (o.rebootedAgo !== undefined)
    annotations[Annotation.repairReboot] = JSON.stringify({
      at: iso(NOW - o.rebootedAgo),
      unhealthySince: iso(since ?? NOW),
    });
  if (o.claim) annotations[Annotation.disruption] = JSON.stringify(o.claim);
  const node: Node = {
    metadata: { name: `n-${id}`, annotations },
    status: {
      conditions: [
        since === undefined
          ? { type: 'Ready', status: 'True' }
          : { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: iso(since) },
      ],
    },
  };
  return {
    instanceId: id,
    instance: poolInstance(id, o.over),
    node,
    ready: since === undefined,
    claim: o.claim,
  };
}

function view(candidates: Candidate[], spec: Record<string, unknown>): PoolView {
  return {
    kind: 'NodePool',
    pool: {
      metadata: { name: 'web' },
      spec: {
        scaling: { mode: 'Manual', desiredSize: candidates.length },
        billing: { chargeType: 'PayAsYouGo' },
        ...spec,
      },
    } as unknown as DeepReadonly<NodePool>,
    uid: 'uid-web',
    status: {},
    group: undefined,
    candidates,
    desired: candidates.length,
    lifecycleActions: [],
    deleting: false,
    now: NOW,
    podsOn: () => Promise.resolve(new Map()),
  };
}

const management = (autoRepair: Record<string, unknown>, allowReboot = false) => ({
  management: {
    maintenance: { allowReboot },
    autoRepair: { enabled: true, notReadyTimeout: '10m', maxUnhealthy: '20%', ...autoRepair },
    autoUpgrade: { enabled: false },
    autoPatch: { enabled: false },
    systemEvents: { enabled: true },
  },
});
const healthy = (n: number): Candidate[] => Array.from({ length: n }, (_, i) => member(`ok${i}`));

describe('repair', () => {
  const m = repairMethod(5 * MIN);
  test('off unless autoRepair is enabled', () => {
    expect(m.enabled(view(healthy(2), {}))).toBe(false);
    expect(m.enabled(view(healthy(2), management({ enabled: false })))).toBe(false);
    expect(m.enabled(view(healthy(2), management({})))).toBe(true);
  });

  test('a node past notReadyTimeout is replaced: the replacement launched at once, drained at once (voluntary: the budget holds it)', async () => {
    const p = await m.propose(view([...healthy(9), member('bad', { sickFor: 11 * MIN })], management({})));
    expect(p.commands).toEqual([
      expect.objectContaining({
        method: 'repair',
        voluntary: true,
        replacementsFirst: true,
        drainBy: NOW,
        disposal: { kind: 'remove', replace: false },
        nodes: [{ instanceId: 'bad', node: 'n-bad' }],
      }),
    ]);
    expect(p.commands[0]!.reason).toMatch(/^node n-bad: Ready=Unknown \(NodeStatusUnknown\) for 660s/);
  });

  test('not yet due: nothing, the preview says when, and the engine looks again then', async () => {
    const p = await m.propose(view([...healthy(9), member('bad', { sickFor: 4 * MIN })], management({})));
    expect(p.commands).toEqual([]);
    expect(p.requeueAfterMs).toBe(6 * MIN);
    expect(p.pending).toMatchObject({ action: 'Replace', nodes: ['n-bad'], notBefore: iso(NOW + 6 * MIN) });
  });

  test('a zone outage (more than maxUnhealthy unhealthy): nothing, a Warning once per episode, MaxUnhealthy in the preview', async () => {
    const sick = ['a', 'b', 'c'].map((id) => member(id, { sickFor: 30 * MIN }));
    const p = await m.propose(view([...healthy(7), ...sick], management({})));
    expect(p.commands).toEqual([]);
    expect(p.notices).toEqual([
      expect.objectContaining({
        type: 'Warning',
        reason: 'RepairHeldBack',
        key: 'held/n-a,n-b,n-c',
        outcome: 'held',
      }),
    ]);
    expect(p.pending?.blockedBy).toEqual([
      {
        kind: 'MaxUnhealthy',
        message: expect.stringContaining('3 of 10 nodes are unhealthy, more than maxUnhealthy (20% = 2)'),
      },
    ]);
  });

  test('allowReboot: a reboot first, carried on (not repeated) within its grace, replaced after it', async () => {
    const first = await m.propose(
      view([...healthy(9), member('bad', { sickFor: 11 * MIN })], management({}, true)),
    );
    expect(first.commands).toEqual([
      expect.objectContaining({ disposal: { kind: 'reboot', unhealthySince: NOW - 11 * MIN } }),
    ]);
    const claim: Claim = {
      method: 'repair',
      reason: 'x',
      voluntary: true,
      replacementsFirst: false,
      disposal: 'reboot',
      since: iso(NOW - 2 * MIN),
    };
    const during = await m.propose(
      view(
        [...healthy(9), member('bad', { sickFor: 13 * MIN, rebootedAgo: 2 * MIN, claim })],
        management({}, true),
      ),
    );
    expect(during.commands.map((c) => c.disposal.kind)).toEqual(['reboot']); // the same reboot, waiting for Ready
    expect(during.requeueAfterMs).toBe(3 * MIN);
    const after = await m.propose(
      view(
        [...healthy(9), member('bad', { sickFor: 20 * MIN, rebootedAgo: 6 * MIN, claim })],
        management({}, true),
      ),
    );
    expect(after.commands).toEqual([
      expect.objectContaining({
        disposal: { kind: 'remove', replace: false },
        reason: expect.stringContaining('after a reboot'),
      }),
    ]);
  });

  test('a rebooted node Ready again: the reboot command is proposed to finish it', async () => {
    const claim: Claim = {
      method: 'repair',
      reason: 'x',
      voluntary: true,
      replacementsFirst: false,
      disposal: 'reboot',
      since: iso(NOW - 2 * MIN),
    };
    const p = await m.propose(
      view([...healthy(9), member('bad', { rebootedAgo: 2 * MIN, claim })], management({}, true)),
    );
    expect(p.commands).toEqual([
      expect.objectContaining({
        disposal: expect.objectContaining({ kind: 'reboot' }),
        reason: expect.stringContaining('Ready again'),
      }),
    ]);
  });

  test('never a node that never was Ready (registration), nor one another method disrupts', async () => {
    const fresh = member('new', { sickFor: 30 * MIN });
    const node = fresh.node!;
    const stripped = { ...fresh, node: { ...node, metadata: { ...node.metadata, annotations: {} } } };
    const other: Claim = {
      method: 'scaleIn',
      reason: 'x',
      voluntary: true,
      replacementsFirst: false,
      disposal: 'remove',
      since: iso(NOW),
    };
    const p = await m.propose(
      view([...healthy(8), stripped, member('busy', { sickFor: 30 * MIN, claim: other })], management({})),
    );
    expect(p.commands).toEqual([]);
  });

  test('a pool at its maxSize: no room for a replacement first; ESS replaces after the removal', async () => {
    const v = view([...healthy(2), member('bad', { sickFor: 11 * MIN })], {
      ...management({ maxUnhealthy: 1 }),
      scaling: { mode: 'Auto', minSize: 0, maxSize: 3 },
    });
    const p = await m.propose(v);
    expect(p.commands).toEqual([
      expect.objectContaining({ replacementsFirst: false, disposal: { kind: 'remove', replace: true } }),
    ]);
  });
});

/** A cloud that answers system events and locks from tables, counting the calls. */
function fakeCloud(events: SystemEventInfo[], reclaiming: string[] = []) {
  const calls: { events: string[][]; locks: string[][] } = { events: [], locks: [] };
  let now = NOW;
  const cloud = {
    systemEvents: (ids: readonly string[]) => {
      calls.events.push([...ids]);
      return Promise.resolve(events.filter((e) => ids.includes(e.instanceId)));
    },
    describeInstances: (ids: readonly string[]) => {
      calls.locks.push([...ids]);
      return Promise.resolve(
        ids.map(
          (id) =>
            ({
              instanceId: id,
              locks: reclaiming.includes(id) ? ['Recycling'] : [],
            }) as unknown as CloudInstance,
        ),
      );
    },
  };
  return { calls, reads: new SharedReads(cloud, () => now), advance: (ms: number) => (now += ms) };
}
const ev = (
  id: string,
  instanceId: string,
  type: string,
  inMin: number,
  cycle = 'Scheduled',
): SystemEventInfo => ({
  id,
  instanceId,
  type,
  cycle,
  notBefore: iso(NOW + inMin * MIN),
  publishTime: iso(NOW),
  reason: 'maintenance',
});

describe('systemEvents', () => {
  const spec = management({ enabled: false });
  test('a maintenance reboot 30 min ahead: replaced first, drained by NotBefore − margin − drain time; the reason names the event', async () => {
    const f = fakeCloud([ev('e-1', 'a', 'SystemMaintenance.Reboot', 30)]);
    const p = await systemEventsMethod(f.reads).propose(view([member('a'), member('b')], spec));
    expect(p.commands).toEqual([
      expect.objectContaining({
        method: 'systemEvents',
        voluntary: false,
        replacementsFirst: true,
        drainBy: NOW + 22 * MIN,
        disposal: { kind: 'remove', replace: false },
      }),
    ]);
    expect(p.commands[0]!.reason).toMatch(
      /ECS system event e-1 \(SystemMaintenance.Reboot, Scheduled\) executes at 2026-05-01T00:30:00.000Z/,
    );
  });
  test('too close, or executing: drained at once (the replacement launched alongside)', async () => {
    const f = fakeCloud([
      ev('e-1', 'a', 'SystemFailure.Delete', 8),
      ev('e-2', 'b', 'InstanceFailure.Reboot', 60, 'Executing'),
    ]);
    const p = await systemEventsMethod(f.reads).propose(view([member('a'), member('b'), member('c')], spec));
    expect(p.commands.map((c) => [c.nodes[0]!.instanceId, c.drainBy, c.replacementsFirst])).toEqual([
      ['a', NOW, true],
      ['b', NOW, true],
    ]);
  });
  test('a node claimed earlier keeps its deadline as time runs short', async () => {
    const claim: Claim = {
      method: 'systemEvents',
      reason: 'x',
      voluntary: false,
      replacementsFirst: true,
      disposal: 'remove',
      since: iso(NOW - 20 * MIN),
      drainBy: iso(NOW + 2 * MIN),
    };
    const f = fakeCloud([ev('e-1', 'a', 'SystemMaintenance.Reboot', 10)]);
    const p = await systemEventsMethod(f.reads).propose(view([member('a', { claim }), member('b')], spec));
    expect(p.commands[0]).toMatchObject({ drainBy: NOW + 2 * MIN, replacementsFirst: true });
  });
  test('a billing event: a Warning once per event, nothing replaced', async () => {
    const f = fakeCloud([ev('e-9', 'a', 'InstanceExpiration.Stop', 60)]);
    const p = await systemEventsMethod(f.reads).propose(view([member('a')], spec));
    expect(p.commands).toEqual([]);
    expect(p.notices).toEqual([
      expect.objectContaining({ reason: 'SystemEventWarning', key: 'e-9', outcome: 'warned' }),
    ]);
  });
  test('ONE batched read per interval for every pool; a new member of a fresh snapshot is read alone', async () => {
    const f = fakeCloud([]);
    const m = systemEventsMethod(f.reads);
    await m.propose({ ...view([member('a'), member('b')], spec), uid: 'p1' });
    await m.propose({ ...view([member('c')], spec), uid: 'p2' });
    expect(f.calls.events).toEqual([['a', 'b'], ['c']]);
    f.advance(31_000);
    await m.propose({ ...view([member('a'), member('b')], spec), uid: 'p1' });
    await m.propose({ ...view([member('c')], spec), uid: 'p2' });
    expect(f.calls.events.slice(2)).toEqual([['a', 'b', 'c']]);
  });
});

describe('spotInterruption', () => {
  const spot = (replaceBeforeReclaim: boolean) => ({
    billing: { chargeType: 'Spot', spot: { strategy: 'SpotAsPriceGo', replaceBeforeReclaim } },
  });
  const spotMember = (id: string, over: Partial<PoolInstance> = {}) =>
    member(id, { over: { spotStrategy: 'SpotAsPriceGo', ...over } });
  test('replaceBeforeReclaim: the replacement first, drained when Ready or 2 min before the reclamation (notice counted from the read before)', async () => {
    const f = fakeCloud([], ['a']);
    const p = await spotInterruptionMethod(f.reads).propose(
      view([spotMember('a'), spotMember('b')], spot(true)),
    );
    expect(p.commands).toEqual([
      expect.objectContaining({
        method: 'spotInterruption',
        voluntary: false,
        replacementsFirst: true,
        drainBy: NOW - 30_000 + 5 * MIN - 2 * MIN,
      }),
    ]);
    expect(f.calls.locks).toEqual([['a', 'b']]);
  });
  test('without it: drained at once, ESS replaces afterwards', async () => {
    const f = fakeCloud([], ['a']);
    const p = await spotInterruptionMethod(f.reads).propose(
      view([spotMember('a'), spotMember('b')], spot(false)),
    );
    expect(p.commands).toEqual([
      expect.objectContaining({ replacementsFirst: false, disposal: { kind: 'remove', replace: true } }),
    ]);
  });
  test('the pool listing’s Recycling lock counts too; a pay-as-you-go pool has no spot interruption', async () => {
    const f = fakeCloud([]);
    const p = await spotInterruptionMethod(f.reads).propose(
      view([spotMember('a', { reclaiming: true })], spot(true)),
    );
    expect(p.commands.map((c) => c.nodes[0]!.instanceId)).toEqual(['a']);
    expect(spotInterruptionMethod(f.reads).enabled(view([member('a')], {}))).toBe(false);
  });
});
