import { describe, expect, it } from '@jest/globals';
import { maxUnhealthyOf, planRepair, type RepairNode, type RepairSettings } from './plan.js';

const MIN = 60_000;
const NOW = 100 * MIN;
const settings: RepairSettings = {
  notReadyTimeoutMs: 10 * MIN,
  maxUnhealthy: '20%',
  allowReboot: false,
  rebootGraceMs: 5 * MIN,
};

function node(name: string, over: Partial<RepairNode> = {}): RepairNode {
  return {
    name,
    instanceId: `i-${name}`,
    unhealthySince: undefined,
    wasReady: true,
    disrupting: false,
    ...over,
  };
}
const healthy = (n: number): RepairNode[] => Array.from({ length: n }, (_, i) => node(`ok${i}`));

describe('maxUnhealthyOf', () => {
  it.each([
    ['20%', 10, 2],
    ['20%', 3, 1], // rounds up, like the budget: a small pool may still repair one node
    [2, 10, 2],
    ['0', 10, 0],
    [undefined, 10, 2], // the default 20%
  ] as const)('%s of %d nodes = %d', (m, size, want) => {
    expect(maxUnhealthyOf(m, size)).toBe(want);
  });
});

describe('planRepair', () => {
  it('a node unhealthy past notReadyTimeout is replaced (no reboot allowed)', () => {
    const p = planRepair(
      [...healthy(9), node('a', { unhealthySince: NOW - 11 * MIN, problem: 'Ready=Unknown' })],
      settings,
      NOW,
    );
    expect(p.actions).toEqual([
      {
        action: 'replace',
        node: 'a',
        instanceId: 'i-a',
        reason: expect.stringContaining('Ready=Unknown for 660s'),
      },
    ]);
    expect(p.heldBack).toBeUndefined();
  });

  it('not yet due: nothing now, and the time it falls due', () => {
    const p = planRepair([...healthy(9), node('a', { unhealthySince: NOW - 4 * MIN })], settings, NOW);
    expect(p.actions).toEqual([]);
    expect(p.nextAt).toBe(NOW + 6 * MIN);
  });

  it('more unhealthy than maxUnhealthy: nothing at all, and why', () => {
    const sick = ['a', 'b', 'c'].map((n) => node(n, { unhealthySince: NOW - 30 * MIN }));
    const p = planRepair([...healthy(7), ...sick], settings, NOW); // 3 of 10 > 20% (2)
    expect(p.actions).toEqual([]);
    expect(p.heldBack).toEqual({
      unhealthy: 3,
      limit: 2,
      message: expect.stringContaining('3 of 10 nodes are unhealthy'),
    });
  });

  it('exactly maxUnhealthy unhealthy: repaired, oldest first', () => {
    const sick = [
      node('b', { unhealthySince: NOW - 20 * MIN }),
      node('a', { unhealthySince: NOW - 30 * MIN }),
    ];
    const p = planRepair([...healthy(8), ...sick], settings, NOW);
    expect(p.actions.map((a) => a.node)).toEqual(['a', 'b']);
  });

  it('a node that never became Ready is not repair’s business (registration), nor counted', () => {
    const p = planRepair(
      [...healthy(1), node('new', { wasReady: false, unhealthySince: NOW - 60 * MIN })],
      settings,
      NOW,
    );
    expect(p.actions).toEqual([]);
    expect(p.unhealthy).toBe(0);
  });

  it('a node already being disrupted is left to the engine', () => {
    const p = planRepair(
      [...healthy(9), node('a', { unhealthySince: NOW - 30 * MIN, disrupting: true })],
      settings,
      NOW,
    );
    expect(p.actions).toEqual([]);
  });

  describe('with allowReboot', () => {
    const s = { ...settings, allowReboot: true };
    it('first a reboot', () => {
      const p = planRepair([...healthy(9), node('a', { unhealthySince: NOW - 11 * MIN })], s, NOW);
      expect(p.actions.map((a) => a.action)).toEqual(['reboot']);
    });
    it('rebooted, within its grace: wait until the grace runs out', () => {
      const p = planRepair(
        [...healthy(9), node('a', { unhealthySince: NOW - 15 * MIN, rebootedAt: NOW - 2 * MIN })],
        s,
        NOW,
      );
      expect(p.actions).toEqual([]);
      expect(p.nextAt).toBe(NOW + 3 * MIN);
    });
    it('rebooted and still unhealthy after the grace: replaced', () => {
      const p = planRepair(
        [...healthy(9), node('a', { unhealthySince: NOW - 20 * MIN, rebootedAt: NOW - 6 * MIN })],
        s,
        NOW,
      );
      expect(p.actions).toEqual([
        expect.objectContaining({ action: 'replace', reason: expect.stringContaining('after a reboot') }),
      ]);
    });
    it('a reboot from an earlier episode does not count: rebooted again', () => {
      const p = planRepair(
        [...healthy(9), node('a', { unhealthySince: NOW - 11 * MIN, rebootedAt: NOW - 60 * MIN })],
        s,
        NOW,
      );
      expect(p.actions.map((a) => a.action)).toEqual(['reboot']);
    });
  });
});
