import type { Budget } from '../budget.js';

/** A Node of the pool as rotation sees it. */
export interface RotationNode {
  name: string;
  /** What it runs (image id, or image + kubelet + containerd): compared with the target. */
  version: string;
  /** creationTimestamp (ms): the oldest outdated nodes go first. */
  created: number;
  /** Being disrupted by the engine (for any reason). */
  disrupting: boolean;
  /** Being rotated: a rotation command for it is in flight. */
  rotating: boolean;
  ready: boolean;
}

export interface RotationSettings {
  /** The version every node should run. */
  target: string;
  /** `autoUpgrade.maxSurge`: extra nodes during a rotation. */
  maxSurge: Budget;
  /** `autoUpgrade.maxUnavailable`: nodes that may be missing during a rotation. */
  maxUnavailable: Budget;
  /** How many more nodes the pool's disruption budget lets start now (the engine's count, across methods). */
  budgetLeft: number;
}

export interface RotationCommand {
  node: string;
  /** Launch the replacement and wait for it Ready before draining (the surge); else drain first. */
  replacementsFirst: boolean;
  reason: string;
}

export interface RotationPlan {
  commands: RotationCommand[];
  /** Nodes not yet on the target (including those being rotated). */
  outdated: number;
  /** Why no more commands start now, when some nodes wait. */
  waiting?: string | undefined;
}

/** A count or percentage of `size`: surge rounds up and unavailability down, as a Deployment's rollout does. */
export function scaled(value: Budget, size: number, roundUp: boolean): number {
  if (typeof value === 'number') return Math.max(0, value);
  const pct = /^(\d{1,3})%$/.exec(value);
  if (pct) {
    const exact = (size * Number(pct[1])) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  if (/^\d+$/.test(value)) return Number(value);
  throw new RangeError(`${JSON.stringify(value)} is not a count or a percentage like 10%`);
}

/**
 * The next rotation commands: nodes not on `target` are replaced, oldest first, like a Deployment's rolling
 * update over nodes — at most `maxSurge` replacements launched ahead (replacement Ready first), plus at most
 * `maxUnavailable` nodes drained without one, minus the rotations in flight, and never more than the pool's
 * disruption budget allows now. Unready nodes do not count as available: while some are, no node is drained
 * without its replacement Ready (a rotation never makes an unhealthy pool worse). Pure.
 */
export function planRotation(nodes: readonly RotationNode[], s: RotationSettings): RotationPlan {
  const outdated = nodes.filter((n) => n.version !== s.target);
  if (outdated.length === 0) return { commands: [], outdated: 0 };
  const size = nodes.filter((n) => !n.disrupting || n.rotating).length;
  const surge = scaled(s.maxSurge, size, true);
  const unavailable = scaled(s.maxUnavailable, size, false);
  const inFlight = nodes.filter((n) => n.rotating).length;
  const unready = nodes.filter((n) => !n.ready && !n.disrupting).length;
  const unavailableLeft = Math.max(0, unavailable - unready);
  const room = Math.min(surge + unavailableLeft - inFlight, s.budgetLeft);
  const todo = outdated
    .filter((n) => !n.disrupting)
    .sort((a, b) => a.created - b.created || a.name.localeCompare(b.name));
  if (room <= 0) {
    const why =
      s.budgetLeft <= 0
        ? 'the disruption budget is used up'
        : `${inFlight} rotation(s) in flight (maxSurge ${String(s.maxSurge)}, maxUnavailable ${String(s.maxUnavailable)})`;
    return { commands: [], outdated: outdated.length, ...(todo.length > 0 ? { waiting: why } : {}) };
  }
  const surgeLeft = Math.max(0, surge - inFlight);
  const commands = todo.slice(0, room).map((n, i) => ({
    node: n.name,
    replacementsFirst: i < surgeLeft,
    reason: `runs ${n.version}, the pool's target is ${s.target}`,
  }));
  return { commands, outdated: outdated.length };
}
