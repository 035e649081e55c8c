import { ecsTime } from '../clock.js';
import type { Cloud } from '../cloud.js';
import { ApiError, invalidParameter, missingParameter } from '../errors.js';
import { resourceId } from '../ids.js';
import type { Params } from '../params.js';
import type { ApiBody, Call } from '../server.js';
import { idempotent } from '../ecs/run-instances.js';
import { activeMembers, type EssEngine } from './engine.js';
import type { EssState, GroupTag, MultiAZPolicy, ScalingGroup } from './model.js';

export interface Ess {
  cloud: Cloud;
  state: EssState;
  engine: EssEngine;
}

export function groupNotFound(id: string): ApiError {
  return new ApiError(
    'InvalidScalingGroupId.NotFound',
    `The specified scaling group "${id}" does not exist.`,
  );
}

/**
 * The group a write names. A group being deleted (ForceDelete) is still there: writes on it answer
 * IncorrectScalingGroupStatus (ESS API reference: "The current status of the specified scaling group does not
 * support this action"), and it disappears (InvalidScalingGroupId.NotFound) once the deletion finished.
 */
export function getGroup(ess: Ess, p: Params, name = 'ScalingGroupId'): ScalingGroup {
  const region = ess.cloud.region(p.str('RegionId'));
  const id = p.required(name);
  const g = ess.state.groups.get(id);
  if (!g || g.regionId !== region.regionId) throw groupNotFound(id);
  if (g.state === 'Deleting') throw incorrectGroupStatus(g, 'Active or Inactive');
  return g;
}

export function incorrectGroupStatus(g: ScalingGroup, want: string): ApiError {
  return new ApiError(
    'IncorrectScalingGroupStatus',
    `The current status of the specified scaling group does not support this action: ${g.id} is ${g.state}, it must be ${want}.`,
  );
}

const POLICIES = ['PRIORITY', 'COST_OPTIMIZED', 'BALANCE', 'COMPOSABLE'] as const;
const SCALING_POLICIES = ['release', 'recycle', 'forcerelease', 'forcerecycle'] as const;
const REMOVAL = ['OldestScalingConfiguration', 'OldestInstance', 'NewestInstance', 'CustomPolicy'] as const;

function readGroupTags(p: Params): GroupTag[] {
  const raw = p.structList('Tag', 1000);
  if (raw.length > 20)
    throw new ApiError(
      'InvalidTagCount',
      'The specified tags are beyond the permitted range: at most 20 tags.',
    );
  return raw.map((t, i) => {
    const key = t.Key;
    if (!key) throw missingParameter(`Tag.${i + 1}.Key`);
    if (/^(aliyun|acs:|https?:\/\/)/i.test(key)) {
      throw invalidParameter(
        `Tag.${i + 1}.Key`,
        'a tag key cannot start with aliyun, acs:, http:// or https://',
        'InvalidTagKey.Malformed',
      );
    }
    return { key, value: t.Value ?? '', propagate: (t.Propagate ?? 'false').toLowerCase() === 'true' };
  });
}

function checkSizes(min: number, max: number, desired: number | undefined): void {
  if (min > max) throw invalidParameter('MinSize', 'MinSize must not be larger than MaxSize');
  if (desired !== undefined && (desired < min || desired > max)) {
    throw invalidParameter('DesiredCapacity', 'must be between MinSize and MaxSize');
  }
}

function readVSwitches(ess: Ess, p: Params, regionId: string): { ids: string[]; vpcId: string } | undefined {
  const ids = p.list('VSwitchIds', 8);
  const single = p.str('VSwitchId');
  if (single !== undefined && !ids.includes(single)) ids.unshift(single);
  if (ids.length === 0) return undefined;
  const region = ess.cloud.region(regionId);
  let vpcId = '';
  for (const id of ids) {
    const net = ess.cloud.vSwitch(region, id);
    if (!net)
      throw new ApiError('InvalidVSwitchId.NotFound', `The specified vSwitch "${id}" does not exist.`);
    if (vpcId !== '' && net.vpc.vpcId !== vpcId) {
      throw invalidParameter(
        'VSwitchIds',
        'all vSwitches must be in the same VPC',
        'InvalidVSwitchId.VPCMismatch',
      );
    }
    vpcId = net.vpc.vpcId;
  }
  return { ids, vpcId };
}

export function createScalingGroup(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const region = ess.cloud.region(p.str('RegionId'));
  return idempotent(ess.cloud, call, () => {
    const min = p.int('MinSize', { min: 0, max: 2000 });
    const max = p.int('MaxSize', { min: 0, max: 2000 });
    if (min === undefined) throw missingParameter('MinSize');
    if (max === undefined) throw missingParameter('MaxSize');
    const desired = p.int('DesiredCapacity', { min: 0, max: 2000 });
    checkSizes(min, max, desired);
    const name = p.text('ScalingGroupName', {
      min: 2,
      max: 64,
      pattern: /^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u,
      patternRule: 'letters, digits, Chinese characters, ".", "_" and "-", starting with a letter or digit',
    });
    const groups = [...ess.state.groups.values()].filter((g) => g.regionId === region.regionId);
    if (name !== undefined && groups.some((g) => g.name === name)) {
      throw new ApiError(
        'InvalidScalingGroupName.Duplicate',
        `The specified scaling group name "${name}" already exists.`,
      );
    }
    if (groups.length >= region.quotas.scalingGroups) {
      throw new ApiError(
        'QuotaExceeded.ScalingGroup',
        `The number of scaling groups in ${region.regionId} has reached the quota ${region.quotas.scalingGroups}.`,
      );
    }
    const vsw = readVSwitches(ess, p, region.regionId);
    if (!vsw) throw missingParameter('VSwitchIds.N');
    const multiAZPolicy: MultiAZPolicy = p.oneOf('MultiAZPolicy', POLICIES) ?? 'PRIORITY';
    const compensate = p.bool('CompensateWithOnDemand') ?? false;
    const now = ess.cloud.clock.now();
    const id = resourceId('asg', region.regionId);
    const g: ScalingGroup = {
      id,
      regionId: region.regionId,
      name: name ?? id,
      state: 'Inactive',
      minSize: min,
      maxSize: max,
      ...(desired === undefined ? {} : { desiredCapacity: desired }),
      vSwitchIds: vsw.ids,
      vpcId: vsw.vpcId,
      multiAZPolicy,
      scalingPolicy: p.oneOf('ScalingPolicy', SCALING_POLICIES) ?? 'release',
      removalPolicies: [
        p.oneOf('RemovalPolicy.1', REMOVAL),
        p.oneOf('RemovalPolicy.2', REMOVAL),
        p.oneOf('RemovalPolicy.3', REMOVAL),
      ].filter((x): x is (typeof REMOVAL)[number] => x !== undefined),
      tags: readGroupTags(p),
      defaultCooldown: p.int('DefaultCooldown', { min: 0, max: 86_400 }) ?? 300,
      healthCheckType: p.oneOf('HealthCheckType', ['ECS', 'NONE', 'LOAD_BALANCER'] as const) ?? 'ECS',
      groupDeletionProtection: p.bool('GroupDeletionProtection') ?? false,
      onDemandBaseCapacity: p.int('OnDemandBaseCapacity', { min: 0, max: 1000 }) ?? 0,
      onDemandPercentageAboveBaseCapacity:
        p.int('OnDemandPercentageAboveBaseCapacity', { min: 0, max: 100 }) ?? 100,
      spotInstancePools: p.int('SpotInstancePools', { min: 1, max: 10 }) ?? 2,
      spotInstanceRemedy: p.bool('SpotInstanceRemedy') ?? false,
      compensateWithOnDemand: compensate,
      resourceGroupId: ess.cloud.resourceGroup(p.str('ResourceGroupId')),
      creationTime: now,
      modificationTime: now,
    };
    ess.state.groups.set(id, g);
    ess.cloud.readLag.made(id);
    return { ScalingGroupId: id };
  });
}

export function modifyScalingGroup(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const g = getGroup(ess, p);
  const min = p.int('MinSize', { min: 0, max: 2000 }) ?? g.minSize;
  const max = p.int('MaxSize', { min: 0, max: 2000 }) ?? g.maxSize;
  const desired = p.int('DesiredCapacity', { min: 0, max: 2000 }) ?? g.desiredCapacity;
  if (p.has('DesiredCapacity') && g.desiredCapacity === undefined) {
    throw invalidParameter(
      'DesiredCapacity',
      'the expected number of instances can only be enabled when the group is created',
    );
  }
  // A MinSize / MaxSize that leaves the current expected number outside them is refused, not clamped: "MaxSize ≥
  // DesiredCapacity ≥ MinSize" (ESS 2022-02-22 SDK model ModifyScalingGroupRequest.DesiredCapacity); change it in
  // the same call. (The error code for this case is not documented; the simulator answers InvalidParameter.)
  if (desired !== undefined && !p.has('DesiredCapacity') && (desired < min || desired > max)) {
    throw invalidParameter(
      desired < min ? 'MinSize' : 'MaxSize',
      `the expected number of instances ${desired} of ${g.id} must stay between MinSize ${min} and MaxSize ${max}: set DesiredCapacity in the same call`,
    );
  }
  checkSizes(min, max, desired);
  const name = p.text('ScalingGroupName', { min: 2, max: 64 });
  if (
    name !== undefined &&
    [...ess.state.groups.values()].some((x) => x.id !== g.id && x.regionId === g.regionId && x.name === name)
  ) {
    throw new ApiError(
      'InvalidScalingGroupName.Duplicate',
      `The specified scaling group name "${name}" already exists.`,
    );
  }
  const vsw = readVSwitches(ess, p, g.regionId);
  const configId = p.str('ActiveScalingConfigurationId');
  if (configId !== undefined) {
    const c = ess.state.configurations.get(configId);
    if (!c || c.groupId !== g.id) {
      throw new ApiError(
        'InvalidScalingConfigurationId.NotFound',
        `The specified scaling configuration "${configId}" does not exist in ${g.id}.`,
      );
    }
  }
  const multiAZPolicy = p.oneOf('MultiAZPolicy', POLICIES);
  const scalingPolicy = p.oneOf('ScalingPolicy', SCALING_POLICIES);
  const removal = [p.oneOf('RemovalPolicy.1', REMOVAL), p.oneOf('RemovalPolicy.2', REMOVAL)].filter(
    (x) => x !== undefined,
  );
  const healthCheckType = p.oneOf('HealthCheckType', ['ECS', 'NONE', 'LOAD_BALANCER'] as const);
  const onDemandBase = p.int('OnDemandBaseCapacity', { min: 0, max: 1000 });
  const onDemandPct = p.int('OnDemandPercentageAboveBaseCapacity', { min: 0, max: 100 });
  const remedy = p.bool('SpotInstanceRemedy');
  const compensate = p.bool('CompensateWithOnDemand');
  const protection = p.bool('GroupDeletionProtection');
  const cooldown = p.int('DefaultCooldown', { min: 0, max: 86_400 });
  g.minSize = min;
  g.maxSize = max;
  if (desired !== undefined) g.desiredCapacity = desired;
  if (name !== undefined) g.name = name;
  if (vsw) {
    g.vSwitchIds = vsw.ids;
    g.vpcId = vsw.vpcId;
  }
  if (configId !== undefined) g.activeConfigurationId = configId;
  if (multiAZPolicy !== undefined) g.multiAZPolicy = multiAZPolicy;
  if (scalingPolicy !== undefined) g.scalingPolicy = scalingPolicy;
  if (removal.length > 0) g.removalPolicies = removal;
  if (healthCheckType !== undefined) g.healthCheckType = healthCheckType;
  if (onDemandBase !== undefined) g.onDemandBaseCapacity = onDemandBase;
  if (onDemandPct !== undefined) g.onDemandPercentageAboveBaseCapacity = onDemandPct;
  if (remedy !== undefined) g.spotInstanceRemedy = remedy;
  if (compensate !== undefined) g.compensateWithOnDemand = compensate;
  if (protection !== undefined) g.groupDeletionProtection = protection;
  if (cooldown !== undefined) g.defaultCooldown = cooldown;
  g.modificationTime = ess.cloud.clock.now();
  return {};
}

export function enableScalingGroup(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const g = getGroup(ess, p);
  if (g.state !== 'Inactive') throw incorrectGroupStatus(g, 'Inactive');
  const configId =
    p.str('ActiveScalingConfigurationId') ??
    g.activeConfigurationId ??
    ess.state.configurationsOf(g.id)[0]?.id;
  if (configId === undefined) {
    throw new ApiError(
      'MissingActiveScalingConfiguration',
      `The scaling group ${g.id} has no scaling configuration to activate.`,
    );
  }
  const c = ess.state.configurations.get(configId);
  if (!c || c.groupId !== g.id) {
    throw new ApiError(
      'InvalidScalingConfigurationId.NotFound',
      `The specified scaling configuration "${configId}" does not exist in ${g.id}.`,
    );
  }
  g.activeConfigurationId = configId;
  g.state = 'Active';
  ess.engine.tickGroup(g);
  return {};
}

export function disableScalingGroup(ess: Ess, call: Call): ApiBody {
  const g = getGroup(ess, call.params);
  if (g.state !== 'Active') throw incorrectGroupStatus(g, 'Active');
  g.state = 'Inactive';
  return {};
}

export function deleteScalingGroup(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const g = getGroup(ess, p);
  const force = p.bool('ForceDelete') ?? false;
  if (g.groupDeletionProtection) {
    throw new ApiError(
      'Forbidden.GroupDeletionProtection',
      `The scaling group ${g.id} has deletion protection (GroupDeletionProtection=true): turn it off with ModifyScalingGroup first.`,
      403,
    );
  }
  if (!force) {
    if (ess.state.inProgress(g.id).length > 0) {
      throw new ApiError(
        'ScalingActivityInProgress',
        `The scaling group ${g.id} has a scaling activity in progress.`,
      );
    }
    if (ess.state.members(g.id).length > 0) {
      throw new ApiError(
        'InstanceInUse',
        `The scaling group ${g.id} still has ECS instances: remove them or use ForceDelete=true.`,
      );
    }
    ess.state.groups.delete(g.id);
    for (const c of ess.state.configurationsOf(g.id)) ess.state.configurations.delete(c.id);
    for (const h of ess.state.hooksOf(g.id)) ess.state.hooks.delete(h.id);
    return {};
  }
  g.state = 'Deleting';
  g.deleting = true;
  return {};
}

function counts(ess: Ess, g: ScalingGroup): Record<string, number> {
  const m = ess.state.members(g.id);
  const n = (s: string): number => m.filter((x) => x.state === s).length;
  return {
    TotalCapacity: m.length,
    ActiveCapacity: n('InService'),
    PendingCapacity: n('Pending'),
    PendingWaitCapacity: n('Pending:Wait'),
    RemovingCapacity: n('Removing'),
    RemovingWaitCapacity: n('Removing:Wait'),
    ProtectedCapacity: n('Protected'),
    StandbyCapacity: n('Standby'),
    StoppedCapacity: n('Stopped'),
    TotalInstanceCount: m.length,
  };
}

export function describeScalingGroups(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const region = ess.cloud.region(p.str('RegionId'));
  const ids = p.list('ScalingGroupId', 20);
  const names = p.list('ScalingGroupName', 20);
  const name = p.str('ScalingGroupName');
  const tags = p.structList('Tag', 20);
  const pageSize = p.int('PageSize', { min: 1, max: 50 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const all = [...ess.state.groups.values()].filter(
    (g) =>
      g.regionId === region.regionId &&
      ess.cloud.readLag.visible(g.id) &&
      (ids.length === 0 || ids.includes(g.id)) &&
      (names.length === 0 || names.includes(g.name)) &&
      (name === undefined || g.name === name) &&
      tags.every((t) =>
        g.tags.some((x) => x.key === t.Key && (t.Value === undefined || x.value === t.Value)),
      ),
  );
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    ScalingGroups: {
      ScalingGroup: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((g) => ({
        ScalingGroupId: g.id,
        ScalingGroupName: g.name,
        RegionId: g.regionId,
        LifecycleState: g.state,
        MinSize: g.minSize,
        MaxSize: g.maxSize,
        ...(g.desiredCapacity === undefined ? {} : { DesiredCapacity: g.desiredCapacity }),
        ActiveScalingConfigurationId: g.activeConfigurationId ?? '',
        VpcId: g.vpcId,
        VSwitchId: g.vSwitchIds[0] ?? '',
        VSwitchIds: { VSwitchId: [...g.vSwitchIds] },
        MultiAZPolicy: g.multiAZPolicy,
        ScalingPolicy: g.scalingPolicy,
        RemovalPolicies: {
          RemovalPolicy:
            g.removalPolicies.length > 0
              ? [...g.removalPolicies]
              : ['OldestScalingConfiguration', 'OldestInstance'],
        },
        DefaultCooldown: g.defaultCooldown,
        HealthCheckType: g.healthCheckType,
        HealthCheckTypes: { HealthCheckType: [g.healthCheckType] },
        GroupDeletionProtection: g.groupDeletionProtection,
        OnDemandBaseCapacity: g.onDemandBaseCapacity,
        OnDemandPercentageAboveBaseCapacity: g.onDemandPercentageAboveBaseCapacity,
        SpotInstancePools: g.spotInstancePools,
        SpotInstanceRemedy: g.spotInstanceRemedy,
        CompensateWithOnDemand: g.compensateWithOnDemand,
        GroupType: 'ECS',
        ResourceGroupId: g.resourceGroupId,
        CreationTime: ecsTime(g.creationTime),
        ModificationTime: ecsTime(g.modificationTime),
        ...counts(ess, g),
        Tags: { Tag: g.tags.map((t) => ({ TagKey: t.key, TagValue: t.value, Propagate: t.propagate })) },
        LoadBalancerIds: { LoadBalancerId: [] },
        DBInstanceIds: { DBInstanceId: [] },
        SuspendedProcesses: { SuspendedProcess: [] },
        LaunchTemplateOverrides: { LaunchTemplateOverride: [] },
        ServerGroups: { ServerGroup: [] },
        AlbServerGroups: { AlbServerGroup: [] },
        VServerGroups: { VServerGroup: [] },
      })),
    },
  };
}

/**
 * ChangeResourceGroup: moves a scaling group to another resource group (ESS API reference 2014-08-28 and 2022-02-22,
 * "ChangeResourceGroup": RegionId, ResourceType — `scalinggroup`, the only type —, ResourceId, NewResourceGroupId;
 * the answer is the RequestId alone). Only the group moves: its instances and configurations keep theirs. No
 * ClientToken. The page lists no error codes of its own: an unknown resource group answers what ECS documents for
 * one (404 InvalidResourceGroup.NotFound), an unknown group InvalidScalingGroupId.NotFound.
 */
export function changeResourceGroup(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const type = p.str('ResourceType');
  if (type !== undefined && type !== 'scalinggroup')
    throw invalidParameter('ResourceType', 'only scalinggroup is supported');
  const g = getGroup(ess, p, 'ResourceId');
  g.resourceGroupId = ess.cloud.resourceGroup(p.required('NewResourceGroupId'));
  g.modificationTime = ess.cloud.clock.now();
  return {};
}

/** ScaleWithAdjustment: QuantityChangeInCapacity | PercentChangeInCapacity | TotalCapacity, clamped to Min/Max. */
export function scaleWithAdjustment(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const g = getGroup(ess, p);
  return idempotent(ess.cloud, call, () => {
    const type = p.oneOf('AdjustmentType', [
      'QuantityChangeInCapacity',
      'PercentChangeInCapacity',
      'TotalCapacity',
    ] as const);
    if (type === undefined) throw missingParameter('AdjustmentType');
    const value = p.int('AdjustmentValue', { min: -1000, max: 1000 });
    if (value === undefined) throw missingParameter('AdjustmentValue');
    if (g.state !== 'Active') throw incorrectGroupStatus(g, 'Active');
    if (g.desiredCapacity === undefined && ess.state.inProgress(g.id).length > 0) {
      throw new ApiError(
        'ScalingActivityInProgress',
        `The scaling group ${g.id} has a scaling activity in progress.`,
      );
    }
    const current = g.desiredCapacity ?? activeMembers(ess.state, g.id).length;
    let target =
      type === 'TotalCapacity'
        ? value
        : type === 'QuantityChangeInCapacity'
          ? current + value
          : current + Math.trunc((current * value) / 100);
    target = Math.min(g.maxSize, Math.max(g.minSize, target));
    if (target === current) {
      throw new ApiError(
        'IncorrectCapacity.NoChange',
        `The adjustment leaves ${g.id} at ${current} instances.`,
      );
    }
    // ActivityType: `CapacityChange` when the call only changed the expected number and started no scaling
    // activity (groups with an expected number; ESS SDK model ScaleWithAdjustmentResponseBody.ActivityType). The
    // value for a call that started an activity is not documented: the simulator answers `Normal` (unverified).
    if (g.desiredCapacity !== undefined) {
      g.desiredCapacity = target;
      const before = new Set(ess.state.activities.keys());
      ess.engine.tickGroup(g);
      const started = [...ess.state.activities.keys()].find((k) => !before.has(k));
      if (started !== undefined) return { ScalingActivityId: started, ActivityType: 'Normal' };
      const changed = ess.engine.recordActivity(
        g,
        'A user executed ScaleWithAdjustment.',
        `Change the expected number of instances to ${target}`,
        [],
      );
      return { ScalingActivityId: changed.id, ActivityType: 'CapacityChange' };
    }
    const a = ess.engine.reconcileTo(g, target, 'A user executed ScaleWithAdjustment.');
    return { ScalingActivityId: a?.id ?? '', ActivityType: 'Normal' };
  });
}
