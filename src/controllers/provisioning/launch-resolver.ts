import type { Clock } from '../../runtime/clock.js';
import type { NodePoolControllerDeps } from '../nodepool/controller.js';
import { poolPolicy, References, resolveLaunch } from '../nodepool/resolve.js';
import { SharedLookups } from '../nodepool/shared-lookups.js';
import type { ResolvedLaunch } from './launcher.js';
import type { AutoPool } from './pools.js';

/** A pool's resolved launch (image, user data) is trusted this long for the same spec. */
const RESOLVED_TTL_MS = 5 * 60_000;

/**
 * What a pool's new instances launch with (image, user data), resolved with the NodePool controller's rules
 * (what a pool may reference and borrow: docs/security.md) and kept for `RESOLVED_TTL_MS` per pool spec.
 */
export class LaunchResolver {
  private readonly refs: References;
  private readonly lookups: ReturnType<SharedLookups['cloud']>;
  private readonly cache = new Map<string, { key: string; at: number; value: ResolvedLaunch }>();
  private readonly rendered = new Map<string, string>();

  constructor(
    private readonly deps: NodePoolControllerDeps,
    private readonly clock: Clock,
  ) {
    this.refs = new References(deps.client, deps.settings.namespace, poolPolicy(deps.settings));
    this.lookups = new SharedLookups(30_000, () => clock.now()).cloud(deps.cloud);
  }

  async resolved(p: AutoPool): Promise<ResolvedLaunch> {
    const key = `${p.object.metadata.uid ?? ''}/${p.object.metadata.generation ?? 0}/${p.image ?? ''}`;
    const c = this.cache.get(p.name);
    if (c && c.key === key && this.clock.monotonic() - c.at < RESOLVED_TTL_MS) return c.value;
    const value = await resolveLaunch(p.pool, {
      cloud: this.lookups,
      refs: this.refs,
      imageId: p.image,
      join: () => this.deps.join.forPool(p.name, p.object.metadata.uid ?? p.name),
      rendered: {
        get: (k) => this.rendered.get(`${p.name}|${k}`),
        set: (k, v) => {
          this.rendered.clear();
          this.rendered.set(`${p.name}|${k}`, v);
        },
      },
    });
    this.cache.set(p.name, { key, at: this.clock.monotonic(), value });
    return value;
  }
}
