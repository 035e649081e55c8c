/** The drain timeout of a pool that sets none. */
export const DEFAULT_DRAIN_TIMEOUT = '15m';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A Go-style duration of the API (`90s`, `15m`, `1h30m`, `500ms`; the pattern `([0-9]{1,6}(ms|s|m|h))+`) in
 * milliseconds. Throws RangeError for anything else.
 */
export function parseDuration(text: string): number {
  if (!/^(\d{1,6}(ms|s|m|h))+$/.test(text)) {
    throw new RangeError(`${JSON.stringify(text)} is not a duration like 90s, 15m or 1h30m`);
  }
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h)/g))
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return total;
}

/** A pool's `disruption.drainTimeout` (default 15m) in milliseconds. */
export function drainTimeoutMs(drainTimeout: string | undefined): number {
  return parseDuration(drainTimeout ?? DEFAULT_DRAIN_TIMEOUT);
}
