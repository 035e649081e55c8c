import PQueue from 'p-queue';
import { CloudError } from '../../cloud/errors.js';
import type { Logger } from '../../log.js';
import type { Provisioning } from './context.js';
import { askRestart } from './economical-restart.js';
import type { InFlight } from './inflight.js';
import type { AutoPool } from './pools.js';
import { recordMarket } from './templates.js';

/** Attaches run 4 at a time, and a reconcile starts none after 1 s (the rest go on in the next one). */
const ATTACH = { concurrency: 4, budgetMs: 1_000 } as const;

/**
 * What earlier launches still need: attach the launched instances that run to the scaling group; launch again
 * (same ClientToken) the ones whose call never answered; ask again for restarts never asked.
 */
export async function followUp(
  ctx: Provisioning,
  list: AutoPool[],
  flights: Map<string, InFlight>,
  log: Logger,
): Promise<void> {
  const started = ctx.clock.monotonic();
  const attaches: (() => Promise<void>)[] = [];
  for (const p of list) {
    const f = flights.get(p.name)!;
    ctx.records.set(p.name, f.keep);
    if (p.blocked) continue;
    for (const a of f.toAttach) attaches.push(() => attachOne(ctx, p, a, log));
    for (const r of f.toResume) {
      if (r.action === 'Restart') {
        await askRestart(ctx, p, r, log);
        continue;
      }
      const out = await ctx.launcher.run(p, r, await ctx.resolver.resolved(p), recordMarket(p.pool, r));
      if (out.ok) r.instanceIds = out.ids;
      else if (out.unavailable) ctx.records.drop(p.name, r);
    }
  }
  // attaching can wait (the instances count in flight meanwhile): a reconcile gives it at most ATTACH.budgetMs,
  // so the pods of the next batch do not wait behind dozens of AttachInstances calls
  const queue = new PQueue({ concurrency: ATTACH.concurrency });
  await queue.addAll(
    attaches.map((fn) => async () => {
      if (ctx.clock.monotonic() - started < ATTACH.budgetMs) await fn();
    }),
  );
}

async function attachOne(
  ctx: Provisioning,
  p: AutoPool,
  a: InFlight['toAttach'][number],
  log: Logger,
): Promise<void> {
  try {
    await ctx.launcher.attach(p, a.record, a.ids);
    a.record.attached = true;
    ctx.records.attached(a.record);
  } catch (err) {
    if (err instanceof CloudError && /MaxSize/.test(err.code)) {
      // the group is full (maxSize lowered, or members added another way): these would run outside it
      await ctx.launcher.release(a.record, a.ids);
      ctx.records.drop(p.name, a.record);
    } else log.warn({ pool: p.name, err, instances: a.ids }, 'could not attach launched instances yet');
  }
}
