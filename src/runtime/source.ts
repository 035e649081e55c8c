/** Callbacks an event source calls; `update` gets the old object too. */
export interface EventHandler<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

/** Anything a controller can watch: an informer, or a test double that is a real in-memory source. */
export interface EventSource<T> {
  /** Register handlers; the returned function removes them. Objects already known are replayed as adds. */
  addEventHandler(handler: EventHandler<T>): () => void;
  /** True once the first full list has been delivered. */
  hasSynced(): boolean;
  /** Resolves when synced, or when `signal` aborts (then `hasSynced()` may still be false). */
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  /** A name for logs and errors (e.g. `v1/nodes`). */
  readonly name: string;
}
