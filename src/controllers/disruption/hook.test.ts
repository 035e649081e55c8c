import { describe, expect, test } from '@jest/globals';
import { HOOK_LIMITS, planHeartbeat } from './hook.js';

const H = 3600_000;
const M = 60_000;

describe('planHeartbeat', () => {
  test('nothing while the hook has more than 15 minutes left', () => {
    expect(planHeartbeat({ since: 0, heartbeats: 0, deadline: H }, 30 * M)).toEqual({ kind: 'wait' });
  });
  test('a heartbeat of an hour when less than 15 minutes are left', () => {
    expect(planHeartbeat({ since: 0, heartbeats: 0, deadline: H }, 50 * M)).toEqual({
      kind: 'beat',
      timeoutSeconds: 3600,
      deadline: 50 * M + H,
      heartbeats: 1,
    });
  });
  test('never past 6 hours in all (less a 5 minute margin)', () => {
    const p = planHeartbeat({ since: 0, heartbeats: 5, deadline: 5 * H + 10 * M }, 5 * H);
    expect(p).toEqual({ kind: 'beat', timeoutSeconds: 55 * 60, deadline: 6 * H - 5 * M, heartbeats: 6 });
  });
  test('exhausted at the 6 hour bound: ESS goes on at the deadline', () => {
    expect(planHeartbeat({ since: 0, heartbeats: 6, deadline: 6 * H - 5 * M }, 6 * H - 10 * M)).toEqual({
      kind: 'exhausted',
      deadline: 6 * H - 5 * M,
    });
  });
  test('exhausted after 20 heartbeats', () => {
    expect(
      planHeartbeat({ since: 0, heartbeats: HOOK_LIMITS.heartbeats, deadline: 2 * H }, 2 * H - M),
    ).toMatchObject({ kind: 'exhausted' });
  });
  test('a whole blocked drain: 5 heartbeats take the wait to just under 6 hours, never more than 20', () => {
    let s = { since: 0, heartbeats: 0, deadline: H };
    let beats = 0;
    for (let t = 0; t < 7 * H; t += M) {
      const p = planHeartbeat(s, t);
      if (p.kind === 'beat') {
        beats++;
        s = { since: 0, heartbeats: p.heartbeats, deadline: p.deadline };
      }
    }
    expect(beats).toBeLessThanOrEqual(HOOK_LIMITS.heartbeats);
    expect(s.deadline).toBeLessThanOrEqual(6 * H);
    expect(s.deadline).toBeGreaterThan(5.5 * H);
  });
});
