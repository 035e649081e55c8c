import { isDisrupting } from '../budget.js';
import type { Candidate, Command, MethodName, PoolView } from '../types.js';
import { isActive } from './scale-in.js';

/** ESS's largest maxSize: a Manual pool's group is created with it. */
const GROUP_MAX = 2000;

/** Members whose claim launches a replacement first (the pool's desired capacity is raised by one for each). */
function surging(view: PoolView, except: string): number {
  return view.candidates.filter((c) => c.instanceId !== except && isActive(c) && c.claim?.replacementsFirst)
    .length;
}

/** Whether the pool may launch one more node for this member's replacement (its size stays within maxSize). */
export function canSurge(view: PoolView, instanceId: string): boolean {
  const s = view.pool.spec.scaling;
  const max = s.mode === 'Auto' ? (s.maxSize ?? GROUP_MAX) : (view.group?.maxSize ?? GROUP_MAX);
  return view.desired + surging(view, instanceId) + 1 <= max;
}

/** The member is being disrupted by another method (or deleted): a method leaves it alone. */
export function takenByOther(c: Candidate, method: MethodName): boolean {
  if (!c.node) return false;
  if (c.node.metadata.deletionTimestamp) return true;
  if (c.claim) return c.claim.method !== method;
  return isDisrupting(c.node);
}

/**
 * A command replacing one node: with `first`, the replacement is launched at once (the pool's desired capacity
 * raised by one while the claim lasts) and the node drained when it is Ready or at `drainBy`, then removed with
 * the desired capacity lowered again; when the pool is at its maxSize (no room for one more), or without
 * `first`, the node is drained and removed and ESS launches the replacement afterwards (desired kept). A
 * node this method already claimed keeps the way its claim says (else the group's size would be lowered for a
 * replacement never launched, or raised for one never removed).
 */
export function replaceCommand(
  view: PoolView,
  c: Candidate,
  o: { method: MethodName; reason: string; voluntary: boolean; first: boolean; drainBy?: number | undefined },
): Command {
  const target = { instanceId: c.instanceId, node: c.node?.metadata.name };
  const base = { method: o.method, nodes: [target], reason: o.reason, voluntary: o.voluntary };
  // a command in flight keeps the way it started: its claim decides whether the group was raised for it
  const mine = c.claim?.method === o.method && c.claim.disposal === 'remove' ? c.claim : undefined;
  if (mine ? mine.replacementsFirst : o.first && canSurge(view, c.instanceId)) {
    return {
      ...base,
      replacementsFirst: true,
      drainBy: o.drainBy,
      disposal: { kind: 'remove', replace: false },
    };
  }
  return { ...base, replacementsFirst: false, disposal: { kind: 'remove', replace: true } };
}
