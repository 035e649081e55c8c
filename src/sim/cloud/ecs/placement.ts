import type { Cloud } from '../cloud.js';
import { ApiError, invalidParameter, missingParameter } from '../errors.js';
import type { Params } from '../params.js';
import type { Region, Zone } from '../world.js';

/** Where an instance may go besides zone and type: a deployment set, a private pool. */
export interface PlacementOptions {
  deploymentSetId?: string;
  privatePool?: { matchCriteria: 'Open' | 'Target' | 'None'; id?: string };
}

/** `DeploymentSetId` and `PrivatePoolOptions.MatchCriteria` / `.Id` of RunInstances and scaling configurations. */
export function readPlacementOptions(p: Params): PlacementOptions {
  const deploymentSetId = p.str('DeploymentSetId');
  const match = p.oneOf('PrivatePoolOptions.MatchCriteria', ['Open', 'Target', 'None'] as const);
  const id = p.str('PrivatePoolOptions.Id');
  return {
    ...(deploymentSetId === undefined ? {} : { deploymentSetId }),
    ...(match === undefined
      ? {}
      : { privatePool: { matchCriteria: match, ...(id === undefined ? {} : { id }) } }),
  };
}

/**
 * The references checked when the request is made (RunInstances error codes in the ECS API reference;
 * DescribeCapacityReservationInstances for the pool id): an unknown deployment set is 404
 * `InvalidDeploymentSetId.NotFound`; `Target` needs `PrivatePoolOptions.Id` ("required in this mode") naming a pool
 * of the region (else 400 `InvalidParameter.PrivatePoolOptions.Id`); `Open` and `None` take no id.
 */
export function checkPlacementOptions(region: Region, o: PlacementOptions): void {
  if (
    o.deploymentSetId !== undefined &&
    !region.deploymentSets.some((d) => d.deploymentSetId === o.deploymentSetId)
  ) {
    throw new ApiError(
      'InvalidDeploymentSetId.NotFound',
      `The specified DeploymentSetId "${o.deploymentSetId}" does not exist.`,
      404,
    );
  }
  const pool = o.privatePool;
  if (!pool) return;
  if (pool.matchCriteria === 'Target') {
    if (pool.id === undefined) throw missingParameter('PrivatePoolOptions.Id');
    if (!region.privatePools.some((x) => x.privatePoolId === pool.id)) {
      throw new ApiError(
        'InvalidParameter.PrivatePoolOptions.Id',
        `The specified PrivatePoolOptions.Id "${pool.id}" is invalid.`,
        400,
      );
    }
  } else if (pool.id !== undefined) {
    throw invalidParameter(
      'PrivatePoolOptions.Id',
      `must be empty when PrivatePoolOptions.MatchCriteria is ${pool.matchCriteria}`,
    );
  }
}

/**
 * Whether one more instance of `type` fits in `zone` with these options, and the private pool it then takes:
 * - a deployment set holds at most `maxInstancesPerZone` (20, Availability strategy) instances per zone: 403
 *   `QuotaExceed.DeploymentSetInstanceQuotaFull` (RunInstances error codes);
 * - `Target`: only the named pool's zone and type, and only while it has capacity — "if the private pool capacity is
 *   not available, the instance fails to start" (RunInstances, PrivatePoolOptions.MatchCriteria); the simulator
 *   answers that as `OperationDenied.NoStock` naming the pool (the code is unverified);
 * - `Open` (and no option): an Open pool of this zone and type with capacity left if there is one, else the public
 *   pool; `None`: the public pool.
 * An instance in a private pool takes the pool's capacity, not the zone's public stock.
 */
export function placementProblem(
  cloud: Cloud,
  region: Region,
  zone: Zone,
  type: string,
  o: PlacementOptions,
  pending: { extraInPool?: ReadonlyMap<string, number>; extraInSet?: number } = {},
): { problem?: { code: string; message: string }; privatePoolId?: string } {
  if (o.deploymentSetId !== undefined) {
    const set = region.deploymentSets.find((d) => d.deploymentSetId === o.deploymentSetId);
    const max = set?.maxInstancesPerZone ?? 20;
    let n = 0;
    for (const i of cloud.instances.values())
      if (i.deploymentSetId === o.deploymentSetId && i.zoneId === zone.zoneId) n++;
    if (n >= max) {
      return {
        problem: {
          code: 'QuotaExceed.DeploymentSetInstanceQuotaFull',
          message: `The deployment set ${o.deploymentSetId} already holds ${n} instances in ${zone.zoneId}, the most it can (instance quota in one deployment set exceeded).`,
        },
      };
    }
  }
  const used = (id: string): number => {
    let n = pending.extraInPool?.get(id) ?? 0;
    for (const i of cloud.instances.values()) if (i.privatePoolId === id) n++;
    return n;
  };
  const match = o.privatePool?.matchCriteria ?? 'Open';
  if (match === 'None') return {};
  if (match === 'Target') {
    const pool = region.privatePools.find((x) => x.privatePoolId === o.privatePool?.id);
    if (!pool || pool.zoneId !== zone.zoneId || pool.instanceType !== type) {
      return {
        problem: {
          code: 'OperationDenied.NoStock',
          message: `The targeted private pool ${o.privatePool?.id ?? ''} holds ${pool?.instanceType ?? 'nothing'} in ${pool?.zoneId ?? 'no zone'}, not ${type} in ${zone.zoneId}.`,
        },
      };
    }
    if (used(pool.privatePoolId) >= pool.capacity) {
      return {
        problem: {
          code: 'OperationDenied.NoStock',
          message: `The targeted private pool ${pool.privatePoolId} has no capacity left (${pool.capacity} ${type} in ${zone.zoneId}, all in use).`,
        },
      };
    }
    return { privatePoolId: pool.privatePoolId };
  }
  const open = region.privatePools.find(
    (x) =>
      x.matchCriteria === 'Open' &&
      x.zoneId === zone.zoneId &&
      x.instanceType === type &&
      used(x.privatePoolId) < x.capacity,
  );
  return open ? { privatePoolId: open.privatePoolId } : {};
}
