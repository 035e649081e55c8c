import { Annotation } from '../../apis/v1beta1/constants.js';
import type { Node } from '../../kube/index.js';
import type { DeepReadonly } from '../../util/readonly.js';

/** The budget of a pool that sets none (Karpenter's default too). */
export const DEFAULT_BUDGET = '10%';

/** A pool's `disruption.budget`: a count, or a percentage string; `"3"` (a count as a string) is accepted. */
export type Budget = number | string;

/**
 * How many of a pool's `poolSize` nodes may be disrupting at once. A percentage rounds up (as Karpenter's
 * budgets do), so any budget above 0 allows at least one node of a non-empty pool; `0` or `"0%"` allows none.
 * A count is capped at the pool's size. Throws RangeError for a value admission would have refused.
 */
export function budgetLimit(budget: Budget | undefined, poolSize: number): number {
  const size = Math.max(0, Math.floor(poolSize));
  const b = budget ?? DEFAULT_BUDGET;
  if (typeof b === 'number') {
    if (!Number.isInteger(b) || b < 0) throw new RangeError(`disruption budget ${b}: must be a count ≥ 0`);
    return Math.min(b, size);
  }
  const pct = /^(\d{1,3})%$/.exec(b);
  if (pct) {
    const p = Number(pct[1]);
    if (p > 100) throw new RangeError(`disruption budget ${b}: a percentage must be 0%-100%`);
    return Math.ceil((size * p) / 100);
  }
  if (/^\d+$/.test(b)) return Math.min(Number(b), size);
  throw new RangeError(`disruption budget ${JSON.stringify(b)}: must be a count or a percentage like 10%`);
}

/**
 * Whether the operator is disrupting this Node: a disruption command claimed it, the operator cordoned it or
 * started draining it, or the Node is being deleted. These count against the budget.
 */
export function isDisrupting(node: DeepReadonly<Node>): boolean {
  const a = node.metadata.annotations ?? {};
  return (
    a[Annotation.disruption] !== undefined ||
    a[Annotation.cordoned] === 'true' ||
    a[Annotation.drainStarted] !== undefined ||
    node.metadata.deletionTimestamp !== undefined
  );
}

/**
 * How many more nodes of the pool may start being disrupted now: the budget for the pool's size, minus the
 * nodes already disrupting (never negative).
 */
export function allowedDisruptions(budget: Budget | undefined, nodes: readonly DeepReadonly<Node>[]): number {
  const disrupting = nodes.filter(isDisrupting).length;
  return Math.max(0, budgetLimit(budget, nodes.length) - disrupting);
}
