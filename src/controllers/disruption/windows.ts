import { WEEKDAYS, goDurationMs } from '../../apis/v1beta1/index.js';

/** A weekly maintenance window as the API has it (`maintenance.windows[]` of a ManagedNodePool). */
export interface Window {
  readonly days: readonly (typeof WEEKDAYS)[number][];
  /** HH:MM, 24-hour, in `timeZone`. */
  readonly start: string;
  /** A Go duration, 1h to 24h. */
  readonly duration: string;
  readonly timeZone?: string | undefined;
}

const WEEK_MIN = 7 * 1440;

/** Minutes since Monday 00:00 of `at` in a time zone. */
function minuteOfWeek(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(at)); // prettier-ignore
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  const day = WEEKDAYS.indexOf(get('weekday') as (typeof WEEKDAYS)[number]);
  return day * 1440 + Number(get('hour')) * 60 + Number(get('minute'));
}

/**
 * Whether `at` is inside one of the windows (none: always), and otherwise when the next one opens (ms) and which
 * (for the preview's `MaintenanceWindow` blocker). A window that starts on one of its days may run past midnight.
 */
export function inWindow(
  windows: readonly Window[] | undefined,
  at: number,
): { open: true } | { open: false; opensAt: number; window: string } {
  if (!windows || windows.length === 0) return { open: true };
  let best: { inMin: number; window: string } | undefined;
  for (const w of windows) {
    const tz = w.timeZone ?? 'UTC';
    const now = minuteOfWeek(at, tz);
    const [h, m] = w.start.split(':').map(Number) as [number, number];
    const length = goDurationMs(w.duration) / 60_000;
    for (const d of w.days) {
      const start = WEEKDAYS.indexOf(d) * 1440 + h * 60 + m;
      const since = (((now - start) % WEEK_MIN) + WEEK_MIN) % WEEK_MIN;
      if (since < length) return { open: true };
      const until = WEEK_MIN - since;
      if (!best || until < best.inMin)
        best = { inMin: until, window: `${d} ${w.start} for ${w.duration} (${tz})` };
    }
  }
  // minute resolution: counted from the start of the current minute
  return {
    open: false,
    opensAt: Math.floor(at / 60_000) * 60_000 + best!.inMin * 60_000,
    window: best!.window,
  };
}
