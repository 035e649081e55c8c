import { Reason, type Phase, type PoolStatus } from '../../../apis/v1beta1/index.js';
import type { ScalingActivity } from '../../../cloud/types.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import type { Counts } from '../observe.js';
import type { PoolConditions } from './conditions.js';

export interface SummaryInput {
  prior: DeepReadonly<PoolStatus>;
  counts: Counts;
  desiredSize: number;
  /** The ensure changed something (`modified …` → Updating). */
  changes: readonly string[];
  /** The newest scaling activity, when read. */
  activity: ScalingActivity | undefined;
  progress: readonly string[];
  /** Registration failures in a row at the limit: the message. */
  registrationProblem: string | undefined;
}

export interface Summary {
  phase: Phase;
  conditions: PoolConditions;
  /** The last scaling activity failed while the pool is short. */
  failed: string | undefined;
  /** Only Nodes are awaited (every instance there): a slower look-again is enough. */
  joining: boolean;
  /** Every line of the Progressing condition (empty: nothing moves). */
  progress: string[];
}

/**
 * The pool's phase and conditions — pure: Degraded when the last scaling activity failed while the pool is
 * short or registrations keep failing; Initializing until the first time it is whole; Updating after a
 * launch change; Scaling while the count differs; else Active.
 */
export function summarize(s: SummaryInput): Summary {
  const { counts, desiredSize, activity } = s;
  const progress = [...s.progress];
  const failed =
    activity?.status === 'Failed' && counts.currentSize < desiredSize
      ? `the last scaling activity failed: ${activity.errorCode ?? ''} ${activity.errorMessage ?? activity.statusMessage}`.trim()
      : undefined;
  if (counts.currentSize !== desiredSize) progress.push(`${counts.currentSize} of ${desiredSize} instances`);
  if (counts.readySize < Math.min(desiredSize, counts.currentSize))
    progress.push(`${counts.readySize} of ${desiredSize} nodes Ready`);
  const readyOk = counts.readySize >= desiredSize && counts.currentSize === desiredSize;
  const updating = s.changes.some((c) => c.startsWith('modified'));
  const problem = failed ?? s.registrationProblem;
  const phase: Phase = problem
    ? 'Degraded'
    : !s.prior.scalingGroupId || (s.prior.phase === 'Initializing' && !readyOk)
      ? 'Initializing'
      : updating
        ? 'Updating'
        : counts.currentSize !== desiredSize
          ? 'Scaling'
          : 'Active';
  const ready = `${counts.readySize} of ${desiredSize} nodes Ready`;
  return {
    phase,
    failed,
    progress,
    joining:
      !problem &&
      progress.length === 1 &&
      counts.currentSize === desiredSize &&
      counts.readySize < desiredSize,
    conditions: {
      ready: readyOk ? [true, Reason.AllNodesReady, ready] : [false, Reason.NodesNotReady, ready],
      progressing:
        progress.length > 0
          ? [true, phase === 'Initializing' ? Reason.Initializing : Reason.Scaling, progress.join('; ')]
          : [false, Reason.Reconciled, 'the pool matches its spec'],
      degraded: failed
        ? [true, 'ScalingActivityFailed', failed]
        : s.registrationProblem
          ? [true, Reason.RegistrationFailed, s.registrationProblem]
          : [false, Reason.Reconciled, 'no problem seen'],
    },
  };
}
