import PQueue from 'p-queue';
import type { ElasticityLaunch } from '../../apis/v1beta1/index.js';
import type { Logger } from '../../log.js';
import { ReferenceError } from '../nodepool/resolve.js';
import type { Provisioning } from './context.js';
import type { LaunchOutcome, ResolvedLaunch } from './launcher.js';
import type { AutoPool } from './pools.js';
import type { PlannedNode } from './scheduling/index.js';
import { CHARGE_TYPES, marketOf, recordMarket } from './templates.js';

/** A planned node launched, with its instances; `fallback`: a Spot pool's pay-as-you-go (no spot instance). */
export type Launched = { node: PlannedNode; ids: string[]; fallback: boolean };

/** One pool's launches: a record each, with the planned nodes it launches. */
interface PoolLaunches {
  p: AutoPool;
  recs: { rec: ElasticityLaunch; nodes: PlannedNode[] }[];
}

/** What launching a plan produced, filled in as the launches answer. */
interface ScaleOut {
  launched: Launched[];
  /** Nodes launched per pool in this reconcile (their room is taken). */
  roomUsed: Map<string, number>;
  /** The cloud refused a launch (no stock, quota): the rest is planned again. */
  refused: boolean;
  log: Logger;
}

/** Launches run 4 at a time; RunInstances launches at most 100 instances per call. */
const LAUNCH = { concurrency: 4, perCall: 100 } as const;

/** The planned nodes as launch records, by pool: one per (type, vSwitch, market) and 100 nodes. */
function launchRecords(ctx: Provisioning, list: AutoPool[], nodes: PlannedNode[]): Map<string, PoolLaunches> {
  const groups = new Map<string, PlannedNode[]>();
  for (const n of nodes) {
    const k = `${n.pool}|${n.instanceType}|${n.vSwitchId}|${n.market ?? ''}`;
    groups.set(k, [...(groups.get(k) ?? []), n]);
  }
  const byPool = new Map<string, PoolLaunches>();
  for (const g of groups.values()) {
    const p = list.find((x) => x.name === g[0]!.pool)!;
    for (let i = 0; i < g.length; i += LAUNCH.perCall) {
      const chunk = g.slice(i, i + LAUNCH.perCall);
      const first = chunk[0]!;
      const market = first.market ?? marketOf(p.pool);
      const rec = ctx.launcher.newRecord(
        {
          instanceType: first.instanceType,
          zoneId: first.zoneId,
          vSwitchId: first.vSwitchId,
          count: chunk.length,
          chargeType: CHARGE_TYPES[market],
        },
        ctx.clock.now(),
      );
      const e = byPool.get(p.name) ?? { p, recs: [] };
      e.recs.push({ rec, nodes: chunk });
      byPool.set(p.name, e);
    }
  }
  return byPool;
}

/**
 * Launch the planned nodes, grouped by (pool, type, vSwitch); records persisted in the pools' status before
 * any call. Returns true when the cloud refused a launch (the caller plans the rest again without it).
 */
export async function launchAll(
  ctx: Provisioning,
  list: AutoPool[],
  nodes: PlannedNode[],
  launched: Launched[],
  roomUsed: Map<string, number>,
  log: Logger,
): Promise<boolean> {
  const byPool = launchRecords(ctx, list, nodes);
  // persisted before any call: a crash from here on neither forgets nor repeats these launches
  for (const { p, recs } of byPool.values()) {
    ctx.records.add(p.name, ...recs.map((r) => r.rec));
    await ctx.records.write(p, undefined);
  }
  const out: ScaleOut = { launched, roomUsed, refused: false, log };
  const queue = new PQueue({ concurrency: LAUNCH.concurrency });
  await queue.addAll(
    [...byPool.values()].flatMap(({ p, recs }) =>
      recs.map(
        ({ rec, nodes: chunk }) =>
          () =>
            launchOne(ctx, p, rec, chunk, out),
      ),
    ),
  );
  for (const { p } of byPool.values()) await ctx.records.write(p, undefined);
  return out.refused;
}

/** One launch record: resolve the pool's launch, RunInstances, and note what came of it. */
async function launchOne(
  ctx: Provisioning,
  p: AutoPool,
  rec: ElasticityLaunch,
  chunk: PlannedNode[],
  out: ScaleOut,
): Promise<void> {
  let launch: ResolvedLaunch;
  try {
    launch = await ctx.resolver.resolved(p);
  } catch (err) {
    ctx.records.drop(p.name, rec);
    out.log.warn(
      { pool: p.name, err: err instanceof ReferenceError ? err.message : err },
      "cannot launch: the pool's launch does not resolve",
    );
    return;
  }
  const now = ctx.clock.monotonic();
  for (const n of chunk) for (const key of n.pods) ctx.pending.decided(key, now, true);
  const market = recordMarket(p.pool, rec);
  const res = await ctx.launcher.run(p, rec, launch, market);
  if (res.ok) {
    rec.instanceIds = res.ids;
    ctx.metrics.requested.inc({ pool: p.name, instance_type: rec.instanceType }, res.ids.length);
    out.roomUsed.set(p.name, (out.roomUsed.get(p.name) ?? 0) + res.ids.length);
    const fallback = market === 'onDemand' && marketOf(p.pool) === 'spot';
    for (const n of chunk) out.launched.push({ node: n, ids: res.ids, fallback });
    const pods = chunk.reduce((a, n) => a + n.pods.length, 0);
    ctx.records.scaledOut(
      p.name,
      res.ids,
      `launched ${res.ids.length} × ${rec.instanceType} in ${rec.zoneId} for ${pods} pending pod(s)`,
    );
  } else if (res.unavailable) refused(ctx, p, rec, res, out);
}

/** The cloud refused the launch (no stock, quota): the offering is avoided a while and the rest planned again. */
function refused(
  ctx: Provisioning,
  p: AutoPool,
  rec: ElasticityLaunch,
  res: Extract<LaunchOutcome, { unavailable: true }>,
  out: ScaleOut,
): void {
  out.refused = true;
  ctx.records.drop(p.name, rec);
  ctx.catalogue.markUnavailable(
    rec.instanceType,
    rec.zoneId,
    recordMarket(p.pool, rec),
    `${res.code} just now`,
  );
  ctx.metrics.failures.inc({ pool: p.name, instance_type: rec.instanceType, code: res.code });
  out.log.info(
    {
      pool: p.name,
      action: 'launch-refused',
      instanceType: rec.instanceType,
      zone: rec.zoneId,
      code: res.code,
    },
    'the cloud refused a launch: planning again without it',
  );
}
