import type { CloudProvider } from '../../cloud/provider.js';
import { CLUSTER_TAG, POOL_TAG } from '../../cloud/types.js';
import { nodeNameOf, type MemberInstance } from './approval.js';

/** How long one read of a pool's members answers every CSR of that pool (a scale-out's nodes ask at once). */
export const MEMBER_CACHE_MS = 5_000;
/**
 * A name the remembered members lack is read again once the answer is this old: a booting instance asks for
 * its certificate moments after it is listed, and should not wait a whole MEMBER_CACHE_MS for it.
 */
export const MEMBER_MISS_REFRESH_MS = 1_000;
const MAX_ENTRIES = 1_000;

/** The pool as the member lookup needs it. */
export interface MemberPool {
  name: string;
  region: string;
  customNodeName?: { prefix: string; suffix?: string | undefined } | undefined;
  scalingGroupId?: string | undefined;
}

export type MemberCloud = Pick<CloudProvider, 'listPoolInstances' | 'findInstancesByTags'>;

interface Entry {
  /** When the read started (operator clock, ms). */
  at: number;
  done: boolean;
  value: Promise<MemberInstance[]>;
}

/** Whether a remembered answer may serve a lookup for `want` (pure: the cache's whole policy). */
export function reusable(
  e: { at: number; done: boolean } | undefined,
  hasWant: boolean | undefined,
  now: number,
  ttlMs = MEMBER_CACHE_MS,
  missRefreshMs = MEMBER_MISS_REFRESH_MS,
): boolean {
  if (!e) return false;
  const age = now - e.at;
  if (!e.done || age < missRefreshMs) return true; // under way, or just read: share it
  return age < ttlMs && hasWant === true;
}

/**
 * A pool's member instances for the CSR approver, remembered for a few seconds: its scaling group's members
 * (DescribeScalingInstances joined with ECS) and, when the claimed name is not among them, the instances
 * tagged with the cluster and the pool (launched, not attached yet). Concurrent lookups share one read; a
 * lookup whose name the remembered answer lacks reads again once that answer is MEMBER_MISS_REFRESH_MS old;
 * a failed read is not remembered. The reads go through the operator's one rate-limited cloud client.
 */
export class PoolMemberCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly cloud: MemberCloud,
    private readonly now: () => number,
    private readonly clusterId: string | undefined,
  ) {}

  async members(pool: MemberPool, want: string): Promise<MemberInstance[]> {
    const has = (ms: readonly MemberInstance[]) =>
      ms.some((m) => m.privateIp !== undefined && nodeNameOf(pool, m.privateIp) === want);
    const groupId = pool.scalingGroupId;
    const inGroup = groupId
      ? await this.read(`group:${groupId}`, has, () => this.cloud.listPoolInstances(groupId))
      : [];
    const clusterId = this.clusterId;
    if (has(inGroup) || !clusterId) return inGroup;
    const tagged = await this.read(`tagged:${pool.name}`, has, () =>
      this.cloud.findInstancesByTags({ [CLUSTER_TAG]: clusterId, [POOL_TAG]: pool.name }),
    );
    return [...inGroup, ...tagged];
  }

  private async read(
    key: string,
    has: (ms: readonly MemberInstance[]) => boolean,
    fn: () => Promise<MemberInstance[]>,
  ): Promise<MemberInstance[]> {
    const e = this.entries.get(key);
    const known = e?.done ? await e.value : undefined;
    if (reusable(e, known && has(known), this.now())) return e!.value;
    const latest = this.entries.get(key); // another lookup may have read again meanwhile
    if (latest !== e && reusable(latest, undefined, this.now())) return latest!.value;
    return this.start(key, fn);
  }

  private start(key: string, fn: () => Promise<MemberInstance[]>): Promise<MemberInstance[]> {
    const at = this.now();
    const entry: Entry = { at, done: false, value: fn() };
    this.entries.set(key, entry);
    entry.value.then(
      () => (entry.done = true),
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    if (this.entries.size > MAX_ENTRIES)
      for (const [k, x] of this.entries) if (x.done && at - x.at >= MEMBER_CACHE_MS) this.entries.delete(k);
    return entry.value;
  }
}
