import { imageTags } from '../images.js';
import type { Cloud } from '../cloud.js';
import { ApiError } from '../errors.js';
import type { ApiBody, Call } from '../server.js';
import { priceOf } from '../world.js';

export function describeRegions(cloud: Cloud, _call: Call): ApiBody {
  return {
    Regions: {
      Region: cloud.world.regions.map((r) => ({
        RegionId: r.regionId,
        LocalName: r.localName,
        RegionEndpoint: `ecs.${r.regionId}.aliyuncs.com`,
        Status: 'available',
      })),
    },
  };
}

export function describeZones(cloud: Cloud, call: Call): ApiBody {
  const region = cloud.region(call.params.str('RegionId'));
  return {
    Zones: {
      Zone: region.zones.map((z) => ({
        ZoneId: z.zoneId,
        LocalName: z.localName,
        ZoneType: 'AvailabilityZone',
        AvailableResourceCreation: { ResourceTypes: ['Instance', 'Disk', 'VSwitch'] },
        AvailableInstanceTypes: { InstanceTypes: Object.keys(z.offerings) },
        AvailableDiskCategories: { DiskCategories: ['cloud_essd', 'cloud_auto', 'cloud_efficiency'] },
        AvailableVolumeCategories: { VolumeCategories: [] },
        DedicatedHostGenerations: { DedicatedHostGeneration: [] },
        AvailableResources: { ResourcesInfo: [] },
        AvailableDedicatedHostTypes: { DedicatedHostType: [] },
      })),
    },
  };
}

export function describeInstanceTypes(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const names = p.list('InstanceTypes', 10);
  const family = p.str('InstanceTypeFamily');
  const arch = p.oneOf('CpuArchitecture', ['X86', 'ARM'] as const);
  const max = p.int('MaxResults', { min: 1, max: 1600 }) ?? 1600;
  const offset = p.has('NextToken')
    ? Number(Buffer.from(p.required('NextToken'), 'base64url').toString())
    : 0;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new ApiError('InvalidParameter.NextToken', 'The specified parameter "NextToken" is not valid.');
  }
  const all = cloud.world.instanceTypes.filter(
    (t) =>
      (names.length === 0 || names.includes(t.instanceType)) &&
      (family === undefined || t.family === family) &&
      (arch === undefined || t.architecture === arch),
  );
  const page = all.slice(offset, offset + max);
  return {
    NextToken: offset + max < all.length ? Buffer.from(String(offset + max)).toString('base64url') : '',
    InstanceTypes: {
      InstanceType: page.map((t) => ({
        InstanceTypeId: t.instanceType,
        InstanceTypeFamily: t.family,
        InstanceCategory:
          t.gpuAmount > 0 ? 'GPU-accelerated' : t.localStorageAmount > 0 ? 'Local SSDs' : 'General-purpose',
        CpuCoreCount: t.vcpu,
        CpuArchitecture: t.architecture,
        MemorySize: t.memoryGiB,
        GPUAmount: t.gpuAmount,
        GPUSpec: t.gpuSpec,
        GPUMemorySize: t.gpuAmount > 0 ? 24 : 0,
        EniQuantity: t.eniQuantity,
        EniPrivateIpAddressQuantity: t.eniPrivateIpAddressQuantity,
        EniTotalQuantity: t.eniQuantity,
        DiskQuantity: t.maxDataDisks + 1,
        LocalStorageAmount: t.localStorageAmount,
        LocalStorageCapacity: t.localStorageCapacityGiB,
        LocalStorageCategory: t.localStorageAmount > 0 ? 'local_nvme_ssd' : '',
        PhysicalProcessorModel: t.processor,
        InstanceFamilyLevel: 'EnterpriseLevel',
        CpuTurboFrequency: 3.5,
        NvmeSupport: 'required',
        SupportedBootModes: { SupportedBootMode: ['UEFI', 'BIOS'] },
      })),
    },
  };
}

/** DescribeAvailableResource with DestinationResource Zone or InstanceType: stock per zone and type. */
export function describeAvailableResource(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const destination = p.oneOf('DestinationResource', [
    'Zone',
    'IoOptimized',
    'InstanceType',
    'SystemDisk',
    'DataDisk',
    'Network',
    'ddh',
  ] as const);
  if (destination === undefined) {
    throw new ApiError(
      'MissingParameter',
      'The input parameter "DestinationResource" that is mandatory for processing this request is not supplied.',
    );
  }
  const zoneId = p.str('ZoneId');
  const type = p.str('InstanceType');
  const spot =
    (p.oneOf('SpotStrategy', ['NoSpot', 'SpotWithPriceLimit', 'SpotAsPriceGo'] as const) ?? 'NoSpot') !==
    'NoSpot';
  p.oneOf('InstanceChargeType', ['PostPaid', 'PrePaid'] as const);
  const zones = region.zones.filter((z) => zoneId === undefined || z.zoneId === zoneId);
  return {
    AvailableZones: {
      AvailableZone: zones.map((z) => {
        const types = Object.entries(z.offerings).filter(([name]) => type === undefined || name === type);
        const withStock = types.some(([, o]) => (spot ? o.spot : o.onDemand) > 0);
        return {
          RegionId: region.regionId,
          ZoneId: z.zoneId,
          Status: withStock ? 'Available' : 'SoldOut',
          StatusCategory: withStock ? 'WithStock' : 'WithoutStock',
          AvailableResources: {
            AvailableResource: [
              {
                Type: 'InstanceType',
                SupportedResources: {
                  SupportedResource: types.map(([name, o]) => {
                    const n = spot ? o.spot : o.onDemand;
                    return {
                      Value: name,
                      Status: n > 0 ? 'Available' : 'SoldOut',
                      StatusCategory: n > 0 ? (n < 10 ? 'ClosedWithStock' : 'WithStock') : 'WithoutStock',
                    };
                  }),
                },
              },
            ],
          },
        };
      }),
    },
  };
}

export function describeImages(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const ids = p
    .str('ImageId')
    ?.split(',')
    .map((s) => s.trim());
  const name = p.str('ImageName');
  const family = p.str('ImageFamily');
  const owner = p.oneOf('ImageOwnerAlias', ['system', 'self', 'others', 'marketplace'] as const);
  const osType = p.oneOf('OSType', ['linux', 'windows'] as const);
  const arch = p.oneOf('Architecture', ['i386', 'x86_64', 'arm64'] as const);
  const type = p.str('InstanceType');
  const t = type === undefined ? undefined : cloud.instanceType(type);
  const all = region.images.filter(
    (i) =>
      (!ids || ids.includes(i.imageId)) &&
      (name === undefined || i.imageName === name) &&
      (family === undefined || i.imageFamily === family) &&
      (owner === undefined || i.ownerAlias === owner) &&
      (osType === undefined || i.osType === osType) &&
      (arch === undefined || i.architecture === arch) &&
      (t === undefined || (t.architecture === 'ARM') === (i.architecture === 'arm64')),
  );
  const pageSize = p.int('PageSize', { min: 1, max: 100 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  return {
    RegionId: region.regionId,
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    Images: {
      Image: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((i) => ({
        ImageId: i.imageId,
        ImageName: i.imageName,
        ImageFamily: i.imageFamily,
        ImageVersion: i.imageVersion,
        OSName: i.osName,
        OSNameEn: i.osNameEn,
        OSType: i.osType,
        Platform: i.platform,
        Architecture: i.architecture,
        ImageOwnerAlias: i.ownerAlias,
        Size: i.sizeGiB,
        Status: 'Available',
        Usage: 'instance',
        IsSupportCloudinit: true,
        IsSupportIoOptimized: true,
        IsPublic: i.ownerAlias === 'system',
        IsSelfShared: '',
        CreationTime: i.creationTime,
        BootMode: 'UEFI-Preferred',
        DiskDeviceMappings: {
          DiskDeviceMapping: [{ Type: 'system', Size: String(i.sizeGiB), Format: 'vhd' }],
        },
        Tags: { Tag: imageTags(i) },
      })),
    },
  };
}

/** DescribePrice for an instance type in a zone (pay-as-you-go or spot, per hour). */
export function describePrice(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const typeName = p.required('InstanceType');
  const zoneId = p.str('ZoneId') ?? region.zones[0]?.zoneId ?? '';
  const zone = cloud.zone(region, zoneId);
  if (!zone) throw new ApiError('InvalidZoneId.NotFound', `The specified ZoneId "${zoneId}" does not exist.`);
  if (!cloud.instanceType(typeName)) {
    throw new ApiError(
      'InvalidInstanceType.ValueNotSupported',
      `The specified InstanceType "${typeName}" does not exist or beyond the permitted range.`,
    );
  }
  const spot =
    (p.oneOf('SpotStrategy', ['NoSpot', 'SpotWithPriceLimit', 'SpotAsPriceGo'] as const) ?? 'NoSpot') !==
    'NoSpot';
  const price = priceOf(cloud.world, zone, typeName);
  const amount = spot ? price.spot : price.onDemand;
  return {
    PriceInfo: {
      Price: {
        OriginalPrice: price.onDemand,
        DiscountPrice: price.onDemand - amount,
        TradePrice: amount,
        Currency: 'CNY',
      },
      Rules: { Rule: [] },
    },
  };
}
