import type { Clock, Timer } from '../../runtime/clock.js';

/**
 * Gathers pending pods into batches (Karpenter's batcher): the first trigger opens a batch; it closes when no
 * trigger came for `idleMs`, or `maxMs` after it opened, whichever is first; then `onBatch` runs once. Triggers
 * during `onBatch` open the next batch. Pods arriving together are decided together (better packing), and no
 * pod waits longer than `maxMs` for its decision to start.
 */
export class Batcher {
  private openedAt: number | undefined;
  private idleTimer: Timer | undefined;
  private maxTimer: Timer | undefined;
  private stopped = false;

  constructor(private readonly opts: { idleMs: number; maxMs: number; clock: Clock; onBatch: () => void }) {}

  /** A pod became pending (or something that changes the decision happened). */
  trigger(): void {
    if (this.stopped) return;
    const c = this.opts.clock;
    if (this.openedAt === undefined) {
      this.openedAt = c.monotonic();
      this.maxTimer = c.setTimeout(() => this.close(), this.opts.maxMs);
    }
    if (this.idleTimer !== undefined) c.clearTimeout(this.idleTimer);
    this.idleTimer = c.setTimeout(() => this.close(), this.opts.idleMs);
  }

  /** Whether a batch is open (gathering). */
  get open(): boolean {
    return this.openedAt !== undefined;
  }

  private close(): void {
    const c = this.opts.clock;
    if (this.idleTimer !== undefined) c.clearTimeout(this.idleTimer);
    if (this.maxTimer !== undefined) c.clearTimeout(this.maxTimer);
    this.idleTimer = this.maxTimer = this.openedAt = undefined;
    if (!this.stopped) this.opts.onBatch();
  }

  stop(): void {
    this.stopped = true;
    const c = this.opts.clock;
    if (this.idleTimer !== undefined) c.clearTimeout(this.idleTimer);
    if (this.maxTimer !== undefined) c.clearTimeout(this.maxTimer);
  }
}
