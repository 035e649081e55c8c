// The arithmetic of bench:nodepool's figures (pure; the definitions are in docs/benchmarks.md).

/** One pool's timeline on the bench's clock (seconds). */
export interface PoolTimes {
  desired: number;
  /** The create request answered by the API server. */
  appliedAt?: number;
  /** Its scaling group first seen in the simulator (the operator's first cloud write). */
  groupAt?: number;
  /** The group can launch: Active, with a configuration, desired capacity at the pool's size (the operator's part is done). */
  launchableAt?: number;
  /** Each instance's Running (the simulator's lifecycle feed). */
  running: number[];
  /** Each Node's first Ready (watch). */
  ready: number[];
  /** The pool's status: Active, readySize = currentSize = desired, for its current generation. */
  activeAt?: number;
}

/**
 * A pool's critical path, apply → Active, cut in four (they add up to it):
 * - beforeLaunch: apply → the group can launch (the operator reads the cloud, creates the group and its
 *   configuration and sets the desired capacity);
 * - cloud: → the last instance Running (ESS launches, instances start: simulated, scaled time);
 * - boot: → the last Node Ready (the node simulation boots user data and joins; bounded by its boot rate);
 * - afterLastReady: → the pool's status says Active with every node Ready (the operator noticing and writing).
 * The operator's own overhead is beforeLaunch + afterLastReady: with ESS launching and nodes joining by
 * themselves (TLS bootstrap, CSRs approved by the control plane), nothing between them waits on the operator.
 */
export function overheadOf(p: PoolTimes): {
  beforeLaunch: number;
  cloud: number;
  boot: number;
  afterLastReady: number;
  overhead: number;
} {
  const need = (v: number | undefined, what: string): number => {
    if (v === undefined) throw new Error(`the pool has no ${what}`);
    return v;
  };
  const applied = need(p.appliedAt, 'apply time');
  const launchable = need(p.launchableAt, 'launchable group');
  const lastRunning = need(p.running.length ? Math.max(...p.running) : undefined, 'Running instance');
  const lastReady = need(p.ready.length ? Math.max(...p.ready) : undefined, 'Ready Node');
  const active = need(p.activeAt, 'Active status');
  const beforeLaunch = launchable - applied;
  const afterLastReady = Math.max(0, active - lastReady);
  return {
    beforeLaunch,
    cloud: Math.max(0, lastRunning - launchable),
    boot: Math.max(0, lastReady - Math.max(lastRunning, launchable)),
    afterLastReady,
    overhead: beforeLaunch + afterLastReady,
  };
}

/** p50, p90 and max of `xs` (nearest rank), rounded to ms. */
export function quantiles(xs: readonly number[]): { p50: number; p90: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? 0;
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return { p50: r(at(0.5)), p90: r(at(0.9)), max: r(s[s.length - 1] ?? 0) };
}

/** Calls between two counter snapshots, by action (per minute when `minutes` > 0, else counts). */
export function rateByAction(
  before: Record<string, number>,
  after: Record<string, number>,
  minutes: number,
): { total: number; byAction: Record<string, number> } {
  const byAction: Record<string, number> = {};
  let total = 0;
  for (const [action, n] of Object.entries(after)) {
    const d = n - (before[action] ?? 0);
    if (d <= 0) continue;
    const v = minutes > 0 ? Math.round((d / minutes) * 10) / 10 : d;
    byAction[action] = v;
    total += v;
  }
  return { total: Math.round(total * 10) / 10, byAction };
}

/** Calls that change something (every action but the Describe / List / Get / Query reads). */
export function writeCalls(counts: Record<string, number>): number {
  let n = 0;
  for (const [action, c] of Object.entries(counts)) if (!/^(Describe|List|Get|Query)/.test(action)) n += c;
  return n;
}
