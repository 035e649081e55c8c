import { describe, expect, test } from '@jest/globals';
import { planRegistration, registrationProblem } from './health.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const M = 60_000;

describe('planRegistration', () => {
  test('an instance running without a Ready node is waited for from when it was first seen, also across restarts (the time is in the status)', () => {
    const first = planRegistration({
      prior: undefined,
      members: [{ instanceId: 'i-1', ready: false, running: true }],
      now: T0,
      timeoutMs: 10 * M,
      generation: 1,
    });
    expect(first.status.waiting).toEqual([{ instanceId: 'i-1', since: iso(T0) }]);
    expect(first.waiting).toEqual(['i-1']);
    const later = planRegistration({
      prior: first.status,
      members: [{ instanceId: 'i-1', ready: false, running: true }],
      now: T0 + 11 * M,
      timeoutMs: 10 * M,
      generation: 1,
    });
    expect(later.newlyLate).toEqual(['i-1']);
    expect(later.status).toMatchObject({
      failures: 1,
      generation: 1,
      waiting: [{ instanceId: 'i-1', since: iso(T0), late: true }],
    });
    // counted once, even while it is still there
    const again = planRegistration({
      prior: later.status,
      members: [{ instanceId: 'i-1', ready: false, running: true }],
      now: T0 + 12 * M,
      timeoutMs: 10 * M,
      generation: 1,
    });
    expect(again.newlyLate).toEqual([]);
    expect(again.status.failures).toBe(1);
  });

  test('gone or not running: forgotten; a node that registers, a spec change or a pool all Ready start the count over', () => {
    const prior = {
      failures: 2,
      generation: 1,
      last: 'i-0: no bootstrap output',
      waiting: [{ instanceId: 'i-1', since: iso(T0) }],
    };
    expect(
      planRegistration({
        prior,
        members: [
          { instanceId: 'i-1', ready: true, running: true },
          { instanceId: 'i-2', ready: false, running: true },
        ],
        now: T0,
        timeoutMs: M,
        generation: 1,
      }).status.failures,
    ).toBeUndefined();
    expect(
      planRegistration({
        prior,
        members: [{ instanceId: 'i-3', ready: false, running: false }],
        now: T0,
        timeoutMs: M,
        generation: 2,
      }).status,
    ).toEqual({});
    expect(
      planRegistration({
        prior,
        members: [{ instanceId: 'i-3', ready: false, running: false }],
        now: T0,
        timeoutMs: M,
        generation: 1,
      }).status,
    ).toEqual({ failures: 2, generation: 1, last: 'i-0: no bootstrap output' });
    expect(
      planRegistration({
        prior,
        members: [{ instanceId: 'i-4', ready: true, running: true }],
        now: T0,
        timeoutMs: M,
        generation: 1,
      }).status,
    ).toEqual({});
  });

  test('Degraded at three in a row, with the last story', () => {
    expect(registrationProblem({ failures: 2, last: 'x' }, '15s')).toBeUndefined();
    expect(
      registrationProblem(
        { failures: 3, last: 'i-9: its bootstrap failed at step pre-user-data (exit 7)' },
        '15s',
      ),
    ).toBe(
      '3 instances in a row did not become Ready nodes within 15s; the last, i-9: its bootstrap failed at step pre-user-data (exit 7)',
    );
  });
});
