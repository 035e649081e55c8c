import { describe, expect, test } from '@jest/globals';
import {
  conditionsEqual,
  getCondition,
  isTrue,
  metaTime,
  removeCondition,
  setCondition,
} from './conditions.js';

const t0 = Date.parse('2026-03-01T10:00:00.700Z');
const t1 = t0 + 60_000;

describe('conditions', () => {
  test('a new condition gets lastTransitionTime now (whole seconds) and the observed generation', () => {
    const c = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'Provisioning', message: 'x' },
      { now: t0, observedGeneration: 3 },
    );
    expect(c).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Provisioning',
        message: 'x',
        lastTransitionTime: '2026-03-01T10:00:00Z',
        observedGeneration: 3,
      },
    ]);
  });

  test('same status: reason, message and generation change, lastTransitionTime does not', () => {
    const a = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'A', message: 'a' },
      { now: t0, observedGeneration: 1 },
    );
    const b = setCondition(
      a,
      { type: 'Ready', status: 'False', reason: 'B', message: 'b' },
      { now: t1, observedGeneration: 2 },
    );
    expect(getCondition(b, 'Ready')).toMatchObject({
      reason: 'B',
      message: 'b',
      observedGeneration: 2,
      lastTransitionTime: metaTime(t0),
    });
    expect(a[0]!.reason).toBe('A'); // input untouched
  });

  test('a flip moves lastTransitionTime; other conditions are kept in place', () => {
    let c = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'A', message: '' },
      { now: t0 },
    );
    c = setCondition(
      c,
      { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
      { now: t0 },
    );
    c = setCondition(c, { type: 'Ready', status: 'True', reason: 'Ready', message: '' }, { now: t1 });
    expect(c.map((x) => x.type)).toEqual(['Ready', 'Degraded']);
    expect(getCondition(c, 'Ready')?.lastTransitionTime).toBe(metaTime(t1));
    expect(getCondition(c, 'Degraded')?.lastTransitionTime).toBe(metaTime(t0));
    expect(isTrue(c, 'Ready')).toBe(true);
    expect(isTrue(c, 'Degraded')).toBe(false);
    expect(removeCondition(c, 'Ready').map((x) => x.type)).toEqual(['Degraded']);
  });

  test('conditionsEqual ignores order and sees any field change', () => {
    const a = setCondition(
      setCondition(undefined, { type: 'A', status: 'True', reason: 'R', message: '' }, { now: t0 }),
      { type: 'B', status: 'True', reason: 'R', message: '' },
      { now: t0 },
    );
    expect(conditionsEqual(a, [...a].reverse())).toBe(true);
    expect(
      conditionsEqual(
        a,
        setCondition(a, { type: 'A', status: 'True', reason: 'R', message: 'changed' }, { now: t1 }),
      ),
    ).toBe(false);
    expect(conditionsEqual(a, a.slice(1))).toBe(false);
  });
});
