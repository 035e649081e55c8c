import { describe, expect, it } from '@jest/globals';
import { mayActNow, windowState, type MaintenanceWindowSpec } from './window.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

describe('windowState', () => {
  // Sat and Sun 02:00-06:00 in Shanghai (UTC+8, no daylight saving) = Fri/Sat 18:00-22:00 UTC
  const shanghai: MaintenanceWindowSpec = {
    days: ['Sat', 'Sun'],
    start: '02:00',
    duration: '4h',
    timeZone: 'Asia/Shanghai',
  };
  // Sat 23:00 for 3h in New York: crosses midnight into Sunday; daylight saving in March and November
  const newYork: MaintenanceWindowSpec = {
    days: ['Sat'],
    start: '23:00',
    duration: '3h',
    timeZone: 'America/New_York',
  };
  const utcDaily: MaintenanceWindowSpec = {
    days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
    start: '00:00',
    duration: '24h',
  };

  const cases: {
    name: string;
    windows: MaintenanceWindowSpec[];
    now: string;
    open: boolean;
    change: string | undefined;
  }[] = [
    // prettier-ignore
    { name: 'inside, in the zone of the window', windows: [shanghai], now: '2026-12-05T19:00:00Z', open: true, change: '2026-12-05T22:00:00.000Z' },
    {
      name: 'just before it opens',
      windows: [shanghai],
      now: '2026-12-04T17:59:59Z',
      open: false,
      change: '2026-12-04T18:00:00.000Z',
    },
    {
      name: 'at the closing instant it is closed',
      windows: [shanghai],
      now: '2026-12-04T22:00:00Z',
      open: false,
      change: '2026-12-05T18:00:00.000Z',
    },
    {
      name: 'on a weekday: next Saturday 02:00 local',
      windows: [shanghai],
      now: '2026-12-07T12:00:00Z',
      open: false,
      change: '2026-12-11T18:00:00.000Z',
    },
    {
      name: 'runs past midnight into the next day (winter, UTC-5)',
      windows: [newYork],
      now: '2026-12-06T05:30:00Z',
      open: true,
      change: '2026-12-06T07:00:00.000Z',
    },
    {
      name: 'summer time moves the instant (UTC-4)',
      windows: [newYork],
      now: '2026-07-05T03:30:00Z',
      open: true,
      change: '2026-07-05T06:00:00.000Z',
    },
    {
      name: 'summer: an hour before it opens',
      windows: [newYork],
      now: '2026-07-05T02:30:00Z',
      open: false,
      change: '2026-07-05T03:00:00.000Z',
    },
    {
      name: 'the earliest of several windows',
      windows: [shanghai, newYork],
      now: '2026-12-07T12:00:00Z',
      open: false,
      change: '2026-12-11T18:00:00.000Z',
    },
    {
      name: 'a daily 24h window is always open, closing at the latest end',
      windows: [utcDaily],
      now: '2026-12-07T12:00:00Z',
      open: true,
      change: '2026-12-08T00:00:00.000Z',
    },
    {
      name: 'no windows given to windowState: never open',
      windows: [],
      now: '2026-12-07T12:00:00Z',
      open: false,
      change: undefined,
    },
  ];
  it.each(cases)('$name', ({ windows, now, open, change }) => {
    const s = windowState(windows, at(now));
    expect(s.open).toBe(open);
    expect(iso(s.open ? s.closesAt : s.opensAt)).toBe(change);
  });

  it('a window that opens while one is open keeps it open until the later end', () => {
    const a: MaintenanceWindowSpec = { days: ['Mon'], start: '01:00', duration: '2h' };
    const b: MaintenanceWindowSpec = { days: ['Mon'], start: '02:00', duration: '3h' };
    const s = windowState([a, b], at('2026-12-07T02:30:00Z'));
    expect(s).toEqual({ open: true, closesAt: at('2026-12-07T05:00:00Z') });
  });
});

describe('mayActNow', () => {
  it('no windows: always', () => {
    expect(mayActNow(undefined, 0).open).toBe(true);
    expect(mayActNow([], 0).open).toBe(true);
  });
  it('windows: only inside one', () => {
    const w: MaintenanceWindowSpec[] = [{ days: ['Mon'], start: '10:00', duration: '1h' }];
    expect(mayActNow(w, at('2026-12-07T10:30:00Z')).open).toBe(true);
    expect(mayActNow(w, at('2026-12-07T11:30:00Z')).open).toBe(false);
  });
});
