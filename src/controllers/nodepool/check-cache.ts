/**
 * What a pool's cloud-side references resolved to (its image id, its security groups found valid), kept per
 * pool for one version of its spec: the same spec is not checked against the cloud on every reconcile, but
 * again after `recheckMs`, so drift on the cloud side (an image deleted, a security group changed) is still
 * found within that bound. Only successful checks are kept: a pool whose references are wrong is checked on
 * every reconcile until they are fixed.
 */
export class CheckCache<T> {
  private readonly entries = new Map<string, { version: string; value: T; dueAt: number }>();

  /**
   * `spread`: each entry is due again after between (1 − spread) × recheckMs and recheckMs, at random, so that
   * pools created together are not all checked again in the same minute.
   */
  constructor(
    private readonly recheckMs: number,
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
    private readonly spread = 0.25,
  ) {}

  /** The value checked for this version of the pool's spec, unless it is due to be checked again. */
  get(pool: string, version: string): T | undefined {
    const e = this.entries.get(pool);
    if (!e || e.version !== version) return undefined;
    if (this.now() >= e.dueAt) return undefined;
    return e.value;
  }

  set(pool: string, version: string, value: T): void {
    const dueAt = this.now() + this.recheckMs * (1 - this.spread * this.random());
    this.entries.set(pool, { version, value, dueAt });
  }

  /** Forget a pool's checks (deleted, or the cloud refused what was checked). */
  forget(pool: string): void {
    this.entries.delete(pool);
  }

  get size(): number {
    return this.entries.size;
  }
}
