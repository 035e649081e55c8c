import { describe, expect, test } from '@jest/globals';
import { Annotation } from '../../apis/v1beta1/constants.js';
import type { Node } from '../../kube/index.js';
import { allowedDisruptions, budgetLimit, isDisrupting, type Budget } from './budget.js';

describe('budgetLimit', () => {
  const cases: [Budget | undefined, number, number][] = [
    ['10%', 10, 1],
    ['10%', 11, 2], // 1.1 rounds up
    ['10%', 1, 1], // a budget above 0 allows one node of a non-empty pool
    ['10%', 0, 0],
    ['50%', 5, 3],
    ['100%', 7, 7],
    ['0%', 50, 0],
    [0, 50, 0],
    [3, 50, 3],
    [3, 2, 2], // a count is capped at the pool's size
    ['3', 50, 3], // a count written as a string
    [undefined, 30, 3], // the default: 10%
    [undefined, 5, 1],
  ];
  test.each(cases)('budget %p of a pool of %p nodes allows %p', (budget, size, allowed) => {
    expect(budgetLimit(budget, size)).toBe(allowed);
  });

  test.each(['101%', '-1', 'ten', '1.5', ''])('refuses %p', (budget) => {
    expect(() => budgetLimit(budget, 10)).toThrow(RangeError);
  });
  test('refuses a negative or fractional count', () => {
    expect(() => budgetLimit(-1, 10)).toThrow(RangeError);
    expect(() => budgetLimit(1.5, 10)).toThrow(RangeError);
  });
});

function node(name: string, annotations: Record<string, string> = {}, deleting = false): Node {
  return {
    metadata: { name, annotations, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  };
}

describe('allowedDisruptions', () => {
  test('the budget minus the nodes already disrupting (cordoned by us, draining, deleting), never negative', () => {
    const pool = [
      node('a', { [Annotation.cordoned]: 'true' }),
      node('b', { [Annotation.drainStarted]: '2026-01-01T00:00:00Z' }),
      node('c', {}, true),
      node('d', { [Annotation.cordoned]: 'false' }),
      ...Array.from({ length: 16 }, (_, i) => node(`n${i}`)),
    ];
    expect(pool.filter(isDisrupting).map((n) => n.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(allowedDisruptions('25%', pool)).toBe(2); // 5 of 20, 3 taken
    expect(allowedDisruptions(2, pool)).toBe(0);
    expect(allowedDisruptions(undefined, pool)).toBe(0); // 10% of 20 = 2 < 3
  });
});
