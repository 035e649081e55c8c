import { goDurationMs } from '../../../apis/v1beta1/automation.js';
import { rebootOf, unhealthOf, wasReady } from '../../node/health/health.js';
import { planRepair, type RepairNode, type RepairPlan, type RepairSettings } from '../repair/plan.js';
import type { Candidate, Command, Method, NextAction, Notice, PoolView, Proposal } from '../types.js';
import { replaceCommand, takenByOther } from './replacement.js';
import { isActive } from './scale-in.js';

/** How long a rebooted node has to be Ready again before it is replaced. */
export const REBOOT_GRACE_MS = 5 * 60_000;

type Settings = RepairSettings;

function settingsOf(view: PoolView, rebootGraceMs: number): Settings | undefined {
  const m = view.pool.spec.management;
  if (!m?.autoRepair.enabled) return undefined;
  return {
    notReadyTimeoutMs: goDurationMs(m.autoRepair.notReadyTimeout),
    maxUnhealthy: m.autoRepair.maxUnhealthy,
    allowReboot: m.maintenance.allowReboot,
    rebootGraceMs,
  };
}

/** The pool's Nodes as repair sees them (members in service with an admitted Node). */
function repairNodes(view: PoolView): { nodes: RepairNode[]; byName: Map<string, Candidate> } {
  const byName = new Map<string, Candidate>();
  const nodes: RepairNode[] = [];
  for (const c of view.candidates) {
    if (!c.node || !isActive(c)) continue;
    const u = unhealthOf(c.node, view.now);
    const rec = rebootOf(c.node);
    byName.set(c.node.metadata.name, c);
    nodes.push({
      name: c.node.metadata.name,
      instanceId: c.instanceId,
      // a reboot belongs to the episode it was made in (the condition may have moved Unknown → False since)
      unhealthySince: u && rec ? Math.min(u.since, rec.unhealthySince) : u?.since,
      problem: u?.problem,
      wasReady: wasReady(c.node),
      rebootedAt: rec?.at,
      disrupting: takenByOther(c, 'repair'),
    });
  }
  return { nodes, byName };
}

/** Reboots under way (recorded on their Nodes) that repair does not replace now: carried on, or finished. */
function rebootsInFlight(view: PoolView, plan: RepairPlan, nodes: readonly RepairNode[]): Command[] {
  const acting = new Set(plan.actions.map((a) => a.node));
  return nodes
    .filter((n) => n.rebootedAt !== undefined && !acting.has(n.name) && !n.disrupting)
    .map((n) => ({
      method: 'repair' as const,
      nodes: [{ instanceId: n.instanceId, node: n.name }],
      replacementsFirst: false,
      reason: `node ${n.name} rebooted at ${new Date(n.rebootedAt!).toISOString()}${n.unhealthySince !== undefined ? `: ${n.problem ?? 'unhealthy'}` : ': Ready again'}`,
      voluntary: true,
      disposal: { kind: 'reboot' as const, unhealthySince: n.unhealthySince ?? view.now },
    }));
}

/** What repair waits for (the preview): held back by maxUnhealthy, or the next node falling due. */
function pendingOf(plan: RepairPlan, nodes: readonly RepairNode[], s: Settings): NextAction | undefined {
  const sick = nodes
    .filter((n) => n.wasReady && n.unhealthySince !== undefined && !n.disrupting)
    .map((n) => n.name);
  if (plan.heldBack)
    return {
      action: 'Repair',
      nodes: sick,
      reason: plan.heldBack.message,
      blockedBy: [{ kind: 'MaxUnhealthy', message: plan.heldBack.message }],
    };
  if (plan.nextAt === undefined || sick.length === 0) return undefined;
  const at = new Date(plan.nextAt).toISOString();
  return {
    action: s.allowReboot ? 'Reboot' : 'Replace',
    nodes: sick,
    reason: `unhealthy, not yet for notReadyTimeout (or a reboot's grace): due at ${at}`,
    notBefore: at,
    blockedBy: [{ kind: 'NotBefore', message: `due at ${at}` }],
  };
}

/**
 * autoRepair (`management.autoRepair`; a ManagedNodePool's `autoRepair`): a Node that was Ready once and is
 * NotReady / Unknown (or reports a failing condition, `node/health`) for `notReadyTimeout` is rebooted first
 * when `maintenance.allowReboot` (RebootInstance; `REBOOT_GRACE_MS` to come back Ready, recorded on the Node),
 * else — or then — replaced: the replacement launched at once (the broken node serves nothing, so nothing waits
 * for it to be Ready: `drainBy` now), the node drained (pods of an unreachable node that is released are
 * deleted once past their grace) and removed. Nothing while more than `maxUnhealthy` of the pool is unhealthy (a
 * zone outage is not fixed by replacing every node): a Warning `RepairHeldBack` and `next.blockedBy`
 * MaxUnhealthy say why. Voluntary: held by `disruption.budget` (a reboot counts too); not bound to the
 * maintenance windows (a broken node is mended whenever it breaks).
 */
export function repairMethod(rebootGraceMs = REBOOT_GRACE_MS): Method {
  return {
    name: 'repair',
    voluntary: true,
    enabled: (view) => view.pool.spec.management?.autoRepair.enabled === true,
    propose(view: PoolView): Proposal {
      const s = settingsOf(view, rebootGraceMs);
      if (!s || view.deleting) return { commands: [] };
      const { nodes, byName } = repairNodes(view);
      const plan = planRepair(nodes, s, view.now);
      const commands: Command[] = plan.actions.map((a) => {
        const c = byName.get(a.node)!;
        const reason = `node ${a.node}: ${a.reason}`;
        if (a.action === 'reboot') {
          const since = nodes.find((n) => n.name === a.node)!.unhealthySince!;
          return {
            method: 'repair',
            nodes: [{ instanceId: a.instanceId, node: a.node }],
            replacementsFirst: false,
            reason,
            voluntary: true,
            disposal: { kind: 'reboot', unhealthySince: since },
          };
        }
        return replaceCommand(view, c, {
          method: 'repair',
          reason,
          voluntary: true,
          first: true,
          drainBy: view.now,
        });
      });
      commands.push(...rebootsInFlight(view, plan, nodes));
      const notices: Notice[] = plan.heldBack
        ? [
            {
              type: 'Warning',
              reason: 'RepairHeldBack',
              message: plan.heldBack.message,
              key: `held/${nodes
                .filter((n) => n.wasReady && n.unhealthySince !== undefined)
                .map((n) => n.name)
                .sort()
                .join(',')}`,
              outcome: 'held',
            },
          ]
        : [];
      return {
        commands,
        pending: pendingOf(plan, nodes, s),
        notices,
        ...(plan.nextAt !== undefined ? { requeueAfterMs: Math.max(1_000, plan.nextAt - view.now) } : {}),
      };
    },
  };
}
