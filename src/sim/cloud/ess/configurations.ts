import { ecsTime } from '../clock.js';
import { ApiError, invalidParameter, missingParameter } from '../errors.js';
import { resourceId } from '../ids.js';
import type { Params } from '../params.js';
import type { ApiBody, Call } from '../server.js';
import { checkPlacementOptions, readPlacementOptions } from '../ecs/placement.js';
import { readUserData } from '../ecs/run-instances.js';
import { getGroup, type Ess } from './groups.js';
import type { ScalingConfiguration } from './model.js';
import type { Region } from '../world.js';

/** `Tags` of a scaling configuration: a JSON object string, ≤ 20 tags, no reserved prefixes. */
function readConfigTags(p: Params): Record<string, string> | undefined {
  const raw = p.str('Tags');
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidParameter('Tags', 'must be a JSON object of string keys and values');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter('Tags', 'must be a JSON object of string keys and values');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') throw invalidParameter('Tags', `the value of "${k}" must be a string`);
    if (k.length < 1 || k.length > 64 || /^(aliyun|acs:|https?:\/\/)/i.test(k)) {
      throw invalidParameter(
        'Tags',
        `the key "${k}" must be 1-64 characters and not start with aliyun, acs:, http:// or https://`,
        'InvalidTagKey.Malformed',
      );
    }
    if (v.length > 128)
      throw invalidParameter(
        'Tags',
        `the value of "${k}" is longer than 128 characters`,
        'InvalidTagValue.Malformed',
      );
    out[k] = v;
  }
  if (Object.keys(out).length > 20)
    throw new ApiError(
      'InvalidTagCount',
      'The specified tags are beyond the permitted range: at most 20 tags.',
    );
  return out;
}

type ConfigFields = Omit<ScalingConfiguration, 'id' | 'groupId' | 'creationTime' | 'name'>;

/**
 * The key pair and RAM role a configuration names must exist: 404 `InvalidKeyPairName.NotFound` /
 * `InvalidRamRole.NotFound` (ECS API reference, RunInstances error codes — ESS checks them when the configuration
 * is written; the ESS status of these codes is unverified).
 */
export function checkReferences(
  ess: Ess,
  region: Region,
  ref: { keyPairName?: string | undefined; ramRoleName?: string | undefined },
): void {
  if (ref.keyPairName !== undefined && !region.keyPairs.includes(ref.keyPairName)) {
    throw new ApiError(
      'InvalidKeyPairName.NotFound',
      `The specified KeyPairName "${ref.keyPairName}" does not exist in our records.`,
      404,
    );
  }
  if (ref.ramRoleName !== undefined && !ess.cloud.world.ramRoles.includes(ref.ramRoleName)) {
    throw new ApiError(
      'InvalidRamRole.NotFound',
      `The specified RamRoleName "${ref.ramRoleName}" does not exist.`,
      404,
    );
  }
}

/** Configuration names are unique within a scaling group (400 `InvalidScalingConfigurationName.Duplicate`). */
function checkName(ess: Ess, groupId: string, name: string | undefined, self?: string): void {
  if (name === undefined) return;
  if (ess.state.configurationsOf(groupId).some((c) => c.name === name && c.id !== self)) {
    throw new ApiError(
      'InvalidScalingConfigurationName.Duplicate',
      `The specified scaling configuration name "${name}" already exists in ${groupId}.`,
    );
  }
}

/** The fields of Create/ModifyScalingConfiguration; `base` gives the current values for Modify. */
function readConfig(ess: Ess, p: Params, regionId: string, base?: ScalingConfiguration): ConfigFields {
  const region = ess.cloud.region(regionId);
  const imageId = p.str('ImageId') ?? base?.imageId;
  if (imageId === undefined) throw missingParameter('ImageId');
  const image = ess.cloud.image(region, imageId);
  if (!image)
    throw new ApiError('InvalidImageId.NotFound', `The specified image "${imageId}" does not exist.`);
  const listed = p.list('InstanceTypes', 10);
  const single = p.str('InstanceType');
  if (single !== undefined && !listed.includes(single)) listed.unshift(single);
  const instanceTypes = listed.length > 0 ? listed : (base?.instanceTypes ?? []);
  if (instanceTypes.length === 0) throw missingParameter('InstanceTypes.N');
  for (const [i, t] of instanceTypes.entries()) {
    const spec = ess.cloud.instanceType(t);
    if (!spec)
      throw new ApiError(
        'InvalidInstanceType.ValueNotSupported',
        `The specified InstanceTypes.${i + 1} "${t}" does not exist.`,
      );
    if ((spec.architecture === 'ARM') !== (image.architecture === 'arm64')) {
      throw new ApiError(
        'InvalidInstanceType.NotSupported',
        `The image ${imageId} (${image.architecture}) does not support ${t} (${spec.architecture}).`,
        400,
      );
    }
  }
  const sgList = p.list('SecurityGroupIds', 16);
  const sg = p.str('SecurityGroupId');
  if (sg !== undefined && !sgList.includes(sg)) sgList.unshift(sg);
  const securityGroupIds = sgList.length > 0 ? sgList : (base?.securityGroupIds ?? []);
  if (securityGroupIds.length === 0) throw missingParameter('SecurityGroupId');
  for (const id of securityGroupIds) {
    if (!ess.cloud.securityGroup(region, id))
      throw new ApiError(
        'InvalidSecurityGroupId.NotFound',
        `The specified security group "${id}" does not exist.`,
      );
  }
  const userData = readUserData(p) ?? base?.userData;
  const password = p.str('Password');
  if (password !== undefined && (password.length < 8 || password.length > 30)) {
    throw invalidParameter(
      'Password',
      'a password is 8 to 30 characters with three of: upper, lower, digits, symbols',
      'InvalidPassword.Malformed',
    );
  }
  const spotStrategy =
    p.oneOf('SpotStrategy', ['NoSpot', 'SpotWithPriceLimit', 'SpotAsPriceGo'] as const) ??
    base?.spotStrategy ??
    'NoSpot';
  const limits = p.structList('SpotPriceLimit', 10).map((l, i) => {
    const price = Number(l.PriceLimit);
    if (!l.InstanceType) throw missingParameter(`SpotPriceLimit.${i + 1}.InstanceType`);
    if (!Number.isFinite(price) || price <= 0)
      throw invalidParameter(`SpotPriceLimit.${i + 1}.PriceLimit`, 'must be a positive number');
    return { instanceType: l.InstanceType, priceLimit: price };
  });
  const sysCategory =
    p.str('SystemDisk.Category') ??
    p.list('SystemDiskCategories', 4)[0] ??
    base?.systemDisk.category ??
    'cloud_essd';
  const sysSize =
    p.int('SystemDisk.Size', { min: 20, max: 2048 }) ?? base?.systemDisk.size ?? Math.max(40, image.sizeGiB);
  const dataDisks = p.structList('DataDisk', 16).map((d, i) => {
    const size = Number(d.Size ?? '40');
    if (!Number.isInteger(size) || size < 20 || size > 32768)
      throw invalidParameter(`DataDisk.${i + 1}.Size`, 'must be an integer from 20 to 32768');
    return {
      category: d.Category ?? 'cloud_essd',
      size,
      deleteWithInstance: (d.DeleteWithInstance ?? 'true') !== 'false',
    };
  });
  const keyPairName = p.text('KeyPairName', { max: 128 }) ?? base?.keyPairName;
  const ramRoleName = p.text('RamRoleName', { max: 64 }) ?? base?.ramRoleName;
  checkReferences(ess, region, { keyPairName, ramRoleName });
  // ImageOptionsLoginAsNonRoot (flat, as ESS spells it): instances log in as ecs-user (ESS SDK models
  // Create/ModifyScalingConfigurationRequest, DescribeScalingConfigurations)
  const loginAsNonRoot = p.bool('ImageOptionsLoginAsNonRoot') ?? base?.loginAsNonRoot ?? false;
  // DeploymentSetId and PrivatePoolOptions.* (ESS SDK model CreateScalingConfigurationRequest) are checked as
  // RunInstances checks them, and applied to every instance the group creates (see ecs/placement.ts)
  const placement = readPlacementOptions(p);
  checkPlacementOptions(region, placement);
  const deploymentSetId = placement.deploymentSetId ?? base?.deploymentSetId;
  const privatePool = placement.privatePool ?? base?.privatePool;
  const hostName = p.text('HostName', { min: 2, max: 64 }) ?? base?.hostName;
  const instanceName = p.text('InstanceName', { min: 2, max: 128 }) ?? base?.instanceName;
  // ResourceGroupId: the resource group of the instances the configuration launches (ESS SDK model
  // CreateScalingConfigurationRequest); it must exist (404 InvalidResourceGroup.NotFound, as ECS documents)
  const rg = p.str('ResourceGroupId');
  const resourceGroupId = rg === undefined ? base?.resourceGroupId : ess.cloud.resourceGroup(rg);
  return {
    ...(resourceGroupId === undefined ? {} : { resourceGroupId }),
    imageId,
    instanceTypes,
    securityGroupIds,
    systemDisk: { category: sysCategory, size: sysSize },
    dataDisks: dataDisks.length > 0 ? dataDisks : (base?.dataDisks ?? []),
    ...(userData === undefined ? {} : { userData }),
    ...(keyPairName === undefined ? {} : { keyPairName }),
    loginAsNonRoot,
    spotStrategy,
    spotPriceLimits: limits.length > 0 ? limits : (base?.spotPriceLimits ?? []),
    spotInterruptionBehavior:
      p.oneOf('SpotInterruptionBehavior', ['Terminate', 'Stop'] as const) ??
      base?.spotInterruptionBehavior ??
      'Terminate',
    tags: readConfigTags(p) ?? base?.tags ?? {},
    ...(ramRoleName === undefined ? {} : { ramRoleName }),
    ...(hostName === undefined ? {} : { hostName }),
    ...(instanceName === undefined ? {} : { instanceName }),
    internetMaxBandwidthOut:
      p.int('InternetMaxBandwidthOut', { min: 0, max: 100 }) ?? base?.internetMaxBandwidthOut ?? 0,
    internetChargeType:
      p.oneOf('InternetChargeType', ['PayByTraffic', 'PayByBandwidth'] as const) ??
      base?.internetChargeType ??
      'PayByTraffic',
    ...(deploymentSetId === undefined ? {} : { deploymentSetId }),
    ...(privatePool === undefined ? {} : { privatePool }),
    securityEnhancementStrategy:
      p.oneOf('SecurityEnhancementStrategy', ['Active', 'Deactive'] as const) ??
      base?.securityEnhancementStrategy ??
      'Active',
  };
}

export function createScalingConfiguration(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const g = getGroup(ess, p);
  const region = ess.cloud.region(g.regionId);
  const existing = ess.state.configurationsOf(g.id);
  if (existing.length >= region.quotas.scalingConfigurationsPerGroup) {
    throw new ApiError(
      'QuotaExceeded.ScalingConfiguration',
      `The scaling group ${g.id} already has ${existing.length} scaling configurations (quota ${region.quotas.scalingConfigurationsPerGroup}): modify one instead.`,
    );
  }
  const fields = readConfig(ess, p, g.regionId);
  const name = p.text('ScalingConfigurationName', { min: 2, max: 64 });
  checkName(ess, g.id, name);
  const id = resourceId('asc', g.regionId);
  ess.state.configurations.set(id, {
    ...fields,
    id,
    groupId: g.id,
    name: name ?? id,
    creationTime: ess.cloud.clock.now(),
  });
  return { ScalingConfigurationId: id };
}

function getConfig(ess: Ess, p: Params): ScalingConfiguration {
  ess.cloud.region(p.str('RegionId'));
  const id = p.required('ScalingConfigurationId');
  const c = ess.state.configurations.get(id);
  if (!c)
    throw new ApiError(
      'InvalidScalingConfigurationId.NotFound',
      `The specified scaling configuration "${id}" does not exist.`,
    );
  return c;
}

export function modifyScalingConfiguration(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const c = getConfig(ess, p);
  const g = ess.state.groups.get(c.groupId);
  const fields = readConfig(ess, p, g?.regionId ?? ess.cloud.world.regions[0]?.regionId ?? '', c);
  const name = p.text('ScalingConfigurationName', { min: 2, max: 64 });
  checkName(ess, c.groupId, name, c.id);
  Object.assign(c, fields, name === undefined ? {} : { name });
  return {};
}

export function deleteScalingConfiguration(ess: Ess, call: Call): ApiBody {
  const c = getConfig(ess, call.params);
  const g = ess.state.groups.get(c.groupId);
  if (g && g.activeConfigurationId === c.id && g.state === 'Active') {
    throw new ApiError(
      'IncorrectScalingConfigurationStatus',
      `The scaling configuration ${c.id} is active in ${g.id}: activate another one first.`,
    );
  }
  ess.state.configurations.delete(c.id);
  if (g?.activeConfigurationId === c.id) delete g.activeConfigurationId;
  return {};
}

export function describeScalingConfigurations(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const region = ess.cloud.region(p.str('RegionId'));
  const groupId = p.str('ScalingGroupId');
  const ids = p.list('ScalingConfigurationId', 10);
  const pageSize = p.int('PageSize', { min: 1, max: 50 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const all = [...ess.state.configurations.values()].filter((c) => {
    const g = ess.state.groups.get(c.groupId);
    return (
      g?.regionId === region.regionId &&
      (groupId === undefined || c.groupId === groupId) &&
      (ids.length === 0 || ids.includes(c.id))
    );
  });
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    ScalingConfigurations: {
      ScalingConfiguration: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((c) => {
        const g = ess.state.groups.get(c.groupId);
        return {
          ScalingConfigurationId: c.id,
          ScalingConfigurationName: c.name,
          ScalingGroupId: c.groupId,
          LifecycleState: g?.activeConfigurationId === c.id ? 'Active' : 'Inactive',
          ImageId: c.imageId,
          InstanceType: c.instanceTypes[0] ?? '',
          InstanceTypes: { InstanceType: [...c.instanceTypes] },
          SecurityGroupId: c.securityGroupIds[0] ?? '',
          SecurityGroupIds: { SecurityGroupId: [...c.securityGroupIds] },
          SystemDiskCategory: c.systemDisk.category,
          SystemDiskSize: c.systemDisk.size,
          SystemDiskCategories: { SystemDiskCategory: [c.systemDisk.category] },
          DataDisks: {
            DataDisk: c.dataDisks.map((d) => ({
              Category: d.category,
              Size: d.size,
              DeleteWithInstance: d.deleteWithInstance,
            })),
          },
          UserData: c.userData ?? '',
          KeyPairName: c.keyPairName ?? '',
          ImageOptionsLoginAsNonRoot: c.loginAsNonRoot,
          RamRoleName: c.ramRoleName ?? '',
          HostName: c.hostName ?? '',
          InstanceName: c.instanceName ?? '',
          ResourceGroupId: c.resourceGroupId ?? '',
          SpotStrategy: c.spotStrategy,
          SpotPriceLimits: {
            SpotPriceModel: c.spotPriceLimits.map((l) => ({
              InstanceType: l.instanceType,
              PriceLimit: l.priceLimit,
            })),
          },
          SpotInterruptionBehavior: c.spotInterruptionBehavior,
          Tags: { Tag: Object.entries(c.tags).map(([Key, Value]) => ({ Key, Value })) },
          InternetMaxBandwidthOut: c.internetMaxBandwidthOut,
          InternetChargeType: c.internetChargeType,
          DeploymentSetId: c.deploymentSetId ?? '',
          PrivatePoolOptions: {
            MatchCriteria: c.privatePool?.matchCriteria ?? '',
            Id: c.privatePool?.id ?? '',
          },
          SecurityEnhancementStrategy: c.securityEnhancementStrategy,
          CreationTime: ecsTime(c.creationTime),
        };
      }),
    },
  };
}
