/**
 * Coalesces lookups of many callers into few cloud reads. A caller's key is answered by a read that starts
 * after it asked (never by one already under way: what it looks for may have been written just before), so
 * the answer is as fresh as a read of its own would be. Keys asked while a read runs wait for the next one,
 * which takes them all (split into reads of at most `maxKeys`).
 */
export class NextFlight<V> {
  private waiting = new Map<
    string,
    { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]
  >();
  private flying = false;
  private scheduled = false;

  constructor(
    /** Reads the keys; the answer has an entry for each key found. */
    private readonly read: (keys: string[]) => Promise<Map<string, V>>,
    private readonly maxKeys = Infinity,
  ) {}

  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(key);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flying || this.scheduled) return;
    this.scheduled = true;
    // the callers of this turn of the event loop go together
    setImmediate(() => {
      this.scheduled = false;
      void this.fly();
    });
  }

  private async fly(): Promise<void> {
    if (this.flying || this.waiting.size === 0) return;
    this.flying = true;
    const batch = this.waiting;
    this.waiting = new Map();
    const keys = [...batch.keys()];
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += Math.min(this.maxKeys, keys.length))
      chunks.push(keys.slice(i, i + this.maxKeys));
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          const found = await this.read(chunk);
          for (const k of chunk) for (const w of batch.get(k) ?? []) w.resolve(found.get(k));
        } catch (err) {
          for (const k of chunk) for (const w of batch.get(k) ?? []) w.reject(err);
        }
      }),
    );
    this.flying = false;
    if (this.waiting.size > 0) this.schedule();
  }
}
