import { ecsTime } from '../clock.js';
import type { Cloud, Instance, Tag } from '../cloud.js';
import { RawJson } from '../server.js';

/** The fields of an instance its DescribeInstances answer is made of, copied (arrays too) when it was cached. */
type Described = Pick<
  Instance,
  | 'instanceId'
  | 'instanceName'
  | 'hostName'
  | 'description'
  | 'regionId'
  | 'zoneId'
  | 'status'
  | 'instanceType'
  | 'imageId'
  | 'chargeType'
  | 'internetMaxBandwidthOut'
  | 'internetChargeType'
  | 'publicIp'
  | 'deploymentSetId'
  | 'spotStrategy'
  | 'spotPriceLimit'
  | 'spotDuration'
  | 'spotInterruptionBehavior'
  | 'creationTime'
  | 'startTime'
  | 'expiredTime'
  | 'stoppedMode'
  | 'deletionProtection'
  | 'keyPairName'
  | 'loginAsNonRoot'
  | 'resourceGroupId'
  | 'vpcId'
  | 'vSwitchId'
  | 'privateIp'
  | 'securityGroupIds'
  | 'tags'
  | 'operationLocks'
  | 'metadataOptions'
>;

function described(i: Instance): Described {
  return {
    instanceId: i.instanceId,
    instanceName: i.instanceName,
    hostName: i.hostName,
    description: i.description,
    regionId: i.regionId,
    zoneId: i.zoneId,
    status: i.status,
    instanceType: i.instanceType,
    imageId: i.imageId,
    chargeType: i.chargeType,
    internetMaxBandwidthOut: i.internetMaxBandwidthOut,
    internetChargeType: i.internetChargeType,
    publicIp: i.publicIp,
    deploymentSetId: i.deploymentSetId,
    spotStrategy: i.spotStrategy,
    spotPriceLimit: i.spotPriceLimit,
    spotDuration: i.spotDuration,
    spotInterruptionBehavior: i.spotInterruptionBehavior,
    creationTime: i.creationTime,
    startTime: i.startTime,
    expiredTime: i.expiredTime,
    stoppedMode: i.stoppedMode,
    deletionProtection: i.deletionProtection,
    keyPairName: i.keyPairName,
    loginAsNonRoot: i.loginAsNonRoot,
    resourceGroupId: i.resourceGroupId,
    vpcId: i.vpcId,
    vSwitchId: i.vSwitchId,
    privateIp: i.privateIp,
    securityGroupIds: [...i.securityGroupIds],
    tags: i.tags.map((t) => ({ key: t.key, value: t.value })),
    operationLocks: [...i.operationLocks],
    metadataOptions: { ...i.metadataOptions },
  };
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function sameTags(a: readonly Tag[], b: readonly Tag[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    if (x?.key !== y?.key || x?.value !== y?.value) return false;
  }
  return true;
}

/**
 * Whether the instance still has the fields it had when `d` was taken. Written out field by field: it runs for
 * every instance of every DescribeInstances answer, and allocates nothing.
 */
function unchanged(d: Described, i: Instance): boolean {
  return (
    d.status === i.status &&
    d.startTime === i.startTime &&
    d.stoppedMode === i.stoppedMode &&
    d.chargeType === i.chargeType &&
    d.expiredTime === i.expiredTime &&
    d.deletionProtection === i.deletionProtection &&
    d.instanceName === i.instanceName &&
    d.hostName === i.hostName &&
    d.description === i.description &&
    d.spotStrategy === i.spotStrategy &&
    d.spotPriceLimit === i.spotPriceLimit &&
    d.spotDuration === i.spotDuration &&
    d.spotInterruptionBehavior === i.spotInterruptionBehavior &&
    d.instanceId === i.instanceId &&
    d.regionId === i.regionId &&
    d.zoneId === i.zoneId &&
    d.instanceType === i.instanceType &&
    d.imageId === i.imageId &&
    d.internetMaxBandwidthOut === i.internetMaxBandwidthOut &&
    d.internetChargeType === i.internetChargeType &&
    d.publicIp === i.publicIp &&
    d.deploymentSetId === i.deploymentSetId &&
    d.creationTime === i.creationTime &&
    d.keyPairName === i.keyPairName &&
    d.loginAsNonRoot === i.loginAsNonRoot &&
    d.resourceGroupId === i.resourceGroupId &&
    d.vpcId === i.vpcId &&
    d.vSwitchId === i.vSwitchId &&
    d.privateIp === i.privateIp &&
    d.metadataOptions.httpEndpoint === i.metadataOptions.httpEndpoint &&
    d.metadataOptions.httpTokens === i.metadataOptions.httpTokens &&
    d.metadataOptions.httpPutResponseHopLimit === i.metadataOptions.httpPutResponseHopLimit &&
    sameStrings(d.securityGroupIds, i.securityGroupIds) &&
    sameStrings(d.operationLocks, i.operationLocks) &&
    sameTags(d.tags, i.tags)
  );
}

const cache = new WeakMap<Instance, { state: Described; json: RawJson }>();

/**
 * describeInstance as cached JSON bytes. Any change of a field the answer is made of (status, times, tags,
 * locks, names, charge type, addresses, …) is seen by comparing with the copy taken when it was cached, and the
 * piece is rebuilt; the world's catalogue and images it also reads do not change while the simulator runs.
 */
export function describeInstanceJson(cloud: Cloud, i: Instance): RawJson {
  const hit = cache.get(i);
  if (hit && unchanged(hit.state, i)) return hit.json;
  const state = described(i);
  const json = new RawJson(JSON.stringify(describeInstance(cloud, i)));
  cache.set(i, { state, json });
  return json;
}

/** One instance as DescribeInstances returns it (every list a real array, wrapped as the API wraps it). */
export function describeInstance(cloud: Cloud, i: Instance): Record<string, unknown> {
  const t = cloud.instanceType(i.instanceType);
  const region = cloud.world.regions.find((r) => r.regionId === i.regionId);
  const image = region?.images.find((x) => x.imageId === i.imageId);
  return {
    InstanceId: i.instanceId,
    InstanceName: i.instanceName,
    HostName: i.hostName,
    Description: i.description,
    RegionId: i.regionId,
    ZoneId: i.zoneId,
    Status: i.status,
    InstanceType: i.instanceType,
    InstanceTypeFamily: t?.family ?? '',
    Cpu: t?.vcpu ?? 0,
    Memory: Math.round((t?.memoryGiB ?? 0) * 1024),
    GPUAmount: t?.gpuAmount ?? 0,
    GPUSpec: t?.gpuSpec ?? '',
    LocalStorageAmount: t?.localStorageAmount ?? 0,
    LocalStorageCapacity: t?.localStorageCapacityGiB ?? 0,
    ImageId: i.imageId,
    OSName: image?.osName ?? '',
    OSNameEn: image?.osNameEn ?? '',
    OSType: image?.osType ?? 'linux',
    InstanceChargeType: i.chargeType,
    InternetChargeType: i.internetChargeType ?? 'PayByTraffic',
    InternetMaxBandwidthIn: i.internetMaxBandwidthOut > 0 ? 100 : 0,
    InternetMaxBandwidthOut: i.internetMaxBandwidthOut,
    SpotStrategy: i.spotStrategy,
    SpotPriceLimit: i.spotPriceLimit,
    SpotDuration: i.spotDuration,
    SpotInterruptionBehavior: i.spotInterruptionBehavior,
    CreationTime: ecsTime(i.creationTime),
    StartTime: i.startTime === undefined ? '' : ecsTime(i.startTime),
    ExpiredTime: i.expiredTime === undefined ? '2099-12-31T15:59Z' : ecsTime(i.expiredTime),
    AutoReleaseTime: '',
    StoppedMode: i.status === 'Stopped' ? (i.stoppedMode ?? 'KeepCharging') : 'Not-applicable',
    InstanceNetworkType: 'vpc',
    IoOptimized: true,
    DeletionProtection: i.deletionProtection,
    Recyclable: false,
    DeviceAvailable: true,
    KeyPairName: i.keyPairName ?? '',
    ImageOptions: { LoginAsNonRoot: i.loginAsNonRoot === true },
    ResourceGroupId: i.resourceGroupId,
    SaleCycle: i.chargeType === 'PrePaid' ? 'Month' : '',
    VpcAttributes: {
      VpcId: i.vpcId,
      VSwitchId: i.vSwitchId,
      NatIpAddress: '',
      PrivateIpAddress: { IpAddress: [i.privateIp] },
    },
    PublicIpAddress: { IpAddress: i.publicIp === undefined ? [] : [i.publicIp] },
    DeploymentSetId: i.deploymentSetId ?? '',
    InnerIpAddress: { IpAddress: [] },
    RdmaIpAddress: { IpAddress: [] },
    EipAddress: { AllocationId: '', IpAddress: '', Bandwidth: 0, InternetChargeType: '' },
    SecurityGroupIds: { SecurityGroupId: [...i.securityGroupIds] },
    Tags: { Tag: i.tags.map((x) => ({ TagKey: x.key, TagValue: x.value })) },
    OperationLocks: { LockReason: i.operationLocks.map((r) => ({ LockReason: r, LockMsg: '' })) },
    MetadataOptions: {
      HttpEndpoint: i.metadataOptions.httpEndpoint,
      HttpTokens: i.metadataOptions.httpTokens,
      HttpPutResponseHopLimit: i.metadataOptions.httpPutResponseHopLimit,
    },
    NetworkInterfaces: {
      NetworkInterface: [
        {
          NetworkInterfaceId: `eni-${i.instanceId.slice(2)}`,
          Type: 'Primary',
          PrimaryIpAddress: i.privateIp,
          MacAddress: macOf(i.instanceId),
          PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: i.privateIp, Primary: true }] },
        },
      ],
    },
  };
}

function macOf(id: string): string {
  let h = 0;
  for (let k = 0; k < id.length; k++) h = (Math.imul(h, 31) + id.charCodeAt(k)) >>> 0;
  const b = [0x00, 0x16, 0x3e, (h >>> 16) & 255, (h >>> 8) & 255, h & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
