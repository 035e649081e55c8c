import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Clock, Timer } from './clock.js';

/** V8's `gc` extension (the function `--expose-gc` installs), with the options it takes. */
type GcFunction = (options?: {
  type?: 'major' | 'minor';
  execution?: 'sync' | 'async';
  flavor?: 'regular' | 'last-resort';
}) => void;

let gcFn: GcFunction | null | undefined;

/**
 * The process's `gc` function: the global one when node runs with `--expose-gc`, else one obtained the usual
 * way for a running process (turn the flag on, take `gc` from a fresh context, turn it off again). `null` if
 * neither works.
 */
function collector(): GcFunction | null {
  if (gcFn !== undefined) return gcFn;
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return (gcFn = global as GcFunction);
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    gcFn = typeof fn === 'function' ? (fn as GcFunction) : null;
  } catch {
    gcFn = null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return gcFn;
}

/**
 * Give memory that a burst of allocation left behind back to the operating system: a full, memory-reducing
 * collection (V8's "last resort" GC: what it does under memory pressure), which also shrinks the young
 * generation V8 grew during the burst and returns the freed pages. Like Go's `debug.FreeOSMemory()`.
 *
 * The informer calls it after a big list (the initial sync of 50,000 Pods): building the cache makes V8 grow its
 * young generation to its maximum (2 × 64 MB on a 64-bit node 24) because everything kept survives, and without
 * memory pressure V8 keeps those pages resident for good. One call takes ~0.1–0.5 s on a 100 MB heap.
 * Returns false when no collector can be had.
 */
export function releaseMemory(): boolean {
  const gc = collector();
  if (!gc) return false;
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return true;
}

/**
 * One full, regular collection (mark-compact of both generations): what piled up in the old generation goes,
 * without the memory-reducing collection's repeated passes. Returns false when no collector can be had.
 */
export function collectGarbage(): boolean {
  const gc = collector();
  if (!gc) return false;
  gc({ type: 'major', execution: 'sync' });
  return true;
}

/** Heap space V8 holds but does not use (bytes): what a burst of work grew and a normal collection keeps. */
export function heapSlack(heap: { heapTotal: number; heapUsed: number }): number {
  return Math.max(0, heap.heapTotal - heap.heapUsed);
}

/** Why `startMemoryRelease` collected: the heap held unused space, or its garbage had grown. */
export type ReleaseReason = 'slack' | 'garbage';

/**
 * Keeps the heap near what is live, in the background (a pacer like Go's GOGC, on top of V8's own): every
 * `intervalMs` (default 3 s) the heap is sampled, and
 *
 * - `releaseMemory()` runs when the heap holds at least `slackBytes` (default 24 MB) it does not use (`slack`:
 *   what a burst grew V8's heap by — its young generation, pages freed by its own collections — which without
 *   memory pressure it keeps);
 * - `collectGarbage()` runs when the heap in use has grown `garbageBytes` (default 16 MB) past what was live
 *   after the last collection (`garbage`): short-lived objects a busy spell promotes (parsed listings, reconcile copies) pile up in the old
 *   generation, and V8 lets them grow to about twice the live set before it collects them by itself. During a
 *   rotation's rounds the operator's live heap stays near 60–70 MB while its heap in use climbed to 130–160 MB
 *   between V8's collections: that was the resident set's peak, not anything kept.
 *
 * At rest nothing grows, the check costs one `process.memoryUsage()` and nothing is collected. A busy spell pays
 * one full collection (~50–100 ms at a 70 MB heap) per `garbageBytes` it allocates for keeps. Returns the stop
 * function. `sample`, `release` and `collect` are for tests.
 */
export function startMemoryRelease(opts: {
  clock: Clock;
  intervalMs?: number;
  slackBytes?: number;
  garbageBytes?: number;
  sample?: () => { heapTotal: number; heapUsed: number };
  release?: () => boolean;
  collect?: () => boolean;
  onRelease?: (bytes: number, reason: ReleaseReason) => void;
}): () => void {
  const interval = opts.intervalMs ?? 3_000;
  const slackLimit = opts.slackBytes ?? 24 * 1024 * 1024;
  const garbageLimit = opts.garbageBytes ?? 16 * 1024 * 1024;
  const sample = opts.sample ?? (() => process.memoryUsage());
  const release = opts.release ?? releaseMemory;
  const collect = opts.collect ?? collectGarbage;
  let timer: Timer | undefined;
  let stopped = false;
  // the heap in use after the last collection seen: ours, or V8's own (in use went down)
  let live: number | undefined;
  const tick = (): void => {
    if (stopped) return;
    const heap = sample();
    live = Math.min(live ?? heap.heapUsed, heap.heapUsed);
    const slack = heapSlack(heap);
    const garbage = heap.heapUsed - live;
    const reason: ReleaseReason | undefined =
      garbage >= garbageLimit ? 'garbage' : slack >= slackLimit ? 'slack' : undefined;
    if (reason && (reason === 'garbage' ? collect() : release())) {
      live = sample().heapUsed;
      opts.onRelease?.(reason === 'garbage' ? garbage : slack, reason);
    }
    timer = opts.clock.setTimeout(tick, interval);
  };
  timer = opts.clock.setTimeout(tick, interval);
  return () => {
    stopped = true;
    opts.clock.clearTimeout(timer);
  };
}
