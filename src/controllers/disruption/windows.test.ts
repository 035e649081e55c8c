import { describe, expect, test } from '@jest/globals';
import { inWindow, type Window } from './windows.js';

// 2026-03-07 is a Saturday
const at = (iso: string) => Date.parse(iso);
const sat = (start: string, duration: string, timeZone?: string): Window => ({
  days: ['Sat'],
  start,
  duration,
  timeZone,
});

describe('inWindow', () => {
  test.each([
    ['no window: always open', undefined, '2026-03-07T12:00:00Z', true],
    ['inside (UTC)', [sat('10:00', '4h')], '2026-03-07T12:00:00Z', true],
    ['before it', [sat('13:00', '4h')], '2026-03-07T12:00:00Z', false],
    ['its end is outside', [sat('08:00', '4h')], '2026-03-07T12:00:00Z', false],
    [
      'in its time zone: Sat 01:00 Shanghai is Fri 17:00 UTC',
      [sat('01:00', '3h', 'Asia/Shanghai')],
      '2026-03-06T18:00:00Z',
      true,
    ],
    [
      'past midnight: Sat 22:00 for 4h is open on Sunday 01:00',
      [sat('22:00', '4h')],
      '2026-03-08T01:00:00Z',
      true,
    ],
    [
      'another day',
      [{ days: ['Mon', 'Tue'], start: '00:00', duration: '24h' }],
      '2026-03-07T12:00:00Z',
      false,
    ],
  ] as const)('%s', (_n, windows, now, open) => {
    expect(inWindow(windows, at(now)).open).toBe(open);
  });

  test('when closed: when the next one opens, and which', () => {
    const r = inWindow(
      [sat('13:00', '4h'), { days: ['Sun'], start: '02:00', duration: '4h', timeZone: 'Asia/Shanghai' }],
      at('2026-03-07T12:00:00Z'),
    );
    expect(r).toEqual({ open: false, opensAt: at('2026-03-07T13:00:00Z'), window: 'Sat 13:00 for 4h (UTC)' });
    const r2 = inWindow([sat('13:00', '4h')], at('2026-03-07T12:00:30Z'));
    expect(r2).toMatchObject({ opensAt: at('2026-03-07T13:00:00Z') });
  });
});
