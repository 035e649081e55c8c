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

/** Heap space V8 holds but does not use (bytes): what a burst of work grew and a normal collection keeps. */
export function heapSlack(heap: { heapTotal: number; heapUsed: number }): number {
  return Math.max(0, heap.heapTotal - heap.heapUsed);
}

/**
 * Gives back what bursts of work left behind, in the background: every `intervalMs` (default 15 s), when the
 * heap holds at least `slackBytes` (default 48 MB) it does not use, `releaseMemory()`. A reconcile burst (a
 * thousand Nodes joining, fifty pools created) grows V8's heap well past what stays live, and without memory
 * pressure V8 keeps it resident; at rest the check finds little slack and costs nothing. Returns the stop
 * function. `sample` and `release` are for tests.
 */
export function startMemoryRelease(opts: {
  clock: Clock;
  intervalMs?: number;
  slackBytes?: number;
  sample?: () => { heapTotal: number; heapUsed: number };
  release?: () => boolean;
  onRelease?: (slackBytes: number) => void;
}): () => void {
  const interval = opts.intervalMs ?? 15_000;
  const threshold = opts.slackBytes ?? 48 * 1024 * 1024;
  const sample = opts.sample ?? (() => process.memoryUsage());
  const release = opts.release ?? releaseMemory;
  let timer: Timer | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    const slack = heapSlack(sample());
    if (slack >= threshold && release()) opts.onRelease?.(slack);
    timer = opts.clock.setTimeout(tick, interval);
  };
  timer = opts.clock.setTimeout(tick, interval);
  return () => {
    stopped = true;
    opts.clock.clearTimeout(timer);
  };
}
