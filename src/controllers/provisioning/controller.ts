import type { Pod } from '../../kube/index.js';
import { Controller, type ReconcileContext, type ReconcileResult } from '../../runtime/controller.js';
import type { NodePoolControllerDeps } from '../nodepool/controller.js';
import { unschedulablePods } from '../pods/index.js';
import { Drainer } from '../disruption/drain.js';
import { DrainMetrics } from '../disruption/metrics.js';
import { Batcher } from './batcher.js';
import { OfferingCatalogue } from './catalogue.js';
import type { Provisioning } from './context.js';
import { decide } from './decide.js';
import { flightsOf } from './flights.js';
import { followUp } from './follow-up.js';
import { provisionable } from './inputs.js';
import { LaunchResolver } from './launch-resolver.js';
import { Launcher } from './launcher.js';
import { ProvisioningMetrics } from './metrics.js';
import { PendingPods } from './pending-pods.js';
import { PodEvents } from './pod-events.js';
import { PoolRecords } from './pool-records.js';
import { AutoPools, type AutoPool } from './pools.js';
import { provisioningSources } from './sources.js';
import { needsOf } from './templates.js';

export const PROVISIONING_CONTROLLER = 'provisioning';
/** The one key: every reconcile decides for all pending pods together. */
const KEY = 'pending-pods';
const REQUEUE = { inFlight: 2_000, pending: 10_000 } as const;

/** The provisioning state (context.ts) from the controller's dependencies. */
function provisioningOf(deps: NodePoolControllerDeps): Provisioning {
  const { clock, cloud } = deps;
  const log = deps.logger.child({ controller: PROVISIONING_CONTROLLER });
  const cluster = deps.settings.clusterId ?? 'default';
  const sources = provisioningSources(deps);
  const catalogue = OfferingCatalogue.shared(cloud, clock);
  const metrics = new ProvisioningMetrics(deps.metrics.registry);
  return {
    clock,
    cloud,
    log,
    sources,
    catalogue,
    estimating: catalogue.withEstimates(),
    launcher: new Launcher(cloud, cluster, log),
    resolver: new LaunchResolver(deps, clock),
    records: new PoolRecords(clock, sources.kinds),
    pending: new PendingPods(clock, metrics, (key) => sources.pods.get(key)),
    metrics,
    podEvents: new PodEvents(deps.events, () => clock.monotonic()),
    drainer: new Drainer({
      client: deps.client,
      clock,
      logger: deps.logger,
      events: deps.events,
      metrics: DrainMetrics.of(deps.metrics.registry),
    }),
  };
}

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
  const ctx = provisioningOf(deps);
  const pools = new AutoPools(deps.cloud, deps.settings.clusterId ?? 'default');
  const prewarm = new Prewarm(ctx);
  const controller = new Controller({
    name: PROVISIONING_CONTROLLER,
    reconcile: (_key, rc) => reconcile(ctx, pools, prewarm, scope, rc),
    logger: deps.logger,
    clock: deps.clock,
    concurrency: 1,
    metrics: {
      controller: deps.metrics.controller(PROVISIONING_CONTROLLER),
      queue: deps.metrics.queue(PROVISIONING_CONTROLLER),
    },
  });
  const batcher = new Batcher({
    idleMs: deps.settings.batchIdleDuration,
    maxMs: deps.settings.batchMaxDuration,
    clock: deps.clock,
    onBatch: () => controller.enqueue(KEY),
  });
  watchSources(ctx, controller, batcher, scope);
  const stop = controller.stop.bind(controller);
  controller.stop = async (deadlineMs?: number) => {
    batcher.stop();
    await ctx.podEvents.flush();
    return stop(deadlineMs);
  };
  return controller;
}

/** A pod the controller decides for: unschedulable, not bound, one it may provision for, in scope. */
function isPending(p: Pod, scope: (p: Pod) => boolean): boolean {
  return (
    p.status?.conditions?.some(
      (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
    ) === true &&
    !p.spec?.nodeName &&
    provisionable(p) &&
    scope(p)
  );
}

/** What triggers a decision: a newly pending pod (through the batcher), a pool's spec, deletion or group. */
function watchSources(
  ctx: Provisioning,
  controller: Controller,
  batcher: Batcher,
  scope: (p: Pod) => boolean,
): void {
  const { pods, kinds, poolNodes, allNodes, daemonSets, claims, volumes } = ctx.sources;
  const onPod = (p: Pod): void => {
    if (ctx.pending.seen(p, isPending(p, scope))) batcher.trigger();
  };
  pods.addEventHandler({ add: onPod, update: (_o, n) => onPod(n), delete: (p) => ctx.pending.forget(p) });
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
  // the catalogue and each pool's launch are fetched ahead (not on a pod's decision path) as pools come and change
  for (const k of kinds) k.informer.addEventHandler({ add: () => controller.enqueue(KEY) });
}

async function reconcile(
  ctx: Provisioning,
  pools: AutoPools,
  prewarm: Prewarm,
  scope: (p: Pod) => boolean,
  rc: ReconcileContext,
): Promise<ReconcileResult> {
  const objects = ctx.sources.kinds.flatMap((k) =>
    k.informer.list().map((object) => ({ kind: k.kind, object })),
  );
  const list = await pools.list(objects);
  ctx.records.sync(list);
  let flights = await flightsOf(ctx, list);
  const pending = unschedulablePods(ctx.sources.pods).filter((p) => provisionable(p) && scope(p));
  ctx.metrics.pending.set(pending.length);
  const booting = [...flights.values()].some((f) => f.booting > 0);
  const held = ctx.pending.held(pending, booting);
  // pending pods are decided first: attaching what earlier launches started (cloud writes) can wait for it
  if (pending.length > held.size && list.length > 0) {
    await decide(ctx, list, flights, pending, held, rc.log);
    flights = await flightsOf(ctx, list);
  }
  await followUp(ctx, list, flights, rc.log);
  if (pending.length === 0) prewarm.start(list, rc.log);
  for (const p of list) await ctx.records.tryWrite(p, flights.get(p.name), ctx.log);
  const anyInFlight = [...flights.values()].some((f) => f.keep.length > 0);
  return anyInFlight
    ? { requeueAfter: REQUEUE.inFlight }
    : pending.length > 0
      ? { requeueAfter: REQUEUE.pending }
      : {};
}

/**
 * With no pod waiting: prices, stock and each pool's launch are fetched in the background (the reconcile does
 * not wait: pods arriving meanwhile are decided at once, sharing the fetches under way), so that the next
 * decision waits for none. One at a time.
 */
class Prewarm {
  private running = false;

  constructor(private readonly ctx: Provisioning) {}

  start(list: AutoPool[], log: ReconcileContext['log']): void {
    if (this.running) return;
    this.running = true;
    const ready = list.filter((p) => !p.blocked);
    void this.run(ready, log).finally(() => (this.running = false));
  }

  private async run(ready: AutoPool[], log: ReconcileContext['log']): Promise<void> {
    await this.ctx.catalogue
      .prepare(needsOf(ready), () => undefined, { estimate: true })
      .catch((err: unknown) => log.debug({ err }, 'catalogue not prepared yet'));
    for (const p of ready)
      await this.ctx.resolver
        .resolved(p)
        .catch((err: unknown) => log.debug({ pool: p.name, err }, 'launch not resolved yet'));
  }
}
