import { parseDuration } from '../duration.js';

/** A weekly maintenance window as the API holds it (`maintenance.windows[]`). */
export interface MaintenanceWindowSpec {
  days: readonly ('Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun')[];
  /** `HH:MM`, 24-hour, in `timeZone`. */
  start: string;
  /** A Go duration, 1h to 24h. */
  duration: string;
  /** An IANA time zone (default UTC). */
  timeZone?: string | undefined;
}

/** Whether voluntary automation may act at an instant, and when that changes. */
export type WindowState =
  | { open: true; /** When the window that is open now closes (ms). */ closesAt: number }
  | {
      open: false;
      /** When the next window opens (ms); undefined only for an empty list. */ opensAt?: number;
    };

const DAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const DAY_MS = 86_400_000;

/** Formatters are costly to build; one per time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a time zone, as a UTC timestamp of those fields. */
function wallClock(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const { year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The zone's offset from UTC at an instant (ms; east positive). */
function offsetAt(ms: number, timeZone: string): number {
  return wallClock(Math.floor(ms / 1000) * 1000, timeZone) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock time (given as the UTC timestamp of its fields) happens in a zone. A time skipped by a
 * daylight-saving jump resolves to the instant after the jump; a repeated one to its first occurrence.
 */
function instantOf(wall: number, timeZone: string): number {
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  const earlier = wall - offsetAt(guess - 3_600_000, timeZone);
  return wallClock(earlier, timeZone) === wall && earlier < guess ? earlier : guess;
}

/** The window's occurrences (start, end in ms) whose local start day is within [fromDay, toDay] of `ms`. */
function occurrences(
  w: MaintenanceWindowSpec,
  ms: number,
  fromDay: number,
  toDay: number,
): [number, number][] {
  const zone = w.timeZone ?? 'UTC';
  const [hh, mm] = w.start.split(':').map(Number) as [number, number];
  const length = parseDuration(w.duration);
  const days = new Set(w.days.map((d) => DAY_INDEX[d]));
  const today = Math.floor(wallClock(ms, zone) / DAY_MS) * DAY_MS;
  const out: [number, number][] = [];
  for (let d = fromDay; d <= toDay; d++) {
    const day = today + d * DAY_MS;
    if (!days.has(new Date(day).getUTCDay())) continue;
    const start = instantOf(day + hh * 3_600_000 + mm * 60_000, zone);
    out.push([start, start + length]);
  }
  return out;
}

/**
 * Whether any of the windows is open at `nowMs`, and when that changes. No windows (or none given) means "at any
 * time", which callers check before calling: an empty list here is never open. Windows are weekly, start at a
 * wall-clock time of their own time zone (daylight saving honoured) and last their duration (≤ 24h), so a window
 * starting late on a listed day runs into the next.
 */
export function windowState(windows: readonly MaintenanceWindowSpec[], nowMs: number): WindowState {
  let closesAt: number | undefined;
  let opensAt: number | undefined;
  for (const w of windows) {
    for (const [start, end] of occurrences(w, nowMs, -1, 8)) {
      if (start <= nowMs && nowMs < end) closesAt = Math.max(closesAt ?? end, end);
      else if (start > nowMs) opensAt = Math.min(opensAt ?? start, start);
    }
  }
  if (closesAt !== undefined) return { open: true, closesAt };
  return opensAt === undefined ? { open: false } : { open: false, opensAt };
}

/** Whether voluntary automation may act now: no windows means always; else one of them must be open. */
export function mayActNow(windows: readonly MaintenanceWindowSpec[] | undefined, nowMs: number): WindowState {
  if (!windows || windows.length === 0) return { open: true, closesAt: Number.POSITIVE_INFINITY };
  return windowState(windows, nowMs);
}

/** The windows for a human: `Sat,Sun 02:00 for 4h (Asia/Shanghai)`, joined by `; `. */
export function describeWindows(windows: readonly MaintenanceWindowSpec[]): string {
  return windows
    .map((w) => `${w.days.join(',')} ${w.start} for ${w.duration} (${w.timeZone ?? 'UTC'})`)
    .join('; ');
}
