import { ecsTime } from '../clock.js';
import type { Cloud, Instance } from '../cloud.js';
import { RawJson } from '../server.js';

const cache = new WeakMap<Instance, { key: string; json: RawJson }>();

/** What of an instance can change after creation (the rest, and the world's catalogue, is fixed). */
function fingerprint(i: Instance): string {
  return [
    i.status,
    i.startTime,
    i.stoppedMode,
    i.chargeType,
    i.expiredTime,
    i.autoRenew,
    i.deletionProtection,
    i.instanceName,
    i.hostName,
    i.description,
    i.spotStrategy,
    i.tags.map((t) => `${t.key}=${t.value}`).join('\n'),
    i.operationLocks.join(','),
  ].join('\u0001');
}

/** describeInstance as cached JSON text: rebuilt only when the instance changed. */
export function describeInstanceJson(cloud: Cloud, i: Instance): RawJson {
  const key = fingerprint(i);
  const hit = cache.get(i);
  if (hit?.key === key) return hit.json;
  const json = new RawJson(JSON.stringify(describeInstance(cloud, i)));
  cache.set(i, { key, json });
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
    InternetChargeType: 'PayByTraffic',
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
    ResourceGroupId: i.resourceGroupId,
    SaleCycle: i.chargeType === 'PrePaid' ? 'Month' : '',
    VpcAttributes: {
      VpcId: i.vpcId,
      VSwitchId: i.vSwitchId,
      NatIpAddress: '',
      PrivateIpAddress: { IpAddress: [i.privateIp] },
    },
    PublicIpAddress: { IpAddress: [] },
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
