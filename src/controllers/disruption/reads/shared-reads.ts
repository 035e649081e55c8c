import type { CloudProvider } from '../../../cloud/provider.js';
import type { SystemEventInfo } from '../../../cloud/types.js';

/** How long one read of system events or spot locks serves every pool (operator clock, ms). */
export const SHARED_READ_MS = 30_000;
/** A pool not heard of for this many intervals is dropped from the batched reads (deleted, or automation off). */
const FORGET_AFTER = 5;

interface Snapshot<T> {
  at: number;
  covered: Set<string>;
  items: T[];
}

/**
 * One batched read per interval for many pools. Each pool says which instance ids it needs; when the snapshot
 * is older than the interval, ONE read for the ids of every pool refreshes it (concurrent callers share it);
 * ids a fresh snapshot does not cover yet (a new member, a new pool) are read alone and merged in.
 */
class BatchedRead<T extends { instanceId: string }> {
  private readonly wanted = new Map<string, { ids: readonly string[]; seen: number }>();
  private snapshot: Snapshot<T> | undefined;
  private flight: Promise<void> | undefined;

  constructor(
    private readonly read: (ids: readonly string[]) => Promise<T[]>,
    private readonly now: () => number,
    private readonly intervalMs: number,
  ) {}

  /** The items of these ids, from a snapshot at most one interval old; `at`: when it was read. */
  async get(pool: string, ids: readonly string[]): Promise<{ items: T[]; at: number }> {
    const now = this.now();
    this.wanted.set(pool, { ids, seen: now });
    for (const [k, w] of this.wanted)
      if (now - w.seen > FORGET_AFTER * this.intervalMs) this.wanted.delete(k);
    if (!this.snapshot || now - this.snapshot.at >= this.intervalMs) await this.refresh();
    const snap = this.snapshot!;
    const missing = ids.filter((id) => !snap.covered.has(id));
    if (missing.length > 0) {
      const more = await this.read(missing);
      for (const id of missing) snap.covered.add(id);
      snap.items.push(...more);
    }
    const mine = new Set(ids);
    return { items: snap.items.filter((x) => mine.has(x.instanceId)), at: snap.at };
  }

  private refresh(): Promise<void> {
    this.flight ??= (async () => {
      try {
        const all = [...new Set([...this.wanted.values()].flatMap((w) => w.ids))].sort();
        const at = this.now();
        const items = all.length > 0 ? await this.read(all) : [];
        this.snapshot = { at, covered: new Set(all), items };
      } finally {
        this.flight = undefined;
      }
    })();
    return this.flight;
  }
}

/** A spot instance the cloud is reclaiming: the `Recycling` operation lock, and when it was first seen. */
export interface ReclaimingInstance {
  instanceId: string;
  /** When the read that first showed the lock was made (ms, operator clock). */
  firstSeen: number;
}

/**
 * The cloud reads the automation methods share across pools (one per controller): the active ECS system events
 * of the pools' instances (DescribeInstanceHistoryEvents, `ResourceId.N` up to 100 per call, Scheduled /
 * Executing / Inquiring) and the spot reclamation notices (DescribeInstances' `Recycling` operation lock, 100 ids
 * per call) — each one batched read per SHARED_READ_MS for every pool, not one per pool per reconcile.
 */
export class SharedReads {
  private readonly events: BatchedRead<SystemEventInfo>;
  private readonly locks: BatchedRead<{ instanceId: string; reclaiming: boolean }>;
  /** When each instance was first seen reclaiming (ms): the notice's start, as well as the operator can tell. */
  private readonly firstSeen = new Map<string, number>();

  constructor(
    cloud: Pick<CloudProvider, 'systemEvents' | 'describeInstances'>,
    now: () => number,
    intervalMs = SHARED_READ_MS,
  ) {
    this.events = new BatchedRead((ids) => cloud.systemEvents(ids), now, intervalMs);
    this.locks = new BatchedRead(
      async (ids) =>
        (await cloud.describeInstances(ids)).map((i) => ({
          instanceId: i.instanceId,
          reclaiming: i.locks.includes('Recycling'),
        })),
      now,
      intervalMs,
    );
  }

  /** Active system events of a pool's instances. */
  async systemEvents(pool: string, ids: readonly string[]): Promise<SystemEventInfo[]> {
    return (await this.events.get(pool, ids)).items;
  }

  /** A pool's spot instances the cloud is reclaiming. */
  async reclaiming(pool: string, ids: readonly string[]): Promise<ReclaimingInstance[]> {
    const { items, at } = await this.locks.get(pool, ids);
    const out: ReclaimingInstance[] = [];
    for (const x of items) {
      if (!x.reclaiming) continue;
      const first = this.firstSeen.get(x.instanceId) ?? at;
      this.firstSeen.set(x.instanceId, first);
      out.push({ instanceId: x.instanceId, firstSeen: first });
    }
    if (this.firstSeen.size > 10_000) this.firstSeen.delete(this.firstSeen.keys().next().value!);
    return out;
  }
}
