import { ApiError, invalidParameter, missingParameter } from '../errors.js';
import type { Cloud, Instance } from '../cloud.js';
import type { Params } from '../params.js';
import type { ApiBody, Call } from '../server.js';
import { describeInstanceJson } from './format.js';
import { idempotent, readUserData } from './run-instances.js';
import { matchesTags, readTagFilters } from './tags.js';

const STATUSES = ['Pending', 'Starting', 'Running', 'Stopping', 'Stopped'] as const;

function encodeToken(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeToken(token: string): number {
  const m = /^seq:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m?.[1])
    throw new ApiError(
      'InvalidParameter.NextToken',
      `The specified parameter "NextToken" is not valid: "${token}" was not returned by this API.`,
    );
  return Number(m[1]);
}

function filterInstances(cloud: Cloud, p: Params, regionId: string): Instance[] {
  const ids = p.jsonStringArray('InstanceIds', 100);
  const privateIps = p.jsonStringArray('PrivateIpAddresses', 100);
  const zoneId = p.str('ZoneId');
  const vpcId = p.str('VpcId');
  const vSwitchId = p.str('VSwitchId');
  const status = p.oneOf('Status', STATUSES);
  const chargeType = p.oneOf('InstanceChargeType', ['PostPaid', 'PrePaid'] as const);
  const instanceType = p.str('InstanceType');
  const family = p.str('InstanceTypeFamily');
  const name = p.str('InstanceName');
  const imageId = p.str('ImageId');
  const sg = p.str('SecurityGroupId');
  const lock = p.str('LockReason');
  const keyPair = p.str('KeyPairName');
  const tagFilters = readTagFilters(p);
  const nameRe =
    name === undefined
      ? undefined
      : new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  let source: Iterable<Instance> = cloud.instances.values();
  if (ids) {
    const found: Instance[] = [];
    for (const id of ids) {
      const i = cloud.instances.get(id);
      if (i) found.push(i);
    }
    source = found.sort((a, b) => a.seq - b.seq);
  }
  const out: Instance[] = [];
  for (const i of source) {
    if (i.regionId !== regionId) continue;
    if (zoneId !== undefined && i.zoneId !== zoneId) continue;
    if (vpcId !== undefined && i.vpcId !== vpcId) continue;
    if (vSwitchId !== undefined && i.vSwitchId !== vSwitchId) continue;
    if (status !== undefined && i.status !== status) continue;
    if (chargeType !== undefined && i.chargeType !== chargeType) continue;
    if (instanceType !== undefined && i.instanceType !== instanceType) continue;
    if (family !== undefined && cloud.instanceType(i.instanceType)?.family !== family) continue;
    if (nameRe && !nameRe.test(i.instanceName)) continue;
    if (imageId !== undefined && i.imageId !== imageId) continue;
    if (sg !== undefined && !i.securityGroupIds.includes(sg)) continue;
    if (lock !== undefined && !i.operationLocks.includes(lock)) continue;
    if (keyPair !== undefined && i.keyPairName !== keyPair) continue;
    if (privateIps && !privateIps.includes(i.privateIp)) continue;
    if (tagFilters.length > 0 && !matchesTags(i.tags, tagFilters)) continue;
    if (!cloud.readLag.visible(i.instanceId)) continue; // lagging reads (faults.ts)
    if (tagFilters.some((f) => !cloud.readLag.tagVisible(i.instanceId, f.key))) continue;
    out.push(i);
  }
  return out;
}

/** DescribeInstances: filters, `MaxResults` + `NextToken` paging (or PageNumber/PageSize). */
export function describeInstances(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const all = filterInstances(cloud, p, region.regionId);
  const useToken = p.has('NextToken') || p.has('MaxResults');
  if (useToken) {
    const max = p.int('MaxResults', { min: 1, max: 100 }) ?? 10;
    const after = p.has('NextToken') ? decodeToken(p.required('NextToken')) : 0;
    const rest = after > 0 ? all.filter((i) => i.seq > after) : all;
    const page = rest.slice(0, max);
    const last = page[page.length - 1];
    return {
      TotalCount: all.length,
      PageNumber: 1,
      PageSize: max,
      NextToken: rest.length > max && last ? encodeToken(last.seq) : '',
      Instances: { Instance: page.map((i) => describeInstanceJson(cloud, i)) },
    };
  }
  const pageSize = p.int('PageSize', { min: 1, max: 100 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const page = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    NextToken: '',
    Instances: { Instance: page.map((i) => describeInstanceJson(cloud, i)) },
  };
}

export function describeInstanceStatus(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const ids = p.list('InstanceId', 100);
  const zoneId = p.str('ZoneId');
  const pageSize = p.int('PageSize', { min: 1, max: 50 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const all = [...cloud.instances.values()].filter(
    (i) =>
      i.regionId === region.regionId &&
      (zoneId === undefined || i.zoneId === zoneId) &&
      (ids.length === 0 || ids.includes(i.instanceId)),
  );
  const page = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    InstanceStatuses: { InstanceStatus: page.map((i) => ({ InstanceId: i.instanceId, Status: i.status })) },
  };
}

function incorrectStatus(i: Instance, want: string): ApiError {
  return new ApiError(
    'IncorrectInstanceStatus',
    `The current status of the resource does not support this operation: ${i.instanceId} is ${i.status}, it must be ${want}.`,
  );
}

function checkUnlocked(i: Instance): void {
  if (i.operationLocks.length > 0) {
    throw new ApiError(
      'InvalidOperation.InstanceLocked',
      `The instance ${i.instanceId} is locked (${i.operationLocks.join(', ')}).`,
    );
  }
}

interface Op {
  /** Throws the API error when the operation is not allowed now. */
  check(i: Instance, p: Params): void;
  apply(cloud: Cloud, i: Instance, p: Params): void;
}

const startOp: Op = {
  check(i) {
    checkUnlocked(i);
    if (i.status !== 'Stopped') throw incorrectStatus(i, 'Stopped');
  },
  apply(cloud, i) {
    cloud.boot(i.instanceId);
  },
};

const stopOp: Op = {
  check(i, p) {
    checkUnlocked(i);
    p.oneOf('StoppedMode', ['KeepCharging', 'StopCharging'] as const);
    if (i.status !== 'Running') throw incorrectStatus(i, 'Running');
  },
  apply(cloud, i, p) {
    const mode = p.oneOf('StoppedMode', ['KeepCharging', 'StopCharging'] as const) ?? 'KeepCharging';
    cloud.stop(i.instanceId, i.chargeType === 'PostPaid' ? mode : 'Not-applicable');
  },
};

const rebootOp: Op = {
  check(i) {
    checkUnlocked(i);
    if (i.status !== 'Running') throw incorrectStatus(i, 'Running');
  },
  apply(cloud, i) {
    cloud.stop(i.instanceId, 'KeepCharging', () => cloud.boot(i.instanceId));
  },
};

function single(op: Op) {
  return (cloud: Cloud, call: Call): ApiBody => {
    const p = call.params;
    const id = p.required('InstanceId');
    const i = cloud.instances.get(id);
    if (!i)
      throw new ApiError('InvalidInstanceId.NotFound', `The specified InstanceId "${id}" does not exist.`);
    op.check(i, p);
    op.apply(cloud, i, p);
    return {};
  };
}

function batch(op: Op) {
  return (cloud: Cloud, call: Call): ApiBody => {
    const p = call.params;
    const region = cloud.region(p.str('RegionId'));
    const ids = p.list('InstanceId', 100);
    if (ids.length === 0) throw missingParameter('InstanceId.N');
    const instances = ids.map((id) => cloud.instance(region.regionId, id));
    const mode = p.oneOf('BatchOptimization', ['AllTogether', 'SuccessFirst'] as const) ?? 'AllTogether';
    if (mode === 'AllTogether') for (const i of instances) op.check(i, p);
    if (p.bool('DryRun') === true) {
      throw new ApiError('DryRunOperation', 'Request validation has been passed with DryRun flag set.');
    }
    const responses: Record<string, unknown>[] = [];
    for (const i of instances) {
      const previous = i.status;
      try {
        op.check(i, p);
        op.apply(cloud, i, p);
        responses.push({
          InstanceId: i.instanceId,
          Code: '200',
          Message: 'success',
          PreviousStatus: previous,
          CurrentStatus: i.status,
        });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        responses.push({
          InstanceId: i.instanceId,
          Code: err.code,
          Message: err.message,
          PreviousStatus: previous,
          CurrentStatus: i.status,
        });
      }
    }
    return { InstanceResponses: { InstanceResponse: responses } };
  };
}

export const startInstance = single(startOp);
export const stopInstance = single(stopOp);
export const rebootInstance = single(rebootOp);
export const startInstances = batch(startOp);
export const stopInstances = batch(stopOp);
export const rebootInstances = batch(rebootOp);

function checkDeletable(cloud: Cloud, i: Instance, force: boolean, terminateSubscription: boolean): void {
  if (i.deletionProtection) {
    throw new ApiError(
      'InvalidOperation.DeletionProtection',
      `The instance ${i.instanceId} has deletion protection: turn it off (ModifyInstanceAttribute DeletionProtection=false) first.`,
    );
  }
  if (i.chargeType === 'PrePaid' && (i.expiredTime ?? 0) > cloud.clock.now() && !terminateSubscription) {
    throw new ApiError(
      'ChargeTypeViolation',
      `The operation is not permitted due to charge type of the instance: ${i.instanceId} is a subscription (PrePaid) instance that has not expired.`,
    );
  }
  if (!force && i.status !== 'Stopped') throw incorrectStatus(i, 'Stopped (or use Force=true)');
  if (i.status === 'Pending') throw incorrectStatus(i, 'created (it is still Pending)');
}

export function deleteInstance(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const id = p.required('InstanceId');
  const i = cloud.instances.get(id);
  if (!i)
    throw new ApiError('InvalidInstanceId.NotFound', `The specified InstanceId "${id}" does not exist.`);
  checkDeletable(cloud, i, p.bool('Force') ?? false, p.bool('TerminateSubscription') ?? false);
  cloud.release(id);
  return {};
}

export function deleteInstances(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  return idempotent(cloud, call, () => {
    const ids = p.list('InstanceId', 100);
    if (ids.length === 0) throw missingParameter('InstanceId.N');
    const force = p.bool('Force') ?? false;
    const terminate = p.bool('TerminateSubscription') ?? false;
    const instances = ids.map((id) => cloud.instance(region.regionId, id));
    for (const i of instances) checkDeletable(cloud, i, force, terminate);
    if (p.bool('DryRun') === true)
      throw new ApiError('DryRunOperation', 'Request validation has been passed with DryRun flag set.');
    for (const i of instances) cloud.release(i.instanceId);
    return {};
  });
}

export function modifyInstanceChargeType(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const ids = p.jsonStringArray('InstanceIds', 20);
  if (!ids || ids.length === 0) throw missingParameter('InstanceIds');
  const target = p.oneOf('InstanceChargeType', ['PostPaid', 'PrePaid'] as const) ?? 'PrePaid';
  const instances = ids.map((id) => cloud.instance(region.regionId, id));
  let period = 0;
  let unit: 'Month' | 'Week' = 'Month';
  if (target === 'PrePaid') {
    unit = p.oneOf('PeriodUnit', ['Month', 'Week'] as const) ?? 'Month';
    period = p.int('Period', { min: 1, max: 60 }) ?? 1;
  }
  for (const i of instances) {
    if (i.chargeType === target)
      throw new ApiError(
        'InvalidInstanceChargeType.NotChanged',
        `The instance ${i.instanceId} is already ${target}.`,
      );
    if (i.spotStrategy !== 'NoSpot')
      throw invalidParameter(
        'InstanceIds',
        `${i.instanceId} is a spot instance and cannot be converted`,
        'InvalidInstance.UnPaidOrder',
      );
    if (i.status !== 'Running' && i.status !== 'Stopped') throw incorrectStatus(i, 'Running or Stopped');
  }
  const now = cloud.clock.now();
  for (const i of instances) {
    i.chargeType = target;
    if (target === 'PrePaid') {
      const d = new Date(now);
      if (unit === 'Week') i.expiredTime = now + period * 7 * 86_400_000;
      else {
        d.setUTCMonth(d.getUTCMonth() + period);
        i.expiredTime = d.getTime();
      }
      i.autoRenew = p.bool('AutoPay') !== false && (p.bool('AutoRenew') ?? false);
    } else {
      delete i.expiredTime;
      i.autoRenew = false;
    }
  }
  return { OrderId: target === 'PrePaid' ? String(200_000_000_000 + Math.floor(Math.random() * 1e9)) : '' };
}

export function modifyInstanceAttribute(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const id = p.required('InstanceId');
  const i = cloud.instances.get(id);
  if (!i)
    throw new ApiError('InvalidInstanceId.NotFound', `The specified InstanceId "${id}" does not exist.`);
  const dp = p.bool('DeletionProtection');
  const name = p.text('InstanceName', { min: 2, max: 128 });
  const host = p.text('HostName', { min: 2, max: 64 });
  const desc = p.text('Description', { max: 256 });
  // UserData (ecs20140526 ModifyInstanceAttributeRequest.userData): base64, ≤ 32 KB raw; a restart shows it but does
  // not run it — only a first boot does (a new system disk: ReplaceSystemDisk; src/sim/nodes/simulation.ts)
  const userData = readUserData(p);
  if (dp !== undefined) i.deletionProtection = dp;
  if (userData !== undefined) i.userData = userData;
  if (name !== undefined) i.instanceName = name;
  if (host !== undefined) i.hostName = host;
  if (desc !== undefined) i.description = desc;
  return {};
}
