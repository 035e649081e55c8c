import { randomUUID } from 'node:crypto';
import type { ElasticityLaunch } from '../../apis/v1beta1/index.js';
import { CloudError } from '../../cloud/errors.js';
import type { CloudProvider } from '../../cloud/provider.js';
import type { Logger } from '../../log.js';
import { launchSpecOf } from '../nodepool/launch.js';
import type { Market } from './catalogue.js';
import type { AutoPool } from './pools.js';

/** What a pool's new instances launch with (image, user data, password), resolved by the caller. */
export interface ResolvedLaunch {
  imageId: string;
  userData: string;
  password?: { value: string } | undefined;
}

export type LaunchOutcome =
  | { ok: true; ids: string[] }
  | { ok: false; unavailable: true; code: string; message: string }
  | { ok: false; unavailable: false; error: unknown };

/**
 * Launches a pool's planned instances: ECS RunInstances of exactly the chosen type in the chosen vSwitch (ESS
 * cannot be told the type of one scale-out of an ECS group: see docs/elasticity.md), then AttachInstances to the
 * pool's scaling group once they run (entrusted: ESS manages them as its own). The ClientToken derives from the
 * launch record's id, persisted before the call: a launch retried after a crash or a timeout replays the same
 * answer instead of launching again.
 */
export class Launcher {
  constructor(
    private readonly cloud: Pick<CloudProvider, 'runInstances' | 'attachInstances' | 'releaseInstances'>,
    private readonly cluster: string,
    private readonly log: Logger,
  ) {}

  newRecord(
    p: { instanceType: string; zoneId: string; vSwitchId: string; count: number },
    now: number,
  ): ElasticityLaunch {
    // prettier-ignore
    return { id: randomUUID(), ...p, startedAt: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') };
  }

  async run(
    p: AutoPool,
    rec: ElasticityLaunch,
    resolved: ResolvedLaunch,
    market: Market,
  ): Promise<LaunchOutcome> {
    const launch = launchSpecOf(p.pool, { cluster: this.cluster, imageId: resolved.imageId, userData: resolved.userData, password: resolved.password?.value }); // prettier-ignore
    const { instanceTypes: _all, ...rest } = launch;
    const sub = p.pool.spec.billing.subscription;
    try {
      const ids = await this.cloud.runInstances(
        {
          ...rest,
          instanceType: rec.instanceType,
          vSwitchId: rec.vSwitchId,
          amount: rec.count,
          chargeType: market === 'prepaid' ? 'PrePaid' : 'PostPaid',
          ...(market === 'prepaid' ? { subscription: { period: sub?.period ?? 1, periodUnit: sub?.periodUnit ?? 'Month', autoRenew: sub?.autoRenew ?? false, autoRenewPeriod: sub?.autoRenewPeriod } } : {}), // prettier-ignore
        },
        { operationId: `elasticity/${rec.id}` },
      );
      this.log.info({ pool: p.name, action: 'launch', instances: ids, instanceType: rec.instanceType, zone: rec.zoneId }, 'launched instances for pending pods'); // prettier-ignore
      return { ok: true, ids };
    } catch (err) {
      if (err instanceof CloudError && (err.kind === 'NoStock' || err.kind === 'QuotaExceeded'))
        return { ok: false, unavailable: true, code: err.code, message: err.message };
      this.log.warn({ pool: p.name, action: 'launch', err, instanceType: rec.instanceType, zone: rec.zoneId }, 'launch failed; it is tried again with the same ClientToken'); // prettier-ignore
      return { ok: false, unavailable: false, error: err };
    }
  }

  /** Releases launched instances the group cannot take (never attached: nothing else would ever remove them). */
  async release(rec: ElasticityLaunch, ids: string[]): Promise<void> {
    await this.cloud.releaseInstances(ids, { force: true, operationId: `elasticity/${rec.id}/release` });
    this.log.warn({ action: 'release', instances: ids }, 'released launched instances the scaling group cannot take (at maxSize)'); // prettier-ignore
  }

  /** Attach running instances of a launch to the pool's group (entrusted: released by ESS like its own). */
  async attach(p: AutoPool, rec: ElasticityLaunch, ids: string[]): Promise<void> {
    await this.cloud.attachInstances(p.group!.id, ids, { operationId: `elasticity/${rec.id}/attach/${ids.join(',')}`, entrusted: true }); // prettier-ignore
    this.log.info({ pool: p.name, action: 'attach', instances: ids }, 'attached launched instances to the scaling group'); // prettier-ignore
  }
}
