/** ESS's limits on a lifecycle hook's wait (RecordLifecycleActionHeartbeat; help doc 73846): 20 extensions, 6 h. */
export const HOOK_LIMITS = { heartbeats: 20, totalMs: 6 * 3600_000, maxTimeoutSeconds: 21_600 } as const;
/** The pool's SCALE_IN hook's own timeout (launch.ts creates it with 3600 s). */
export const HOOK_TIMEOUT_SECONDS = 3600;
/** A heartbeat is sent when the hook would go on by itself within this long. */
const BEAT_AHEAD_MS = 15 * 60_000;
/** Kept off ESS's 6 h bound (the operator sees the wait a little after it started). */
const MARGIN_MS = 5 * 60_000;

export interface HookState {
  /** When the operator first saw the wait (ms). */
  since: number;
  heartbeats: number;
  /** When ESS goes on by itself unless a heartbeat comes (ms). */
  deadline: number;
}

export type HeartbeatPlan =
  | { kind: 'wait' }
  | { kind: 'beat'; timeoutSeconds: number; deadline: number; heartbeats: number }
  /** No more heartbeats are allowed: ESS goes on at `deadline`, drained or not. */
  | { kind: 'exhausted'; deadline: number };

/**
 * Whether to keep an ESS SCALE_IN hook waiting while its node's drain is blocked — pure. A heartbeat is sent
 * when the wait has less than 15 minutes left, for at most an hour (the hook's own timeout) and never beyond
 * ESS's 6 hours in all (less a margin), and at most 20 times. Past those, the plan says `exhausted`: ESS will
 * go on at `deadline`, and the caller says so in a Warning Event (it never forces the drain itself).
 */
export function planHeartbeat(s: HookState, now: number): HeartbeatPlan {
  if (s.deadline - now > BEAT_AHEAD_MS) return { kind: 'wait' };
  const limit = s.since + HOOK_LIMITS.totalMs - MARGIN_MS;
  const seconds = Math.min(HOOK_TIMEOUT_SECONDS, Math.floor((limit - now) / 1000));
  if (s.heartbeats >= HOOK_LIMITS.heartbeats || seconds < 60 || now + seconds * 1000 <= s.deadline) {
    return { kind: 'exhausted', deadline: s.deadline };
  }
  return {
    kind: 'beat',
    timeoutSeconds: seconds,
    deadline: now + seconds * 1000,
    heartbeats: s.heartbeats + 1,
  };
}
