import type { SharedReads } from '../reads/shared-reads.js';
import { planSpotInterruption, type ReclaimNotice } from '../spot-interruption/plan.js';
import type { Command, Method, PoolView, Proposal } from '../types.js';
import { replaceCommand, takenByOther } from './replacement.js';
import { isActive } from './scale-in.js';

/** ECS reclaims a spot instance about 5 minutes after the notice (the `Recycling` lock). */
export const SPOT_NOTICE_MS = 5 * 60_000;
/** The drain starts this long before reclamation at the latest: pods need their termination grace. */
export const SPOT_DRAIN_LEAD_MS = 2 * 60_000;

/**
 * spotInterruption (NodePool Spot pools): a member under a reclamation notice — the `Recycling` operation lock,
 * read for every Spot pool's instances in one batched DescribeInstances per interval (`SharedReads`), or seen in
 * the pool's own listing — is replaced before ECS takes it. With `billing.spot.replaceBeforeReclaim` the
 * replacement is launched at once and the node drained when it is Ready, or `SPOT_DRAIN_LEAD_MS` before the
 * reclamation at the latest (the notice counted from when the lock was first seen, less one read interval);
 * without it the node is drained at once and ESS launches the replacement once it is gone. Involuntary (the
 * instance goes anyway): not held by the budget, nor by maintenance windows.
 */
export function spotInterruptionMethod(
  reads: SharedReads,
  o: { noticeMs?: number; drainLeadMs?: number; readIntervalMs?: number } = {},
): Method {
  const noticeMs = o.noticeMs ?? SPOT_NOTICE_MS;
  const drainLeadMs = o.drainLeadMs ?? SPOT_DRAIN_LEAD_MS;
  const readIntervalMs = o.readIntervalMs ?? 30_000;
  return {
    name: 'spotInterruption',
    voluntary: false,
    enabled: (view) => view.pool.spec.billing.chargeType === 'Spot',
    async propose(view: PoolView): Promise<Proposal> {
      const b = view.pool.spec.billing;
      if (view.deleting || b.chargeType !== 'Spot') return { commands: [] };
      const members = view.candidates.filter(
        (c) => isActive(c) && c.node && c.instance.spotStrategy !== 'NoSpot',
      );
      if (members.length === 0) return { commands: [] };
      const seen = new Map(
        (
          await reads.reclaiming(
            view.uid,
            members.map((c) => c.instanceId),
          )
        ).map((r) => [r.instanceId, r.firstSeen]),
      );
      const notices: ReclaimNotice[] = [];
      for (const c of members) {
        const first = seen.get(c.instanceId) ?? (c.instance.reclaiming ? view.now : undefined);
        if (first === undefined) continue;
        // claimed earlier: the notice started no later than the claim (a restarted operator keeps the time)
        const since =
          c.claim?.method === 'spotInterruption' ? Math.min(first, Date.parse(c.claim.since)) : first;
        notices.push({
          instanceId: c.instanceId,
          node: c.node!.metadata.name,
          reclaimAt: since - readIntervalMs + noticeMs,
          disrupting: takenByOther(c, 'spotInterruption'),
        });
      }
      const plan = planSpotInterruption(
        notices,
        { replaceBeforeReclaim: b.spot?.replaceBeforeReclaim === true, drainLeadMs },
        view.now,
      );
      const commands: Command[] = plan.map((p) => {
        const c = members.find((m) => m.instanceId === p.instanceId)!;
        return replaceCommand(view, c, {
          method: 'spotInterruption',
          reason: `node ${p.node}: ${p.reason}`,
          voluntary: false,
          first: p.replacementsFirst,
          drainBy: p.drainBy,
        });
      });
      const next = plan.filter((p) => p.replacementsFirst).map((p) => p.drainBy);
      return {
        commands,
        ...(next.length > 0 ? { requeueAfterMs: Math.max(1_000, Math.min(...next) - view.now) } : {}),
      };
    },
  };
}
