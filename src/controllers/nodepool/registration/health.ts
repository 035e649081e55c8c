import type { RegistrationStatus } from '../../../apis/v1beta1/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';

/** Instances in a row that do not register before the pool is Degraded (it goes on replacing them). */
export const REGISTRATION_FAILURE_LIMIT = 3;

export interface RegistrationMember {
  instanceId: string;
  /** It has an admitted, Ready Node. */
  ready: boolean;
  /** Running and In Service: it should be registering. */
  running: boolean;
}

export interface RegistrationInput {
  prior: DeepReadonly<RegistrationStatus> | undefined;
  members: readonly RegistrationMember[];
  now: number;
  timeoutMs: number;
  /** The pool's generation: a spec change (maybe the fix) starts the count over. */
  generation: number;
}

export interface RegistrationPlan {
  /** The status to write (`status.registration`). */
  status: RegistrationStatus;
  /** Instances past the timeout just now (counted once): their story goes into `status.registration.last`. */
  newlyLate: string[];
  /** Instances still within the timeout. */
  waiting: string[];
}

/**
 * Registration health — pure, its state in `status.registration` (a restart does not forget it): when each
 * running in-service instance without a Ready Node was first seen, which are past `registrationTimeout`
 * (each counted once), and the failures in a row since a node last registered or the spec changed. The
 * removal of late instances is the `registration` disruption method's; the Degraded condition at
 * REGISTRATION_FAILURE_LIMIT is the status sub-reconciler's.
 */
export function planRegistration(input: RegistrationInput): RegistrationPlan {
  const { prior, now, timeoutMs, generation } = input;
  const since = new Map((prior?.waiting ?? []).map((w) => [w.instanceId, w]));
  let failures = prior?.generation === generation ? (prior.failures ?? 0) : 0;
  let last = prior?.generation === generation ? prior.last : undefined;
  const waitingList: NonNullable<RegistrationStatus['waiting']> = [];
  const newlyLate: string[] = [];
  const waiting: string[] = [];
  for (const m of input.members) {
    const w = since.get(m.instanceId);
    if (m.ready && w) failures = 0; // a node registered
    if (m.ready || !m.running) continue;
    const at = w?.since ? Date.parse(w.since) : now;
    const late = now - at > timeoutMs;
    if (late && !w?.late) newlyLate.push(m.instanceId);
    if (!late) waiting.push(m.instanceId);
    waitingList.push({
      instanceId: m.instanceId,
      since: new Date(at).toISOString(),
      ...(late ? { late: true } : {}),
    });
  }
  if (input.members.length > 0 && input.members.every((m) => m.ready)) {
    failures = 0;
    last = undefined;
  }
  failures += newlyLate.length;
  const status: RegistrationStatus = {
    ...(failures > 0 ? { failures, generation } : {}),
    ...(failures > 0 && last ? { last } : {}),
    ...(waitingList.length > 0 ? { waiting: waitingList.slice(0, 2000) } : {}),
  };
  return { status, newlyLate, waiting };
}

/** The Degraded message when too many instances in a row did not register; undefined below the limit. */
export function registrationProblem(
  s: DeepReadonly<RegistrationStatus> | undefined,
  timeoutText: string,
): string | undefined {
  if (!s?.failures || s.failures < REGISTRATION_FAILURE_LIMIT) return undefined;
  return `${s.failures} instances in a row did not become Ready nodes within ${timeoutText}; the last, ${s.last ?? '(unknown)'}`;
}
