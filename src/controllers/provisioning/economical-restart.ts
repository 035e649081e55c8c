import type { ElasticityLaunch } from '../../apis/v1beta1/index.js';
import { CloudError } from '../../cloud/errors.js';
import type { Logger } from '../../log.js';
import { instanceIdOf } from '../nodepool/observe.js';
import type { Provisioning } from './context.js';
import type { AutoPool } from './pools.js';
import type { Restartable } from './restart.js';
import { CHARGE_TYPES, marketOf } from './templates.js';

/** Records and asks for the restarts the plan chose, per pool (un-cordoning the Stopped members' Nodes). */
export async function restartAll(
  ctx: Provisioning,
  list: AutoPool[],
  chosen: Map<string, Restartable[]>,
  roomUsed: Map<string, number>,
  log: Logger,
): Promise<void> {
  for (const [name, rs] of chosen) {
    const p = list.find((x) => x.name === name)!;
    const first = rs[0]!.instance;
    const rec = ctx.launcher.newRecord(
      {
        instanceType: first.instanceType,
        zoneId: first.zoneId,
        vSwitchId: first.vSwitchId ?? '',
        count: rs.length,
        chargeType: CHARGE_TYPES[marketOf(p.pool)],
      },
      ctx.clock.now(),
    );
    Object.assign(rec, {
      action: 'Restart',
      instanceIds: rs.map((r) => r.instance.instanceId),
      attached: false,
    });
    ctx.records.add(p.name, rec);
    await ctx.records.write(p, undefined); // persisted before the call: a crash neither forgets nor repeats it
    await uncordonStopped(ctx, p, log);
    roomUsed.set(p.name, (roomUsed.get(p.name) ?? 0) + rs.length);
    await askRestart(ctx, p, rec, log);
  }
}

/**
 * Every Stopped member's Node is un-cordoned: whichever ESS starts is schedulable once Ready (the others stay
 * NotReady, tainted by the node lifecycle controller, until they are started too).
 */
async function uncordonStopped(ctx: Provisioning, p: AutoPool, log: Logger): Promise<void> {
  const nodes = ctx.sources.poolNodes.byIndex('pool', p.name);
  for (const m of p.stopped) {
    const n = nodes.find((x) => instanceIdOf(x) === m.instanceId);
    if (n)
      await ctx.drainer
        .cancelDrain(n.metadata.name, { pool: p.name })
        .catch((err: unknown) =>
          log.warn(
            { pool: p.name, node: n.metadata.name, err },
            "could not un-cordon a stopped member's node",
          ),
        );
  }
}

/** The ESS scale-out that starts a Restart record's members (again after a crash: same ClientToken). */
export async function askRestart(
  ctx: Provisioning,
  p: AutoPool,
  rec: ElasticityLaunch,
  log: Logger,
): Promise<void> {
  try {
    await ctx.launcher.restart(p, rec);
    rec.attached = true;
    ctx.records.scaledOut(
      p.name,
      rec.instanceIds ?? [],
      `started ${rec.count} stopped member(s) (economical mode)`,
    );
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
    if (final) ctx.records.drop(p.name, rec);
  }
  await ctx.records.tryWrite(p, undefined, log);
}
