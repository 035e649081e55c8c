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
    private readonly cloud: Pick<
      CloudProvider,
      'runInstances' | 'attachInstances' | 'releaseInstances' | 'scaleOut'
    >,
    private readonly cluster: string,
    private readonly log: Logger,
  ) {}

  newRecord(
    p: Pick<ElasticityLaunch, 'instanceType' | 'zoneId' | 'vSwitchId' | 'count' | 'chargeType'>,
    now: number,
  ): ElasticityLaunch {
    // prettier-ignore
    return { id: randomUUID(), ...p, startedAt: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') };
  }

  async run(
    p: Pick<AutoPool, 'name' | 'pool'>,
    rec: ElasticityLaunch,
    resolved: ResolvedLaunch,
    market: Market,
  ): Promise<LaunchOutcome> {
    const launch = launchSpecOf(p.pool, {
      cluster: this.cluster,
      imageId: resolved.imageId,
      userData: resolved.userData,
      password: resolved.password?.value,
    });
    // a Spot pool's on-demand fallback (billing.spot.onDemandFallback) launches the same offering without spot
    const { instanceTypes: _all, spot, ...rest } = launch;
    const sub = p.pool.spec.billing.subscription;
    try {
      const ids = await this.cloud.runInstances(
        {
          ...rest,
          spot: market === 'spot' ? spot : undefined,
          instanceType: rec.instanceType,
          vSwitchId: rec.vSwitchId,
          amount: rec.count,
          chargeType: market === 'prepaid' ? 'PrePaid' : 'PostPaid',
          ...(market === 'prepaid'
            ? {
                subscription: {
                  period: sub?.period ?? 1,
                  periodUnit: sub?.periodUnit ?? 'Month',
                  autoRenew: sub?.autoRenew ?? false,
                  autoRenewPeriod: sub?.autoRenewPeriod,
                },
              }
            : {}),
        },
        { operationId: `elasticity/${rec.id}` },
      );
      this.log.info(
        {
          pool: p.name,
          action: 'launch',
          instances: ids,
          instanceType: rec.instanceType,
          zone: rec.zoneId,
          market,
        },
        'launched instances for pending pods',
      );
      return { ok: true, ids };
    } catch (err) {
      // a spot price above the pool's limit (InvalidSpotPriceLimit.LowerThanPublicPrice: the price rose after the
      // catalogue read it) is that offering's spot market being unavailable, not a launch to try again
      const overLimit =
        market === 'spot' && err instanceof CloudError && /^InvalidSpotPriceLimit/.test(err.code);
      if (err instanceof CloudError && (err.kind === 'NoStock' || err.kind === 'QuotaExceeded' || overLimit))
        return { ok: false, unavailable: true, code: err.code, message: err.message };
      // a replay whose user data changed since its first try (the ClientToken does not hash it: it holds the
      // rotating bootstrap token): the record is dropped and the pods planned again, as a new token did before
      if (err instanceof CloudError && err.kind === 'IdempotencyMismatch')
        return { ok: false, unavailable: true, code: err.code, message: err.message };
      this.log.warn(
        { pool: p.name, action: 'launch', err, instanceType: rec.instanceType, zone: rec.zoneId },
        'launch failed; it is tried again with the same ClientToken',
      );
      return { ok: false, unavailable: false, error: err };
    }
  }

  /**
   * Economical pools: ESS starts `rec.count` of the group's Stopped members (ScaleWithAdjustment; the only way a
   * member leaves the Stopped state), ClientToken from the record's id: asked again after a crash, it starts
   * nothing twice.
   */
  async restart(p: AutoPool, rec: ElasticityLaunch): Promise<void> {
    const activity = await this.cloud.scaleOut(p.group!.id, rec.count, {
      operationId: `elasticity/${rec.id}`,
    });
    this.log.info(
      { pool: p.name, action: 'restart', instances: rec.instanceIds, activity },
      'asked ESS to start stopped members for pending pods',
    );
  }

  /** Releases launched instances the group cannot take (never attached: nothing else would ever remove them). */
  async release(rec: ElasticityLaunch, ids: string[]): Promise<void> {
    await this.cloud.releaseInstances(ids, { force: true, operationId: `elasticity/${rec.id}/release` });
    this.log.warn(
      { action: 'release', instances: ids },
      'released launched instances the scaling group cannot take (at maxSize)',
    );
  }

  /** Attach running instances of a launch to the pool's group (entrusted: released by ESS like its own). */
  async attach(p: Pick<AutoPool, 'name' | 'group'>, rec: ElasticityLaunch, ids: string[]): Promise<void> {
    await this.cloud.attachInstances(p.group!.id, ids, {
      operationId: `elasticity/${rec.id}/attach/${ids.join(',')}`,
      entrusted: true,
    });
    this.log.info(
      { pool: p.name, action: 'attach', instances: ids },
      'attached launched instances to the scaling group',
    );
  }
}
