import { createHash } from 'node:crypto';
import { ApiError, invalidParameter, missingParameter } from '../errors.js';
import type { ChargeType, Cloud, Instance, SpotStrategy, Tag } from '../cloud.js';
import { resourceId } from '../ids.js';
import type { Params } from '../params.js';
import { priceOf, type Region, type VSwitch, type Zone } from '../world.js';
import type { ApiBody, Call } from '../server.js';
import {
  checkPlacementOptions,
  placementProblem,
  readPlacementOptions,
  type PlacementOptions,
} from './placement.js';
import { readTags } from './tags.js';

/** Parameters that are part of the transport, not of the operation (left out of the ClientToken hash). */
const TRANSPORT = new Set([
  'Signature',
  'SignatureNonce',
  'SignatureMethod',
  'SignatureVersion',
  'Timestamp',
  'AccessKeyId',
  'SecurityToken',
  'Format',
  'ClientToken',
]);

/** The hash of what a write asks for, to tell a replay from a different request under the same token. */
export function paramsHash(action: string, p: Params): string {
  const h = createHash('sha256').update(action);
  for (const k of [...p.raw.keys()].sort()) {
    if (TRANSPORT.has(k)) continue;
    h.update(`\n${k}=${p.raw.get(k) ?? ''}`);
  }
  return h.digest('hex');
}

/**
 * ClientToken idempotency: the same token with the same parameters replays the first result; with different
 * parameters it is IdempotentParameterMismatch.
 */
export function idempotent(cloud: Cloud, call: Call, run: () => ApiBody): ApiBody {
  const token = call.params.text('ClientToken', {
    max: 64,
    pattern: /^[\x20-\x7e]+$/,
    patternRule: 'ASCII only',
  });
  if (token === undefined) return run();
  const key = `${call.credential.principal ?? call.credential.accessKeyId}/${call.action}/${token}`;
  const hash = paramsHash(call.action, call.params);
  const prior = cloud.clientTokens.get(key);
  if (prior) {
    if (prior.hash !== hash) {
      throw new ApiError(
        'IdempotentParameterMismatch',
        'The specified parameters are different from before: the same ClientToken was used with other parameters.',
      );
    }
    return prior.result;
  }
  const result = run();
  cloud.clientTokens.set(key, { hash, result });
  return result;
}

const PERIODS_MONTH = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36, 48, 60];

export function readUserData(p: Params): string | undefined {
  const v = p.str('UserData');
  if (v === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    throw new ApiError(
      'InvalidUserData.Base64FormatInvalid',
      'The specified parameter "UserData" is not valid Base64.',
    );
  }
  if (Buffer.from(v, 'base64').length > 32 * 1024) {
    throw new ApiError(
      'InvalidUserData.SizeExceeded',
      'The specified parameter "UserData" exceeds the size limit: at most 32 KB before Base64 encoding.',
    );
  }
  return v;
}

function addPeriod(ms: number, period: number, unit: 'Month' | 'Week'): number {
  const d = new Date(ms);
  if (unit === 'Week') return ms + period * 7 * 86_400_000;
  d.setUTCMonth(d.getUTCMonth() + period);
  return d.getTime();
}

export interface InstanceSpec {
  regionId: string;
  zone: Zone;
  vSwitch: VSwitch;
  vpcId: string;
  instanceType: string;
  imageId: string;
  securityGroupIds: string[];
  instanceName?: string;
  hostName?: string;
  description?: string;
  chargeType: ChargeType;
  spotStrategy: SpotStrategy;
  spotPriceLimit?: number;
  spotDuration?: number;
  spotInterruptionBehavior?: 'Terminate' | 'Stop';
  expiredTime?: number;
  autoRenew?: boolean;
  autoRenewPeriod?: number;
  tags: Tag[];
  userData?: string;
  keyPairName?: string;
  loginAsNonRoot?: boolean;
  deletionProtection?: boolean;
  ramRoleName?: string;
  metadataOptions?: Instance['metadataOptions'];
  systemDisk?: Instance['systemDisk'];
  dataDisks?: Instance['dataDisks'];
  internetMaxBandwidthOut?: number;
  internetChargeType?: 'PayByTraffic' | 'PayByBandwidth';
  deploymentSetId?: string;
  privatePoolId?: string;
  resourceGroupId?: string;
}

/**
 * The public IP of an instance with public bandwidth (InternetMaxBandwidthOut > 0: "a public IP address is
 * assigned", ECS API reference RunInstances), derived from its creation number so it is unique and survives a
 * restart of the simulator.
 */
function publicIpOf(seq: number): string {
  return `47.${96 + ((seq >> 16) & 31)}.${(seq >> 8) & 255}.${seq & 255 || 1}`;
}

/**
 * Creates one instance (Pending) from a checked spec: takes an IP from the vSwitch and one unit of stock.
 * The caller has checked stock, free IPs and quota. RunInstances and the ESS engine both create through here.
 */
export function createInstance(cloud: Cloud, s: InstanceSpec): Instance {
  const instanceId = resourceId('i', s.regionId);
  const ip = cloud.ips.allocate(s.vSwitch) ?? '0.0.0.0';
  const offering = s.zone.offerings[s.instanceType];
  if (offering && s.privatePoolId === undefined) {
    if (s.spotStrategy === 'NoSpot') offering.onDemand = Math.max(0, offering.onDemand - 1);
    else offering.spot = Math.max(0, offering.spot - 1);
  }
  const seq = cloud.nextSeq();
  const bandwidth = s.internetMaxBandwidthOut ?? 0;
  const inst: Instance = {
    instanceId,
    seq,
    regionId: s.regionId,
    zoneId: s.zone.zoneId,
    instanceType: s.instanceType,
    imageId: s.imageId,
    vpcId: s.vpcId,
    vSwitchId: s.vSwitch.vSwitchId,
    privateIp: ip,
    securityGroupIds: [...s.securityGroupIds],
    instanceName: s.instanceName ?? instanceId,
    hostName: s.hostName ?? `iZ${instanceId.slice(2)}Z`,
    description: s.description ?? '',
    status: 'Pending',
    chargeType: s.chargeType,
    spotStrategy: s.spotStrategy,
    spotPriceLimit: s.spotPriceLimit ?? 0,
    spotDuration: s.spotDuration ?? (s.spotStrategy === 'NoSpot' ? 0 : 1),
    spotInterruptionBehavior: s.spotInterruptionBehavior ?? 'Terminate',
    creationTime: cloud.clock.now(),
    ...(s.expiredTime === undefined ? {} : { expiredTime: s.expiredTime }),
    autoRenew: s.autoRenew ?? false,
    autoRenewPeriod: s.autoRenewPeriod ?? 1,
    tags: s.tags.map((t) => ({ ...t })),
    ...(s.userData === undefined ? {} : { userData: s.userData }),
    ...(s.keyPairName === undefined ? {} : { keyPairName: s.keyPairName }),
    ...(s.loginAsNonRoot ? { loginAsNonRoot: true } : {}),
    deletionProtection: s.deletionProtection ?? false,
    ...(s.ramRoleName === undefined ? {} : { ramRoleName: s.ramRoleName }),
    metadataOptions: s.metadataOptions ?? {
      httpEndpoint: 'enabled',
      httpTokens: 'optional',
      httpPutResponseHopLimit: 1,
    },
    operationLocks: [],
    systemDisk: s.systemDisk ?? { category: 'cloud_essd', size: 40 },
    dataDisks: s.dataDisks ?? [],
    internetMaxBandwidthOut: bandwidth,
    ...(bandwidth > 0
      ? { publicIp: publicIpOf(seq), internetChargeType: s.internetChargeType ?? 'PayByTraffic' }
      : {}),
    ...(s.deploymentSetId === undefined ? {} : { deploymentSetId: s.deploymentSetId }),
    ...(s.privatePoolId === undefined ? {} : { privatePoolId: s.privatePoolId }),
    resourceGroupId: s.resourceGroupId ?? '',
  };
  cloud.launch(inst);
  return inst;
}

/** RunInstances: validates like the real API, then creates `min(Amount, what stock, IPs and quota allow)`. */
export function runInstances(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  return idempotent(cloud, call, () => {
    const imageId = p.required('ImageId');
    const typeName = p.required('InstanceType');
    const amount = p.int('Amount', { min: 1, max: 100 }) ?? 1;
    const minAmount = p.int('MinAmount', { min: 1, max: 100 }) ?? amount;
    if (minAmount > amount) throw invalidParameter('MinAmount', 'must not be larger than Amount');
    const vSwitchId = p.str('VSwitchId');
    if (vSwitchId === undefined) throw missingParameter('VSwitchId');
    const net = cloud.vSwitch(region, vSwitchId);
    if (!net)
      throw new ApiError(
        'InvalidVSwitchId.NotFound',
        `The specified VSwitchId "${vSwitchId}" does not exist.`,
      );
    const zoneId = p.str('ZoneId');
    if (zoneId !== undefined && zoneId !== net.vSwitch.zoneId) {
      throw new ApiError(
        'InvalidParameter.Mismatch',
        `The specified vSwitch ${vSwitchId} is in zone ${net.vSwitch.zoneId}, not in ZoneId ${zoneId}.`,
      );
    }
    const zone = cloud.zone(region, net.vSwitch.zoneId);
    if (!zone)
      throw new ApiError('InvalidZoneId.NotFound', `The zone of vSwitch ${vSwitchId} does not exist.`);
    const type = cloud.instanceType(typeName);
    if (!type) {
      throw new ApiError(
        'InvalidInstanceType.ValueNotSupported',
        `The specified InstanceType "${typeName}" does not exist or beyond the permitted range.`,
      );
    }
    const image = cloud.image(region, imageId);
    if (!image)
      throw new ApiError('InvalidImageId.NotFound', `The specified ImageId "${imageId}" does not exist.`);
    if ((image.architecture === 'arm64') !== (type.architecture === 'ARM')) {
      throw new ApiError(
        'InvalidInstanceType.NotSupported',
        `The image ${imageId} (${image.architecture}) does not support the instance type ${typeName} (${type.architecture}).`,
      );
    }
    const sgIds = [...p.list('SecurityGroupIds', 16)];
    const single = p.str('SecurityGroupId');
    if (single !== undefined && !sgIds.includes(single)) sgIds.unshift(single);
    if (sgIds.length === 0) throw missingParameter('SecurityGroupId');
    const groups = sgIds.map((id) => {
      const g = cloud.securityGroup(region, id);
      if (!g)
        throw new ApiError(
          'InvalidSecurityGroupId.NotFound',
          `The specified SecurityGroupId "${id}" does not exist.`,
        );
      if (g.vpcId !== net.vpc.vpcId) {
        throw new ApiError(
          'InvalidSecurityGroupId.VPCMismatch',
          `The security group ${id} and the vSwitch ${vSwitchId} are not in the same VPC.`,
        );
      }
      return g;
    });
    if (new Set(groups.map((g) => g.type)).size > 1) {
      throw new ApiError(
        'InvalidSecurityGroup.IsSame',
        'An instance cannot join basic and advanced (enterprise) security groups at the same time.',
      );
    }
    const chargeType = p.oneOf('InstanceChargeType', ['PostPaid', 'PrePaid'] as const) ?? 'PostPaid';
    const spotStrategy: SpotStrategy =
      p.oneOf('SpotStrategy', ['NoSpot', 'SpotWithPriceLimit', 'SpotAsPriceGo'] as const) ?? 'NoSpot';
    if (chargeType === 'PrePaid' && spotStrategy !== 'NoSpot') {
      throw invalidParameter('SpotStrategy', 'spot instances must be PostPaid');
    }
    const spotPriceLimit = p.num('SpotPriceLimit', { min: 0 }) ?? 0;
    const spotDuration = p.int('SpotDuration', { min: 0, max: 6 }) ?? 1;
    const spotInterruptionBehavior =
      p.oneOf('SpotInterruptionBehavior', ['Terminate', 'Stop'] as const) ?? 'Terminate';
    const price = priceOf(cloud.world, zone, typeName);
    if (spotStrategy === 'SpotWithPriceLimit') {
      if (!p.has('SpotPriceLimit')) throw missingParameter('SpotPriceLimit');
      // A limit below the current market price is refused outright, not taken as a stock problem
      // (InvalidSpotPriceLimit.LowerThanPublicPrice: ECS API reference, RunInstances error codes; status 400).
      if (spotPriceLimit < price.spot) {
        throw new ApiError(
          'InvalidSpotPriceLimit.LowerThanPublicPrice',
          `The specified parameter "SpotPriceLimit" ${spotPriceLimit} is lower than the current public price ${price.spot} of ${typeName} in ${zone.zoneId}.`,
        );
      }
    }
    let expiredTime: number | undefined;
    let period = 0;
    let periodUnit: 'Month' | 'Week' = 'Month';
    if (chargeType === 'PrePaid') {
      periodUnit = p.oneOf('PeriodUnit', ['Month', 'Week'] as const) ?? 'Month';
      const pv = p.int('Period', { min: 1, max: 60 });
      if (pv === undefined) throw missingParameter('Period');
      if (periodUnit === 'Month' ? !PERIODS_MONTH.includes(pv) : pv > 4) {
        throw invalidParameter(
          'Period',
          periodUnit === 'Month' ? `must be one of ${PERIODS_MONTH.join(', ')}` : 'must be 1 to 4 weeks',
        );
      }
      period = pv;
    }
    const autoRenew = p.bool('AutoRenew') ?? false;
    const autoRenewPeriod = p.int('AutoRenewPeriod', { min: 1, max: 12 }) ?? 1;
    const userData = readUserData(p);
    const tags = readTags(p);
    const hostName = p.text('HostName', { min: 2, max: 64 });
    const instanceName = p.text('InstanceName', { min: 2, max: 128 });
    const description = p.text('Description', { max: 256 }) ?? '';
    const deletionProtection = p.bool('DeletionProtection') ?? false;
    const ramRoleName = p.text('RamRoleName', { max: 64 });
    const keyPairName = p.text('KeyPairName', { max: 128 });
    // 404 InvalidKeyPairName.NotFound / InvalidRamRole.NotFound (ECS API reference, RunInstances error codes)
    if (keyPairName !== undefined && !region.keyPairs.includes(keyPairName)) {
      throw new ApiError(
        'InvalidKeyPairName.NotFound',
        `The specified KeyPairName "${keyPairName}" does not exist in our records.`,
        404,
      );
    }
    if (ramRoleName !== undefined && !cloud.world.ramRoles.includes(ramRoleName)) {
      throw new ApiError(
        'InvalidRamRole.NotFound',
        `The specified RamRoleName "${ramRoleName}" does not exist.`,
        404,
      );
    }
    // ImageOptions.LoginAsNonRoot: log in as ecs-user instead of root (ecs20140526 SDK model RunInstancesRequest)
    const loginAsNonRoot = p.bool('ImageOptions.LoginAsNonRoot') ?? false;
    const password = p.str('Password');
    if (password !== undefined && (password.length < 8 || password.length > 30)) {
      throw invalidParameter(
        'Password',
        'a password is 8 to 30 characters with three of: upper, lower, digits, symbols',
        'InvalidPassword.Malformed',
      );
    }
    const httpEndpoint = p.oneOf('HttpEndpoint', ['enabled', 'disabled'] as const) ?? 'enabled';
    const httpTokens = p.oneOf('HttpTokens', ['optional', 'required'] as const) ?? 'optional';
    const hopLimit = p.int('HttpPutResponseHopLimit', { min: 1, max: 64 }) ?? 1;
    const systemDisk = p.struct('SystemDisk');
    const sysCategory = systemDisk.Category ?? 'cloud_essd';
    if (
      !['cloud', 'cloud_efficiency', 'cloud_ssd', 'cloud_essd', 'cloud_auto', 'cloud_essd_entry'].includes(
        sysCategory,
      )
    ) {
      throw invalidParameter(
        'SystemDisk.Category',
        'must be cloud, cloud_efficiency, cloud_ssd, cloud_essd, cloud_auto or cloud_essd_entry',
        'InvalidSystemDiskCategory.ValueNotSupported',
      );
    }
    const sysSize = p.int('SystemDisk.Size', { min: 20, max: 2048 }) ?? Math.max(40, image.sizeGiB);
    if (sysSize < image.sizeGiB) {
      throw invalidParameter(
        'SystemDisk.Size',
        `must be at least the image size ${image.sizeGiB} GiB`,
        'InvalidSystemDiskSize.LessThanImageSize',
      );
    }
    const dataDiskRaw = p.structList('DataDisk', 64);
    if (dataDiskRaw.length > type.maxDataDisks) {
      throw invalidParameter(
        'DataDisk',
        `${typeName} takes at most ${type.maxDataDisks} data disks`,
        'InvalidDataDiskCount.Exceeded',
      );
    }
    const dataDisks = dataDiskRaw.map((d, idx) => {
      const size = Number(d.Size ?? '40');
      if (!Number.isInteger(size) || size < 20 || size > 32768) {
        throw invalidParameter(
          `DataDisk.${idx + 1}.Size`,
          'must be an integer from 20 to 32768',
          'InvalidDataDiskSize.ValueNotSupported',
        );
      }
      return {
        category: d.Category ?? 'cloud_essd',
        size,
        deleteWithInstance: (d.DeleteWithInstance ?? 'true') !== 'false',
      };
    });
    const internetMaxBandwidthOut = p.int('InternetMaxBandwidthOut', { min: 0, max: 100 }) ?? 0;
    const internetChargeType = p.oneOf('InternetChargeType', ['PayByTraffic', 'PayByBandwidth'] as const);
    const placement = readPlacementOptions(p);
    checkPlacementOptions(region, placement);
    const resourceGroupId = cloud.resourceGroup(p.str('ResourceGroupId'));
    if (p.bool('DryRun') === true) {
      throw new ApiError('DryRunOperation', 'Request validation has been passed with DryRun flag set.');
    }

    // how many can be created: stock, free IPs, quota
    const offering = zone.offerings[typeName];
    if (!offering) {
      throw new ApiError(
        'InvalidInstanceType.ZoneNotSupported',
        `The specified zone ${zone.zoneId} does not sell the instance type ${typeName}.`,
      );
    }
    const isSpot = spotStrategy !== 'NoSpot';
    // deployment set and private pool: how many of the Amount fit (each one taken in turn)
    const places = placeEach(cloud, region, zone, typeName, placement, amount);
    if (places.length < minAmount && places.problem)
      throw new ApiError(places.problem.code, places.problem.message);
    const fromPool = places.filter((x) => x !== undefined).length;
    const stock = (isSpot ? offering.spot : offering.onDemand) + fromPool;
    const freeIps = cloud.ips.free(net.vSwitch);
    const used = cloud.vcpusInUse(region.regionId);
    const quotaRoom = Math.floor(
      (isSpot ? region.quotas.spotVcpus - used.spot : region.quotas.onDemandVcpus - used.onDemand) /
        type.vcpu,
    );
    const n = Math.min(amount, places.length, stock, freeIps, Math.max(0, quotaRoom));
    if (n < minAmount) {
      if (stock < minAmount) {
        throw new ApiError(
          'OperationDenied.NoStock',
          `The requested resource (${typeName}, ${isSpot ? 'spot' : chargeType}) is sold out in the specified zone ${zone.zoneId}; try other types of resources or other regions and zones.`,
        );
      }
      if (freeIps < minAmount) {
        throw new ApiError(
          'InvalidVSwitchId.IpNotEnough',
          `The specified vSwitch ${vSwitchId} does not have enough free IP addresses (${freeIps} left).`,
        );
      }
      throw new ApiError(
        'QuotaExceed.ElasticQuota',
        `The number of vCPUs of ${isSpot ? 'spot' : 'pay-as-you-go'} instances would exceed the quota in ${region.regionId}.`,
      );
    }
    const now = cloud.clock.now();
    if (chargeType === 'PrePaid') expiredTime = addPeriod(now, period, periodUnit);
    const ids: string[] = [];
    for (let k = 0; k < n; k++) {
      const suffix = n > 1 ? `${String(k + 1).padStart(3, '0')}` : '';
      const inst = createInstance(cloud, {
        regionId: region.regionId,
        zone,
        vSwitch: net.vSwitch,
        vpcId: net.vpc.vpcId,
        instanceType: typeName,
        imageId,
        securityGroupIds: groups.map((g) => g.securityGroupId),
        ...(instanceName === undefined ? {} : { instanceName: `${instanceName}${suffix}` }),
        ...(hostName === undefined ? {} : { hostName: `${hostName}${suffix}` }),
        description,
        chargeType,
        spotStrategy,
        spotPriceLimit: spotStrategy === 'SpotWithPriceLimit' ? spotPriceLimit : 0,
        spotDuration: isSpot ? spotDuration : 0,
        spotInterruptionBehavior,
        ...(expiredTime === undefined ? {} : { expiredTime }),
        autoRenew: chargeType === 'PrePaid' && autoRenew,
        autoRenewPeriod,
        tags,
        ...(userData === undefined ? {} : { userData }),
        ...(keyPairName === undefined ? {} : { keyPairName }),
        loginAsNonRoot,
        deletionProtection,
        ...(ramRoleName === undefined ? {} : { ramRoleName }),
        metadataOptions: { httpEndpoint, httpTokens, httpPutResponseHopLimit: hopLimit },
        systemDisk: { category: sysCategory, size: sysSize },
        dataDisks,
        internetMaxBandwidthOut,
        ...(internetChargeType === undefined ? {} : { internetChargeType }),
        ...(placement.deploymentSetId === undefined ? {} : { deploymentSetId: placement.deploymentSetId }),
        ...(places[k] === undefined ? {} : { privatePoolId: places[k] }),
        resourceGroupId,
      });
      ids.push(inst.instanceId);
    }
    const unit = isSpot ? price.spot : price.onDemand;
    return {
      OrderId: chargeType === 'PrePaid' ? String(200_000_000_000 + Math.floor(Math.random() * 1e9)) : '',
      TradePrice: Math.round(unit * n * 1000) / 1000,
      InstanceIdSets: { InstanceIdSet: ids },
    };
  });
}

/**
 * The private pool each of `amount` instances would take (undefined: the public pool), as far as the deployment set
 * and private pool allow; `problem` says why the list is shorter than `amount`.
 */
function placeEach(
  cloud: Cloud,
  region: Region,
  zone: Zone,
  type: string,
  o: PlacementOptions,
  amount: number,
): (string | undefined)[] & { problem?: { code: string; message: string } } {
  const out: (string | undefined)[] & { problem?: { code: string; message: string } } = [];
  // placementProblem counts live instances: count the ones this call adds on top
  const extra = new Map<string, number>();
  let inSet = 0;
  for (let k = 0; k < amount; k++) {
    const r = placementProblem(cloud, region, zone, type, o, { extraInPool: extra, extraInSet: inSet });
    if (r.problem) {
      out.problem = r.problem;
      break;
    }
    out.push(r.privatePoolId);
    if (r.privatePoolId !== undefined) extra.set(r.privatePoolId, (extra.get(r.privatePoolId) ?? 0) + 1);
    inSet++;
  }
  return out;
}

/** Why one more instance of this type cannot be created in this vSwitch now (error code), or undefined. */
export function capacityProblem(
  cloud: Cloud,
  regionId: string,
  zone: Zone,
  vSwitch: VSwitch,
  instanceType: string,
  spot: boolean,
  placement: PlacementOptions = {},
): { code: string; message: string; privatePoolId?: string } | undefined {
  const region = cloud.region(regionId);
  const type = cloud.instanceType(instanceType);
  const offering = zone.offerings[instanceType];
  if (!type || !offering) {
    return {
      code: 'InvalidInstanceType.ZoneNotSupported',
      message: `The zone ${zone.zoneId} does not sell ${instanceType}.`,
    };
  }
  const placed = placementProblem(cloud, region, zone, instanceType, placement);
  if (placed.problem) return placed.problem;
  if (placed.privatePoolId === undefined && (spot ? offering.spot : offering.onDemand) < 1) {
    return {
      code: 'OperationDenied.NoStock',
      message: `The requested resource ${instanceType} (${spot ? 'spot' : 'on-demand'}) is sold out in zone ${zone.zoneId}.`,
    };
  }
  if (cloud.ips.free(vSwitch) < 1) {
    return {
      code: 'InvalidVSwitchId.IpNotEnough',
      message: `The vSwitch ${vSwitch.vSwitchId} has no free IP address.`,
    };
  }
  const used = cloud.vcpusInUse(regionId);
  const room = spot ? region.quotas.spotVcpus - used.spot : region.quotas.onDemandVcpus - used.onDemand;
  if (room < type.vcpu) {
    return {
      code: 'QuotaExceed.ElasticQuota',
      message: `The vCPU quota of ${spot ? 'spot' : 'pay-as-you-go'} instances in ${regionId} is used up.`,
    };
  }
  return undefined;
}
