import type { SystemEventInfo } from '../../../cloud/types.js';
import type { SharedReads } from '../reads/shared-reads.js';
import { planSystemEvents, type EventTarget, type PoolSystemEvent } from '../system-events/plan.js';
import type { Command, Method, Notice, PoolView, Proposal } from '../types.js';
import { replaceCommand, takenByOther } from './replacement.js';
import { isActive } from './scale-in.js';

export interface SystemEventTimes {
  /** How long a replacement takes from launch to Ready, plus a drain: what "time allows" means (ms). */
  leadMs: number;
  /** The node should be gone this long before the event executes (ms). */
  marginMs: number;
  /** The drain starts this long before the node should be gone, the replacement Ready or not (ms). */
  drainMs: number;
}

/** ECS boots and joins a node in 2–3 minutes; with a drain, 10 minutes is "time allows". */
export const SYSTEM_EVENT_TIMES: SystemEventTimes = {
  leadMs: 10 * 60_000,
  marginMs: 5 * 60_000,
  drainMs: 3 * 60_000,
};

/** A system event as the planner takes it (times in ms); undefined when its NotBefore is unreadable. */
export function poolEventOf(e: SystemEventInfo): PoolSystemEvent | undefined {
  const notBefore = e.notBefore ? Date.parse(e.notBefore) : NaN;
  if (Number.isNaN(notBefore)) return undefined;
  return { eventId: e.id, instanceId: e.instanceId, type: e.type, status: e.cycle, notBefore };
}

/**
 * systemEvents (`management.systemEvents`; a ManagedNodePool's `systemEvents`): the pools' instances' active ECS
 * system events (one batched DescribeInstanceHistoryEvents per interval for every pool, `SharedReads`). For a
 * maintenance or failure reboot, redeploy or deletion the node is replaced before the event executes: when
 * `leadMs` fits before NotBefore less `marginMs`, the replacement is launched first and the node drained when
 * it is Ready — and at `drainMs` before that deadline at the latest; when it does not fit (or the event is
 * executing), the replacement is launched and the node drained at once. `InstanceExpiration.*` and
 * `AccountUnbalanced.*` (a new instance would not help) get a Warning `SystemEventWarning`, once per event. The
 * Events and the claim name the event id, type and time. Involuntary (the event takes the node down anyway):
 * not held by the budget, nor by maintenance windows.
 */
export function systemEventsMethod(reads: SharedReads, times: SystemEventTimes = SYSTEM_EVENT_TIMES): Method {
  return {
    name: 'systemEvents',
    voluntary: false,
    enabled: (view) => view.pool.spec.management?.systemEvents.enabled === true,
    async propose(view: PoolView): Promise<Proposal> {
      if (view.deleting || view.pool.spec.management?.systemEvents.enabled !== true) return { commands: [] };
      const members = view.candidates.filter((c) => isActive(c) && c.instance.status !== undefined);
      if (members.length === 0) return { commands: [] };
      const infos = await reads.systemEvents(
        view.uid,
        members.map((c) => c.instanceId),
      );
      const events = infos.map(poolEventOf).filter((e): e is PoolSystemEvent => e !== undefined);
      const targets = new Map<string, EventTarget>(
        members.map((c) => [
          c.instanceId,
          {
            node: c.node?.metadata.name,
            chargeType: c.instance.chargeType,
            disrupting: takenByOther(c, 'systemEvents'),
          },
        ]),
      );
      const actions = planSystemEvents(events, targets, times, view.now);
      const commands: Command[] = [];
      const notices: Notice[] = [];
      let recheckAt: number | undefined;
      for (const a of actions) {
        if (a.action === 'warn') {
          notices.push({
            type: 'Warning',
            reason: 'SystemEventWarning',
            message: a.node ? `node ${a.node}: ${a.reason}` : a.reason,
            key: a.event.eventId,
            outcome: 'warned',
          });
          continue;
        }
        const c = members.find((m) => m.instanceId === a.event.instanceId)!;
        // the deadline set when the node was claimed stands (time running out is what it is for), unless the
        // event already executes
        const kept =
          c.claim?.method === 'systemEvents' && c.claim.drainBy && a.event.status !== 'Executing'
            ? Date.parse(c.claim.drainBy)
            : NaN;
        const drainBy = !Number.isNaN(kept)
          ? kept
          : a.action === 'replace'
            ? a.deadline - times.drainMs
            : view.now;
        commands.push(
          replaceCommand(view, c, {
            method: 'systemEvents',
            reason: `node ${a.node}: ${a.reason}`,
            voluntary: false,
            first: true,
            drainBy,
          }),
        );
        recheckAt = Math.min(recheckAt ?? Infinity, drainBy);
      }
      return {
        commands,
        notices,
        ...(recheckAt !== undefined && recheckAt > view.now
          ? { requeueAfterMs: Math.max(1_000, recheckAt - view.now) }
          : {}),
      };
    },
  };
}
