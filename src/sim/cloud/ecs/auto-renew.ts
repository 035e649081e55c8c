import type { Cloud, Instance } from '../cloud.js';
import { ApiError, invalidParameter } from '../errors.js';
import type { ApiBody, Call } from '../server.js';

/** `InstanceId`: up to 100 subscription instance ids, comma-separated (ecs20140526 SDK models). */
function instancesOf(cloud: Cloud, call: Call, required: boolean): Instance[] | undefined {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const raw = required ? p.required('InstanceId') : p.str('InstanceId');
  if (raw === undefined) return undefined;
  const ids = raw
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (ids.length > 100) throw invalidParameter('InstanceId', 'at most 100 instance ids');
  return ids.map((id) => cloud.instance(region.regionId, id));
}

/**
 * DescribeInstanceAutoRenewAttribute (ecs20140526 SDK model): per subscription instance `AutoRenewEnabled`,
 * `Duration`, `PeriodUnit` and `RenewalStatus` (AutoRenewal | Normal | NotRenewal); `InstanceId` a comma list
 * (≤ 100), `RenewalStatus` filter, `PageNumber` / `PageSize` (≤ 100). Pay-as-you-go instances are not listed.
 */
export function describeInstanceAutoRenewAttribute(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const status = p.oneOf('RenewalStatus', ['AutoRenewal', 'Normal', 'NotRenewal'] as const);
  const pageSize = p.int('PageSize', { min: 1, max: 100 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const source = instancesOf(cloud, call, false) ?? [...cloud.instances.values()];
  const renewal = (i: Instance): string => (i.autoRenew ? 'AutoRenewal' : (i.renewalStatus ?? 'Normal'));
  const all = source.filter(
    (i) =>
      i.regionId === region.regionId &&
      i.chargeType === 'PrePaid' &&
      (status === undefined || renewal(i) === status),
  );
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    InstanceRenewAttributes: {
      InstanceRenewAttribute: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((i) => ({
        InstanceId: i.instanceId,
        AutoRenewEnabled: i.autoRenew,
        Duration: i.autoRenewPeriod,
        PeriodUnit: 'Month',
        RenewalStatus: renewal(i),
      })),
    },
  };
}

/**
 * ModifyInstanceAutoRenewAttribute (ecs20140526 SDK model): `AutoRenew`, `Duration`, `PeriodUnit`, `RenewalStatus`
 * for up to 100 subscription instances; a pay-as-you-go one is 403 `ChargeTypeViolation`.
 */
export function modifyInstanceAutoRenewAttribute(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const instances = instancesOf(cloud, call, true) ?? [];
  const status = p.oneOf('RenewalStatus', ['AutoRenewal', 'Normal', 'NotRenewal'] as const);
  const autoRenew = status === undefined ? p.bool('AutoRenew') : status === 'AutoRenewal';
  const duration = p.int('Duration', { min: 1, max: 60 });
  for (const i of instances) {
    if (i.chargeType !== 'PrePaid') {
      throw new ApiError(
        'ChargeTypeViolation',
        `The operation is not permitted due to charge type of the instance: ${i.instanceId} is not a subscription instance.`,
      );
    }
  }
  for (const i of instances) {
    if (autoRenew !== undefined) i.autoRenew = autoRenew;
    if (duration !== undefined) i.autoRenewPeriod = duration;
    if (status !== undefined && status !== 'AutoRenewal') i.renewalStatus = status;
    else delete i.renewalStatus;
  }
  return {};
}
