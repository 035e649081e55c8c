/** Exponential backoff with full jitter in [d/2, d]: `initialMs · 2^(attempt-1)` capped at `maxMs`. */
export function backoffDelay(
  attempt: number,
  opts: { initialMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const d = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, attempt - 1));
  return d / 2 + (random() * d) / 2;
}
