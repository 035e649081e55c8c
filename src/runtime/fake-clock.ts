import { sleepOn, type Clock, type Timer } from './clock.js';

interface Pending {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told (`advance`). Timers fire in due order, each with `now()` set to its due
 * time. For unit tests of anything that takes a Clock.
 */
export class FakeClock implements Clock {
  private t: number;
  private mono = 0;
  private seq = 0;
  private nextId = 1;
  private pending: Pending[] = [];

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const id = this.nextId++;
    this.pending.push({ id, at: this.mono + Math.max(0, ms), seq: this.seq++, fn });
    return { id };
  }

  clearTimeout(timer: Timer | undefined): void {
    if (timer) this.pending = this.pending.filter((p) => p.id !== timer.id);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Timers not yet fired. */
  get timerCount(): number {
    return this.pending.length;
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order (timers they set fire too). */
  advance(ms: number): void {
    const end = this.mono + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending) {
        if (p.at <= end && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      }
      if (!next) break;
      const fire = next;
      this.pending = this.pending.filter((p) => p !== fire);
      this.t += fire.at - this.mono;
      this.mono = fire.at;
      fire.fn();
    }
    this.t += end - this.mono;
    this.mono = end;
  }

  /** Advance by `ms` and let promise callbacks run between timer firings. */
  async tick(ms = 0): Promise<void> {
    await flush();
    this.advance(ms);
    await flush();
  }
}

/** Let queued promise callbacks run (several turns of the microtask queue and one macrotask). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}
