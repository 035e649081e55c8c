import { budgetLimit, type Budget } from '../budget.js';

/** What repair needs to know of one Node of the pool. */
export interface RepairNode {
  name: string;
  instanceId: string;
  /**
   * Since when (ms) the Node has been unhealthy — Ready False / Unknown, or a kubelet-reported failing condition —
   * or undefined when it is healthy.
   */
  unhealthySince: number | undefined;
  /** What is wrong, in words (`Ready=Unknown: Kubelet stopped posting node status.`). */
  problem?: string | undefined;
  /**
   * The Node was Ready once. A Node that never was is the registration check's business (it never joined);
   * repair only mends nodes that worked.
   */
  wasReady: boolean;
  /** When the operator last rebooted its instance to repair it (ms), if it did. */
  rebootedAt?: number | undefined;
  /** The engine is already disrupting it (cordoned, draining, being replaced or deleted). */
  disrupting: boolean;
}

export interface RepairSettings {
  notReadyTimeoutMs: number;
  /** `autoRepair.maxUnhealthy`: a count or percentage of the pool. */
  maxUnhealthy: Budget;
  /** `maintenance.allowReboot`: try a reboot before replacing. */
  allowReboot: boolean;
  /** How long a rebooted node has to come back Ready before it is replaced. */
  rebootGraceMs: number;
}

export type RepairAction =
  | { action: 'reboot'; node: string; instanceId: string; reason: string }
  | { action: 'replace'; node: string; instanceId: string; reason: string };

export interface RepairPlan {
  /** What to do now, oldest problem first. The engine's budget decides how many of them start. */
  actions: RepairAction[];
  /**
   * Nothing is repaired while more than `maxUnhealthy` of the pool is unhealthy: a zone outage or a network
   * partition is not fixed by replacing every node. Set when that holds repair back.
   */
  heldBack?: { unhealthy: number; limit: number; message: string } | undefined;
  /** The next time a node falls due (a reboot's grace running out, a node reaching notReadyTimeout). */
  nextAt?: number | undefined;
  /** Unhealthy nodes that worked once, counted against maxUnhealthy. */
  unhealthy: number;
}

const DEFAULT_MAX_UNHEALTHY = '20%';

/** `maxUnhealthy` as a number of nodes of a pool of `size` (a percentage rounds up, like the budget). */
export function maxUnhealthyOf(maxUnhealthy: Budget | undefined, size: number): number {
  return budgetLimit(maxUnhealthy ?? DEFAULT_MAX_UNHEALTHY, size);
}

/**
 * Which nodes to repair and how. Pure: the caller reads the Nodes, the engine carries out the actions.
 * - only nodes that were Ready once and have been unhealthy for `notReadyTimeout`;
 * - nothing while more than `maxUnhealthy` of the pool is unhealthy (`heldBack` says why);
 * - with `allowReboot`, a node not rebooted since it went unhealthy is rebooted first; a rebooted node still
 *   unhealthy after `rebootGraceMs` is replaced; without it, replaced at once;
 * - nodes already being disrupted are left to the engine.
 */
export function planRepair(nodes: readonly RepairNode[], s: RepairSettings, now: number): RepairPlan {
  const sick = nodes.filter((n) => n.wasReady && n.unhealthySince !== undefined);
  const limit = maxUnhealthyOf(s.maxUnhealthy, nodes.length);
  if (sick.length > limit) {
    const message = `${sick.length} of ${nodes.length} nodes are unhealthy, more than maxUnhealthy (${String(s.maxUnhealthy)} = ${limit}): repair waits (a zone outage is not fixed by replacing every node)`;
    return { actions: [], heldBack: { unhealthy: sick.length, limit, message }, unhealthy: sick.length };
  }
  const actions: RepairAction[] = [];
  let nextAt: number | undefined;
  const later = (t: number): void => {
    nextAt = nextAt === undefined ? t : Math.min(nextAt, t);
  };
  const byAge = [...sick].sort(
    (a, b) => a.unhealthySince! - b.unhealthySince! || a.name.localeCompare(b.name),
  );
  for (const n of byAge) {
    if (n.disrupting) continue;
    const since = n.unhealthySince!;
    const due = since + s.notReadyTimeoutMs;
    if (now < due) {
      later(due);
      continue;
    }
    const what = `${n.problem ?? 'unhealthy'} for ${Math.round((now - since) / 1000)}s (notReadyTimeout ${Math.round(s.notReadyTimeoutMs / 1000)}s)`;
    const rebooted = n.rebootedAt !== undefined && n.rebootedAt >= since;
    if (s.allowReboot && !rebooted) {
      actions.push({ action: 'reboot', node: n.name, instanceId: n.instanceId, reason: what });
      continue;
    }
    if (rebooted && now < n.rebootedAt! + s.rebootGraceMs) {
      later(n.rebootedAt! + s.rebootGraceMs);
      continue;
    }
    const reason = rebooted
      ? `${what}; still unhealthy ${Math.round((now - n.rebootedAt!) / 1000)}s after a reboot`
      : what;
    actions.push({ action: 'replace', node: n.name, instanceId: n.instanceId, reason });
  }
  return { actions, nextAt, unhealthy: sick.length };
}
