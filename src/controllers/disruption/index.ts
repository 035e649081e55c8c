export { DEFAULT_BUDGET, allowedDisruptions, budgetLimit, isDisrupting, type Budget } from './budget.js';
export {
  DrainEvent,
  Drainer,
  describeBlocker,
  type BlockReason,
  type DrainBlocker,
  type DrainRequest,
  type DrainResult,
  type DrainerDeps,
  type PodRef,
} from './drain.js';
export { DrainMetrics, type DrainMilestone, type EvictionResult } from './metrics.js';
export { DEFAULT_DRAIN_TIMEOUT, drainTimeoutMs, parseDuration } from './duration.js';
export {
  MIRROR_POD_ANNOTATION,
  isDaemonSetPod,
  isDoNotDisrupt,
  isFinished,
  isMirrorPod,
  isWorkloadPod,
  podDisposition,
  podKey,
  type PodDisposition,
} from './pods.js';
export {
  candidatesOf,
  chooseVictims,
  compareVictims,
  rankCandidate,
  rankVictims,
  type RankedVictim,
  type VictimCandidate,
} from './victims.js';
