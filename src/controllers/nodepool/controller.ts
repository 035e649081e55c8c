import { isDeepStrictEqual } from 'node:util';
import type { NodePool } from '../../apis/v1beta1/index.js';
import { POOL_LABEL } from '../../bootstrap/labels.js';
import { AuthFailedError, CloudError, ConflictError } from '../../cloud/errors.js';
import type { CloudProvider } from '../../cloud/provider.js';
import {
  ConfigMapSchema,
  NodeSchema,
  Resources,
  TypedResource,
  type Node,
  type Pod,
} from '../../kube/index.js';
import type { Clock } from '../../runtime/clock.js';
import { Controller, type ReconcileContext, type ReconcileResult } from '../../runtime/controller.js';
import type { Informer } from '../../runtime/informer.js';
import { finalizerPatch } from '../../runtime/finalizers.js';
import type { DeepReadonly } from '../../util/readonly.js';
import type { ControllerDeps, JoinSource } from '../deps.js';
import { Drainer } from '../disruption/drain.js';
import { AutomationMetrics, DrainMetrics } from '../disruption/metrics.js';
import { SharedReads } from '../disruption/reads/shared-reads.js';
import { registerPoolStatusMetrics } from './status-metrics.js';
import { consolidationOf } from '../disruption/consolidation/settings.js';
import { DisruptionExecutor } from '../disruption/executor.js';
import { poolMethods } from '../disruption/methods/index.js';
import { indexedPodsOnNodes } from '../disruption/pods-by-node.js';
import { podInformer } from '../pods/index.js';
import { collectNodes } from './collect.js';
import {
  POOL_FINALIZER,
  PoolObjectSchema,
  REQUEUE,
  type CachedPool,
  type PoolDeps,
  type PoolObject,
  type PoolReconcile,
  type Status,
} from './context.js';
import { admittedNodes, runDisruptions } from './disruption.js';
import { attachExisting, EXISTING_FAILED, ExistingInstanceError } from './existing/reconcile.js';
import { reconcileImage } from './image/reconcile.js';
import { AGENT_CONFIG } from './external.js';
import { finalizePool, poolForDeletion } from './finalize/reconcile.js';
import { POOL_KINDS, poolSpecOf, type PoolKindName, type PoolSpecResult } from './kinds.js';
import { markWasReady } from '../node/health/mark.js';
import { nodeChanged } from './node-change.js';
import { NODE_BY_INSTANCE, nodeByInstance } from './nodes/admit.js';
import { admitAndSync, syncLabelsFirst } from './nodes/sync.js';
import { joinMembers } from './observe.js';
import { orphanReporter } from './orphans.js';
import { reconcileRegistration, storyOf } from './registration/reconcile.js';
import { poolPolicy, ReferenceError, References, resolveLaunch } from './resolve.js';
import { reconcileScalingGroup } from './scalinggroup/reconcile.js';
import { SharedLookups } from './shared-lookups.js';
import { PoolStates } from './state.js';
import { poolConditions } from './status/conditions.js';
import { finishStatus } from './status/reconcile.js';
import { writeStatus } from './status/write.js';
import { reconcileSubscription, warnExpiry } from './subscription/reconcile.js';
import { syncTags } from './tags/reconcile.js';
import { checkCloudFacts, CloudFactsError } from './validation/cloud-check.js';
import { validatePool } from './validation/validate.js';

export { NODE_FINALIZER } from '../disruption/executor.js';
export { REGISTRATION_FAILURE_LIMIT } from './registration/health.js';
export { CLOUD_RECHECK_MS } from './state.js';
export { POOL_FINALIZER, PoolObjectSchema, type PoolObject };

export const NODEPOOL_CONTROLLER = POOL_KINDS.NodePool.controller;
export const MANAGEDNODEPOOL_CONTROLLER = POOL_KINDS.ManagedNodePool.controller;
export const NodePools = POOL_KINDS.NodePool.ref;

export interface NodePoolControllerDeps extends ControllerDeps {
  cloud: CloudProvider;
  join: JoinSource;
}

/** Pools reconciled at once (most of a reconcile is waiting for the cloud and the API server). */
const POOL_WORKERS = 16;
/** How long one image / security-group answer serves other pools checking the same ids. */
const SHARED_LOOKUP_MS = 30_000;

/** One SharedReads per cloud: the NodePool and ManagedNodePool controllers batch their reads together. */
const readsByCloud = new WeakMap<CloudProvider, SharedReads>();
function sharedReadsOf(cloud: CloudProvider, clock: Clock): SharedReads {
  let r = readsByCloud.get(cloud);
  if (!r) readsByCloud.set(cloud, (r = new SharedReads(cloud, () => clock.now())));
  return r;
}

/** The pool Nodes informer (by the pool label), indexed by pool and by the instance a Node claims. */
export function poolNodesInformer(deps: ControllerDeps): Informer<Node> {
  return deps.informers.informer(Resources.nodes, NodeSchema, {
    labelSelector: POOL_LABEL,
    indexers: {
      pool: (n: Node) => {
        const p = n.metadata.labels?.[POOL_LABEL];
        return p ? [p] : [];
      },
      [NODE_BY_INSTANCE]: nodeByInstance,
    },
  });
}

function poolDeps(
  deps: NodePoolControllerDeps,
  kindName: PoolKindName,
  informers: { pools: Informer<PoolObject>; nodes: Informer<Node> },
): PoolDeps {
  const { client, clock, cloud } = deps;
  const K = POOL_KINDS[kindName];
  const drainer = new Drainer({
    client,
    clock,
    logger: deps.logger,
    events: deps.events,
    metrics: DrainMetrics.of(deps.metrics.registry),
  });
  // pools by phase, nodes by pool and state, draining nodes: read from the informer caches when scraped
  registerPoolStatusMetrics(deps.metrics.registry, {
    kind: K.kind,
    pools: informers.pools,
    nodes: informers.nodes,
  });
  return {
    kind: K,
    client,
    cloud,
    lookups: new SharedLookups(SHARED_LOOKUP_MS, () => clock.now()).cloud(cloud),
    images: new SharedLookups(deps.settings.imageCheckInterval, () => clock.now()).cloud(cloud),
    clock,
    logger: deps.logger,
    events: deps.events,
    settings: deps.settings,
    cluster: deps.settings.clusterId ?? 'default',
    join: deps.join,
    refs: new References(client, deps.settings.namespace, poolPolicy(deps.settings)),
    pools: informers.pools,
    nodes: informers.nodes,
    poolApi: new TypedResource(client, K.ref, PoolObjectSchema),
    state: new PoolStates(() => clock.now()),
    drainer,
    executor: new DisruptionExecutor({
      client,
      cloud,
      clock,
      logger: deps.logger,
      events: deps.events,
      drainer,
      metrics: AutomationMetrics.of(deps.metrics.registry),
    }),
    methods: [],
    podsOn: indexedPodsOnNodes(podInformer(deps.informers)),
  };
}

/**
 * The NodePool controller (and, with `kindName`, the ManagedNodePool one): a parent that runs small
 * sub-reconcilers in order — validation, scaling group, Node admission and labels, registration health,
 * Subscription launches, existing instances, the disruption engine (every removal), Nodes outside the group,
 * tags — and writes the status once, last, with optimistic locking. Each sub-reconciler lives in the folder
 * named for its concern (see src/controllers/README.md).
 */
export function newNodePoolController(
  deps: NodePoolControllerDeps,
  kindName: PoolKindName = 'NodePool',
): Controller {
  const selector = deps.settings.poolSelector ? { labelSelector: deps.settings.poolSelector } : {};
  const pools = deps.informers.informer(POOL_KINDS[kindName].ref, PoolObjectSchema, selector);
  const nodes = poolNodesInformer(deps);
  const d = poolDeps(deps, kindName, { pools, nodes });
  const methodDeps = {
    story: storyOf(d),
    reads: sharedReadsOf(deps.cloud, deps.clock),
    consolidation: { informers: deps.informers, cloud: deps.cloud, clock: deps.clock },
  };
  d.methods.push(...poolMethods(methodDeps));
  /** Pools of the other kind: names are unique across both (conflicts), and both own scaling groups (orphans). */
  const others = deps.informers.informer(POOL_KINDS[d.kind.other].ref, PoolObjectSchema, selector);
  const owned = () => new Set([...d.pools.list(), ...others.list()].map((p) => p.metadata.name));
  const reportOrphans =
    kindName === 'NodePool' ? orphanReporter(deps.cloud, d.cluster, deps.metrics, owned) : undefined;
  const specs = new WeakMap<CachedPool, PoolSpecResult>();
  const specOf = (o: CachedPool): PoolSpecResult => {
    let r = specs.get(o);
    if (!r) specs.set(o, (r = poolSpecOf(kindName, o)));
    return r;
  };
  const reconcile = async (key: string, ctx: ReconcileContext): Promise<ReconcileResult> => {
    await reportOrphans?.(ctx.log);
    d.state.moving.delete(key); // back in if this reconcile leaves it moving
    const o = d.pools.get(key);
    if (!o) {
      d.state.forget(key);
      return {};
    }
    const spec = specOf(o);
    if (o.metadata.deletionTimestamp) {
      d.state.forget(key);
      if (!o.metadata.finalizers?.includes(POOL_FINALIZER)) return {};
      return finalizePool(d, begin(d, o, ctx, poolForDeletion(o, spec.ok ? spec.pool : undefined)));
    }
    const v = validatePool(kindName, o, spec, others.get(key), deps.settings);
    if (!v.ok) {
      await degraded(d, begin(d, o, ctx, undefined, spec), v.reason, v.message);
      return {};
    }
    return reconcileLive(d, begin(d, o, ctx, v.pool, spec));
  };
  const controller = new Controller({
    name: d.kind.controller,
    logger: deps.logger,
    clock: deps.clock,
    concurrency: POOL_WORKERS,
    metrics: {
      controller: deps.metrics.controller(d.kind.controller),
      queue: deps.metrics.queue(d.kind.controller),
    },
    reconcile,
  });
  controller
    .watch(pools)
    .watch(others)
    .watch(nodes, (n: Node) => n.metadata.labels?.[POOL_LABEL], nodeChanged)
    // a pod bound, finished or gone can make a node empty or underused (or busy again): consolidating pools look
    .watch(podInformer(deps.informers), (p: Pod) => consolidatingPoolOf(d, specOf, p), podMoved);
  if (kindName === 'NodePool') {
    /** Where ACK registers an External pool's join script: a change re-checks every External pool. */
    const agentConfig = deps.informers.informer(Resources.configMaps, ConfigMapSchema, {
      namespace: AGENT_CONFIG.namespace,
      fieldSelector: `metadata.name=${AGENT_CONFIG.name}`,
    });
    controller.watch(agentConfig, () =>
      d.pools
        .list()
        .filter((p) => isExternal(p.spec))
        .map((p) => p.metadata.name),
    );
  }
  return controller;
}

/** The pool a pod's node belongs to, when that pool consolidates (its reconcile keeps "empty since" current). */
function consolidatingPoolOf(
  d: PoolDeps,
  specOf: (o: CachedPool) => PoolSpecResult,
  p: Pod,
): string | undefined {
  const node = p.spec?.nodeName ? d.nodes.get(p.spec.nodeName) : undefined;
  const name = node?.metadata.labels?.[POOL_LABEL];
  const o = name ? d.pools.get(name) : undefined;
  if (!o) return undefined;
  const spec = specOf(o);
  return spec.ok && consolidationOf(spec.pool) ? name : undefined;
}

/** A pod change that can change how full its node is, or whether it may go (its do-not-disrupt annotations). */
function podMoved(a: Pod, b: Pod): boolean {
  return (
    a.spec?.nodeName !== b.spec?.nodeName ||
    a.status?.phase !== b.status?.phase ||
    a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp ||
    !isDeepStrictEqual(a.metadata.annotations, b.metadata.annotations)
  );
}

/** A reconcile's context: the pool, its prior status as a draft, its Nodes. */
function begin(
  d: PoolDeps,
  o: CachedPool,
  ctx: ReconcileContext,
  pool: DeepReadonly<NodePool> | undefined,
  spec?: PoolSpecResult,
): PoolReconcile {
  const name = o.metadata.name;
  const uid = o.metadata.uid ?? name;
  const prior = (o.status ?? {}) as DeepReadonly<Status>;
  return {
    obj: o,
    pool: pool ?? poolForDeletion(o, undefined),
    managed: spec?.ok ? spec.managed : undefined,
    name,
    uid,
    generation: o.metadata.generation,
    version: `${uid}/${o.metadata.generation ?? ''}`,
    subject: {
      apiVersion: o.apiVersion ?? `nodepool.alicloud.dev/v1beta1`,
      kind: d.kind.kind,
      name,
      uid: o.metadata.uid,
    },
    log: ctx.log.child({ pool: name }),
    prior,
    status: { ...(prior as Status) },
    poolNodes: d.nodes.byIndex('pool', name),
    admittedNow: new Set(),
    instances: [],
    reusedListing: false,
    wanted: 0,
    progress: [],
    tagged: false,
  };
}

/** A pool that cannot proceed: Degraded with the reason and message, nothing else touched. */
async function degraded(d: PoolDeps, r: PoolReconcile, reason: string, message: string): Promise<void> {
  const c: [boolean, string, string] = [false, reason, message];
  // a Degraded pool runs no automation until it is fixed
  const automation: [boolean, string, string] | undefined =
    r.managed || managementOn(r.obj.spec)
      ? [false, 'PoolDegraded', `the pool is Degraded (${reason}): no automation acts until it is fixed`]
      : undefined;
  const conditions = poolConditions(
    r.prior.conditions,
    r.generation,
    { ready: c, progressing: c, degraded: [true, reason, message], ...(automation ? { automation } : {}) },
    d.clock.now(),
  );
  await writeStatus(d.poolApi, d.kind.kind, r.obj, {
    ...r.status,
    observedGeneration: r.generation,
    phase: 'Degraded',
    conditions,
  });
}

/** A valid pool: its finalizer first (before anything exists in the cloud), then the sub-reconcilers. */
async function reconcileLive(d: PoolDeps, r: PoolReconcile): Promise<ReconcileResult> {
  const add = finalizerPatch(r.obj.metadata, POOL_FINALIZER, 'add');
  if (add) r.obj = await d.poolApi.jsonPatch(r.name, add);
  try {
    return await subReconcilers(d, r);
  } catch (err) {
    if (err instanceof CloudError) d.state.forget(r.name); // what was checked may be what fails now
    if (err instanceof CloudFactsError) {
      await degraded(d, r, err.reason, err.message);
      return { requeueAfter: REQUEUE.steady };
    }
    if (err instanceof ReferenceError || err instanceof ExistingInstanceError) {
      await degraded(d, r, err instanceof ReferenceError ? 'InvalidReference' : EXISTING_FAILED, err.message);
      return { requeueAfter: REQUEUE.steady };
    }
    if (err instanceof CloudError && !err.retryable && !(err instanceof ConflictError)) {
      await degraded(
        d,
        r,
        err instanceof AuthFailedError ? 'CloudAuthFailed' : 'CloudError',
        `${err.kind}: ${err.message}`,
      );
      r.log.warn({ action: err.action, code: err.code, requestId: err.requestId }, 'cloud refused');
      return { requeueAfter: err instanceof AuthFailedError ? REQUEUE.steady : REQUEUE.error };
    }
    throw err;
  }
}

/** The sub-reconcilers, in order; the status last. */
async function subReconcilers(d: PoolDeps, r: PoolReconcile): Promise<ReconcileResult> {
  // labels and taints first: they need nothing from the cloud
  const synced = await syncLabelsFirst(d, r);
  const rendered = {
    get: (k: string) => {
      const x = d.state.lastRendered.get(r.name);
      return x?.key === k ? x.userData : undefined;
    },
    set: (key: string, userData: string) => void d.state.lastRendered.set(r.name, { key, userData }),
  };
  const checks = {
    get: () => d.state.cloudChecks.get(r.name, r.version),
    set: (id: string) => d.state.cloudChecks.set(r.name, r.version, id),
  };
  // what only the cloud's facts decide (vSwitch zones, instance families, a Custom image's OS): before any write
  r.arm = (await checkCloudFacts(d, r, d.kind.kind)).arm;
  // the pinned image (status.image) is what the scaling configuration launches
  const imageId = await reconcileImage(d, r);
  // resolveLaunch reads the validated spec, a fresh object per pool version (never the informer's)
  r.resolved = await resolveLaunch(r.pool as NodePool, {
    cloud: d.lookups,
    refs: d.refs,
    checks,
    rendered,
    imageId,
    join: (p) => d.join.forPool(p.metadata.name, r.uid),
  });
  if (!(await reconcileScalingGroup(d, r))) {
    // the group was deleted outside the operator: Degraded until it is confirmed gone and recreated
    const missing = r.progress.join('; ');
    await writeStatus(d.poolApi, d.kind.kind, r.obj, {
      ...r.status,
      phase: 'Degraded',
      conditions: poolConditions(
        r.prior.conditions,
        r.generation,
        {
          ready: [false, 'ScalingGroupMissing', missing],
          progressing: [true, 'ScalingGroupMissing', missing],
          degraded: [true, 'ScalingGroupMissing', missing],
        },
        d.clock.now(),
      ),
    });
    return { requeueAfter: r.requeueAfterMs ?? REQUEUE.progressing };
  }
  const group = r.group!;
  await admitAndSync(d, r, synced);
  await markWasReady(d.client, admittedNodes(r), d.clock.now(), r.log);
  const members = joinMembers(r.instances, admittedNodes(r));
  await reconcileRegistration(d, r, members);
  await reconcileSubscription(d, r, group);
  await attachExisting(d, r, group);
  await warnExpiry(d, r);
  await runDisruptions(d, r, group);
  await collectNodes(d, r);
  await syncTags(d, r);
  return finishStatus(d, r, group, members);
}

/** A pool spec (not yet validated) whose `management` turns an automation block on. */
function managementOn(spec: unknown): boolean {
  const m = (spec as { management?: Record<string, { enabled?: unknown } | undefined> } | null | undefined)
    ?.management;
  return (
    !!m && ['autoRepair', 'autoUpgrade', 'autoPatch', 'systemEvents'].some((k) => m[k]?.enabled === true)
  );
}

/** A pool spec (not yet validated) that asks for External bootstrap. */
function isExternal(spec: unknown): boolean {
  const b = (spec as { bootstrap?: { mode?: unknown } } | null | undefined)?.bootstrap;
  return b?.mode === 'External';
}
