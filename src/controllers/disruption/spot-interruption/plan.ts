/** A spot instance of the pool that the cloud is about to reclaim. */
export interface ReclaimNotice {
  instanceId: string;
  node?: string | undefined;
  /** When the instance is reclaimed (ms): ECS gives about 5 minutes' notice. */
  reclaimAt: number;
  /** The engine is already disrupting this node. */
  disrupting: boolean;
}

export interface SpotSettings {
  /** `billing.spot.replaceBeforeReclaim`. */
  replaceBeforeReclaim: boolean;
  /** How long before reclamation the drain must start at the latest (pods need their grace period). */
  drainLeadMs: number;
}

export interface SpotCommand {
  node: string;
  instanceId: string;
  /** Launch the replacement at once and drain when it is Ready… */
  replacementsFirst: boolean;
  /** …or at this time at the latest, Ready or not (ms). */
  drainBy: number;
  reason: string;
}

/**
 * What to do about reclamation notices. With `replaceBeforeReclaim` the replacement is launched at once and the
 * old node drained when it is Ready, or at `reclaimAt - drainLeadMs` at the latest; without it, or when that time
 * has already come, the node is drained at once. Instances without a Node, or whose node is already being
 * disrupted, need nothing new. Pure.
 */
export function planSpotInterruption(
  notices: readonly ReclaimNotice[],
  s: SpotSettings,
  now: number,
): SpotCommand[] {
  const out: SpotCommand[] = [];
  for (const n of [...notices].sort((a, b) => a.reclaimAt - b.reclaimAt)) {
    if (!n.node || n.disrupting) continue;
    const drainBy = n.reclaimAt - s.drainLeadMs;
    const first = s.replaceBeforeReclaim && now < drainBy;
    const at = new Date(n.reclaimAt).toISOString();
    out.push({
      node: n.node,
      instanceId: n.instanceId,
      replacementsFirst: first,
      drainBy: first ? drainBy : now,
      reason: first
        ? `spot instance ${n.instanceId} is reclaimed at ${at}: replacement launched, the node is drained when it is Ready (at the latest ${new Date(drainBy).toISOString()})`
        : `spot instance ${n.instanceId} is reclaimed at ${at}: drained at once`,
    });
  }
  return out;
}
