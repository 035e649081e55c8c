import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { Annotation } from '../../apis/v1beta1/constants.js';
import type { NodePool } from '../../apis/v1beta1/index.js';
import { FakeCloudProvider } from '../../cloud/fake/provider.js';
import type { PoolInstance } from '../../cloud/types.js';
import type { Node } from '../../kube/index.js';
import { createLogger } from '../../log.js';
import type { DeepReadonly } from '../../util/readonly.js';
import { poolSpecOf } from '../nodepool/kinds.js';
import { claimOf } from './claim.js';
import { typedReplacements } from './replacement.js';
import type { DrainRequest, DrainResult } from './drain.js';
import { DisruptionExecutor, type NodeOps } from './executor.js';
import type { Candidate, Claim, Command, PoolView } from './types.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const log = createLogger({ level: 'silent' });

/** The API server's Nodes, in memory: what the executor wrote is read back from here. */
class MemoryNodes implements NodeOps {
  readonly nodes = new Map<string, Node>();
  readonly deleted: string[] = [];
  readonly letGone: string[] = [];
  get(name: string) {
    return Promise.resolve(this.nodes.get(name));
  }
  claim(node: DeepReadonly<Node>, claim: Claim | undefined) {
    const n = this.nodes.get(node.metadata.name);
    if (!n) return Promise.resolve(false);
    const a = { ...(n.metadata.annotations ?? {}) };
    if (claim) a[Annotation.disruption] = JSON.stringify(claim);
    else delete a[Annotation.disruption];
    n.metadata.annotations = a;
    return Promise.resolve(true);
  }
  deleteNode(node: DeepReadonly<Node>) {
    this.nodes.delete(node.metadata.name);
    this.deleted.push(node.metadata.name);
    return Promise.resolve();
  }
  letGo(node: DeepReadonly<Node>) {
    this.letGone.push(node.metadata.name);
    return Promise.resolve();
  }
  dropFinalizer() {
    return Promise.resolve();
  }
  annotate(name: string, annotations: Readonly<Record<string, string | null>>) {
    const n = this.nodes.get(name);
    if (!n) return Promise.resolve(false);
    const a = { ...(n.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(annotations)) {
      if (v === null) delete a[k];
      else a[k] = v;
    }
    n.metadata.annotations = a;
    return Promise.resolve(true);
  }
}

/** Drains answer what the test says per Node (default: drained at once). */
class ScriptedDrains {
  readonly calls: string[] = [];
  readonly requests: DrainRequest[] = [];
  readonly answers = new Map<string, DrainResult>();
  drainStep(req: DrainRequest): Promise<DrainResult> {
    this.calls.push(req.node);
    this.requests.push(req);
    return Promise.resolve(
      this.answers.get(req.node) ?? {
        state: 'done',
        node: req.node,
        startedAt: new Date(T0).toISOString(),
        evicted: [],
        deleted: [],
      },
    );
  }
  cancelDrain() {
    return Promise.resolve(true);
  }
}

const events: { type: string; reason: string; note: string }[] = [];
const push = (type: string, reason: string, note: string): Promise<void> => {
  events.push({ type, reason, note });
  return Promise.resolve();
};
const recorder = {
  record: (_s: unknown, type: string, reason: string, _a: string, note: string) => push(type, reason, note),
  normal: (_s: unknown, reason: string, _a: string, note: string) => push('Normal', reason, note),
  warning: (_s: unknown, reason: string, _a: string, note: string) => push('Warning', reason, note),
};

function world(
  budget: number | string,
  members: {
    id: string;
    charge?: 'PostPaid' | 'PrePaid';
    attached?: boolean;
    claim?: Claim;
    ready?: boolean;
  }[],
) {
  // prettier-ignore
  const cloud = new FakeCloudProvider();
  const g = cloud.addGroup({ name: 'np-c-web', desiredCapacity: members.length });
  const nodes = new MemoryNodes();
  const drains = new ScriptedDrains();
  const candidates: Candidate[] = members.map((m) => {
    const inst = cloud.addInstance({
      instanceId: m.id,
      groupId: g.id,
      chargeType: m.charge ?? 'PostPaid',
      creationType: m.attached ? 'Attached' : 'AutoCreated',
    });
    const node: Node = {
      metadata: {
        name: `n-${m.id}`,
        annotations: m.claim ? { [Annotation.disruption]: JSON.stringify(m.claim) } : {},
      },
      status: { conditions: [{ type: 'Ready', status: m.ready === false ? 'False' : 'True' }] },
    };
    nodes.nodes.set(node.metadata.name, node);
    const { groupId: _g, ...rest } = inst;
    const instance: PoolInstance = {
      ...rest,
      healthy: true,
      scalingConfigurationId: undefined,
      reclaiming: false,
    };
    return { instanceId: m.id, instance, node, ready: m.ready !== false, claim: m.claim };
  });
  const view: PoolView = {
    kind: 'NodePool',
    pool: {
      metadata: { name: 'web' },
      spec: {
        disruption: { budget, drainTimeout: '15m' },
        scaling: { mode: 'Manual', desiredSize: members.length },
      },
    } as unknown as DeepReadonly<NodePool>,
    uid: 'uid-web',
    status: {},
    group: g,
    candidates,
    desired: members.length,
    lifecycleActions: [],
    deleting: false,
    now: T0,
    podsOn: () => Promise.resolve(new Map()),
  };
  const executor = new DisruptionExecutor({
    cloud,
    clock: { now: () => T0, monotonic: () => 0 } as never,
    logger: log,
    events: recorder,
    drainer: drains,
    nodes,
  });
  const ctx = {
    view,
    poolRef: { apiVersion: 'nodepool.alicloud.dev/v1beta1', kind: 'NodePool', name: 'web' },
    groupId: g.id,
    forceDrain: false,
  };
  return { cloud, g, nodes, drains, view, executor, ctx };
}

const cmd = (method: Command['method'], ids: string[], over: Partial<Command> = {}): Command => ({
  method,
  nodes: ids.map((id) => ({ instanceId: id, node: `n-${id}` })),
  replacementsFirst: false,
  reason: `${method} test`,
  voluntary: true,
  disposal: { kind: 'remove', replace: false },
  ...over,
});

describe('the disruption executor (against the fake cloud)', () => {
  test('the Delete table: a pay-as-you-go instance the pool created is released and its Node deleted; a Subscription one and an attached one are detached and kept, never released', async () => {
    // prettier-ignore
    const w = world('100%', [{ id: 'i-payg' }, { id: 'i-sub', charge: 'PrePaid' }, { id: 'i-att', attached: true }]);
    const r = await w.executor.execute(w.ctx, [cmd('scaleIn', ['i-payg', 'i-sub', 'i-att'])]);
    expect(w.cloud.callsOf('removeInstances')).toEqual([
      [w.g.id, ['i-payg'], expect.objectContaining({ policy: 'release', decreaseDesired: true })],
    ]);
    expect(w.cloud.callsOf('detachInstances')).toEqual([
      [w.g.id, ['i-sub', 'i-att'], expect.objectContaining({ decreaseDesired: true })],
    ]);
    expect(w.cloud.instances.get('i-sub')?.status).toBe('Running');
    expect(w.nodes.deleted).toEqual(['n-i-payg']);
    expect(w.nodes.letGone.sort()).toEqual(['n-i-att', 'n-i-sub']);
    expect(r.retained.map((x) => x.instanceId).sort()).toEqual(['i-att', 'i-sub']);
    expect(r.outcomes[0]!.done.map((d) => d.outcome)).toEqual(['released', 'retained', 'retained']);
  });

  test('a replacement instead of a smaller pool: the desired capacity stays (ESS launches another)', async () => {
    const w = world('100%', [{ id: 'i-1' }, { id: 'i-2' }]);
    await w.executor.execute(w.ctx, [
      cmd('registration', ['i-1'], { voluntary: false, disposal: { kind: 'remove', replace: true } }),
    ]);
    expect(w.cloud.callsOf('removeInstances')[0]![2]).toMatchObject({
      policy: 'release',
      decreaseDesired: false,
    });
  });

  test('the budget holds across methods: with a budget of 1, one voluntary node starts, whatever method asks; involuntary commands are not held', async () => {
    // prettier-ignore
    const w = world(1, [{ id: 'i-1' }, { id: 'i-2' }, { id: 'i-3' }, { id: 'i-4' }]);
    const r = await w.executor.execute(w.ctx, [
      cmd('consolidation', ['i-1']),
      cmd('scaleIn', ['i-2', 'i-3']),
      cmd('deletedNode', ['i-4'], { voluntary: false, disposal: { kind: 'remove', replace: true } }),
    ]);
    expect(w.drains.calls).toEqual(['n-i-1', 'n-i-4']);
    expect(r.outcomes[1]!.held.map((h) => h.kind)).toEqual(['Budget', 'Budget']);
    expect(r.outcomes[1]!.held[0]!.message).toMatch(/disruption.budget 1 allows 1 node\(s\) at once/);
  });

  test('a node already claimed counts against the budget and goes on; nothing new starts', async () => {
    const claim: Claim = {
      method: 'consolidation',
      reason: 'x',
      voluntary: true,
      replacementsFirst: false,
      disposal: 'remove',
      since: new Date(T0 - 60_000).toISOString(),
    };
    const w = world(1, [{ id: 'i-1', claim }, { id: 'i-2' }, { id: 'i-3' }]);
    const r = await w.executor.execute(w.ctx, [cmd('consolidation', ['i-1']), cmd('scaleIn', ['i-2'])]);
    expect(w.drains.calls).toEqual(['n-i-1']);
    expect(r.outcomes[1]!.held.map((h) => h.kind)).toEqual(['Budget']);
    // the operation id of the removal carries the claim's time: a later disruption of the same ids is a new write
    expect(w.cloud.callsOf('removeInstances')[0]![2]).toMatchObject({
      operationId: `uid-web/consolidation/remove/i-1@${claim.since}`,
    });
  });

  test('replacement first: nothing is drained until the pool, without the claimed node, has its desired Ready nodes', async () => {
    // prettier-ignore
    const w = world('100%', [{ id: 'i-1' }, { id: 'i-2' }]);
    const first = await w.executor.execute(w.ctx, [
      cmd('repair', ['i-1'], { replacementsFirst: true, voluntary: false }),
    ]);
    expect(w.drains.calls).toEqual([]);
    expect(first.outcomes[0]!.waiting[0]!.blockedBy[0]!.kind).toBe('Replacement');
    expect(claimOf(w.nodes.nodes.get('n-i-1'))).toMatchObject({ method: 'repair', replacementsFirst: true });
    // the replacement came up Ready: the claimed node drains and goes
    const c1 = { ...w.view.candidates[0]!, claim: claimOf(w.nodes.nodes.get('n-i-1')) };
    const repl = {
      ...w.view.candidates[1]!,
      instanceId: 'i-3',
      instance: { ...w.view.candidates[1]!.instance, instanceId: 'i-3' },
    };
    const view = { ...w.view, candidates: [c1, w.view.candidates[1]!, repl] };
    await w.executor.execute({ ...w.ctx, view }, [
      cmd('repair', ['i-1'], { replacementsFirst: true, voluntary: false }),
    ]);
    expect(w.drains.calls).toEqual(['n-i-1']);
    expect(w.cloud.callsOf('removeInstances')[0]![1]).toEqual(['i-1']);
  });

  test("a blocked drain: nothing removed, the drain's retryAfterMs is the requeue, the PodDisruptionBudget named", async () => {
    // prettier-ignore
    const w = world('100%', [{ id: 'i-1' }, { id: 'i-2' }]);
    w.drains.answers.set('n-i-1', {
      state: 'waiting',
      node: 'n-i-1',
      startedAt: new Date(T0).toISOString(),
      evicted: [],
      deleted: [],
      blockers: [
        {
          pod: { namespace: 'shop', name: 'db-0' },
          reason: 'PodDisruptionBudget',
          message: 'Cannot evict',
          pdb: 'guard',
        },
      ],
      retryAfterMs: 5000,
      elapsedMs: 0,
      pastTimeout: false,
    });
    const r = await w.executor.execute(w.ctx, [cmd('scaleIn', ['i-1'])]);
    expect(w.cloud.callsOf('removeInstances')).toEqual([]);
    expect(r.outcomes[0]!.retryAfterMs).toBe(5000);
    expect(r.outcomes[0]!.waiting[0]!.blockedBy).toEqual([
      { kind: 'PodDisruptionBudget', message: 'PodDisruptionBudget shop/guard (pod shop/db-0)' },
    ]);
  });

  test('economical mode: the instance is stopped (recycle) and keeps its Node', async () => {
    const w = world('100%', [{ id: 'i-1' }, { id: 'i-2' }]);
    const r = await w.executor.execute(w.ctx, [cmd('scaleIn', ['i-1'], { disposal: { kind: 'stop' } })]);
    expect(w.cloud.callsOf('removeInstances')[0]![2]).toMatchObject({
      policy: 'recycle',
      decreaseDesired: true,
    });
    expect(w.nodes.deleted).toEqual([]);
    expect(w.nodes.nodes.has('n-i-1')).toBe(true);
    expect(r.outcomes[0]!.done[0]!.outcome).toBe('stopped');
  });

  test('an ESS hook: a blocked drain near the hook timeout gets a heartbeat (and a Warning saying so); a drained one gets CONTINUE', async () => {
    // prettier-ignore
    const since = new Date(T0 - 50 * 60_000).toISOString();
    const claim: Claim = {
      method: 'essHook',
      reason: 'x',
      voluntary: false,
      replacementsFirst: false,
      disposal: 'hook',
      since,
      hookSince: since,
      heartbeats: 0,
    };
    const w = world('100%', [{ id: 'i-1', claim }]);
    w.drains.answers.set('n-i-1', {
      state: 'waiting',
      node: 'n-i-1',
      startedAt: since,
      evicted: [],
      deleted: [],
      blockers: [{ pod: { namespace: 'a', name: 'p' }, reason: 'DoNotDisrupt', message: 'x' }],
      retryAfterMs: 30000,
      elapsedMs: 0,
      pastTimeout: true,
    });
    const hook = cmd('essHook', ['i-1'], {
      voluntary: false,
      disposal: { kind: 'hook', hookId: 'ash-1', token: 'tok', activityId: 'asa-1' },
    });
    w.cloud.addLifecycleAction({ activityId: 'asa-1', hookId: 'ash-1', token: 'tok', instanceIds: ['i-1'] });
    await w.executor.execute(w.ctx, [hook]);
    expect(w.cloud.heartbeats).toEqual([{ hookId: 'ash-1', token: 'tok', timeoutSeconds: 3600 }]);
    expect(claimOf(w.nodes.nodes.get('n-i-1'))).toMatchObject({
      heartbeats: 1,
      hookDeadline: new Date(T0 + 3600_000).toISOString(),
    });
    expect(events.some((e) => e.reason === 'ScaleInHookExtended' && /heartbeat 1 of 20/.test(e.note))).toBe(
      true,
    );
    expect(w.cloud.callsOf('completeLifecycleAction')).toEqual([]);
    w.drains.answers.delete('n-i-1');
    await w.executor.execute(w.ctx, [hook]);
    expect(w.cloud.callsOf('completeLifecycleAction')).toEqual([
      [{ hookId: 'ash-1', token: 'tok', result: 'CONTINUE' }],
    ]);
  });

  test('force-drain: only pool deletion, only past drainTimeout, only with the annotation — and a Warning names the pods left', async () => {
    // prettier-ignore
    const w = world('100%', [{ id: 'i-1' }]);
    w.drains.answers.set('n-i-1', {
      state: 'waiting',
      node: 'n-i-1',
      startedAt: new Date(T0).toISOString(),
      evicted: [],
      deleted: [],
      blockers: [
        { pod: { namespace: 'a', name: 'p' }, reason: 'PodDisruptionBudget', message: 'x', pdb: 'g' },
      ],
      retryAfterMs: 5000,
      elapsedMs: 20 * 60_000,
      pastTimeout: true,
    });
    const del = cmd('deletion', ['i-1'], { voluntary: false, disposal: { kind: 'drain' } });
    const held = await w.executor.execute(w.ctx, [del]);
    expect(held.outcomes[0]!.done).toEqual([]);
    const forced = await w.executor.execute({ ...w.ctx, forceDrain: true }, [del]);
    expect(forced.outcomes[0]!.done.map((d) => d.outcome)).toEqual(['drained']);
    expect(
      events.some(
        (e) => e.reason === 'ForceDrain' && /a\/p \(blocked by PodDisruptionBudget g\)/.test(e.note),
      ),
    ).toBe(true);
    const other = await w.executor.execute({ ...w.ctx, forceDrain: true }, [cmd('scaleIn', ['i-1'])]);
    expect(other.outcomes[0]!.done).toEqual([]);
  });
});

describe('the executor for automation: reboot, drain deadlines, machines released', () => {
  /** The view after the writes of a round: each candidate with its Node (and claim) as the executor left it. */
  const reread = (
    w: ReturnType<typeof world>,
    over: Partial<Record<string, Partial<Node['status']>>> = {},
  ): PoolView => ({
    // prettier-ignore
    ...w.view,
    candidates: w.view.candidates.map((c) => {
      const n = w.nodes.nodes.get(`n-${c.instanceId}`);
      const node = n && over[c.instanceId] ? { ...n, status: { ...n.status, ...over[c.instanceId] } } : n;
      const ready = node?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
      return { ...c, node, ready, claim: claimOf(node) };
    }),
  });
  const notReady = { conditions: [{ type: 'Ready', status: 'Unknown' }] };

  test('a reboot is not a removal: protected from ESS, recorded on the Node, rebooted once, counted against the budget, done when Ready again', async () => {
    const w = world(1, [{ id: 'i-1', ready: false }, { id: 'i-2' }]);
    const reboot = cmd('repair', ['i-1'], { disposal: { kind: 'reboot', unhealthySince: T0 - 60_000 } });
    const first = await w.executor.execute(w.ctx, [reboot, cmd('scaleIn', ['i-2'])]);
    expect(w.cloud.callsOf('setScaleInProtection')).toEqual([[w.g.id, ['i-1'], true]]);
    expect(w.cloud.callsOf('rebootInstance')).toEqual([['i-1']]);
    expect(JSON.parse(w.nodes.nodes.get('n-i-1')!.metadata.annotations![Annotation.repairReboot]!)).toEqual({
      at: new Date(T0).toISOString(),
      unhealthySince: new Date(T0 - 60_000).toISOString(),
    });
    expect(first.outcomes[0]!.waiting[0]!.blockedBy[0]!.kind).toBe('Rebooting');
    expect(first.outcomes[1]!.held.map((h) => h.kind)).toEqual(['Budget']); // the reboot took the budget of 1
    expect(w.drains.calls).toEqual([]); // no drain: the pods start again with the kubelet
    // still NotReady: no second reboot
    await w.executor.execute({ ...w.ctx, view: reread(w, { 'i-1': notReady }) }, [reboot]);
    expect(w.cloud.callsOf('rebootInstance')).toHaveLength(1);
    // Ready again: the protection lifted, the record and the claim gone, an Event
    const ready = reread(w, { 'i-1': { conditions: [{ type: 'Ready', status: 'True' }] } });
    const protectedView = {
      ...ready,
      candidates: ready.candidates.map((c) =>
        c.instanceId === 'i-1' ? { ...c, instance: { ...c.instance, lifecycleState: 'Protected' } } : c,
      ),
    };
    const done = await w.executor.execute({ ...w.ctx, view: protectedView }, [reboot]);
    expect(done.outcomes[0]!.done).toEqual([
      { target: { instanceId: 'i-1', node: 'n-i-1' }, outcome: 'rebooted' },
    ]);
    expect(w.cloud.callsOf('setScaleInProtection')[1]).toEqual([w.g.id, ['i-1'], false]);
    expect(w.nodes.nodes.get('n-i-1')!.metadata.annotations).toEqual({});
    expect(
      events.some((e) => e.reason === 'NodeRepaired' && /rebooted n-i-1: Ready again/.test(e.note)),
    ).toBe(true);
  });

  test('drainBy: "replacement first, drained by the deadline regardless" — recorded in the claim; past it the node drains once its replacement was asked for', async () => {
    const w = world('100%', [{ id: 'i-1' }, { id: 'i-2' }]);
    const later = cmd('spotInterruption', ['i-1'], {
      voluntary: false,
      replacementsFirst: true,
      drainBy: T0 + 120_000,
    });
    const r1 = await w.executor.execute(w.ctx, [later]);
    expect(w.drains.calls).toEqual([]);
    expect(r1.outcomes[0]!.waiting[0]!.blockedBy[0]!.message).toMatch(/drained at .* at the latest/);
    expect(r1.outcomes[0]!.retryAfterMs).toBe(5_000);
    expect(claimOf(w.nodes.nodes.get('n-i-1'))).toMatchObject({
      drainBy: new Date(T0 + 120_000).toISOString(),
    });
    // the deadline has come (no replacement Ready): drained and removed, the desired capacity lowered again
    const view = { ...reread(w), now: T0 + 121_000 };
    const r2 = await w.executor.execute({ ...w.ctx, view }, [later]);
    expect(w.drains.calls).toEqual(['n-i-1']);
    expect(r2.outcomes[0]!.done.map((d) => d.outcome)).toEqual(['released']);
    expect(w.cloud.callsOf('removeInstances')[0]![2]).toMatchObject({ decreaseDesired: true });
  });

  test('drainBy already past on a new claim: one round to ask for the replacement, then the drain', async () => {
    const w = world('100%', [{ id: 'i-1', ready: false }, { id: 'i-2' }]);
    const now = cmd('repair', ['i-1'], { replacementsFirst: true, drainBy: T0 });
    const r1 = await w.executor.execute(w.ctx, [now]);
    expect(w.drains.calls).toEqual([]);
    expect(r1.outcomes[0]!.waiting[0]!.step).toBe('launching its replacement');
    await w.executor.execute({ ...w.ctx, view: reread(w) }, [now]);
    expect(w.drains.calls).toEqual(['n-i-1']);
  });

  test('pods of an unreachable node may be abandoned only when its machine is released', async () => {
    const w = world('100%', [{ id: 'i-rel' }, { id: 'i-sub', charge: 'PrePaid' }, { id: 'i-stop' }]);
    await w.executor.execute(w.ctx, [
      cmd('repair', ['i-rel', 'i-sub']),
      cmd('scaleIn', ['i-stop'], { disposal: { kind: 'stop' } }),
    ]);
    expect(w.drains.requests.map((r) => [r.node, r.abandonUnreachable])).toEqual([
      ['n-i-rel', true],
      ['n-i-sub', false],
      ['n-i-stop', false],
    ]);
  });
});

describe("a typed replacement (consolidation's cheaper node), against the fake cloud", () => {
  const example = parse(readFileSync('examples/nodepool-auto.yaml', 'utf8')) as Record<string, unknown>;
  const spec = poolSpecOf('NodePool', example);
  if (!spec.ok) throw new Error(JSON.stringify(spec.problems));
  const replace = {
    replacementsFirst: true,
    replacement: { instanceType: 'ecs.g7.large', zoneId: 'cn-hangzhou-h', vSwitchId: 'vsw-bp1zonea' },
  };

  /** The pool's context with a launcher of typed replacements into the fake cloud. */
  const launching = (w: ReturnType<typeof world>) => ({
    ...w.ctx,
    replacements: typedReplacements(
      w.cloud,
      'c-1',
      log,
      { name: 'web', pool: spec.pool, group: w.g },
      { imageId: 'm-1', userData: 'IyE=' },
    ),
  });
  /** A launcher the cloud refuses (no stock). */
  const refusing = {
    launch: () =>
      Promise.resolve({
        ok: false as const,
        unavailable: true,
        message: 'OperationDenied.NoStock: sold out',
      }),
    statuses: () => Promise.resolve(new Map()),
    attach: () => Promise.resolve(),
    release: () => Promise.resolve(),
  };

  /** The world as the next reconcile reads it: claims from the Nodes, and the members the cloud's group holds. */
  function reread(w: ReturnType<typeof world>, ready: (id: string) => boolean): PoolView {
    const members = [...w.cloud.instances.values()].filter(
      (i) => i.groupId === w.g.id && i.status !== 'Deleted',
    );
    const candidates: Candidate[] = members.map((i) => {
      const node = w.nodes.nodes.get(`n-${i.instanceId}`) ?? {
        metadata: { name: `n-${i.instanceId}`, annotations: {} },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      };
      w.nodes.nodes.set(node.metadata.name, node);
      const { groupId: _g, ...rest } = i;
      return {
        instanceId: i.instanceId,
        instance: { ...rest, healthy: true, scalingConfigurationId: undefined, reclaiming: false },
        node,
        ready: ready(i.instanceId),
        claim: claimOf(node),
      };
    });
    return { ...w.view, candidates };
  }

  test('its record is in the claim before the launch; a launch whose answer was lost is replayed (same instance); attached once running; the target drains only when it is a Ready member, then goes with the desired capacity lowered', async () => {
    const w = world(1, [{ id: 'i-1' }, { id: 'i-2' }]);
    const ctx = launching(w);
    const c = cmd('consolidation', ['i-1'], replace);
    const first = await w.executor.execute(ctx, [c]);
    const claim = claimOf(w.nodes.nodes.get('n-i-1'))!;
    expect(claim.replacement).toMatchObject({
      instanceType: 'ecs.g7.large',
      zoneId: 'cn-hangzhou-h',
      instanceIds: [expect.stringMatching(/^i-/)],
    });
    const id = claim.replacement!.instanceIds![0]!;
    expect(w.cloud.callsOf('runInstances')).toEqual([
      [
        expect.objectContaining({ instanceType: 'ecs.g7.large', vSwitchId: 'vsw-bp1zonea', amount: 1 }),
        { operationId: `elasticity/${claim.replacement!.id}` },
      ],
    ]);
    expect(first.outcomes[0]!.waiting[0]!.blockedBy[0]!.kind).toBe('Replacement');
    expect(w.drains.calls).toEqual([]);
    // a crash after RunInstances, before its ids were recorded: the same ClientToken gives the same instance
    const lost = { ...claim, replacement: { ...claim.replacement!, instanceIds: undefined } };
    await w.nodes.claim(w.nodes.nodes.get('n-i-1')!, lost);
    await w.executor.execute({ ...ctx, view: reread(w, () => true) }, [c]);
    expect(w.cloud.callsOf('runInstances')).toHaveLength(2);
    expect(claimOf(w.nodes.nodes.get('n-i-1'))!.replacement!.instanceIds).toEqual([id]);
    expect([...w.cloud.instances.values()].filter((i) => i.instanceType === 'ecs.g7.large')).toHaveLength(1);
    // running: attached to the group (its desired capacity + 1); not a Ready node yet: nothing drained
    await w.executor.execute({ ...ctx, view: reread(w, (x) => x !== id) }, [c]);
    expect(w.cloud.callsOf('attachInstances')).toEqual([
      [w.g.id, [id], expect.objectContaining({ entrusted: true })],
    ]);
    expect(claimOf(w.nodes.nodes.get('n-i-1'))!.replacement!.attached).toBe(true);
    await w.executor.execute({ ...ctx, view: reread(w, (x) => x !== id) }, [c]);
    expect(w.drains.calls).toEqual([]);
    // a Ready member: the target drains and goes, the desired capacity lowered (3 → 2)
    const done = await w.executor.execute({ ...ctx, view: reread(w, () => true) }, [c]);
    expect(w.drains.calls).toEqual(['n-i-1']);
    expect(w.cloud.callsOf('removeInstances')).toEqual([
      [w.g.id, ['i-1'], expect.objectContaining({ policy: 'release', decreaseDesired: true })],
    ]);
    expect(done.outcomes[0]!.done.map((d) => d.outcome)).toEqual(['released']);
    expect(w.cloud.groups.get(w.g.id)!.desiredCapacity).toBe(2); // the group itself (w.g is a copy)
  });

  test("a multi-node command (consolidation's several nodes on one cheaper node): ONE replacement, its record shared by every target's claim; both drain once it is a Ready member", async () => {
    const w = world(2, [{ id: 'i-1' }, { id: 'i-2' }, { id: 'i-3' }]);
    const ctx = launching(w);
    const c = cmd('consolidation', ['i-1', 'i-2'], replace);
    const claims = () => ['n-i-1', 'n-i-2'].map((n) => claimOf(w.nodes.nodes.get(n))!.replacement!);
    await w.executor.execute(ctx, [c]);
    expect(w.cloud.callsOf('runInstances')).toHaveLength(1);
    const [r1, r2] = claims();
    expect(r2!.id).toBe(r1!.id);
    // the launch's answer is in the first claim; the next round brings the second up to date, launching nothing
    await w.executor.execute({ ...ctx, view: reread(w, () => true) }, [c]);
    const id = claims()[0]!.instanceIds![0]!;
    expect(claims().map((r) => r.instanceIds)).toEqual([[id], [id]]);
    expect(w.cloud.callsOf('runInstances')).toHaveLength(1);
    // attached once (desired 3 → 4), both claims say so; not a Ready node yet: nothing drained
    await w.executor.execute({ ...ctx, view: reread(w, (x) => x !== id) }, [c]);
    await w.executor.execute({ ...ctx, view: reread(w, (x) => x !== id) }, [c]);
    expect(w.cloud.callsOf('attachInstances')).toHaveLength(1);
    expect(claims().map((r) => r.attached)).toEqual([true, true]);
    expect(w.drains.calls).toEqual([]);
    // a Ready member: both targets drain and go, the desired capacity lowered by two (4 → 2)
    const done = await w.executor.execute({ ...ctx, view: reread(w, () => true) }, [c]);
    expect(w.drains.calls).toEqual(['n-i-1', 'n-i-2']);
    expect(done.outcomes[0]!.done.map((d) => d.outcome)).toEqual(['released', 'released']);
    expect(w.cloud.groups.get(w.g.id)!.desiredCapacity).toBe(2);
    expect([...w.cloud.instances.values()].filter((i) => i.instanceType === 'ecs.g7.large')).toHaveLength(1);
  });

  test("a multi-node command whose replacement the cloud refuses: every target's claim goes", async () => {
    const w = world(2, [{ id: 'i-1' }, { id: 'i-2' }, { id: 'i-3' }]);
    const r = await w.executor.execute({ ...w.ctx, replacements: refusing }, [
      cmd('consolidation', ['i-1', 'i-2'], replace),
    ]);
    expect(r.outcomes[0]!.held.map((h) => h.kind)).toEqual(['Replacement', 'Replacement']);
    expect(claimOf(w.nodes.nodes.get('n-i-1'))).toBeUndefined();
    expect(claimOf(w.nodes.nodes.get('n-i-2'))).toBeUndefined();
    expect(w.drains.calls).toEqual([]);
  });

  test('a consolidation no longer wanted before its replacement was attached: the replacement is released, never left outside the pool', async () => {
    const w = world(1, [{ id: 'i-1' }, { id: 'i-2' }]);
    const ctx = launching(w);
    await w.executor.execute(ctx, [cmd('consolidation', ['i-1'], replace)]);
    const id = claimOf(w.nodes.nodes.get('n-i-1'))!.replacement!.instanceIds![0]!;
    const cancelled = await w.executor.cancelStale({ ...ctx, view: reread(w, () => true) }, new Set());
    expect(cancelled).toEqual(['n-i-1']);
    expect(w.cloud.callsOf('releaseInstances')).toEqual([[[id], expect.objectContaining({ force: true })]]);
    expect(w.cloud.instances.get(id)?.status).toBe('Deleted');
    expect(claimOf(w.nodes.nodes.get('n-i-1'))).toBeUndefined();
  });

  test('a replacement the cloud refuses (no stock) abandons the command: the claim goes, the node stays', async () => {
    const w = world(1, [{ id: 'i-1' }, { id: 'i-2' }]);
    const r = await w.executor.execute({ ...w.ctx, replacements: refusing }, [
      cmd('consolidation', ['i-1'], replace),
    ]);
    expect(r.outcomes[0]!.held).toEqual([
      {
        kind: 'Replacement',
        message:
          'the replacement ecs.g7.large in cn-hangzhou-h cannot be launched: OperationDenied.NoStock: sold out',
      },
    ]);
    expect(claimOf(w.nodes.nodes.get('n-i-1'))).toBeUndefined();
    expect(w.drains.calls).toEqual([]);
    expect(events.some((e) => e.reason === 'DisruptionAbandoned')).toBe(true);
  });
});
