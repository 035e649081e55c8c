import type { AutomationStatus } from '../../apis/v1beta1/index.js';
import type { DeepReadonly } from '../../util/readonly.js';
import type { CommandOutcome, Method, MethodName, NextAction, PoolView, Proposal } from './types.js';

const ACTION: Record<string, string> = {
  remove: 'Remove',
  stop: 'Stop',
  hook: 'DrainForESS',
  drain: 'Drain',
  reboot: 'Reboot',
};
const DONE: Record<string, string> = {
  released: 'Released',
  retained: 'Retained',
  stopped: 'Stopped',
  continued: 'Continued',
  drained: 'Drained',
  rebooted: 'Rebooted',
};

/** What a method's proposal and the executor's outcome say it will do next (undefined: nothing). */
export function nextOf(proposal: Proposal, outcomes: readonly CommandOutcome[]): NextAction | undefined {
  for (const o of outcomes) {
    const open = o.command.nodes.filter((t) => !o.done.some((d) => d.target.instanceId === t.instanceId));
    if (open.length === 0) continue;
    const blockedBy = [...o.held, ...o.waiting.flatMap((w) => w.blockedBy)];
    return {
      action: ACTION[o.command.disposal.kind] ?? o.command.disposal.kind,
      nodes: open.map((t) => t.node ?? t.instanceId),
      reason: o.command.reason,
      ...(o.command.notBefore !== undefined
        ? { notBefore: new Date(o.command.notBefore).toISOString() }
        : {}),
      blockedBy: dedupe(blockedBy),
    };
  }
  return proposal.pending;
}

function dedupe<T extends { kind: string; message: string }>(xs: readonly T[]): T[] {
  const seen = new Set<string>();
  return xs
    .filter((x) => {
      const k = `${x.kind}|${x.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .slice(0, 20);
}

/**
 * `status.automation.<method>`: enabled, the last action (kept from the prior status unless a command finished
 * now) and the next one with what blocks it — the preview `nodepool-operator disruptions` prints.
 */
export function automationOf(
  prior: DeepReadonly<AutomationStatus> | undefined,
  method: Method,
  view: PoolView,
  proposal: Proposal | undefined,
  outcomes: readonly CommandOutcome[],
): AutomationStatus {
  const done = outcomes.flatMap((o) => o.done.map((d) => ({ o, d })));
  const last =
    done.length > 0
      ? {
          time: new Date(view.now).toISOString(),
          action: DONE[done[0]!.d.outcome] ?? done[0]!.d.outcome,
          nodes: done.map((x) => x.d.target.node ?? x.d.target.instanceId).slice(0, 50),
          message: done[0]!.o.command.reason.slice(0, 2048),
        }
      : prior?.lastAction
        ? { ...prior.lastAction, nodes: [...(prior.lastAction.nodes ?? [])] }
        : undefined;
  const next = proposal ? nextOf(proposal, outcomes) : undefined;
  return {
    enabled: method.enabled(view),
    ...(last ? { lastAction: last } : {}),
    ...(next
      ? {
          next: {
            action: next.action,
            reason: next.reason.slice(0, 1024),
            ...(next.notBefore ? { notBefore: next.notBefore } : {}),
            nodes: next.nodes.slice(0, 50),
            blockedBy: next.blockedBy.map((b) => ({ kind: b.kind, message: b.message.slice(0, 1024) })),
          },
        }
      : {}),
  };
}

/** Lines for the pool's Progressing condition (`draining web-1`, `scale-in paced by disruption.budget …`). */
export function progressOf(name: MethodName, outcomes: readonly CommandOutcome[]): string[] {
  const out: string[] = [];
  for (const o of outcomes) {
    for (const w of o.waiting) out.push(name === 'essHook' ? `${w.step} before ESS removes it` : w.step);
    if (o.held.some((h) => h.kind === 'Budget')) {
      const started = o.command.nodes.length - o.held.length;
      out.push(
        `${name === 'scaleIn' ? 'scale-in' : name} paced by disruption.budget (${Math.max(0, started)} of ${o.command.nodes.length} at once)`,
      );
    }
    if (o.done.length > 0) out.push(`${name}: ${o.done.length} node(s) done`);
  }
  return out;
}
