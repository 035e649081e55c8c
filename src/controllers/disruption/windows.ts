import type { WEEKDAYS } from '../../apis/v1beta1/index.js';
import { describeWindows, windowState } from './maintenance/window.js';

/** A weekly maintenance window as the API has it (`maintenance.windows[]` of a ManagedNodePool). */
export interface Window {
  readonly days: readonly (typeof WEEKDAYS)[number][];
  /** HH:MM, 24-hour, in `timeZone`. */
  readonly start: string;
  /** A Go duration, 1h to 24h. */
  readonly duration: string;
  readonly timeZone?: string | undefined;
}

/**
 * Whether `at` is inside one of the windows (none: always), and otherwise when the next one opens (ms) and which
 * (for the preview's `MaintenanceWindow` blocker). A window that starts on one of its days may run past midnight;
 * daylight saving is honoured (`maintenance/window.ts`, the one implementation of the windows' times).
 */
export function inWindow(
  windows: readonly Window[] | undefined,
  at: number,
): { open: true } | { open: false; opensAt: number; window: string } {
  if (!windows || windows.length === 0 || windowState(windows, at).open) return { open: true };
  let best: { opensAt: number; window: string } | undefined;
  for (const w of windows) {
    for (const d of w.days) {
      const one = windowState([{ ...w, days: [d] }], at);
      if (one.open || one.opensAt === undefined || (best && best.opensAt <= one.opensAt)) continue;
      best = { opensAt: one.opensAt, window: describeWindows([{ ...w, days: [d] }]) };
    }
  }
  // every window has a day, so one opens within the week
  return { open: false, opensAt: best!.opensAt, window: best!.window };
}
