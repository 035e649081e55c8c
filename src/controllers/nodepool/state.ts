import type { PoolInstance } from '../../cloud/types.js';
import { CheckCache } from './check-cache.js';
import type { EnsureKnown } from './scalinggroup/plan.js';

/** How long a pool's image and security groups, checked against the cloud, are trusted for the same spec. */
export const CLOUD_RECHECK_MS = 5 * 60_000;

/**
 * Everything the pool controller keeps per pool between reconciles, in one place with one `forget`: caches
 * that save cloud calls (each re-checked within CLOUD_RECHECK_MS, so the cloud stays the truth) and pacing.
 * Nothing here is needed for correctness: a restarted operator starts with it empty and reads the cloud.
 * State that must survive a restart (registration timeouts, drains, disruption commands) lives in the pool's
 * status or on its Nodes, never here.
 */
export class PoolStates {
  /** Image and security groups checked per pool and spec version (check-cache.ts). */
  readonly cloudChecks: CheckCache<string>;
  /** vSwitch zones, instance families and a Custom image's OS checked per pool and spec version (validation/). */
  readonly cloudFacts: CheckCache<{ arm: boolean | undefined }>;
  /** Each pool's group's configuration and hook as the last full ensure found them. */
  readonly knownGroups: CheckCache<EnsureKnown>;
  /** A pool at rest: its members as the last full listing found them, and what its group said then. */
  readonly atRest: CheckCache<{ groupId: string; countsKey: string; instances: PoolInstance[] }>;
  /** Each pool's last rendered user data and the inputs it was rendered from. */
  readonly lastRendered = new Map<string, { key: string; userData: string }>();
  /** Pools whose last reconcile left them moving (looked at again within seconds): they pace each other. */
  readonly moving = new Set<string>();
  /** Nodes found in step with their pool's labels and taints: Node name → pool uid / generation / resourceVersion. */
  readonly inStep = new Map<string, string>();
  /** Scaling groups the status names and a look did not find: since when (recreated only once confirmed). */
  readonly groupMissingSince = new Map<string, number>();
  /** How far an instance's bootstrap got (its console), read once per instance (bounded). */
  private readonly stories = new Map<string, string>();

  constructor(now: () => number) {
    this.cloudChecks = new CheckCache<string>(CLOUD_RECHECK_MS, now);
    this.cloudFacts = new CheckCache(CLOUD_RECHECK_MS, now);
    this.knownGroups = new CheckCache<EnsureKnown>(CLOUD_RECHECK_MS, now);
    this.atRest = new CheckCache(CLOUD_RECHECK_MS, now);
  }

  /** Forget a pool (deleted, or the cloud refused what was checked). */
  forget(pool: string): void {
    this.lastRendered.delete(pool);
    this.atRest.forget(pool);
    this.cloudChecks.forget(pool);
    this.cloudFacts.forget(pool);
    this.knownGroups.forget(pool);
    this.moving.delete(pool);
    this.groupMissingSince.delete(pool);
  }

  /** Drop Nodes no longer in the cache from `inStep` once it has grown past twice their number. */
  pruneInStep(exists: (node: string) => boolean, nodes: number): void {
    if (this.inStep.size <= 2 * nodes + 100) return;
    for (const k of this.inStep.keys()) if (!exists(k)) this.inStep.delete(k);
  }

  async story(instanceId: string, read: () => Promise<string>): Promise<string> {
    const known = this.stories.get(instanceId);
    if (known !== undefined) return known;
    const s = await read();
    this.stories.set(instanceId, s);
    if (this.stories.size > 512) this.stories.delete(this.stories.keys().next().value!);
    return s;
  }
}
