/** A timer handle returned by a Clock; pass it back to `clearTimeout`. */
export interface Timer {
  readonly id: number;
}

/**
 * Time as the runtime sees it. Controllers and runtime parts take a Clock instead of calling `Date.now()` or
 * `setTimeout`, so tests drive time with a FakeClock.
 */
export interface Clock {
  /** Wall-clock time in milliseconds since the epoch (for timestamps written to the API). */
  now(): number;
  /** Monotonic milliseconds from an arbitrary origin (for durations and expiry; never jumps). */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
  /** Resolves after `ms`, or at once (resolving, not rejecting) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

let nextId = 1;

/** The real clock: Date.now, performance.now and unref'd timers (a pending timer never keeps the process up). */
export class SystemClock implements Clock {
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const id = nextId++;
    const t = setTimeout(
      () => {
        this.timers.delete(id);
        fn();
      },
      Math.max(0, ms),
    );
    t.unref();
    this.timers.set(id, t);
    return { id };
  }

  clearTimeout(timer: Timer | undefined): void {
    if (!timer) return;
    const t = this.timers.get(timer.id);
    if (t) clearTimeout(t);
    this.timers.delete(timer.id);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

/** `sleep` in terms of a clock's timers; shared by the system and fake clocks. */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: Clock = new SystemClock();
