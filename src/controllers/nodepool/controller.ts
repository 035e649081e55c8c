import { randomUUID } from 'node:crypto';
import PQueue from 'p-queue';
import { Gauge } from 'prom-client';
import { z } from 'zod';
import {
  API_VERSION,
  ConditionType,
  GROUP,
  Reason,
  type NodePool,
  type Phase,
  type PoolStatus,
} from '../../apis/v1beta1/index.js';
import { POOL_LABEL } from '../../bootstrap/labels.js';
import { bootstrapProgress, describeBootstrap } from '../../bootstrap/progress.js';
import { AuthFailedError, CloudError, ConflictError } from '../../cloud/errors.js';
import type { CloudProvider } from '../../cloud/provider.js';
import type { EnsureKnown, PoolInstance, ScalingActivity, ScalingGroup } from '../../cloud/types.js';
import {
  InvalidError,
  NodeSchema,
  NotFoundError,
  ObjectMetaSchema,
  PodSchema,
  ConfigMapSchema,
  Resources,
  TypedResource,
  type Node,
} from '../../kube/index.js';
import { setCondition, type Condition } from '../../runtime/conditions.js';
import { Controller, type ReconcileContext, type ReconcileResult } from '../../runtime/controller.js';
import type { EventSubject } from '../../runtime/events.js';
import { finalizerPatch } from '../../runtime/finalizers.js';
import type { ControllerDeps, JoinSource } from '../deps.js';
import {
  DrainMetrics,
  Drainer,
  allowedDisruptions,
  isDisrupting,
  candidatesOf,
  chooseVictims,
  drainTimeoutMs,
  parseDuration,
} from '../disruption/index.js';
import { desiredMetadataOf, syncNodeMetadata } from '../node/labels-taints/index.js';
import { poolTags, scalingGroupSpecOf, launchSpecOf } from './launch.js';
import {
  activeMembers,
  countMembers,
  deleteOutcome,
  groupCountsKey,
  membersAtRest,
  instanceIdOf,
  joinMembers,
  type Member,
} from './observe.js';
import { AGENT_CONFIG } from './external.js';
import { CheckCache } from './check-cache.js';
import { SharedLookups } from './shared-lookups.js';
import { lookAgainMs, restingLookMs } from './look-again.js';
import { nodeChanged } from './node-change.js';
import { ReferenceError, References, resolveLaunch } from './resolve.js';
import { registerPoolStatusMetrics } from './status-metrics.js';
import {
  POOL_KINDS,
  automationCondition,
  nameConflict,
  poolSpecOf,
  type PoolKindName,
  type PoolSpecResult,
} from './kinds.js';

export const NODEPOOL_CONTROLLER = POOL_KINDS.NodePool.controller;
export const MANAGEDNODEPOOL_CONTROLLER = POOL_KINDS.ManagedNodePool.controller;
/** Put on a pool before any cloud resource exists; removed when the cloud side is gone. */
export const POOL_FINALIZER = `${GROUP}/cloud-resources`;
/** On each pool Node: `kubectl delete node` becomes drain → remove (or detach a Subscription one) → gone. */
export const NODE_FINALIZER = `${GROUP}/instance`;
export const NodePools = POOL_KINDS.NodePool.ref;

/** What the informer keeps of a pool: the spec is validated in each reconcile (a bad one is a Degraded pool). */
export const PoolObjectSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: z.unknown(),
  status: z.record(z.string(), z.unknown()).optional(),
});
export type PoolObject = z.output<typeof PoolObjectSchema>;

export interface NodePoolControllerDeps extends ControllerDeps {
  cloud: CloudProvider;
  join: JoinSource;
}

/** Instances in a row that do not register before the pool is Degraded (it goes on replacing them). */
export const REGISTRATION_FAILURE_LIMIT = 3;
/** How often a pool is looked at again: while things move, and when all is quiet. */
const REQUEUE = { progressing: 2_000, joining: 10_000, steady: 30_000, error: 15_000 } as const;
/** Pools reconciled at once (most of a reconcile is waiting for the cloud and the API server). */
const POOL_WORKERS = 16;
/** Nodes whose finalizer, labels and taints a reconcile brings in step at once. */
const NODE_SYNC_CONCURRENCY = 16;
/** How long a pool's image and security groups, checked against the cloud, are trusted for the same spec. */
export const CLOUD_RECHECK_MS = 5 * 60_000;
/** How long one image / security-group answer serves other pools checking the same ids. */
const SHARED_LOOKUP_MS = 30_000;

type Status = PoolStatus & Record<string, unknown>;

/**
 * The NodePool controller: one ESS scaling group + one scaling configuration per pool, nodes launched to the
 * desired size and joined, labels / taints / tags applied to existing nodes, scale-in by drained victims, and
 * deletion by the release table. Level-triggered: every reconcile reads the pool, its Nodes and its group,
 * moves one step, and writes the status last.
 */
export function newNodePoolController(
  deps: NodePoolControllerDeps,
  kindName: PoolKindName = 'NodePool',
): Controller {
  const { client, clock, cloud } = deps;
  const K = POOL_KINDS[kindName];
  const selector = deps.settings.poolSelector ? { labelSelector: deps.settings.poolSelector } : {};
  const cluster = deps.settings.clusterId ?? 'default';
  const pools = deps.informers.informer(K.ref, PoolObjectSchema, selector);
  /** Pools of the other kind: names are unique across both (conflicts), and both own scaling groups (orphans). */
  const others = deps.informers.informer(POOL_KINDS[K.other].ref, PoolObjectSchema, selector);
  const nodes = deps.informers.informer(Resources.nodes, NodeSchema, {
    labelSelector: POOL_LABEL,
    indexers: { pool: (n: Node) => { const p = n.metadata.labels?.[POOL_LABEL]; return p ? [p] : []; } }, // prettier-ignore
  });
  /** Where ACK registers an External pool's join script: a change re-checks every External pool. */
  const agentConfig = K.kind !== 'NodePool' ? undefined : deps.informers.informer(Resources.configMaps, ConfigMapSchema, {
    namespace: AGENT_CONFIG.namespace,
    fieldSelector: `metadata.name=${AGENT_CONFIG.name}`,
  }); // prettier-ignore
  const externalPools = (): string[] =>
    pools
      .list()
      .filter((p) => isExternal(p.spec))
      .map((p) => p.metadata.name);
  const poolApi = new TypedResource(client, K.ref, PoolObjectSchema);
  const nodeApi = new TypedResource(client, Resources.nodes, NodeSchema);
  const podApi = new TypedResource(client, Resources.pods, PodSchema);
  const refs = new References(client, deps.settings.namespace, { credentialsSecret: deps.settings.credentialsSecret }); // prettier-ignore
  const drainer = new Drainer({
    client,
    clock,
    logger: deps.logger,
    events: deps.events,
    metrics: DrainMetrics.of(deps.metrics.registry),
  });
  // pools by phase, nodes by pool and state, draining nodes: read from the informer caches when scraped
  registerPoolStatusMetrics(deps.metrics.registry, { kind: K.kind, pools, nodes });
  // one check for both kinds: the NodePool controller's
  const orphanGauge = K.kind !== 'NodePool' ? undefined : new Gauge({ name: 'nodepool_orphan_scaling_groups', help: 'Scaling groups tagged with this cluster that no pool owns (checked at start-up)', registers: [deps.metrics.registry] }); // prettier-ignore
  /** When the operator first saw an instance running without a Node (registration timeout; wall clock). */
  const unregisteredSince = new Map<string, number>();
  /**
   * Instances of a pool that did not register, since one of its nodes last did (or its spec last changed): at
   * REGISTRATION_FAILURE_LIMIT the pool is Degraded with the last one's story. In memory: a restart starts over.
   */
  const registrationFailures = new Map<string, { count: number; generation: number; last: string }>();
  /** Subscription instances already reported as not registering (they are kept, so reported once). */
  const reportedLate = new Set<string>();
  const now = (): string => new Date(clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
  /** A pool object's spec in NodePool terms, validated once per object version (informer objects never change). */
  const specs = new WeakMap<PoolObject, PoolSpecResult>();
  /** Image and security groups checked per pool and spec version (not on every reconcile; see CheckCache). */
  const cloudChecks = new CheckCache<string>(CLOUD_RECHECK_MS, () => clock.now());
  /** Each pool's group's configuration and hook as the last full ensure found them (keyed by group id). */
  const knownGroups = new CheckCache<EnsureKnown>(CLOUD_RECHECK_MS, () => clock.now());
  /** Image and security-group reads shared by pools for a short while (many pools, the same image). */
  const lookups = new SharedLookups(SHARED_LOOKUP_MS, () => clock.now()).cloud(cloud);
  /** Pools whose last reconcile left them moving (looked at again within seconds): they pace each other. */
  const moving = new Set<string>();
  const readQps = Math.min(deps.settings.cloudActionDefaultQps ?? 10, deps.settings.cloudQps / 4);
  /** Nodes found with their pool's labels and taints: Node name → pool uid / generation / Node resourceVersion. */
  const inStep = new Map<string, string>();
  /** A pool at rest: its members as the last full listing found them, and what its group said then. */
  const atRest = new CheckCache<{ groupId: string; countsKey: string; instances: PoolInstance[] }>(CLOUD_RECHECK_MS, () => clock.now()); // prettier-ignore
  /** Each pool's last rendered user data and the inputs it was rendered from. */
  const lastRendered = new Map<string, { key: string; userData: string }>();
  const forgetChecks = (pool: string): void => {
    lastRendered.delete(pool);
    atRest.forget(pool);
    cloudChecks.forget(pool);
    knownGroups.forget(pool);
  };
  const specOf = (o: PoolObject): PoolSpecResult => {
    let r = specs.get(o);
    if (!r) specs.set(o, (r = poolSpecOf(K.kind, o)));
    return r;
  };

  /** Drops the operator's finalizer from a Node (a guarded patch; gone is fine). */
  async function releaseNode(n: Node): Promise<void> {
    const ops = finalizerPatch(n.metadata, NODE_FINALIZER, 'remove');
    if (!ops) return;
    await nodeApi.jsonPatch(n.metadata.name, ops).catch((e: unknown) => { if (!(e instanceof NotFoundError)) throw e; }); // prettier-ignore
  }

  /** Deletes a Node object the operator is done with (its finalizer first). */
  async function deleteNode(n: Node): Promise<void> {
    await releaseNode(n);
    await nodeApi.delete(n.metadata.name).catch((e: unknown) => { if (!(e instanceof NotFoundError)) throw e; }); // prettier-ignore
  }

  const subjectOf = (o: PoolObject): EventSubject => ({ apiVersion: API_VERSION, kind: K.kind, name: o.metadata.name, uid: o.metadata.uid }); // prettier-ignore

  /** Writes the status when it changed (merge patch of the status subresource). */
  async function writeStatus(o: PoolObject, next0: Status): Promise<void> {
    // status.automation belongs to the automation controllers (provisioning): never written back from a stale copy
    const { automation: _a, ...prior } = (o.status ?? {}) as Status;
    const { automation: _b, ...next } = next0;
    if (JSON.stringify(prior) === JSON.stringify(next)) return;
    try {
      await poolApi.patchStatus(o.metadata.name, { ...next, ...(next.operation ? {} : { operation: null }) });
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw err;
    }
  }

  function conditions(
    o: PoolObject,
    gen: number | undefined,
    set: {
      ready: [boolean, string, string];
      progressing: [boolean, string, string];
      degraded: [boolean, string, string];
    },
  ): Condition[] {
    // prettier-ignore
    let list = ((o.status?.conditions ?? []) as Condition[]).map((c) => ({ ...c }));
    const t = clock.now();
    const put = (type: string, [on, reason, message]: [boolean, string, string]): void => {
      list = setCondition(list, { type, status: on ? 'True' : 'False', reason, message }, { now: t, observedGeneration: gen }); // prettier-ignore
    };
    put(ConditionType.Ready, set.ready);
    put(ConditionType.Progressing, set.progressing);
    put(ConditionType.Degraded, set.degraded);
    if (K.kind === 'ManagedNodePool') {
      const r = specOf(o);
      if (r.ok && r.managed) put(ConditionType.AutomationActive, automationCondition(r.managed));
    }
    return list;
  }

  /** A pool that cannot proceed: Degraded with the reason and message, nothing else touched. */
  async function degraded(
    o: PoolObject,
    reason: string,
    message: string,
    extra: Partial<Status> = {},
  ): Promise<void> {
    const gen = o.metadata.generation;
    const status: Status = {
      ...o.status,
      ...extra,
      observedGeneration: gen,
      phase: 'Degraded',
      conditions: conditions(o, gen, { ready: [false, reason, message], progressing: [false, reason, message], degraded: [true, reason, message] }), // prettier-ignore
    };
    await writeStatus(o, status);
  }

  /**
   * Once, at start-up (the first reconcile, when the informers are synced): scaling groups tagged with this
   * cluster that no pool owns — left by a pool deleted while the operator was away, or by another install.
   * Reported in the log and the `nodepool_orphan_scaling_groups` gauge; never deleted by the operator.
   */
  let orphansChecked = false;
  async function reportOrphans(log: ReconcileContext['log']): Promise<void> {
    if (orphansChecked || !orphanGauge) return;
    orphansChecked = true;
    try {
      const groups = await cloud.listClusterScalingGroups(cluster);
      const owned = new Set([...pools.list(), ...others.list()].map((p) => p.metadata.name));
      const orphans = groups.filter((g) => !owned.has(g.tags['nodepool.alicloud.dev/pool'] ?? ''));
      orphanGauge.set(orphans.length);
      for (const g of orphans) {
        log.warn({ action: 'orphan-group', scalingGroupId: g.id, name: g.name, pool: g.tags['nodepool.alicloud.dev/pool'] }, 'a scaling group tagged with this cluster belongs to no pool (delete it with the cloud console or the CLI once you are sure)'); // prettier-ignore
      }
    } catch (err) {
      orphansChecked = false;
      log.warn({ err }, 'could not list the cluster scaling groups');
    }
  }

  async function reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    await reportOrphans(ctx.log);
    moving.delete(key); // back in if this reconcile leaves it moving
    const o = pools.get(key);
    if (!o) {
      forgetChecks(key);
      return {};
    }
    if (o.metadata.deletionTimestamp) {
      forgetChecks(o.metadata.name);
      return finalize(o, ctx);
    }

    const v = specOf(o);
    if (!v.ok) {
      const message = v.problems.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`).join('; ');
      await degraded(o, Reason.InvalidSpec, `the spec is invalid: ${message}`);
      return {};
    }
    const pool = v.pool;
    const other = others.get(o.metadata.name);
    const clash = nameConflict({ kind: K.kind, name: o.metadata.name, created: o.metadata.creationTimestamp }, other && { created: other.metadata.creationTimestamp }); // prettier-ignore
    if (clash) {
      await degraded(o, Reason.NameConflict, clash);
      return {};
    }
    const s = deps.settings;
    if (s.region && pool.spec.region !== s.region) {
      await degraded(o, Reason.RegionMismatch, `spec.region ${pool.spec.region} is not the cluster's region ${s.region}`); // prettier-ignore
      return {};
    }
    if (s.vpcId && pool.spec.vpcId !== s.vpcId) {
      await degraded(
        o,
        Reason.VpcMismatch,
        `spec.vpcId ${pool.spec.vpcId} is not the cluster's VPC ${s.vpcId}`,
      );
      return {};
    }

    // The finalizer comes before anything exists in the cloud.
    let obj = o;
    const add = finalizerPatch(o.metadata, POOL_FINALIZER, 'add');
    if (add) obj = await poolApi.jsonPatch(o.metadata.name, add);

    try {
      return await reconcilePool(obj, pool, ctx);
    } catch (err) {
      if (err instanceof CloudError) forgetChecks(obj.metadata.name); // what was checked may be what fails now
      if (err instanceof ReferenceError) {
        await degraded(obj, 'InvalidReference', err.message);
        return { requeueAfter: REQUEUE.steady };
      }
      if (err instanceof CloudError && !err.retryable && !(err instanceof ConflictError)) {
        const reason = err instanceof AuthFailedError ? 'CloudAuthFailed' : Reason.CloudError;
        await degraded(obj, reason, `${err.kind}: ${err.message}`);
        ctx.log.warn({ pool: pool.metadata.name, action: err.action, code: err.code, requestId: err.requestId }, 'cloud refused'); // prettier-ignore
        return { requeueAfter: err instanceof AuthFailedError ? REQUEUE.steady : REQUEUE.error };
      }
      throw err;
    }
  }

  async function reconcilePool(
    o: PoolObject,
    pool: NodePool,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    const name = pool.metadata.name;
    const log = ctx.log.child({ pool: name });
    const subject = subjectOf(o);
    const prior = (o.status ?? {}) as Status;
    const gen = o.metadata.generation;

    // ---- labels and taints on the pool's Nodes first: they need nothing from the cloud, so a label change on a
    // big pool is not kept waiting behind the cloud calls below (rate-limited, shared by every pool). Nodes not
    // yet admitted (no finalizer) are handled with the rest further down.
    const desiredMeta = desiredMetadataOf(pool.spec);
    const metadataSynced = new Set<string>();
    const admitted = nodes.byIndex('pool', name).filter((n) => !n.metadata.deletionTimestamp && n.metadata.finalizers?.includes(NODE_FINALIZER)); // prettier-ignore
    // a Node found in step with this generation of the spec is not planned again until it changes
    const stepKey = (n: Node): string =>
      `${o.metadata.uid ?? ''}/${gen ?? ''}/${n.metadata.resourceVersion ?? ''}`;
    const toSync = admitted.filter((n) => {
      if (inStep.get(n.metadata.name) !== stepKey(n)) return true;
      metadataSynced.add(n.metadata.name);
      return false;
    });
    await new PQueue({ concurrency: NODE_SYNC_CONCURRENCY }).addAll(toSync.map((n) => async () => {
      const r = await syncNodeMetadata({ client, clock, logger: log, events: deps.events }, n, { pool: name, poolRef: subject, desired: desiredMeta }); // prettier-ignore
      if (r.outcome === 'unchanged') inStep.set(n.metadata.name, stepKey(n));
      metadataSynced.add(n.metadata.name);
    })); // prettier-ignore
    if (inStep.size > 2 * nodes.size + 100)
      for (const k of inStep.keys()) if (!nodes.get(k)) inStep.delete(k);

    const version = `${o.metadata.uid ?? ''}/${gen ?? ''}`;
    const checks = { get: () => cloudChecks.get(name, version), set: (imageId: string) => cloudChecks.set(name, version, imageId) }; // prettier-ignore
    const rendered = { get: (k: string) => { const r = lastRendered.get(name); return r?.key === k ? r.userData : undefined; }, set: (key: string, userData: string) => lastRendered.set(name, { key, userData }) }; // prettier-ignore
    const resolved = await resolveLaunch(pool, { cloud: lookups, refs, checks, rendered, join: (p) => deps.join.forPool(p.metadata.name, o.metadata.uid ?? p.metadata.name) }); // prettier-ignore
    const existing = await cloud.findScalingGroup({ id: prior.scalingGroupId, name: scalingGroupSpecOf(pool, { cluster, current: { desired: 0, members: 0 } }).name, cluster }); // prettier-ignore
    const poolNodes = nodes.byIndex('pool', name);
    // A pool at rest whose group's counts have not moved: its last full member listing stands (a new listing at
    // the re-check interval, and whenever the counts, the spec or the Nodes move).
    const rest = atRest.get(name, version); // undefined once due for a full listing (≤ 5 min)
    const reuse = existing !== undefined && rest !== undefined && rest.groupId === existing.id && rest.countsKey === groupCountsKey(existing) && membersAtRest(rest.instances, poolNodes); // prettier-ignore
    const instances0 = reuse ? rest.instances : existing ? await cloud.listPoolInstances(existing.id) : [];
    const members0 = joinMembers(instances0, poolNodes);
    const active0 = activeMembers(members0);
    const subscription = pool.spec.billing.chargeType === 'Subscription';

    // ---- the group and its configuration
    const groupSpec = scalingGroupSpecOf(pool, { cluster, current: { desired: existing?.desiredCapacity, members: active0.length } }); // prettier-ignore
    const wanted = groupSpec.desiredCapacity;
    // Scale-in is ours (victims chosen and drained first): never lower ESS's desired capacity below what runs.
    if (existing && wanted < active0.length) groupSpec.desiredCapacity = Math.min(existing.desiredCapacity ?? active0.length, active0.length); // prettier-ignore
    // Subscription instances are launched by the operator (ESS cannot): ESS's desired follows what is attached.
    if (subscription) groupSpec.desiredCapacity = Math.min(active0.length, groupSpec.maxSize);
    groupSpec.minSize = Math.min(groupSpec.minSize, groupSpec.desiredCapacity);

    let operation = prior.operation;
    if (!existing && prior.scalingGroupId) {
      await deps.events.warning(subject, Reason.ScalingGroupMissing, 'Recreate', `scaling group ${prior.scalingGroupId} no longer exists (deleted outside the operator): recreating it from the spec; its instances are gone`); // prettier-ignore
      log.warn(
        { action: 'recreate-group', scalingGroupId: prior.scalingGroupId },
        'scaling group deleted outside the operator',
      );
    }
    if (!existing && operation?.action !== 'CreateScalingGroup') {
      operation = { id: randomUUID(), action: 'CreateScalingGroup', startedAt: now() };
      await poolApi.patchStatus(name, { operation, phase: prior.phase ?? 'Initializing' });
    }
    const known = existing ? knownGroups.get(name, existing.id) : undefined;
    const launch = launchSpecOf(pool, { cluster, imageId: resolved.imageId, userData: resolved.userData, password: resolved.password?.value }); // prettier-ignore
    const ensured = await cloud.ensureScalingGroup({
      groupId: existing?.id,
      current: existing,
      known,
      group: groupSpec,
      launch,
      operationId: operation?.action === 'CreateScalingGroup' ? operation.id : `${o.metadata.uid}/ensure`,
      ...(resolved.password ? { passwordRevision: resolved.password.revision } : {}),
    });
    if (operation?.action === 'CreateScalingGroup') operation = undefined;
    const group = ensured.group;
    // kept from a full ensure (configurations and hooks read) until the re-check; a configuration change updates it
    if (!known || known.configurationId !== ensured.known.configurationId || known.configurationName !== ensured.known.configurationName) knownGroups.set(name, group.id, ensured.known); // prettier-ignore
    for (const change of ensured.changes) {
      if (change === 'created scaling group') await deps.events.normal(subject, 'ScalingGroupCreated', 'Create', `created ESS scaling group ${group.id} (${group.name})`); // prettier-ignore
      else if (change === 'modified scaling configuration') await deps.events.normal(subject, 'LaunchConfigurationUpdated', 'Update', `scaling configuration ${ensured.configurationId} updated: new nodes launch with the new settings; existing nodes are not touched`); // prettier-ignore
      else if (change.startsWith('modified scaling group') && existing) await deps.events.normal(subject, 'ScalingGroupUpdated', 'Update', `${change} (brought back to the pool's spec)`); // prettier-ignore
    }
    log.debug(
      { action: 'ensure', scalingGroupId: group.id, changes: ensured.changes },
      'scaling group ensured',
    );

    // a group created just now has no instance yet and no scaling activity to report: not read until next time
    const createdNow = ensured.changes.includes('created scaling group');
    const instances = createdNow ? [] : ensured.changes.length > 0 ? await cloud.listPoolInstances(group.id) : instances0; // prettier-ignore
    const members = joinMembers(instances, poolNodes);
    const active = activeMembers(members);
    let progressing: string[] = [];

    // ---- Subscription: launch the missing instances with RunInstances (PrePaid), then attach them
    if (subscription) {
      const r = await launchSubscription(o, pool, group, active, resolved, operation, log);
      operation = r.operation;
      progressing = progressing.concat(r.progress);
    }

    // ---- existingInstances: attached to the group (ESS re-initializes them: their system disk's data is lost)
    progressing = progressing.concat(await attachExisting(o, pool, group, members));

    // ---- Subscription instances that do not renew: a Warning a week before they expire
    await warnExpiry(o, pool, active);

    // ---- ESS-started removals wait in the SCALE_IN hook: drain, then let ESS go on
    progressing = progressing.concat(await serveLifecycleHook(o, pool, group, members));

    // ---- scale in: victims in API.md's order, never more at once than the budget, drained, then removed
    // Auto pools: ESS's desired capacity grows with instant elasticity's launches (src/controllers/provisioning),
    // so a read of it from before an attach must not remove what was just attached: only a maxSize lowered
    // below the members scales an Auto pool in here (consolidation is the disruption engine's).
    const inTarget = pool.spec.scaling.mode === 'Auto' ? Math.min(active.length, pool.spec.scaling.maxSize ?? active.length) : wanted; // prettier-ignore
    if (active.length > inTarget) progressing = progressing.concat(await scaleIn(o, pool, group, active, inTarget, poolNodes)); // prettier-ignore

    // ---- registration: an instance that never became a Ready node is replaced
    const reg = await registration(o, pool, group, members);
    progressing = progressing.concat(reg.progress);

    // ---- `kubectl delete node`: drain, then remove the instance (ESS replaces it: the spec is the truth)
    progressing = progressing.concat(await deletedNodes(o, pool, group, members, prior, ctx));

    // ---- Nodes whose instance is gone (released by ESS after a hook, or outside the operator) are removed
    progressing = progressing.concat(await collectNodes(members, poolNodes, ctx));

    // ---- labels and taints on existing Nodes, tags on existing instances
    // NODE_SYNC_CONCURRENCY Nodes at a time: a label change on a 500-node pool is 500 patches
    const syncs = new PQueue({ concurrency: NODE_SYNC_CONCURRENCY });
    await syncs.addAll(poolNodes.filter((n) => !n.metadata.deletionTimestamp && !metadataSynced.has(n.metadata.name)).map((n) => async () => {
      const add = finalizerPatch(n.metadata, NODE_FINALIZER, 'add');
      // the patch is guarded by the cached resourceVersion / finalizers: a Node changed since (it is joining,
      // its status moves) fails the guard (422) — tried again next time with a fresh copy, the rest goes on
      const stale = add ? await nodeApi.jsonPatch(n.metadata.name, add).then(() => false, (e: unknown) => { if (e instanceof InvalidError) return true; if (!(e instanceof NotFoundError)) throw e; return false; }) : false; // prettier-ignore
      if (stale) {
        progressing.push(`finalizer of Node ${n.metadata.name} to add again`);
        return;
      }
      await syncNodeMetadata({ client, clock, logger: log, events: deps.events }, n, { pool: name, poolRef: subject, desired: desiredMeta }); // prettier-ignore
    })); // prettier-ignore
    const { keys: appliedTagKeys, wrote: tagged } = await syncTags(
      pool,
      active.map((m) => m.instance),
      prior.appliedTagKeys ?? [],
    );

    // ---- status, last
    const counts = countMembers(members);
    const desiredSize = wanted;
    // A settled pool (its size reached, nothing changed, the last activity seen finished) keeps the activity it
    // reported: no call. Anything else reads the newest one.
    const priorActivity = prior.lastScalingActivity;
    const settled = counts.currentSize === desiredSize && prior.desiredSize === desiredSize && ensured.changes.length === 0 && priorActivity !== undefined && priorActivity.status !== 'InProgress'; // prettier-ignore
    const activity = settled || createdNow ? undefined : (await cloud.scalingActivities(group.id, 1))[0];
    const failed = activity?.status === 'Failed' && counts.currentSize < desiredSize;
    if (counts.currentSize !== desiredSize)
      progressing.push(`${counts.currentSize} of ${desiredSize} instances`);
    if (counts.readySize < Math.min(desiredSize, counts.currentSize)) progressing.push(`${counts.readySize} of ${desiredSize} nodes Ready`); // prettier-ignore
    const readyOk = counts.readySize >= desiredSize && counts.currentSize === desiredSize;
    const updating = ensured.changes.some((c) => c.startsWith('modified'));
    const phase: Phase = failed || reg.problem ? 'Degraded' : !prior.scalingGroupId || (prior.phase === 'Initializing' && !readyOk) ? 'Initializing' : updating ? 'Updating' : counts.currentSize !== desiredSize ? 'Scaling' : 'Active'; // prettier-ignore
    const failMsg = failed ? `the last scaling activity failed: ${activity.errorCode ?? ''} ${activity.errorMessage ?? activity.statusMessage}`.trim() : ''; // prettier-ignore
    const status: Status = {
      ...prior,
      observedGeneration: gen,
      phase,
      scalingGroupId: group.id,
      scalingConfigurationId: ensured.configurationId,
      desiredSize,
      currentSize: counts.currentSize,
      readySize: counts.readySize,
      zones: counts.zones,
      instanceTypes: counts.instanceTypes,
      appliedTagKeys,
      ...(activity ? { lastScalingActivity: activityStatus(activity) } : {}),
      conditions: conditions(o, gen, {
        ready: readyOk ? [true, Reason.AllNodesReady, `${counts.readySize} of ${desiredSize} nodes Ready`] : [false, Reason.NodesNotReady, `${counts.readySize} of ${desiredSize} nodes Ready`], // prettier-ignore
        progressing: progressing.length > 0 ? [true, phase === 'Initializing' ? Reason.Initializing : Reason.Scaling, progressing.join('; ')] : [false, Reason.Reconciled, 'the pool matches its spec'], // prettier-ignore
        degraded: failed
          ? [true, 'ScalingActivityFailed', failMsg]
          : reg.problem
            ? [true, Reason.RegistrationFailed, reg.problem]
            : [false, Reason.Reconciled, 'no problem seen'],
      }),
    };
    if (operation) status.operation = operation;
    else delete status.operation;
    if (failed && prior.phase !== 'Degraded') await deps.events.warning(subject, 'ScalingActivityFailed', 'Scale', failMsg); // prettier-ignore
    await writeStatus(o, status);
    // Only Nodes awaited (every instance there): their changes wake the pool, a slower look-again is enough.
    const joining = !failed && !reg.problem && progressing.length === 1 && counts.currentSize === desiredSize && counts.readySize < desiredSize; // prettier-ignore
    // at rest: the listing stands until its re-check falls due (kept when reused, so that it does fall due)
    const nowAtRest = !tagged && ensured.changes.length === 0 && progressing.length === 0 && !failed && !reg.problem && membersAtRest(instances, poolNodes); // prettier-ignore
    if (!nowAtRest) atRest.forget(name);
    else if (!reuse)
      atRest.set(name, version, { groupId: group.id, countsKey: groupCountsKey(group), instances });
    const base = joining ? REQUEUE.joining : progressing.length > 0 || failed || reg.problem ? REQUEUE.progressing : REQUEUE.steady; // prettier-ignore
    if (base !== REQUEUE.steady) moving.add(name);
    return { requeueAfter: base === REQUEUE.steady ? restingLookMs(clock.now(), base) : lookAgainMs(base, moving.size, readQps) }; // prettier-ignore
  }

  async function launchSubscription(
    o: PoolObject,
    pool: NodePool,
    group: ScalingGroup,
    active: Member[],
    resolved: { imageId: string; userData: string; password?: { value: string } | undefined },
    operation: Status['operation'],
    log: ReconcileContext['log'],
  ): Promise<{ operation: Status['operation']; progress: string[] }> {
    // prettier-ignore
    const name = pool.metadata.name;
    const want = pool.spec.scaling.mode === 'Manual' ? (pool.spec.scaling.desiredSize ?? active.length) : Math.max(pool.spec.scaling.minSize ?? 0, active.length); // prettier-ignore
    // Instances launched for this pool but not yet attached (a crash between launch and attach): attach them.
    const tagged = await cloud.findInstancesByTags({ 'nodepool.alicloud.dev/pool': name, 'nodepool.alicloud.dev/cluster': cluster }); // prettier-ignore
    const inGroup = new Set(active.map((m) => m.instance.instanceId));
    const loose = tagged.filter((i) => !inGroup.has(i.instanceId) && i.chargeType === 'PrePaid' && i.status !== 'Deleted'); // prettier-ignore
    const running = loose.filter((i) => i.status === 'Running');
    if (running.length > 0) {
      await cloud.attachInstances(group.id, running.map((i) => i.instanceId), { operationId: `${o.metadata.uid}/attach/${running.map((i) => i.instanceId).sort().join(',')}` }); // prettier-ignore
      return { operation: undefined, progress: [`attaching ${running.length} Subscription instance(s)`] };
    }
    if (loose.length > 0)
      return { operation, progress: [`${loose.length} Subscription instance(s) starting`] };
    const missing = want - active.length;
    if (missing <= 0) return { operation: undefined, progress: [] };
    let op = operation;
    if (op?.action !== 'LaunchSubscription') {
      op = { id: randomUUID(), action: 'LaunchSubscription', startedAt: now() };
      await poolApi.patchStatus(name, { operation: op });
    }
    const sub = pool.spec.billing.chargeType === 'Subscription' ? pool.spec.billing.subscription : undefined;
    const zoneVsw = pool.spec.vSwitchIds[active.length % pool.spec.vSwitchIds.length]!;
    const launch = launchSpecOf(pool, { cluster, imageId: resolved.imageId, userData: resolved.userData, password: resolved.password?.value }); // prettier-ignore
    const { instanceTypes, ...rest } = launch;
    let lastErr: unknown;
    for (const instanceType of instanceTypes) {
      try {
        const ids = await cloud.runInstances(
          { ...rest, instanceType, vSwitchId: zoneVsw, amount: Math.min(missing, 100), chargeType: 'PrePaid', subscription: { period: sub?.period ?? 1, periodUnit: sub?.periodUnit ?? 'Month', autoRenew: sub?.autoRenew ?? false, autoRenewPeriod: sub?.autoRenewPeriod } }, // prettier-ignore
          { operationId: `${op.id}/${instanceType}` },
        );
        log.info({ action: 'launch-subscription', instances: ids }, 'launched Subscription instances');
        await deps.events.normal(subjectOf(o), 'SubscriptionInstancesLaunched', 'Scale', `launched ${ids.length} Subscription instance(s) (${instanceType}): ${ids.join(', ')}; they are attached to the scaling group once running`); // prettier-ignore
        return { operation: undefined, progress: [`launched ${ids.length} Subscription instance(s)`] };
      } catch (err) {
        lastErr = err;
        if (!(err instanceof CloudError) || err.kind !== 'NoStock') throw err;
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
  }

  async function serveLifecycleHook(
    o: PoolObject,
    pool: NodePool,
    group: ScalingGroup,
    members: Member[],
  ): Promise<string[]> {
    // prettier-ignore
    if (!members.some((m) => m.instance.lifecycleState === 'Removing:Wait')) return [];
    const actions = await cloud.pendingLifecycleActions(group.id);
    const out: string[] = [];
    for (const a of actions) {
      let done = true;
      for (const id of a.instanceIds) {
        const node = members.find((m) => m.instance.instanceId === id)?.node;
        if (!node) continue;
        const r = await drainer.drainStep({ node: node.metadata.name, pool: pool.metadata.name, poolRef: subjectOf(o), drainTimeoutMs: drainTimeoutMs(pool.spec.disruption?.drainTimeout) }); // prettier-ignore
        if (r.state === 'waiting') {
          done = false;
          out.push(`draining ${node.metadata.name} before ESS removes it`);
        }
      }
      if (done) await cloud.completeLifecycleAction({ hookId: a.hookId, token: a.token, result: 'CONTINUE' });
    }
    return out;
  }

  async function scaleIn(
    o: PoolObject,
    pool: NodePool,
    group: ScalingGroup,
    active: Member[],
    wanted: number,
    poolNodes: Node[],
  ): Promise<string[]> {
    // prettier-ignore
    const excess = active.length - wanted;
    const out: string[] = [];
    const policy = pool.spec.scaling.mode === 'Auto' && pool.spec.scaling.economical ? 'recycle' : 'release';
    // Instances that never became Nodes go first: nothing to drain.
    const nodeless = active.filter((m) => !m.node).slice(0, excess);
    const remove: PoolInstance[] = nodeless.map((m) => m.instance);
    const left = excess - nodeless.length;
    if (left > 0) {
      const withNodes = active.filter((m) => m.node);
      const pods = (await podApi.list({})).items.filter((p) => p.spec?.nodeName);
      const candidates = candidatesOf(
        withNodes.map((m) => m.node!),
        pods,
      );
      // The budget counts nodes already being disrupted: those drains go on (victims rank them first).
      const budget = allowedDisruptions(pool.spec.disruption?.budget, poolNodes) + poolNodes.filter(isDisrupting).length; // prettier-ignore
      const victims = chooseVictims(candidates, Math.min(left, Math.max(0, budget)));
      for (const v of victims) {
        const r = await drainer.drainStep({ node: v.name, pool: pool.metadata.name, poolRef: subjectOf(o), drainTimeoutMs: drainTimeoutMs(pool.spec.disruption?.drainTimeout) }); // prettier-ignore
        const m = withNodes.find((x) => x.node?.metadata.name === v.name);
        if (r.state === 'done' || r.state === 'gone') {
          if (m) remove.push(m.instance);
        } else out.push(`draining ${v.name}${r.pastTimeout ? ' (blocked past drainTimeout)' : ''}`);
      }
      if (victims.length < left)
        out.push(`scale-in paced by disruption.budget (${victims.length} of ${left} at once)`);
    }
    if (remove.length > 0) {
      const prepaid = remove.filter((i) => i.chargeType === 'PrePaid');
      const released = remove.filter((i) => i.chargeType !== 'PrePaid');
      if (released.length > 0) {
        await cloud.removeInstances(group.id, released.map((i) => i.instanceId), { policy, decreaseDesired: true, operationId: `${o.metadata.uid}/scale-in/${released.map((i) => i.instanceId).sort().join(',')}` }); // prettier-ignore
      }
      if (prepaid.length > 0) {
        await cloud.detachInstances(group.id, prepaid.map((i) => i.instanceId), { decreaseDesired: true, operationId: `${o.metadata.uid}/detach/${prepaid.map((i) => i.instanceId).sort().join(',')}` }); // prettier-ignore
      }
      for (const i of released) {
        const node = active.find((m) => m.instance.instanceId === i.instanceId)?.node;
        if (node) await deleteNode(node);
      }
      await deps.events.normal(subjectOf(o), 'ScaledIn', 'Scale', `removed ${remove.length} instance(s): ${remove.map((i) => i.instanceId).join(', ')}${prepaid.length ? ` (Subscription ones detached and kept: ${prepaid.map((i) => i.instanceId).join(', ')})` : ''}`); // prettier-ignore
      out.push(`removing ${remove.length} instance(s)`);
    }
    return out;
  }

  /** Why an instance did not register, from its serial console (what its bootstrap printed). */
  async function whyNotRegistered(instanceId: string): Promise<string> {
    try {
      return describeBootstrap(bootstrapProgress(await cloud.consoleOutput(instanceId)));
    } catch (err) {
      return `its console output could not be read (${err instanceof Error ? err.message : String(err)})`;
    }
  }

  async function registration(
    o: PoolObject,
    pool: NodePool,
    group: ScalingGroup,
    members: Member[],
  ): Promise<{ progress: string[]; problem?: string }> {
    const uid = o.metadata.uid ?? o.metadata.name;
    const gen = o.metadata.generation ?? 0;
    const timeoutText = pool.spec.registrationTimeout ?? '10m';
    const timeout = parseDuration(timeoutText);
    const t = clock.now();
    const late: PoolInstance[] = [];
    const waiting: string[] = [];
    const seen = new Set<string>();
    let failures = registrationFailures.get(uid);
    // a spec change (a new configuration, maybe the fix) or a node that registers starts the count over
    if (failures && failures.generation !== gen) failures = undefined;
    for (const m of members) {
      const id = m.instance.instanceId;
      seen.add(id);
      if (m.ready && unregisteredSince.has(id)) failures = undefined;
      if (m.ready || m.instance.status !== 'Running' || m.instance.lifecycleState !== 'InService') {
        unregisteredSince.delete(id);
        continue;
      }
      const since = unregisteredSince.get(id) ?? t;
      unregisteredSince.set(id, since);
      if (t - since > timeout) late.push(m.instance);
      else waiting.push(id);
    }
    if (members.length > 0 && members.every((m) => m.ready)) failures = undefined;
    for (const id of unregisteredSince.keys()) if (!seen.has(id)) unregisteredSince.delete(id);
    for (const id of reportedLate) if (!seen.has(id)) reportedLate.delete(id);

    const subscription = pool.spec.billing.chargeType === 'Subscription';
    const fresh = late.filter((i) => !reportedLate.has(i.instanceId));
    if (fresh.length > 0) {
      const stories = new Map<string, string>();
      for (const i of fresh) stories.set(i.instanceId, await whyNotRegistered(i.instanceId));
      if (!subscription) {
        const ids = fresh.map((i) => i.instanceId).sort();
        await cloud.removeInstances(group.id, ids, { policy: 'release', decreaseDesired: false, operationId: `${uid}/registration/${ids.join(',')}` }); // prettier-ignore
        for (const id of ids) unregisteredSince.delete(id);
      } else {
        for (const i of fresh) reportedLate.add(i.instanceId);
      }
      for (const i of fresh) {
        const why = stories.get(i.instanceId) ?? '';
        const what = subscription ? 'kept (Subscription instances are never released): see the instance, or delete its Node to detach it' : 'released; ESS launches a replacement'; // prettier-ignore
        await deps.events.warning(subjectOf(o), Reason.RegistrationFailed, 'Replace', `instance ${i.instanceId} did not become a Ready node within ${timeoutText}; ${why}: ${what}`); // prettier-ignore
        deps.logger.warn({ pool: o.metadata.name, instance: i.instanceId, action: 'registration', why }, 'instance did not register'); // prettier-ignore
      }
      const lastId = fresh[fresh.length - 1]!.instanceId;
      failures = { count: (failures?.count ?? 0) + fresh.length, generation: gen, last: `${lastId}: ${stories.get(lastId) ?? ''}` }; // prettier-ignore
    }
    if (failures) registrationFailures.set(uid, failures);
    else registrationFailures.delete(uid);

    const progress = waiting.length > 0 ? [`${waiting.length} instance(s) running, waiting for their nodes to register`] : []; // prettier-ignore
    if (failures && failures.count >= REGISTRATION_FAILURE_LIMIT) {
      return { progress, problem: `${failures.count} instances in a row did not become Ready nodes within ${timeoutText}; the last, ${failures.last}` }; // prettier-ignore
    }
    return { progress };
  }

  async function deletedNodes(
    o: PoolObject,
    pool: NodePool,
    group: ScalingGroup,
    members: Member[],
    prior: Status,
    ctx: ReconcileContext,
  ): Promise<string[]> {
    // prettier-ignore
    const out: string[] = [];
    for (const m of members) {
      const n = m.node;
      if (!n?.metadata.deletionTimestamp || !n.metadata.finalizers?.includes(NODE_FINALIZER)) continue;
      const r = await drainer.drainStep({ node: n.metadata.name, pool: pool.metadata.name, poolRef: subjectOf(o), drainTimeoutMs: drainTimeoutMs(pool.spec.disruption?.drainTimeout) }); // prettier-ignore
      if (r.state === 'waiting') {
        out.push(`draining ${n.metadata.name} (deleted with kubectl)`);
        continue;
      }
      const id = m.instance.instanceId;
      if (m.instance.chargeType === 'PrePaid') {
        await cloud.detachInstances(group.id, [id], { decreaseDesired: true, operationId: `${o.metadata.uid}/node-delete/${id}` }); // prettier-ignore
        const retained = [...(prior.retainedInstances ?? [])];
        if (!retained.some((x) => x.instanceId === id)) retained.push({ instanceId: id, chargeType: 'PrePaid', ...(m.instance.expiredTime ? { expiresAt: m.instance.expiredTime } : {}), reason: 'its Node was deleted; Subscription instances are never released' }); // prettier-ignore
        prior.retainedInstances = retained;
        await deps.events.warning(subjectOf(o), 'SubscriptionInstanceRetained', 'Delete', `Node ${n.metadata.name} was deleted: its Subscription instance ${id} is detached and kept (never released)${m.instance.expiredTime ? `, it expires ${m.instance.expiredTime}` : ''}`); // prettier-ignore
      } else {
        await cloud.removeInstances(group.id, [id], { policy: 'release', decreaseDesired: false, operationId: `${o.metadata.uid}/node-delete/${id}` }); // prettier-ignore
        await deps.events.normal(subjectOf(o), 'NodeDeleted', 'Delete', `Node ${n.metadata.name} was deleted: drained, instance ${id} released; the pool launches a replacement`); // prettier-ignore
      }
      ctx.log.info({ node: n.metadata.name, instance: id, action: 'node-deleted' }, 'a deleted Node was drained and its instance removed'); // prettier-ignore
      await releaseNode(n);
      out.push(`replacing deleted Node ${n.metadata.name}`);
    }
    // A deleting Node whose instance is not (or no longer) in the group has nothing to wait for.
    const inGroup = new Set(members.map((m) => m.instance.instanceId));
    for (const n of nodes.byIndex('pool', pool.metadata.name)) {
      const id = instanceIdOf(n);
      if (n.metadata.deletionTimestamp && (!id || !inGroup.has(id))) await releaseNode(n);
    }
    return out;
  }

  async function attachExisting(
    o: PoolObject,
    pool: NodePool,
    group: ScalingGroup,
    members: Member[],
  ): Promise<string[]> {
    // prettier-ignore
    const wanted = pool.spec.existingInstances ?? [];
    if (wanted.length === 0) return [];
    const inGroup = new Set(members.map((m) => m.instance.instanceId));
    const missing = wanted.filter((id) => !inGroup.has(id));
    if (missing.length === 0) return [];
    const found = await cloud.describeInstances(missing);
    const unknown = missing.filter((id) => !found.some((i) => i.instanceId === id));
    if (unknown.length > 0) throw new ReferenceError(`spec.existingInstances: instance(s) ${unknown.join(', ')} do not exist in ${cloud.region}`); // prettier-ignore
    const elsewhere = found.filter((i) => i.tags['acs:autoscaling:scalingGroupId'] && i.tags['acs:autoscaling:scalingGroupId'] !== group.id); // prettier-ignore
    if (elsewhere.length > 0) throw new ReferenceError(`spec.existingInstances: instance(s) ${elsewhere.map((i) => `${i.instanceId} (in ${i.tags['acs:autoscaling:scalingGroupId']})`).join(', ')} belong to another scaling group`); // prettier-ignore
    const running = found.filter((i) => i.status === 'Running');
    if (running.length === 0) return [`waiting for existing instance(s) ${missing.join(', ')} to run`];
    await deps.events.warning(subjectOf(o), 'ExistingInstancesAttached', 'Attach', `attaching ${running.map((i) => i.instanceId).join(', ')} to the pool: they are re-initialized with the pool's image and user data, and the data on their system disks is lost`); // prettier-ignore
    await cloud.attachInstances(group.id, running.map((i) => i.instanceId), { operationId: `${o.metadata.uid}/existing/${running.map((i) => i.instanceId).sort().join(',')}` }); // prettier-ignore
    return [`attaching ${running.length} existing instance(s)`];
  }

  /** Subscription instances that do not renew themselves (their own setting): a Warning Event from 7 days before they expire. */
  async function warnExpiry(o: PoolObject, _pool: NodePool, active: Member[]): Promise<void> {
    const soon = clock.now() + 7 * 24 * 3600_000;
    const expiring = active.filter((m) => m.instance.chargeType === 'PrePaid' && m.instance.autoRenew !== true && m.instance.expiredTime && Date.parse(m.instance.expiredTime) < soon); // prettier-ignore
    if (expiring.length === 0) return;
    // The recorder folds repeats into one Event's series, so a reconcile every 30 s does not flood.
    await deps.events.warning(subjectOf(o), 'SubscriptionExpiring', 'Expire', `Subscription instance(s) that do not renew expire within 7 days: ${expiring.map((m) => `${m.instance.instanceId} (${m.instance.expiredTime})`).join(', ')}`); // prettier-ignore
  }

  async function collectNodes(
    members: Member[],
    poolNodes: Node[],
    ctx: ReconcileContext,
  ): Promise<string[]> {
    const inGroup = new Set(members.map((m) => m.instance.instanceId));
    const outside = poolNodes.filter((n) => { const id = instanceIdOf(n); return id !== undefined && !inGroup.has(id); }); // prettier-ignore
    if (outside.length === 0) return [];
    const ids = outside.map((n) => instanceIdOf(n)!);
    const alive = new Set((await cloud.describeInstances(ids)).filter((i) => i.status !== 'Deleted').map((i) => i.instanceId)); // prettier-ignore
    const out: string[] = [];
    for (const n of outside) {
      if (alive.has(instanceIdOf(n)!)) continue;
      await deleteNode(n);
      ctx.log.info({ node: n.metadata.name, instance: instanceIdOf(n), action: 'delete-node' }, 'removed the Node of a released instance'); // prettier-ignore
      out.push(`removed Node ${n.metadata.name} (instance released)`);
    }
    return out;
  }

  async function syncTags(
    pool: NodePool,
    instances: PoolInstance[],
    applied: readonly string[],
  ): Promise<{ keys: string[]; wrote: boolean }> {
    const desired = poolTags(pool, cluster);
    const keys = Object.keys(desired).sort();
    const stale = applied.filter((k) => !(k in desired));
    const needTags = instances.filter((i) => Object.entries(desired).some(([k, v]) => i.tags[k] !== v));
    if (needTags.length > 0)
      await cloud.tagInstances(
        needTags.map((i) => i.instanceId),
        desired,
      );
    const needUntag = instances.filter((i) => stale.some((k) => k in i.tags));
    if (needUntag.length > 0)
      await cloud.untagInstances(
        needUntag.map((i) => i.instanceId),
        stale,
      );
    return { keys, wrote: needTags.length + needUntag.length > 0 };
  }

  async function finalize(o: PoolObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (!o.metadata.finalizers?.includes(POOL_FINALIZER)) return {};
    registrationFailures.delete(o.metadata.uid ?? o.metadata.name);
    const name = o.metadata.name;
    const log = ctx.log.child({ pool: name });
    const prior = (o.status ?? {}) as Status;
    const gen = o.metadata.generation;
    const spec = specOf(o);
    const pool = spec.ok ? spec.pool : undefined;
    const progress: string[] = [];
    const retained: NonNullable<PoolStatus['retainedInstances']> = [...(prior.retainedInstances ?? [])];
    const groupName = scalingGroupSpecOf({ ...(pool ?? ({ spec: {} } as NodePool)), metadata: { ...o.metadata } }, { cluster, current: { desired: 0, members: 0 } }).name; // prettier-ignore
    const group = await cloud
      .findScalingGroup({ id: prior.scalingGroupId, name: groupName })
      .catch((e: unknown) => {
        if (e instanceof CloudError && e.kind === 'NotFound') return undefined;
        throw e;
      });
    const poolNodes = nodes.byIndex('pool', name);
    if (group) {
      const members = joinMembers(await cloud.listPoolInstances(group.id), poolNodes);
      const release = members.filter((m) => deleteOutcome(m.instance).outcome === 'release');
      const retain = members.filter((m) => deleteOutcome(m.instance).outcome === 'retain');
      // Drain the nodes that go (PDBs honoured; never a forced delete of protected pods).
      for (const m of release) {
        if (!m.node) continue;
        const r = await drainer.drainStep({ node: m.node.metadata.name, pool: name, poolRef: subjectOf(o), drainTimeoutMs: drainTimeoutMs(pool?.spec.disruption?.drainTimeout) }); // prettier-ignore
        if (r.state === 'waiting') progress.push(`draining ${m.node.metadata.name}${r.pastTimeout ? ' (blocked past drainTimeout)' : ''}`); // prettier-ignore
      }
      // Hooked removals (ours: detaches and the group's own releases) go on once their nodes are drained.
      const drainedOrKept = new Set([...retain.map((m) => m.instance.instanceId), ...release.filter((m) => !m.node || !progress.some((p) => p.includes(m.node!.metadata.name))).map((m) => m.instance.instanceId)]); // prettier-ignore
      if (members.some((m) => m.instance.lifecycleState === 'Removing:Wait')) {
        for (const a of await cloud.pendingLifecycleActions(group.id)) {
          if (a.instanceIds.every((id) => drainedOrKept.has(id))) await cloud.completeLifecycleAction({ hookId: a.hookId, token: a.token, result: 'CONTINUE' }); // prettier-ignore
        }
      }
      if (progress.length === 0) {
        if (retain.length > 0) {
          const toDetach = retain.filter((m) => !/^Removing/.test(m.instance.lifecycleState));
          if (toDetach.length > 0) {
            await cloud.detachInstances(group.id, toDetach.map((m) => m.instance.instanceId), { decreaseDesired: true, operationId: `${o.metadata.uid}/delete-detach/${toDetach.map((m) => m.instance.instanceId).sort().join(',')}` }); // prettier-ignore
            await deps.events.normal(subjectOf(o), 'InstancesRetained', 'Delete', `detaching and keeping ${toDetach.length} instance(s) with their nodes: ${toDetach.map((m) => `${m.instance.instanceId} (${deleteOutcome(m.instance).reason})`).join(', ')}`); // prettier-ignore
          }
          for (const m of retain) {
            if (!retained.some((r) => r.instanceId === m.instance.instanceId)) {
              retained.push({ instanceId: m.instance.instanceId, chargeType: m.instance.chargeType, ...(m.instance.expiredTime ? { expiresAt: m.instance.expiredTime } : {}), reason: deleteOutcome(m.instance).reason }); // prettier-ignore
            }
          }
          progress.push(`detaching ${retain.length} retained instance(s)`);
        } else {
          const state = await cloud.deleteScalingGroup(group.id);
          if (state === 'deleting')
            progress.push(`deleting scaling group ${group.id} and releasing ${release.length} instance(s)`); // prettier-ignore
          else log.info({ action: 'delete-group', scalingGroupId: group.id }, 'scaling group deleted');
        }
      }
    }
    if (!group || progress.length === 0) {
      // The group is gone: Nodes whose instances no longer exist are removed; retained ones stay.
      const ids = poolNodes.map((n) => instanceIdOf(n)).filter((x): x is string => x !== undefined);
      const alive = new Set((await cloud.describeInstances(ids)).filter((i) => i.status !== 'Deleted').map((i) => i.instanceId)); // prettier-ignore
      for (const n of poolNodes) {
        const id = instanceIdOf(n);
        // Retained nodes stay, no longer managed: the operator's finalizer goes.
        if (id && alive.has(id)) await releaseNode(n);
        else await deleteNode(n);
      }
    }
    const status: Status = {
      ...prior,
      phase: 'Deleting',
      retainedInstances: retained,
      conditions: conditions(o, gen, {
        ready: [false, Reason.Deleting, 'the pool is being deleted'],
        progressing: [true, Reason.Deleting, progress.join('; ') || 'removing the finalizer'],
        degraded: [false, Reason.Deleting, 'no problem seen'],
      }),
    };
    await writeStatus(o, status);
    if (group || progress.length > 0) return { requeueAfter: REQUEUE.progressing };
    await deps.join.forget(name);
    const rm = finalizerPatch(o.metadata, POOL_FINALIZER, 'remove');
    if (rm) await poolApi.jsonPatch(name, rm).catch((e: unknown) => { if (!(e instanceof NotFoundError)) throw e; }); // prettier-ignore
    log.info({ action: 'finalize', retained: retained.map((r) => r.instanceId) }, 'pool deleted');
    return {};
  }

  const controller = new Controller({
    name: K.controller,
    logger: deps.logger,
    clock,
    concurrency: POOL_WORKERS,
    metrics: { controller: deps.metrics.controller(K.controller), queue: deps.metrics.queue(K.controller) }, // prettier-ignore
    reconcile: async (key, ctx) => (await reconcile(key, ctx)) ?? {},
  });
  controller
    .watch(pools)
    .watch(others)
    .watch(nodes, (n: Node) => n.metadata.labels?.[POOL_LABEL], nodeChanged);
  if (agentConfig) controller.watch(agentConfig, externalPools);
  return controller;
}

/** A pool spec (not yet validated) that asks for External bootstrap. */
function isExternal(spec: unknown): boolean {
  const b = (spec as { bootstrap?: { mode?: unknown } } | null | undefined)?.bootstrap;
  return b?.mode === 'External';
}

function activityStatus(a: ScalingActivity): NonNullable<PoolStatus['lastScalingActivity']> {
  const description = a.errorCode ? `${a.errorCode}: ${a.errorMessage ?? a.statusMessage}` : a.statusMessage ? `${a.description}: ${a.statusMessage}` : a.description; // prettier-ignore
  return {
    id: a.id,
    status: a.status,
    ...(a.cause ? { cause: a.cause.slice(0, 4096) } : {}),
    ...(description ? { description: description.slice(0, 4096) } : {}),
    ...(a.startTime ? { startTime: a.startTime } : {}),
    ...(a.endTime ? { endTime: a.endTime } : {}),
  };
}
