/**
 * What a pool's cloud-side references resolved to (its image id, its security groups found valid), kept per
 * pool for one version of its spec: the same spec is not checked against the cloud on every reconcile, but
 * again after `recheckMs`, so drift on the cloud side (an image deleted, a security group changed) is still
 * found within that bound. Only successful checks are kept: a pool whose references are wrong is checked on
 * every reconcile until they are fixed.
 */
export class CheckCache<T> {
  private readonly entries = new Map<string, { version: string; value: T; checkedAt: number }>();

  constructor(
    private readonly recheckMs: number,
    private readonly now: () => number,
  ) {}

  /** The value checked for this version of the pool's spec, unless older than the re-check interval. */
  get(pool: string, version: string): T | undefined {
    const e = this.entries.get(pool);
    if (!e || e.version !== version) return undefined;
    if (this.now() - e.checkedAt >= this.recheckMs) return undefined;
    return e.value;
  }

  set(pool: string, version: string, value: T): void {
    this.entries.set(pool, { version, value, checkedAt: this.now() });
  }

  /** Forget a pool's checks (deleted, or the cloud refused what was checked). */
  forget(pool: string): void {
    this.entries.delete(pool);
  }

  get size(): number {
    return this.entries.size;
  }
}
