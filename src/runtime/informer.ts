import type { z } from 'zod';
import {
  GoneError,
  resourceName,
  type KubeClient,
  type RawWatchEvent,
  type ResourceRef,
} from '../kube/index.js';
import type { Logger } from '../log.js';
import { backoffDelay } from './backoff.js';
import { systemClock, type Clock, type Timer } from './clock.js';
import { objectKey, type KeyedObject } from './keys.js';
import { releaseMemory } from './memory.js';
import type { RuntimeMetrics } from './metrics.js';
import type { EventHandler, EventSource } from './source.js';

/** An index function: the values under which an object is found (e.g. a Node's providerID). */
export type IndexFunc<T> = (obj: T) => readonly string[];

export interface InformerOptions<T extends KeyedObject> {
  client: KubeClient;
  ref: ResourceRef;
  /**
   * Parses each object at the edge. A `z.object` schema also trims: fields it does not name are dropped, which
   * is what keeps 50,000 Pods small.
   */
  schema: z.ZodType<T>;
  /** Runs after the schema (e.g. to drop more, or to intern strings). */
  transform?: (obj: T) => T;
  logger: Logger;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc<T>>;
  /** Every this many ms, each handler gets `update(obj, obj)` for every object (the safety net). 0 = never. */
  resyncPeriodMs?: number;
  /** Page size of the initial list and of relists (default 500, as client-go). */
  pageSize?: number;
  /**
   * After a list of more than one page, run a memory-reducing GC so the process gives back what building the
   * cache made V8 grow (default true; see memory.ts).
   */
  releaseMemoryAfterList?: boolean;
  /** Restart backoff after errors (default 500 ms doubling to 30 s, jittered). */
  backoff?: { initialMs: number; maxMs: number };
  /** The server ends each watch after a random 5–10 min (as client-go); override for tests. */
  watchTimeoutSeconds?: () => number;
  /**
   * The watchdog: a watch that delivers nothing (no event, no bookmark) for this long is presumed dead and
   * restarted (default 150 s; the API server sends a bookmark about once a minute).
   */
  staleAfterMs?: number;
  clock?: Clock;
  metrics?: RuntimeMetrics;
}

interface Index<T> {
  fn: IndexFunc<T>;
  byValue: Map<string, Set<string>>;
}

/** What the informer has done, for logs, health and tests. */
export interface InformerStats {
  /** Complete lists (the initial one and relists). */
  lists: number;
  /** List pages fetched (a 50,000-object list at 500 a page is 100). */
  listPages: number;
  relistsAfterGone: number;
  watches: number;
  errors: number;
  staleRestarts: number;
  lastError: string | undefined;
}

/**
 * A supervised list-watch cache of one kind: paged initial list, watch with bookmarks from the list's
 * resourceVersion, relist on 410 Gone, restart with jittered backoff after any other error, a staleness
 * watchdog, `hasSynced`, the old object on updates, indexes, a periodic resync, and a schema that trims what
 * it keeps. It never stops by itself: only `stop()` ends it.
 */
export class Informer<T extends KeyedObject> implements EventSource<T> {
  readonly name: string;
  readonly stats: InformerStats = {
    lists: 0,
    listPages: 0,
    relistsAfterGone: 0,
    watches: 0,
    errors: 0,
    staleRestarts: 0,
    lastError: undefined,
  };
  private readonly opts: InformerOptions<T>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly store = new Map<string, T>();
  private readonly indexes = new Map<string, Index<T>>();
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly stopper = new AbortController();
  private resourceVersion: string | undefined;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private loop: Promise<void> | undefined;
  private resyncTimer: Timer | undefined;
  private lastActivity = 0;

  constructor(opts: InformerOptions<T>) {
    this.opts = opts;
    this.name = resourceName(opts.ref);
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ informer: this.name });
    for (const [name, fn] of Object.entries(opts.indexers ?? {}))
      this.indexes.set(name, { fn, byValue: new Map() });
  }

  /** Start listing and watching in the background (idempotent). */
  start(): this {
    this.loop ??= this.run();
    this.scheduleResync();
    return this;
  }

  /** Stop watching; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.clock.clearTimeout(this.resyncTimer);
    for (const w of this.syncWaiters.splice(0)) w();
    await this.loop;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted || this.stopper.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (): void => resolve(this.synced);
      this.syncWaiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  addEventHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    for (const obj of this.store.values()) handler.add?.(obj);
    return () => this.handlers.delete(handler);
  }

  /** The cached object under `key` (`namespace/name` or `name`). */
  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  keys(): string[] {
    return [...this.store.keys()];
  }

  get size(): number {
    return this.store.size;
  }

  /** Add an index (before or after start: existing objects are indexed at once). */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexes.has(name)) return;
    const idx: Index<T> = { fn, byValue: new Map() };
    this.indexes.set(name, idx);
    for (const [key, obj] of this.store) {
      for (const v of fn(obj)) {
        let set = idx.byValue.get(v);
        if (!set) idx.byValue.set(v, (set = new Set()));
        set.add(key);
      }
    }
  }

  /** Objects whose index function returned `value`. */
  byIndex(index: string, value: string): T[] {
    const idx = this.indexes.get(index);
    if (!idx) throw new Error(`informer ${this.name} has no index ${index}`);
    const keys = idx.byValue.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.store.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** The values an index holds (e.g. every providerID). */
  indexValues(index: string): string[] {
    const idx = this.indexes.get(index);
    if (!idx) throw new Error(`informer ${this.name} has no index ${index}`);
    return [...idx.byValue.keys()];
  }

  /** The resourceVersion the cache is at (from the last list, event or bookmark). */
  get lastResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  private get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  private async run(): Promise<void> {
    let failures = 0;
    let gonesWhileListing = 0;
    const backoff = this.opts.backoff ?? { initialMs: 500, maxMs: 30_000 };
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) {
          await this.relist();
          failures = 0;
          gonesWhileListing = 0;
        }
        const started = this.clock.monotonic();
        const events = await this.watchOnce();
        if (events > 0) failures = 0;
        else if (this.clock.monotonic() - started < 1000 && !this.stopped) {
          // a watch the server ends at once, with nothing in it: back off rather than spin
          throw new Error('the watch ended immediately');
        }
      } catch (err) {
        if (this.stopped) break;
        this.stats.lastError = err instanceof Error ? err.message : String(err);
        if (err instanceof GoneError) {
          this.stats.relistsAfterGone++;
          this.opts.metrics?.informerRestart(this.name, 'gone');
          this.log.info(
            {
              resourceVersion: this.resourceVersion,
              during: this.resourceVersion === undefined ? 'list' : 'watch',
            },
            'resourceVersion or continue token expired (410 Gone); relisting',
          );
          // a list whose continue token keeps expiring (pages slower than the server's compaction) backs off
          if (this.resourceVersion === undefined && ++gonesWhileListing > 1) {
            await this.clock.sleep(backoffDelay(gonesWhileListing - 1, backoff), this.stopper.signal);
          }
          this.resourceVersion = undefined;
          continue;
        }
        failures++;
        this.stats.errors++;
        this.opts.metrics?.informerRestart(this.name, 'error');
        const delay = backoffDelay(failures, backoff);
        this.log.warn(
          { err: this.stats.lastError, attempt: failures, retryInMs: Math.round(delay) },
          'list/watch failed; retrying',
        );
        await this.clock.sleep(delay, this.stopper.signal);
      }
    }
  }

  private parse(raw: unknown): T | undefined {
    const r = this.opts.schema.safeParse(raw);
    if (!r.success) {
      const meta = (raw as { metadata?: { name?: string; namespace?: string } } | undefined)?.metadata;
      this.log.warn(
        {
          object: meta?.namespace ? `${meta.namespace}/${meta.name}` : meta?.name,
          issues: r.error.issues.slice(0, 3),
        },
        'object does not match the schema; ignored',
      );
      return undefined;
    }
    return this.opts.transform ? this.opts.transform(r.data) : r.data;
  }

  /**
   * A full, paged list (client-go's reflector: `limit` + `continue`). Each page is parsed, trimmed by the schema
   * and merged into the cache before the next is asked for, so no whole-collection response, and no second copy
   * of the cache, ever exists: objects are upserted as their page arrives (add / update to handlers) and, once
   * the last page is in, cached objects the list did not contain are removed (delete). An expired continue
   * token answers 410 Gone, which the run loop turns into a fresh list. A list of more than one page ends with
   * `releaseMemory()` (see memory.ts) unless `releaseMemoryAfterList` is false.
   */
  private async relist(): Promise<void> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv: string | undefined;
    let pages = 0;
    do {
      const page = (await this.opts.client.list(
        this.opts.ref,
        {
          namespace: this.opts.namespace,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          limit: this.opts.pageSize ?? 500,
          continue: cont,
        },
        this.stopper.signal,
      )) as { items?: unknown[]; metadata?: { continue?: string; resourceVersion?: string } };
      if (this.stopped) return;
      pages++;
      this.stats.listPages++;
      const items = page.items ?? [];
      for (let i = 0; i < items.length; i++) {
        const obj = this.parse(items[i]);
        items[i] = undefined; // the raw object is garbage from here on
        if (!obj) continue;
        const key = objectKey(obj);
        seen.add(key);
        this.upsert(key, obj);
      }
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (cont && !this.stopped);
    if (this.stopped) return;
    this.stats.lists++;
    for (const [key, old] of this.store) {
      if (!seen.has(key)) this.remove(key, old);
    }
    this.opts.metrics?.informerSize(this.name, this.store.size);
    this.resourceVersion = rv ?? '0';
    this.log.debug({ objects: seen.size, pages, resourceVersion: rv }, 'listed');
    if (pages > 1 && this.opts.releaseMemoryAfterList !== false) releaseMemory();
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** One watch, until the server ends it, the watchdog cuts it, or stop(); returns how many events it carried. */
  private async watchOnce(): Promise<number> {
    let events = 0;
    const watchAbort = new AbortController();
    const onStop = (): void => watchAbort.abort();
    this.stopper.signal.addEventListener('abort', onStop, { once: true });
    const staleAfter = this.opts.staleAfterMs ?? 150_000;
    let stale = false;
    let watchdog: Timer | undefined;
    this.lastActivity = this.clock.monotonic();
    const arm = (ms: number): void => {
      watchdog = this.clock.setTimeout(() => {
        const idle = this.clock.monotonic() - this.lastActivity;
        if (idle >= staleAfter) {
          stale = true;
          watchAbort.abort();
        } else arm(staleAfter - idle);
      }, ms);
    };
    arm(staleAfter);
    const timeoutSeconds = this.opts.watchTimeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 300);
    this.stats.watches++;
    try {
      await this.opts.client.watch(
        this.opts.ref,
        {
          namespace: this.opts.namespace,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds,
        },
        (e) => {
          events++;
          this.onWatchEvent(e);
        },
        watchAbort.signal,
      );
    } finally {
      this.clock.clearTimeout(watchdog);
      this.stopper.signal.removeEventListener('abort', onStop);
    }
    if (stale && !this.stopped) {
      this.stats.staleRestarts++;
      this.opts.metrics?.informerRestart(this.name, 'stale');
      this.log.warn({ idleMs: staleAfter }, 'watch delivered nothing for too long; restarting it');
    }
    return events;
  }

  private onWatchEvent(e: RawWatchEvent): void {
    this.lastActivity = this.clock.monotonic();
    const rv = (e.object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (e.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const obj = this.parse(e.object);
    if (obj) {
      const key = objectKey(obj);
      if (e.type === 'DELETED') {
        const old = this.store.get(key);
        if (old) this.remove(key, old, obj);
      } else this.upsert(key, obj);
    } else if (e.type === 'DELETED') {
      try {
        const key = objectKey(e.object);
        const old = this.store.get(key);
        if (old) this.remove(key, old);
      } catch {
        // no name: nothing to remove
      }
    }
    if (rv) this.resourceVersion = rv;
    this.opts.metrics?.informerSize(this.name, this.store.size);
  }

  private upsert(key: string, obj: T): void {
    const old = this.store.get(key);
    if (old && rvOf(old) !== undefined && rvOf(old) === rvOf(obj)) return; // unchanged (a relist)
    this.store.set(key, obj);
    this.reindex(key, old, obj);
    for (const h of this.handlers) {
      try {
        if (old) h.update?.(old, obj);
        else h.add?.(obj);
      } catch (err) {
        this.log.error({ err }, 'event handler failed');
      }
    }
  }

  private remove(key: string, old: T, last?: T): void {
    this.store.delete(key);
    this.reindex(key, old, undefined);
    for (const h of this.handlers) {
      try {
        h.delete?.(last ?? old);
      } catch (err) {
        this.log.error({ err }, 'event handler failed');
      }
    }
  }

  private reindex(key: string, old: T | undefined, obj: T | undefined): void {
    for (const idx of this.indexes.values()) {
      if (old) {
        for (const v of idx.fn(old)) {
          const set = idx.byValue.get(v);
          set?.delete(key);
          if (set?.size === 0) idx.byValue.delete(v);
        }
      }
      if (obj) {
        for (const v of idx.fn(obj)) {
          let set = idx.byValue.get(v);
          if (!set) idx.byValue.set(v, (set = new Set()));
          set.add(key);
        }
      }
    }
  }

  private scheduleResync(): void {
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period <= 0 || this.stopped || this.resyncTimer) return;
    const tick = (): void => {
      if (this.stopped) return;
      if (this.synced) {
        for (const obj of this.store.values()) {
          for (const h of this.handlers) {
            try {
              h.update?.(obj, obj);
            } catch (err) {
              this.log.error({ err }, 'event handler failed');
            }
          }
        }
      }
      this.resyncTimer = this.clock.setTimeout(tick, period);
    };
    this.resyncTimer = this.clock.setTimeout(tick, period);
  }
}

function rvOf(o: KeyedObject): string | undefined {
  return (o.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
}
