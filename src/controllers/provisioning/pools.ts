import type { ElasticityLaunch, NodePool, PoolImage } from '../../apis/v1beta1/index.js';
import type { CloudProvider } from '../../cloud/provider.js';
import type { PoolInstance, ScalingGroup } from '../../cloud/types.js';
import { scalingGroupName } from '../nodepool/launch.js';
import { pinnedFor } from '../nodepool/image/pin.js';
import { poolSpecOf, type PoolKindName } from '../nodepool/kinds.js';
import { imageSourceOf } from '../nodepool/resolve.js';
import type { PoolObject } from '../nodepool/controller.js';

/** An Auto pool of either kind, its spec in NodePool terms, and the group it scales. */
export interface AutoPool {
  kind: PoolKindName;
  object: PoolObject;
  name: string;
  pool: NodePool;
  group: ScalingGroup | undefined;
  /** vSwitch → zone, in the pool's vSwitch order (vSwitches the cloud does not know are left out). */
  zones: Map<string, string>;
  /** Launch records of this pool as its status holds them. */
  records: ElasticityLaunch[];
  /** Why it cannot scale out now, if it cannot. */
  blocked: string | undefined;
  /** The image the pool pinned (`status.image`): every launch uses it. */
  image: string | undefined;
  /** Economical pools: the members ESS holds Stopped (a scale-out starts them before launching new ones). */
  stopped: PoolInstance[];
}

/** The image a pool pinned for its spec's image source (status.image), if any. */
function pinnedImageOf(pool: NodePool, o: PoolObject): string | undefined {
  const image = (o.status as { image?: PoolImage } | undefined)?.image;
  try {
    return pinnedFor(imageSourceOf(pool), image);
  } catch {
    return undefined; // a spec the pool controller reports (Degraded)
  }
}

/** The launch records a pool's status holds (`status.automation.elasticity.inFlight`). */
export function recordsOf(o: PoolObject): ElasticityLaunch[] {
  const a = (o.status as { automation?: { elasticity?: { inFlight?: ElasticityLaunch[] } } } | undefined)
    ?.automation;
  return [...(a?.elasticity?.inFlight ?? [])];
}

/**
 * Finds the Auto pools (both kinds) and what the plan needs of each: the group (one DescribeScalingGroups for
 * up to 20 pools), the zones of its vSwitches (remembered: a vSwitch never moves), and why it is blocked if
 * it is (invalid spec, no group yet, group not Active, being deleted); for economical pools whose group holds
 * Stopped members, those members (one DescribeScalingInstances).
 */
export class AutoPools {
  private readonly zoneOf = new Map<string, string>();

  constructor(
    private readonly cloud: Pick<CloudProvider, 'findScalingGroup' | 'vSwitches' | 'listPoolInstances'>,
    private readonly cluster: string,
  ) {}

  async list(objects: readonly { kind: PoolKindName; object: PoolObject }[]): Promise<AutoPool[]> {
    const out: AutoPool[] = [];
    const unknown = new Set<string>();
    for (const { kind, object } of objects) {
      const r = poolSpecOf(kind, object);
      if (!r.ok || r.pool.spec.scaling.mode !== 'Auto') continue;
      for (const v of r.pool.spec.vSwitchIds) if (!this.zoneOf.has(v)) unknown.add(v);
      out.push({
        kind,
        object,
        name: object.metadata.name,
        pool: r.pool,
        group: undefined,
        zones: new Map(),
        records: recordsOf(object),
        blocked: undefined,
        image: pinnedImageOf(r.pool, object),
        stopped: [],
      });
    }
    if (unknown.size > 0)
      for (const v of await this.cloud.vSwitches([...unknown])) this.zoneOf.set(v.id, v.zoneId);
    await Promise.all(
      out.map(async (p) => {
        for (const v of p.pool.spec.vSwitchIds) {
          const z = this.zoneOf.get(v);
          if (z) p.zones.set(v, z);
        }
        const id = (p.object.status as { scalingGroupId?: string } | undefined)?.scalingGroupId;
        p.blocked = p.object.metadata.deletionTimestamp
          ? 'the pool is being deleted'
          : !id
            ? 'the pool has no scaling group yet'
            : !p.image
              ? "the pool's image is not pinned yet"
              : undefined;
        if (p.blocked) return;
        p.group = await this.cloud.findScalingGroup({
          id,
          name: scalingGroupName(this.cluster, p.name),
          cluster: this.cluster,
        });
        if (!p.group) p.blocked = `scaling group ${id} not found`;
        else if (p.group.state !== 'Active') p.blocked = `scaling group ${p.group.id} is ${p.group.state}`;
        else if (p.zones.size === 0) p.blocked = 'none of its vSwitches was found';
        else if (p.pool.spec.scaling.economical && p.group.counts.stopped > 0) {
          const members = await this.cloud.listPoolInstances(p.group.id);
          p.stopped = members.filter((m) => m.lifecycleState === 'Stopped' && m.status === 'Stopped');
        }
      }),
    );
    return out;
  }
}
