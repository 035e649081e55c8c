import { describe, expect, it } from '@jest/globals';
import { planRotation, scaled, type RotationNode, type RotationSettings } from './plan.js';

function nodes(n: number, version: string, over: Partial<RotationNode> = {}): RotationNode[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `${version}-${i}`,
    version,
    created: i,
    disrupting: false,
    rotating: false,
    ready: true,
    ...over,
  }));
}
const base: RotationSettings = { target: 'v2', maxSurge: 1, maxUnavailable: 0, budgetLeft: 10 };

describe('scaled', () => {
  it.each([
    [1, 10, true, 1],
    ['10%', 15, true, 2],
    ['10%', 15, false, 1],
    ['25%', 3, false, 0],
    ['3', 10, false, 3],
  ] as const)('%s of %d (round up %s) = %d', (v, size, up, want) => {
    expect(scaled(v, size, up)).toBe(want);
  });
});

describe('planRotation', () => {
  it('all on target: nothing', () => {
    expect(planRotation(nodes(3, 'v2'), base)).toEqual({ commands: [], outdated: 0 });
  });

  it('maxSurge 1, maxUnavailable 0: one node at a time, its replacement Ready first, the oldest first', () => {
    const p = planRotation(nodes(3, 'v1'), base);
    expect(p.commands).toEqual([
      { node: 'v1-0', replacementsFirst: true, reason: "runs v1, the pool's target is v2" },
    ]);
    expect(p.outdated).toBe(3);
  });

  it('one rotation in flight uses the surge: the rest wait and say why', () => {
    const ns = nodes(3, 'v1');
    ns[0] = { ...ns[0]!, rotating: true, disrupting: true };
    const p = planRotation(ns, base);
    expect(p.commands).toEqual([]);
    expect(p.waiting).toContain('1 rotation(s) in flight');
  });

  it('maxSurge 10% of 100 nodes with maxUnavailable 5: 10 surge + 5 drained first', () => {
    const p = planRotation(nodes(100, 'v1'), {
      ...base,
      maxSurge: '10%',
      maxUnavailable: 5,
      budgetLeft: 100,
    });
    expect(p.commands.filter((c) => c.replacementsFirst)).toHaveLength(10);
    expect(p.commands.filter((c) => !c.replacementsFirst)).toHaveLength(5);
  });

  it('the disruption budget caps it', () => {
    const p = planRotation(nodes(100, 'v1'), { ...base, maxSurge: '10%', budgetLeft: 3 });
    expect(p.commands).toHaveLength(3);
  });

  it('budget used up: nothing, and why', () => {
    const p = planRotation(nodes(5, 'v1'), { ...base, budgetLeft: 0 });
    expect(p).toMatchObject({ commands: [], waiting: 'the disruption budget is used up' });
  });

  it('an unready node eats maxUnavailable: only surge rotations start', () => {
    const ns = [...nodes(4, 'v1'), ...nodes(1, 'v2', { ready: false })];
    const p = planRotation(ns, { ...base, maxSurge: 1, maxUnavailable: 1 });
    expect(p.commands).toEqual([expect.objectContaining({ replacementsFirst: true })]);
  });

  it('nodes being disrupted for another reason are not picked', () => {
    const ns = nodes(2, 'v1');
    ns[0] = { ...ns[0]!, disrupting: true };
    expect(planRotation(ns, base).commands.map((c) => c.node)).toEqual(['v1-1']);
  });
});
