/** An ECS system event of one of the pool's instances, as DescribeInstanceHistoryEvents reports it. */
export interface PoolSystemEvent {
  eventId: string;
  instanceId: string;
  /** `SystemMaintenance.Reboot`, `SystemFailure.Delete`, `InstanceExpiration.Stop`, … */
  type: string;
  /** `Scheduled` | `Executing` | `Inquiring` (the active ones; finished events are not asked for). */
  status: string;
  /** When the event executes (ms). */
  notBefore: number;
}

/** The pool's side of an event: the Node on the instance and how the instance is billed. */
export interface EventTarget {
  node?: string | undefined;
  /** `PrePaid` (Subscription) or `PostPaid`. */
  chargeType: string;
  /** The engine is already disrupting this node. */
  disrupting: boolean;
}

export interface SystemEventSettings {
  /** How long a replacement takes from launch to Ready, plus a drain: what "time allows" means. */
  leadMs: number;
  /** The node should be gone this long before the event executes. */
  marginMs: number;
}

export type SystemEventAction =
  /** Time allows: launch a replacement, wait for it Ready, then drain and remove the node. */
  | { action: 'replace'; event: PoolSystemEvent; node: string; deadline: number; reason: string }
  /** Too late for a replacement first: cordon and drain at once (a replacement is launched alongside). */
  | { action: 'drain-now'; event: PoolSystemEvent; node: string; deadline: number; reason: string }
  /** Nothing a replacement fixes (the instance expires, the account is overdue): a Warning Event. */
  | { action: 'warn'; event: PoolSystemEvent; node?: string | undefined; reason: string };

/** Events that take the instance down, which a replacement ahead of time makes harmless. */
const DISRUPTIVE = /^(SystemMaintenance|SystemFailure|InstanceFailure)\./;
/** Events about the bill: replacing the node does not help (a new instance is billed the same way). */
const BILLING = /^(InstanceExpiration|AccountUnbalanced)\./;

function describe(e: PoolSystemEvent): string {
  return `ECS system event ${e.eventId} (${e.type}, ${e.status}) executes at ${new Date(e.notBefore).toISOString()}`;
}

/**
 * What to do about the pool's active system events. Pure. Each disruptive event (maintenance or failure
 * reboots, redeploys and deletions) gets its node replaced before it executes: a replacement first when
 * `leadMs` fits before `notBefore - marginMs`, else a drain at once. Billing events are warned about once per
 * event (the caller remembers which it warned of). Events of instances without a Node, or whose node the engine
 * is already disrupting, need nothing new.
 */
export function planSystemEvents(
  events: readonly PoolSystemEvent[],
  targets: ReadonlyMap<string, EventTarget>,
  s: SystemEventSettings,
  now: number,
): SystemEventAction[] {
  const out: SystemEventAction[] = [];
  const seen = new Set<string>();
  const ordered = [...events].sort((a, b) => a.notBefore - b.notBefore || a.eventId.localeCompare(b.eventId));
  for (const e of ordered) {
    const t = targets.get(e.instanceId);
    if (!t) continue;
    if (BILLING.test(e.type)) {
      out.push({
        action: 'warn',
        event: e,
        node: t.node,
        reason: `${describe(e)}: replacing the node would not help; renew the instance or top up the account`,
      });
      continue;
    }
    if (!DISRUPTIVE.test(e.type) || !t.node || t.disrupting || seen.has(e.instanceId)) continue;
    seen.add(e.instanceId);
    const deadline = e.notBefore - s.marginMs;
    const early = e.status !== 'Executing' && now + s.leadMs <= deadline;
    out.push({
      action: early ? 'replace' : 'drain-now',
      event: e,
      node: t.node,
      deadline,
      reason: early
        ? `${describe(e)}: replaced ahead of it`
        : `${describe(e)}: too close for a replacement first, drained at once`,
    });
  }
  return out;
}
