import { describe, expect, it } from '@jest/globals';
import { planSystemEvents, type EventTarget, type PoolSystemEvent } from './plan.js';

const MIN = 60_000;
const NOW = 1_000 * MIN;
const s = { leadMs: 5 * MIN, marginMs: 5 * MIN };

const ev = (
  id: string,
  instanceId: string,
  type: string,
  inMin: number,
  status = 'Scheduled',
): PoolSystemEvent => ({
  eventId: id,
  instanceId,
  type,
  status,
  notBefore: NOW + inMin * MIN,
});
const targets = new Map<string, EventTarget>([
  ['i-a', { node: 'a', chargeType: 'PostPaid', disrupting: false }],
  ['i-b', { node: 'b', chargeType: 'PrePaid', disrupting: false }],
  ['i-c', { node: 'c', chargeType: 'PostPaid', disrupting: true }],
  ['i-d', { chargeType: 'PostPaid', disrupting: false }],
]);

describe('planSystemEvents', () => {
  it.each([
    [
      'SystemMaintenance.Reboot, 30 min ahead: replaced first',
      ev('e1', 'i-a', 'SystemMaintenance.Reboot', 30),
      'replace',
    ],
    [
      'SystemFailure.Delete, 30 min ahead: replaced first',
      ev('e1', 'i-a', 'SystemFailure.Delete', 30),
      'replace',
    ],
    [
      'exactly lead + margin ahead: still replaced first',
      ev('e1', 'i-a', 'SystemFailure.Redeploy', 10),
      'replace',
    ],
    [
      'too close (9 min, lead 5 + margin 5): drained at once',
      ev('e1', 'i-a', 'SystemMaintenance.Redeploy', 9),
      'drain-now',
    ],
    [
      'already executing: drained at once',
      ev('e1', 'i-a', 'InstanceFailure.Reboot', 60, 'Executing'),
      'drain-now',
    ],
    ['Subscription expiry: a warning', ev('e1', 'i-b', 'InstanceExpiration.Stop', 60), 'warn'],
    ['account overdue: a warning', ev('e1', 'i-a', 'AccountUnbalanced.Delete', 60), 'warn'],
  ])('%s', (_name, e, action) => {
    const out = planSystemEvents([e], targets, s, NOW);
    expect(out.map((o) => o.action)).toEqual([action]);
    expect(out[0]!.reason).toContain(e.eventId);
  });

  it('the deadline is notBefore less the margin', () => {
    const [a] = planSystemEvents([ev('e1', 'i-a', 'SystemMaintenance.Reboot', 30)], targets, s, NOW);
    expect(a).toMatchObject({ node: 'a', deadline: NOW + 25 * MIN });
  });

  it('nothing for a node already being disrupted, an instance without a Node, or another pool’s instance', () => {
    const out = planSystemEvents(
      [
        ev('e1', 'i-c', 'SystemFailure.Delete', 30),
        ev('e2', 'i-d', 'SystemFailure.Delete', 30),
        ev('e3', 'i-x', 'SystemFailure.Delete', 30),
      ],
      targets,
      s,
      NOW,
    );
    expect(out).toEqual([]);
  });

  it('two events on one instance: one action, for the earliest', () => {
    const out = planSystemEvents(
      [ev('late', 'i-a', 'SystemMaintenance.Reboot', 90), ev('soon', 'i-a', 'SystemFailure.Delete', 30)],
      targets,
      s,
      NOW,
    );
    expect(out.map((o) => o.event.eventId)).toEqual(['soon']);
  });

  it('an unknown event type is left alone', () => {
    expect(planSystemEvents([ev('e1', 'i-a', 'Something.New', 30)], targets, s, NOW)).toEqual([]);
  });
});
