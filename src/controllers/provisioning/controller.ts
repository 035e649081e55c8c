import PQueue from 'p-queue';
import type { ElasticityLaunch } from '../../apis/v1beta1/index.js';
import { POOL_LABEL } from '../../bootstrap/labels.js';
import { CloudError } from '../../cloud/errors.js';
import type { CloudInstance } from '../../cloud/types.js';
import { NodeSchema, Resources, TypedResource, type Node, type Pod } from '../../kube/index.js';
import { Controller, type ReconcileContext, type ReconcileResult } from '../../runtime/controller.js';
import type { NodePoolControllerDeps } from '../nodepool/controller.js';
import { PoolObjectSchema } from '../nodepool/controller.js';
import { POOL_KINDS } from '../nodepool/kinds.js';
import { instanceIdOf } from '../nodepool/observe.js';
import { poolPolicy, ReferenceError, References, resolveLaunch } from '../nodepool/resolve.js';
import { SharedLookups } from '../nodepool/shared-lookups.js';
import { podInformer, podsOnNode, unschedulablePods } from '../pods/index.js';
import { Drainer } from '../disruption/drain.js';
import { DrainMetrics } from '../disruption/metrics.js';
import { Batcher } from './batcher.js';
import { OfferingCatalogue } from './catalogue.js';
import { inFlightOf, type InFlight } from './inflight.js';
import {
  ClaimSchema,
  DaemonSetSchema,
  VolumeSchema,
  daemonSetPods,
  podVolumeZones,
  provisionable,
  zoneCounter,
} from './inputs.js';
import { Launcher, type ResolvedLaunch } from './launcher.js';
import { ProvisioningMetrics } from './metrics.js';
import { PodEvents } from './pod-events.js';
import { AutoPools, type AutoPool } from './pools.js';
import { chosenRestarts, restartableOf, type Restartable } from './restart.js';
import {
  ZONE_LABEL,
  simPodOf,
  simulate,
  type Plan,
  type PlannedNode,
  type SimPod,
} from './scheduling/index.js';
import {
  CHARGE_TYPES,
  marketOf,
  needsOf,
  offeringOf,
  poolTemplate,
  recordMarket,
  type PoolView,
} from './templates.js';
import { elasticityStatus, notTriggeredMessage, restartedMessage, triggeredMessage } from './report.js';

export const PROVISIONING_CONTROLLER = 'provisioning';
/** A planned node launched, with its instances; `fallback`: a Spot pool's pay-as-you-go (no spot instance). */
type Launched = { node: PlannedNode; ids: string[]; fallback: boolean };
/** The one key: every reconcile decides for all pending pods together. */
const KEY = 'pending-pods';
/** Re-plans after launches the cloud refused (next type, zone, pool), within one reconcile. */
const MAX_REPLANS = 5;
const REQUEUE = { inFlight: 2_000, pending: 10_000 } as const;
/** Attaches run 4 at a time, and a reconcile starts none after 1 s (the rest go on in the next one). */
const ATTACH = { concurrency: 4, budgetMs: 1_000 } as const;
/**
 * A pod decided before (counted on a node launched for it) that is pending again — the scheduler gave that room
 * to other pods as the nodes became Ready one by one — is planned again only once no launched node is still
 * booting (the scheduler has then placed all it could), or after this long: re-planning while nodes boot chases
 * the scheduler's placements and launches far more than the deficit.
 */
const REPLAN_HOLD_MS = 120_000;
/** A pool's resolved launch (image, user data) is trusted this long for the same spec. */
const RESOLVED_TTL_MS = 5 * 60_000;

/**
 * Instant elasticity: pending pods → batcher → scheduling simulation → launches. Unschedulable pods are
 * gathered in short batches (`--batch-idle-duration` / `--batch-max-duration`); a pure simulation places them
 * on in-flight nodes first, then on as few and as cheap new nodes of the Auto pools (both kinds) as fit; each
 * planned node is launched (RunInstances of the chosen type and zone, then attached to the pool's scaling
 * group); a refused launch marks the offering unavailable and the rest is planned again at once. Launches are
 * recorded in the pool's status before the call, so an operator restart neither forgets nor repeats them.
 */
export function newProvisioningController(
  deps: NodePoolControllerDeps,
  /** Which pending pods it acts for (default: all; tests sharing one API server scope it to their namespace). */
  scope: (p: Pod) => boolean = () => true,
): Controller {
  const { clock, cloud, logger } = deps;
  const log = logger.child({ controller: PROVISIONING_CONTROLLER });
  const cluster = deps.settings.clusterId ?? 'default';
  const selector = deps.settings.poolSelector ? { labelSelector: deps.settings.poolSelector } : {};
  const pods = podInformer(deps.informers);
  const kinds = (['NodePool', 'ManagedNodePool'] as const).map((kind) => ({
    kind,
    informer: deps.informers.informer(POOL_KINDS[kind].ref, PoolObjectSchema, selector),
    api: new TypedResource(deps.client, POOL_KINDS[kind].ref, PoolObjectSchema),
  }));
  const poolNodes = deps.informers.informer(Resources.nodes, NodeSchema, {
    labelSelector: POOL_LABEL,
    indexers: {
      pool: (n: Node) => {
        const p = n.metadata.labels?.[POOL_LABEL];
        return p ? [p] : [];
      },
    },
  });
  const allNodes = deps.informers.informer(Resources.nodes, NodeSchema);
  const daemonSets = deps.informers.informer(Resources.daemonSets, DaemonSetSchema);
  const claims = deps.informers.informer(Resources.persistentVolumeClaims, ClaimSchema);
  const volumes = deps.informers.informer(Resources.persistentVolumes, VolumeSchema);
  const metrics = new ProvisioningMetrics(deps.metrics.registry);
  const catalogue = OfferingCatalogue.shared(cloud, clock);
  const estimating = catalogue.withEstimates();
  const autoPools = new AutoPools(cloud, cluster);
  const launcher = new Launcher(cloud, cluster, log);
  const podEvents = new PodEvents(deps.events, () => clock.monotonic());
  // the same rules as the NodePool controller's: what a pool may reference and borrow (docs/security.md)
  const refs = new References(deps.client, deps.settings.namespace, poolPolicy(deps.settings));
  const drainer = new Drainer({
    client: deps.client,
    clock,
    logger: deps.logger,
    events: deps.events,
    metrics: DrainMetrics.of(deps.metrics.registry),
  });
  const lookups = new SharedLookups(30_000, () => clock.now()).cloud(cloud);
  const resolvedCache = new Map<string, { key: string; at: number; value: ResolvedLaunch }>();
  const rendered = new Map<string, string>();
  /** The launch records of each pool: loaded from its status once, then this copy is the truth (one worker). */
  const records = new Map<string, ElasticityLaunch[]>();
  const lastWritten = new Map<string, string>();
  const lastAction = new Map<string, { time: string; action: string; nodes: string[]; message: string }>();
  /** When this process attached each launch (its instances enter ESS's counts once the activity ran). */
  const attachedAt = new Map<string, number>();
  /** When the operator first saw each pod unschedulable (monotonic ms), for the decision-latency histogram. */
  const firstSeen = new Map<string, number>();
  /** When each pod still pending was first decided (monotonic ms): held from re-plans while nodes boot. */
  const decidedAt = new Map<string, number>();
  /** A background prewarm is under way (one at a time). */
  let prewarming = false;

  const controller = new Controller({
    name: PROVISIONING_CONTROLLER,
    reconcile,
    logger,
    clock,
    concurrency: 1,
    metrics: {
      controller: deps.metrics.controller(PROVISIONING_CONTROLLER),
      queue: deps.metrics.queue(PROVISIONING_CONTROLLER),
    },
  });
  const batcher = new Batcher({
    idleMs: deps.settings.batchIdleDuration,
    maxMs: deps.settings.batchMaxDuration,
    clock,
    onBatch: () => controller.enqueue(KEY),
  });
  const onPod = (p: Pod): void => {
    const uid = p.metadata.uid ?? `${p.metadata.namespace}/${p.metadata.name}`;
    if (isPending(p)) {
      if (!firstSeen.has(uid)) {
        firstSeen.set(uid, clock.monotonic());
        batcher.trigger();
      }
    } else forget(p);
  };
  const forget = (p: Pod): void => {
    firstSeen.delete(p.metadata.uid ?? '');
    decidedAt.delete(p.metadata.uid ?? '');
  };
  pods.addEventHandler({ add: onPod, update: (_o, n) => onPod(n), delete: forget });
  // a pool's spec, deletion or scaling group (a new pool becomes launchable) changes the plan; its counts do not
  const groupOf = (o: { status?: Record<string, unknown> | undefined }): unknown => o.status?.scalingGroupId;
  const imageOf = (o: { status?: Record<string, unknown> | undefined }): unknown =>
    (o.status?.image as { id?: string } | undefined)?.id;
  for (const k of kinds)
    controller.watch(
      k.informer,
      () => KEY,
      (a, b) =>
        a.metadata.generation !== b.metadata.generation ||
        a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp ||
        groupOf(a) !== groupOf(b) ||
        imageOf(a) !== imageOf(b),
    );
  // watched for their sync only (the controller waits for every source before its first decision)
  const none = (): undefined => undefined;
  controller
    .watch(pods, none)
    .watch(poolNodes, none)
    .watch(allNodes, none)
    .watch(daemonSets, none)
    .watch(claims, none)
    .watch(volumes, none);

  function isPending(p: Pod): boolean {
    return (
      p.status?.conditions?.some(
        (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
      ) === true &&
      !p.spec?.nodeName &&
      provisionable(p) &&
      scope(p)
    );
  }

  async function resolved(p: AutoPool): Promise<ResolvedLaunch> {
    const key = `${p.object.metadata.uid ?? ''}/${p.object.metadata.generation ?? 0}/${p.image ?? ''}`;
    const c = resolvedCache.get(p.name);
    if (c && c.key === key && clock.monotonic() - c.at < RESOLVED_TTL_MS) return c.value;
    const value = await resolveLaunch(p.pool, {
      cloud: lookups,
      refs,
      imageId: p.image,
      join: () => deps.join.forPool(p.name, p.object.metadata.uid ?? p.name),
      rendered: {
        get: (k) => rendered.get(`${p.name}|${k}`),
        set: (k, v) => {
          rendered.clear();
          rendered.set(`${p.name}|${k}`, v);
        },
      },
    });
    resolvedCache.set(p.name, { key, at: clock.monotonic(), value });
    return value;
  }

  function viewOf(p: AutoPool, flight: InFlight | undefined): PoolView {
    const current = Math.max(p.group?.desiredCapacity ?? 0, p.group?.counts.total ?? 0);
    const room = (p.pool.spec.scaling.maxSize ?? 0) - current - (flight?.unattached ?? 0);
    return {
      name: p.name,
      kind: p.kind,
      pool: p.pool,
      region: cloud.region,
      zones: p.zones,
      room,
      blocked: p.blocked,
    };
  }

  /** The pool's launches in flight: persisted records joined with ECS's and the API server's view. */
  async function flightsOf(list: AutoPool[]): Promise<Map<string, InFlight>> {
    // a launch whose Node is not registered yet counts as its offering, so its instance type's shape must be
    // known: right after a restart the catalogue is empty (an unknown shape would count as no room and launch
    // again), and a launch's Node may register only after the restarted operator approved its certificate
    const needs = list.map((p) => ({
      types: [...new Set((records.get(p.name) ?? []).map((r) => r.instanceType))],
      zones: [],
      market: marketOf(p.pool),
    }));
    if (needs.some((n) => n.types.length > 0))
      await catalogue.prepare(needs.filter((n) => n.types.length > 0));
    const ids = list.flatMap((p) => (records.get(p.name) ?? []).flatMap((r) => r.instanceIds ?? []));
    const instances = new Map<string, CloudInstance>();
    if (ids.length > 0) for (const i of await cloud.describeInstances(ids)) instances.set(i.instanceId, i);
    const out = new Map<string, InFlight>();
    for (const p of list) {
      const nodes = new Map<string, Node>();
      for (const n of poolNodes.byIndex('pool', p.name)) {
        const id = instanceIdOf(n);
        if (id) nodes.set(id, n);
      }
      const view = viewOf(p, undefined);
      const taints = (p.pool.spec.taints ?? []).map((t) => ({
        key: t.key,
        value: t.value,
        effect: t.effect,
      }));
      out.set(
        p.name,
        inFlightOf(
          {
            pool: p.name,
            prepaid: marketOf(p.pool) === 'prepaid',
            records: records.get(p.name) ?? [],
            instances,
            nodes,
            podsOn: (n) => podsOnNode(pods, n),
            offering: (r) => offeringOf(view, catalogue, r.instanceType, r.vSwitchId, r.zoneId),
            attachedAt: (r) => attachedAt.get(r.id),
            now: clock.now(),
          },
          taints,
        ),
      );
    }
    return out;
  }

  /** Attach launched instances that run; launch again (same ClientToken) the ones whose call never answered. */
  async function followUp(
    list: AutoPool[],
    flights: Map<string, InFlight>,
    log: ReconcileContext['log'],
  ): Promise<void> {
    const started = clock.monotonic();
    const attaches: (() => Promise<void>)[] = [];
    for (const p of list) {
      const f = flights.get(p.name)!;
      records.set(p.name, f.keep);
      if (p.blocked) continue;
      for (const a of f.toAttach) attaches.push(() => attachOne(p, a, log));
      for (const r of f.toResume) {
        if (r.action === 'Restart') {
          await askRestart(p, r, log);
          continue;
        }
        const out = await launcher.run(p, r, await resolved(p), recordMarket(p.pool, r));
        if (out.ok) r.instanceIds = out.ids;
        else if (out.unavailable)
          records.set(
            p.name,
            (records.get(p.name) ?? []).filter((x) => x !== r),
          );
      }
    }
    // attaching can wait (the instances count in flight meanwhile): a reconcile gives it at most ATTACH.budgetMs,
    // so the pods of the next batch do not wait behind dozens of AttachInstances calls
    const queue = new PQueue({ concurrency: ATTACH.concurrency });
    await queue.addAll(
      attaches.map((fn) => async () => {
        if (clock.monotonic() - started < ATTACH.budgetMs) await fn();
      }),
    );
  }

  async function attachOne(
    p: AutoPool,
    a: InFlight['toAttach'][number],
    log: ReconcileContext['log'],
  ): Promise<void> {
    try {
      await launcher.attach(p, a.record, a.ids);
      a.record.attached = true;
      attachedAt.set(a.record.id, clock.now());
    } catch (err) {
      if (err instanceof CloudError && /MaxSize/.test(err.code)) {
        // the group is full (maxSize lowered, or members added another way): these would run outside it
        await launcher.release(a.record, a.ids);
        records.set(
          p.name,
          (records.get(p.name) ?? []).filter((x) => x !== a.record),
        );
      } else log.warn({ pool: p.name, err, instances: a.ids }, 'could not attach launched instances yet');
    }
  }

  async function reconcile(_key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const objects = kinds.flatMap((k) => k.informer.list().map((object) => ({ kind: k.kind, object })));
    const list = await autoPools.list(objects);
    for (const p of list) if (!records.has(p.name)) records.set(p.name, p.records);
    for (const name of records.keys()) if (!list.some((p) => p.name === name)) records.delete(name);
    let flights = await flightsOf(list);
    const pending = unschedulablePods(pods).filter((p) => provisionable(p) && scope(p));
    metrics.pending.set(pending.length);
    const booting = [...flights.values()].some((f) => f.booting > 0);
    const now = clock.monotonic();
    const isHeld = (p: Pod): boolean => {
      const at = decidedAt.get(p.metadata.uid ?? '');
      return booting && at !== undefined && now - at < REPLAN_HOLD_MS;
    };
    const held = new Set(
      pending.filter(isHeld).map((p) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`),
    );
    // pending pods are decided first: attaching what earlier launches started (cloud writes) can wait for it
    if (pending.length > held.size && list.length > 0) {
      await decide(list, flights, pending, held, ctx.log);
      flights = await flightsOf(list);
    }
    await followUp(list, flights, ctx.log);
    if (pending.length === 0) prewarm(list, ctx.log);
    await writeStatuses(list, flights);
    const anyInFlight = [...flights.values()].some((f) => f.keep.length > 0);
    return anyInFlight
      ? { requeueAfter: REQUEUE.inFlight }
      : pending.length > 0
        ? { requeueAfter: REQUEUE.pending }
        : {};
  }

  /**
   * With no pod waiting: fetch prices, stock and each pool's launch in the background (the reconcile does not
   * wait: pods arriving meanwhile are decided at once, sharing the fetches under way), so that the next decision
   * waits for none.
   */
  function prewarm(list: AutoPool[], log: ReconcileContext['log']): void {
    if (prewarming) return;
    prewarming = true;
    const ready = list.filter((p) => !p.blocked);
    void (async () => {
      await catalogue
        .prepare(needsOf(ready), () => undefined, { estimate: true })
        .catch((err: unknown) => log.debug({ err }, 'catalogue not prepared yet'));
      for (const p of ready)
        await resolved(p).catch((err: unknown) =>
          log.debug({ pool: p.name, err }, 'launch not resolved yet'),
        );
    })().finally(() => (prewarming = false));
  }

  /**
   * Simulate, launch, re-plan what the cloud refused; tell the pods. Held pods (decided before, see
   * REPLAN_HOLD_MS) are simulated too — they keep the room counted for them on nodes in flight — but a new node
   * holding only held pods is not launched (yet).
   */
  async function decide(
    list: AutoPool[],
    flights: Map<string, InFlight>,
    pending: Pod[],
    held: ReadonlySet<string>,
    log: ReconcileContext['log'],
  ): Promise<Plan> {
    // one price per family, zone and market is waited for; the rest are estimated from it and fetched behind
    await catalogue.prepare(
      needsOf(list.filter((p) => !p.blocked)),
      (err) => log.debug({ err }, 'catalogue refresh failed; its last answers stand'),
      { estimate: true },
    );
    const byKey = new Map(pending.map((p) => [`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p]));
    let simPods: SimPod[] = pending.map((p) => simPodOf(p, podVolumeZones(p, claims, volumes)));
    const ds = daemonSetPods(daemonSets.list());
    const zoneOfNode = (n: string): string | undefined => allNodes.get(n)?.metadata.labels?.[ZONE_LABEL];
    const zoneCounts = zoneCounter(() => pods.list(), zoneOfNode);
    const launched: Launched[] = [];
    const roomUsed = new Map<string, number>();
    let plan: Plan = { nodes: [], onExisting: new Map(), unschedulable: new Map() };
    let offered = list.flatMap((p) => restartableIn(p, flights.get(p.name)));
    const restarted = new Map<string, { pool: string; node: string }>();
    for (let attempt = 0; attempt < MAX_REPLANS; attempt++) {
      const templates = list.map((p) => {
        const v = viewOf(p, flights.get(p.name));
        return poolTemplate({ ...v, room: v.room - (roomUsed.get(p.name) ?? 0) }, estimating);
      });
      const existing = [...[...flights.values()].flatMap((f) => f.existing), ...offered.map((r) => r.node)];
      const t0 = clock.monotonic();
      plan = simulate({ pods: simPods, pools: templates, existing, daemonSets: ds, zoneCounts });
      plan = { ...plan, nodes: plan.nodes.filter((n) => n.pods.some((k) => !held.has(k))) };
      for (const k of held) plan.unschedulable.delete(k);
      const decided = clock.monotonic();
      metrics.simulation.observe((decided - t0) / 1000);
      // a pod counted on a node already launched is decided now: the scale-out call for it was made before
      for (const key of plan.onExisting.keys()) observeDecision(key, decided);
      const chosen = chosenRestarts(offered, plan.onExisting);
      if (chosen.size > 0) {
        // economical pools start their Stopped members first; what they do not hold is planned again
        const poolOf = new Map([...chosen.values()].flat().map((r) => [r.node.name, r.pool]));
        const names = new Set(poolOf.keys());
        for (const [key, node] of plan.onExisting)
          if (names.has(node)) restarted.set(key, { pool: poolOf.get(node)!, node });
        await restartAll(list, chosen, roomUsed, log);
        offered = offered.filter((r) => !names.has(r.node.name));
        simPods = simPods.filter((p) => !restarted.has(p.key));
        continue;
      }
      if (plan.nodes.length === 0) break;
      const refused = await launchAll(list, plan.nodes, launched, roomUsed, log);
      const done = new Set(launched.flatMap((l) => l.node.pods));
      simPods = simPods.filter((p) => !done.has(p.key));
      if (!refused) break;
    }
    tellPods(plan, launched, byKey, restarted);
    return plan;
  }

  /** The Stopped members of an economical pool the simulation may start again (restart.ts). */
  function restartableIn(p: AutoPool, flight: InFlight | undefined): Restartable[] {
    if (p.blocked || p.stopped.length === 0) return [];
    const nodes = new Map<string, Node>();
    for (const n of poolNodes.byIndex('pool', p.name)) {
      const id = instanceIdOf(n);
      if (id) nodes.set(id, n);
    }
    const view = viewOf(p, flight);
    const vSwitchOf = (zone: string): string => [...p.zones].find(([, z]) => z === zone)?.[0] ?? '';
    const taints = (p.pool.spec.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
    return restartableOf({
      pool: p.name,
      stopped: p.stopped,
      records: records.get(p.name) ?? [],
      room: view.room,
      nodeOf: (id) => nodes.get(id),
      offering: (m) =>
        offeringOf(view, catalogue, m.instanceType, m.vSwitchId ?? vSwitchOf(m.zoneId), m.zoneId),
      taints,
    });
  }

  /** Records and asks for the restarts the plan chose, per pool (un-cordoning the Stopped members' Nodes). */
  async function restartAll(
    list: AutoPool[],
    chosen: Map<string, Restartable[]>,
    roomUsed: Map<string, number>,
    log: ReconcileContext['log'],
  ): Promise<void> {
    for (const [name, rs] of chosen) {
      const p = list.find((x) => x.name === name)!;
      const first = rs[0]!.instance;
      const rec = launcher.newRecord(
        {
          instanceType: first.instanceType,
          zoneId: first.zoneId,
          vSwitchId: first.vSwitchId ?? '',
          count: rs.length,
          chargeType: CHARGE_TYPES[marketOf(p.pool)],
        },
        clock.now(),
      );
      Object.assign(rec, {
        action: 'Restart',
        instanceIds: rs.map((r) => r.instance.instanceId),
        attached: false,
      });
      records.set(p.name, [...(records.get(p.name) ?? []), rec]);
      await writeElasticity(p, undefined); // persisted before the call: a crash neither forgets nor repeats it
      // every Stopped member's Node is un-cordoned: whichever ESS starts is schedulable once Ready (the others
      // stay NotReady, tainted by the node lifecycle controller, until they are started too)
      const nodes = poolNodes.byIndex('pool', p.name);
      for (const m of p.stopped) {
        const n = nodes.find((x) => instanceIdOf(x) === m.instanceId);
        if (n)
          await drainer
            .cancelDrain(n.metadata.name, { pool: p.name })
            .catch((err: unknown) =>
              log.warn(
                { pool: p.name, node: n.metadata.name, err },
                "could not un-cordon a stopped member's node",
              ),
            );
      }
      roomUsed.set(p.name, (roomUsed.get(p.name) ?? 0) + rs.length);
      await askRestart(p, rec, log);
    }
  }

  /** The ESS scale-out that starts a Restart record's members (again after a crash: same ClientToken). */
  async function askRestart(p: AutoPool, rec: ElasticityLaunch, log: ReconcileContext['log']): Promise<void> {
    try {
      await launcher.restart(p, rec);
      rec.attached = true;
      lastAction.set(p.name, {
        time: new Date(clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
        action: 'ScaleOut',
        nodes: (rec.instanceIds ?? []).slice(0, 100),
        message: `started ${rec.count} stopped member(s) (economical mode)`,
      });
    } catch (err) {
      const final =
        err instanceof CloudError &&
        (err.kind === 'InvalidConfiguration' || err.kind === 'Rejected' || err.kind === 'Conflict');
      log.warn(
        { pool: p.name, action: 'restart', err, instances: rec.instanceIds },
        final
          ? 'ESS refused to start stopped members; planning without them'
          : 'could not ask ESS to start stopped members yet',
      );
      if (final)
        records.set(
          p.name,
          (records.get(p.name) ?? []).filter((x) => x !== rec),
        );
    }
    await writeElasticity(p, undefined).catch((e: unknown) =>
      log.warn({ pool: p.name, err: e }, 'could not write the elasticity status'),
    );
  }

  /** Launch the planned nodes, grouped by (pool, type, vSwitch); false when the cloud refused none. */
  async function launchAll(
    list: AutoPool[],
    nodes: PlannedNode[],
    launched: Launched[],
    roomUsed: Map<string, number>,
    log: ReconcileContext['log'],
  ): Promise<boolean> {
    // prettier-ignore
    const groups = new Map<string, PlannedNode[]>();
    for (const n of nodes) {
      const k = `${n.pool}|${n.instanceType}|${n.vSwitchId}|${n.market ?? ''}`;
      groups.set(k, [...(groups.get(k) ?? []), n]);
    }
    let refused = false;
    const byPool = new Map<
      string,
      { p: AutoPool; recs: { rec: ElasticityLaunch; nodes: PlannedNode[] }[] }
    >();
    for (const g of groups.values()) {
      const p = list.find((x) => x.name === g[0]!.pool)!;
      for (let i = 0; i < g.length; i += 100) {
        const chunk = g.slice(i, i + 100);
        const first = chunk[0]!;
        const market = first.market ?? marketOf(p.pool);
        const rec = launcher.newRecord(
          {
            instanceType: first.instanceType,
            zoneId: first.zoneId,
            vSwitchId: first.vSwitchId,
            count: chunk.length,
            chargeType: CHARGE_TYPES[market],
          },
          clock.now(),
        );
        const e = byPool.get(p.name) ?? { p, recs: [] };
        e.recs.push({ rec, nodes: chunk });
        byPool.set(p.name, e);
      }
    }
    // persisted before any call: a crash from here on neither forgets nor repeats these launches
    for (const { p, recs } of byPool.values()) {
      records.set(p.name, [...(records.get(p.name) ?? []), ...recs.map((r) => r.rec)]);
      await writeElasticity(p, undefined);
    }
    const queue = new PQueue({ concurrency: 4 });
    const tasks = [...byPool.values()].flatMap(({ p, recs }) =>
      recs.map(({ rec, nodes: chunk }) => async (): Promise<void> => {
        let launch: ResolvedLaunch;
        try {
          launch = await resolved(p);
        } catch (err) {
          records.set(
            p.name,
            (records.get(p.name) ?? []).filter((x) => x !== rec),
          );
          log.warn(
            { pool: p.name, err: err instanceof ReferenceError ? err.message : err },
            "cannot launch: the pool's launch does not resolve",
          );
          return;
        }
        const now = clock.monotonic();
        for (const n of chunk) for (const key of n.pods) observeDecision(key, now, true);
        const market = recordMarket(p.pool, rec);
        const out = await launcher.run(p, rec, launch, market);
        if (out.ok) {
          rec.instanceIds = out.ids;
          metrics.requested.inc({ pool: p.name, instance_type: rec.instanceType }, out.ids.length);
          roomUsed.set(p.name, (roomUsed.get(p.name) ?? 0) + out.ids.length);
          const fallback = market === 'onDemand' && marketOf(p.pool) === 'spot';
          for (const n of chunk) launched.push({ node: n, ids: out.ids, fallback });
          lastAction.set(p.name, {
            time: new Date(clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
            action: 'ScaleOut',
            nodes: out.ids.slice(0, 100),
            message: `launched ${out.ids.length} × ${rec.instanceType} in ${rec.zoneId} for ${chunk.reduce((a, n) => a + n.pods.length, 0)} pending pod(s)`,
          });
        } else {
          if (out.unavailable) {
            refused = true;
            records.set(
              p.name,
              (records.get(p.name) ?? []).filter((x) => x !== rec),
            );
            catalogue.markUnavailable(rec.instanceType, rec.zoneId, market, `${out.code} just now`);
            metrics.failures.inc({ pool: p.name, instance_type: rec.instanceType, code: out.code });
            log.info(
              {
                pool: p.name,
                action: 'launch-refused',
                instanceType: rec.instanceType,
                zone: rec.zoneId,
                code: out.code,
              },
              'the cloud refused a launch: planning again without it',
            );
          }
        }
      }),
    );
    await queue.addAll(tasks);
    for (const { p } of byPool.values()) await writeElasticity(p, undefined);
    return refused;
  }

  /**
   * The decision latency of a pod's first decision (a launch for it, or its place on a node launched before);
   * a pod decided before and launched for again — the scheduler gave the room counted for it to other pods —
   * is counted as re-planned instead.
   */
  function observeDecision(podKey: string, now: number, launch = false): void {
    const [ns, name] = podKey.split('/');
    const pod = pods.get(`${ns}/${name}`);
    const uid = pod?.metadata.uid ?? podKey;
    const seen = firstSeen.get(uid);
    if (!decidedAt.has(uid)) decidedAt.set(uid, now);
    if (seen !== undefined && seen < 0 && launch) metrics.replanned.inc();
    if (seen === undefined || seen < 0) return;
    metrics.decision.observe(Math.max(0, now - seen) / 1000);
    firstSeen.set(uid, -1); // observed once
  }

  function tellPods(
    plan: Plan,
    launched: Launched[],
    byKey: Map<string, Pod>,
    restarted: Map<string, { pool: string; node: string }>,
  ): void {
    const items = [];
    for (const [key, r] of restarted) {
      const pod = byKey.get(key);
      if (pod)
        items.push({
          pod,
          type: 'Normal' as const,
          reason: 'TriggeredScaleUp',
          message: restartedMessage(r.pool, r.node),
        });
    }
    for (const l of launched)
      for (const key of l.node.pods) {
        const pod = byKey.get(key);
        if (pod)
          items.push({
            pod,
            type: 'Normal' as const,
            reason: 'TriggeredScaleUp',
            message: triggeredMessage(l.node, l.ids.length, l.fallback),
          });
      }
    for (const [key, reasons] of plan.unschedulable) {
      const pod = byKey.get(key);
      if (pod)
        items.push({
          pod,
          type: 'Normal' as const,
          reason: 'NotTriggerScaleUp',
          message: notTriggeredMessage(reasons),
        });
    }
    podEvents.tell(items);
  }

  /** Writes `status.automation.elasticity` of a pool when it changed (merge patch of that field only). */
  async function writeElasticity(p: AutoPool, flight: InFlight | undefined): Promise<void> {
    const body = elasticityStatus({
      records: records.get(p.name) ?? [],
      lastAction: lastAction.get(p.name),
      flight,
      blocked: p.blocked,
      now: clock.now(),
    });
    const text = JSON.stringify(body);
    if (lastWritten.get(p.name) === text) return;
    const api = kinds.find((k) => k.kind === p.kind)!.api;
    // a merge patch: `next: null` clears a next action that no longer applies
    await api.patchStatus(p.name, { automation: { elasticity: { ...body, next: body.next ?? null } } });
    lastWritten.set(p.name, text);
  }

  async function writeStatuses(list: AutoPool[], flights: Map<string, InFlight>): Promise<void> {
    for (const p of list)
      await writeElasticity(p, flights.get(p.name)).catch((err: unknown) =>
        log.warn({ pool: p.name, err }, 'could not write the elasticity status'),
      );
  }

  // the catalogue and each pool's launch are fetched ahead (not on a pod's decision path) as pools come and change
  for (const k of kinds) k.informer.addEventHandler({ add: () => controller.enqueue(KEY) });
  const stop = controller.stop.bind(controller);
  controller.stop = async (deadlineMs?: number) => {
    batcher.stop();
    await podEvents.flush();
    return stop(deadlineMs);
  };
  return controller;
}
