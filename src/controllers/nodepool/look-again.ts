/**
 * When a pool that is moving (launching, joining, draining) is looked at again. Each look reads the cloud (its
 * group, its instances, the last scaling activity: about one call of each of four actions), and those reads
 * share the per-action budget with every other pool and with the writes that create new pools. So the interval
 * grows with the number of moving pools: together their looks use at most `share` of one action's calls per
 * second, and fifty launching pools do not crowd out the fifty-first pool's creation.
 */
export function lookAgainMs(base: number, movingPools: number, actionQps: number, share = 0.5): number {
  if (!(actionQps > 0)) return base;
  return Math.max(base, Math.ceil((movingPools * 1000) / (actionQps * share)));
}

/**
 * When a pool at rest is looked at again: at the next tick of a clock shared by all pools (every `periodMs`, at
 * least half a period away), so that the pools at rest are looked at together and their scaling groups are read
 * together (one DescribeScalingGroups for up to 20 pools) rather than one call each, spread over the period.
 */
export function restingLookMs(nowMs: number, periodMs: number): number {
  const toTick = periodMs - (nowMs % periodMs);
  return toTick < periodMs / 2 ? toTick + periodMs : toTick;
}
