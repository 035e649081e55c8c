import type { Automation } from '../../apis/v1beta1/index.js';
import type { RetainedInstance } from './disposal.js';
import type { DisruptionExecutor, ExecutionContext } from './executor.js';
import { automationOf, progressOf } from './preview.js';
import type { CommandOutcome, Method, Proposal } from './types.js';

export interface EngineResult {
  /** `status.automation` entries of the methods that ran (merged over the prior ones by the caller). */
  automation: Automation;
  retained: RetainedInstance[];
  /** Lines for the Progressing condition. */
  progress: string[];
  outcomes: CommandOutcome[];
  /** The soonest a command or method asked to be looked at again (a drain's retryAfterMs, a replacement's boot, a node becoming due). */
  requeueAfterMs: number | undefined;
  /** Nodes whose command no method proposes any more, un-cordoned. */
  cancelled: string[];
}

/**
 * The disruption engine of one pool: asks each method for its commands (in order: involuntary first), hands
 * them all to the one executor (which applies the budget across them), cancels claims no method wants any
 * more, and says what each method did and will do next (`status.automation`).
 */
export async function runEngine(
  methods: readonly Method[],
  executor: DisruptionExecutor,
  ctx: ExecutionContext,
): Promise<EngineResult> {
  const proposals = new Map<Method, Proposal>();
  for (const m of methods) if (m.enabled(ctx.view)) proposals.set(m, await m.propose(ctx.view));
  for (const p of proposals.values()) for (const m of p.marks ?? []) await executor.mark(m);
  const commands = [...proposals.values()].flatMap((p) => p.commands);
  for (const [m, p] of proposals) for (const n of p.notices ?? []) await executor.notice(ctx, m.name, n);
  const { outcomes, retained } = await executor.execute(ctx, commands);
  const live = new Set(commands.flatMap((c) => c.nodes.map((t) => t.instanceId)));
  const cancelled = await executor.cancelStale(ctx, live);
  const automation: Automation = {};
  const progress: string[] = [];
  let requeueAfterMs: number | undefined;
  for (const m of methods) {
    const mine = outcomes.filter((o) => o.command.method === m.name);
    const prior = ctx.view.status.automation?.[m.name];
    const a = automationOf(prior, m, ctx.view, proposals.get(m), mine);
    if (a.enabled || a.lastAction || a.next) automation[m.name] = a;
    progress.push(...progressOf(m.name, mine));
    for (const o of mine) {
      if (o.retryAfterMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, o.retryAfterMs);
    }
    const again = proposals.get(m)?.requeueAfterMs;
    if (again !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, again);
  }
  return { automation, retained, progress, outcomes, requeueAfterMs, cancelled };
}
