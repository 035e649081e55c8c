import { sleepOn, type Clock, type Timer } from '../../runtime/clock.js';

/**
 * The simulated clock: simulated time runs `scale` times faster than wall time (1 = real time; tests and
 * benchmarks use 50–200). Timers are in simulated milliseconds.
 */
export class SimClock {
  private baseSim: number;
  private baseWall: number;
  private scaleFactor: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(opts: { scale?: number; start?: number } = {}) {
    this.scaleFactor = opts.scale ?? 1;
    if (!(this.scaleFactor > 0)) throw new Error('the time scale must be a positive number');
    this.baseWall = Date.now();
    this.baseSim = opts.start ?? this.baseWall;
  }

  get scale(): number {
    return this.scaleFactor;
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.baseSim + (Date.now() - this.baseWall) * this.scaleFactor;
  }

  /** Changes the speed from now on (pending timers keep their wall-clock deadlines). */
  setScale(scale: number): void {
    if (!(scale > 0)) throw new Error('the time scale must be a positive number');
    this.baseSim = this.now();
    this.baseWall = Date.now();
    this.scaleFactor = scale;
  }

  /** Runs `fn` after `simMs` simulated milliseconds; returns a cancel function. */
  after(simMs: number, fn: () => void): () => void {
    if (this.stopped) return () => undefined;
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.max(0, simMs / this.scaleFactor),
    );
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  /** Runs `fn` every `simMs` simulated milliseconds until cancelled or stopped. */
  every(simMs: number, fn: () => void): () => void {
    let cancel: () => void = () => undefined;
    let live = true;
    const tick = (): void => {
      if (!live) return;
      fn();
      cancel = this.after(simMs, tick);
    };
    cancel = this.after(simMs, tick);
    return () => {
      live = false;
      cancel();
    };
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Cancels every timer; no new ones start. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** ECS time format in responses: `2026-11-22T21:52Z`. */
export function ecsTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}

/** ISO 8601 with seconds: `2026-11-22T21:52:07Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/**
 * The operator on the simulator's time (a runtime `Clock`): `now` is simulated time and timers run `scale` times
 * faster, so the operator's deadlines (a system event's NotBefore, a spot notice, requeues) line up with the
 * simulated cloud's. For tests and benchmarks that compress hours; the API server's own timestamps stay in wall
 * time, so nothing that compares them with `now` (a Node condition's age: repair) runs on it.
 */
export function runtimeClockOf(sim: SimClock): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let next = 1;
  const clock: Clock = {
    now: () => sim.now(),
    monotonic: () => sim.now(),
    setTimeout(fn: () => void, ms: number): Timer {
      const id = next++;
      const t = setTimeout(
        () => {
          timers.delete(id);
          fn();
        },
        Math.max(0, ms / sim.scale),
      );
      t.unref();
      timers.set(id, t);
      return { id };
    },
    clearTimeout(timer: Timer | undefined): void {
      if (!timer) return;
      clearTimeout(timers.get(timer.id));
      timers.delete(timer.id);
    },
    sleep: (ms: number, signal?: AbortSignal) => sleepOn(clock, ms, signal),
  };
  return clock;
}
