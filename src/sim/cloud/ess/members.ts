import { ecsTime } from '../clock.js';
import { ApiError, missingParameter } from '../errors.js';
import type { ApiBody, Call } from '../server.js';
import { idempotent } from '../ecs/run-instances.js';
import { activeMembers } from './engine.js';
import { getGroup, incorrectGroupStatus, type Ess } from './groups.js';
import type { ScalingGroup, ScalingInstance, ScalingInstanceState } from './model.js';

function memberOf(ess: Ess, g: ScalingGroup, id: string): ScalingInstance {
  const m = ess.state.instances.get(id);
  if (!m || m.groupId !== g.id) {
    throw new ApiError(
      'InvalidInstanceId.NotFound',
      `The specified instance "${id}" is not in the scaling group ${g.id}.`,
    );
  }
  return m;
}

function requireActive(ess: Ess, g: ScalingGroup): void {
  if (g.state !== 'Active') throw incorrectGroupStatus(g, 'Active');
}

export function describeScalingInstances(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const region = ess.cloud.region(p.str('RegionId'));
  const groupId = p.str('ScalingGroupId');
  const ids = p.list('InstanceId', 20);
  const states = p.list('LifecycleStates', 10);
  const state = p.str('LifecycleState');
  const types = p.list('CreationTypes', 3);
  const creationType = p.str('CreationType');
  const health = p.oneOf('HealthStatus', ['Healthy', 'Unhealthy'] as const);
  const configId = p.str('ScalingConfigurationId');
  const pageSize = p.int('PageSize', { min: 1, max: 100 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const all = [...ess.state.instances.values()].filter((m) => {
    const g = ess.state.groups.get(m.groupId);
    return (
      g?.regionId === region.regionId &&
      ess.cloud.readLag.visible(`member:${m.instanceId}`) &&
      (groupId === undefined || m.groupId === groupId) &&
      (ids.length === 0 || ids.includes(m.instanceId)) &&
      (states.length === 0 || states.includes(m.state)) &&
      (state === undefined || m.state === state) &&
      (types.length === 0 || types.includes(m.creationType)) &&
      (creationType === undefined || m.creationType === creationType) &&
      (health === undefined || m.health === health) &&
      (configId === undefined || m.configurationId === configId)
    );
  });
  return {
    TotalCount: all.length,
    TotalSpotCount: all.filter((m) => ess.cloud.instances.get(m.instanceId)?.spotStrategy !== 'NoSpot')
      .length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    ScalingInstances: {
      ScalingInstance: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((m) => {
        const inst = ess.cloud.instances.get(m.instanceId);
        return {
          InstanceId: m.instanceId,
          ScalingGroupId: m.groupId,
          ScalingConfigurationId: m.configurationId ?? '',
          LifecycleState: m.state,
          HealthStatus: m.health,
          CreationType: m.creationType,
          Entrusted: m.entrusted,
          ZoneId: inst?.zoneId ?? '',
          InstanceType: inst?.instanceType ?? '',
          SpotStrategy: inst?.spotStrategy ?? 'NoSpot',
          PrivateIpAddress: inst?.privateIp ?? '',
          CreatedTime: ecsTime(m.creationTime),
          CreationTime: ecsTime(m.creationTime),
          LaunchTemplateId: '',
          WeightedCapacity: 1,
          WarmupState: 'NoNeedWarmup',
          ScalingActivityId: m.activityId ?? '',
        };
      }),
    },
  };
}

export function removeInstances(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const g = getGroup(ess, p);
  return idempotent(ess.cloud, call, () => {
    const ids = p.list('InstanceId', 20);
    if (ids.length === 0) throw missingParameter('InstanceId.N');
    const asked = p.oneOf('RemovePolicy', ['release', 'recycle'] as const) ?? 'release';
    // "recycle takes effect only when the ScalingPolicy of the scaling group is recycle"; otherwise the instances
    // are released (ESS SDK model RemoveInstancesRequest.RemovePolicy).
    const policy = asked === 'recycle' && g.scalingPolicy.endsWith('recycle') ? 'recycle' : 'release';
    const decrease = p.bool('DecreaseDesiredCapacity') ?? true;
    const ignoreInvalid = p.bool('IgnoreInvalidInstance') ?? false;
    requireActive(ess, g);
    if (g.desiredCapacity === undefined && ess.state.inProgress(g.id).length > 0) {
      throw new ApiError(
        'ScalingActivityInProgress',
        `The scaling group ${g.id} has a scaling activity in progress.`,
      );
    }
    const members = ids.flatMap((id) => {
      const m = ess.state.instances.get(id);
      if ((!m || m.groupId !== g.id) && ignoreInvalid) return [];
      return [memberOf(ess, g, id)];
    });
    const active = activeMembers(ess.state, g.id).length;
    const leaving = members.filter((m) => COUNTED.includes(m.state)).length;
    if (active - leaving < g.minSize) {
      throw new ApiError(
        'IncorrectCapacity.MinSize',
        `Removing ${leaving} instance(s) would leave ${active - leaving} in ${g.id}, below its MinSize ${g.minSize}.`,
      );
    }
    if (decrease && g.desiredCapacity !== undefined)
      g.desiredCapacity = Math.max(g.minSize, g.desiredCapacity - leaving);
    const a = ess.engine.startScaleIn(g, members, 'A user removed instances.', policy);
    return { ScalingActivityId: a.id };
  });
}

/** The member states counted in the group's capacity (engine's activeMembers). */
const COUNTED: readonly ScalingInstanceState[] = [
  'Pending',
  'Pending:Wait',
  'InService',
  'Protected',
  'Standby',
];

/**
 * AttachInstances: the instances must be Running, in the group's VPC and in no other group; every refusal is
 * HTTP 400 (ESS API reference, AttachInstances error codes). `ClientToken` replays the first answer (ESS SDK model
 * AttachInstancesRequest).
 */
export function attachInstances(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const g = getGroup(ess, p);
  return idempotent(ess.cloud, call, () => {
    const ids = p.list('InstanceId', 20);
    if (ids.length === 0) throw missingParameter('InstanceId.N');
    requireActive(ess, g);
    if (g.desiredCapacity === undefined && ess.state.inProgress(g.id).length > 0) {
      throw new ApiError(
        'ScalingActivityInProgress',
        `The scaling group ${g.id} has a scaling activity in progress.`,
      );
    }
    const entrusted = p.bool('Entrusted') ?? false;
    const instances = ids.map((id) => ess.cloud.instance(g.regionId, id));
    for (const i of instances) {
      if (ess.state.instances.has(i.instanceId)) {
        throw new ApiError(
          'InvalidInstanceId.InUse',
          `Instance "${i.instanceId}" is already attached to another scaling group.`,
          400,
        );
      }
      if (i.vpcId !== g.vpcId)
        throw new ApiError(
          'InvalidInstanceId.VPCMismatch',
          `Instance "${i.instanceId}" and the specified scaling group ${g.id} are not in the same VPC.`,
          400,
        );
      if (i.status !== 'Running')
        throw new ApiError(
          'IncorrectInstanceStatus',
          `The current status of instance "${i.instanceId}" (${i.status}) does not support this action: only Running instances can be attached.`,
          400,
        );
    }
    const total = activeMembers(ess.state, g.id).length + instances.length;
    if (total > g.maxSize) {
      throw new ApiError(
        'IncorrectCapacity.MaxSize',
        `Attaching ${instances.length} instance(s) would put ${total} in ${g.id}, above its MaxSize ${g.maxSize}.`,
      );
    }
    const now = ess.cloud.clock.now();
    for (const i of instances) {
      ess.cloud.readLag.made(`member:${i.instanceId}`);
      ess.state.instances.set(i.instanceId, {
        instanceId: i.instanceId,
        groupId: g.id,
        state: 'InService',
        health: 'Healthy',
        creationType: 'Attached',
        entrusted,
        creationTime: now,
      });
      if (!i.tags.some((t) => t.key === 'acs:autoscaling:scalingGroupId'))
        i.tags.push({ key: 'acs:autoscaling:scalingGroupId', value: g.id });
    }
    if (g.desiredCapacity !== undefined)
      g.desiredCapacity = Math.min(g.maxSize, g.desiredCapacity + instances.length);
    const activity = ess.engine.recordActivity(
      g,
      'A user attached instances.',
      `Add "${instances.length}" ECS instance(s)`,
      instances.map((i) => i.instanceId),
    );
    return { ScalingActivityId: activity.id };
  });
}

/**
 * DetachInstances: `ClientToken` replays the first answer; the SCALE_IN lifecycle hooks hold the instances only
 * with `LifecycleHook=true` (default false); `IgnoreInvalidInstance` skips ids not in the group (ESS SDK model
 * DetachInstancesRequest).
 */
export function detachInstances(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const g = getGroup(ess, p);
  return idempotent(ess.cloud, call, () => {
    const ids = p.list('InstanceId', 20);
    if (ids.length === 0) throw missingParameter('InstanceId.N');
    requireActive(ess, g);
    const ignoreInvalid = p.bool('IgnoreInvalidInstance') ?? false;
    const members = ids.flatMap((id) => {
      const m = ess.state.instances.get(id);
      if ((!m || m.groupId !== g.id) && ignoreInvalid) return [];
      return [memberOf(ess, g, id)];
    });
    const decrease = p.bool('DecreaseDesiredCapacity') ?? true;
    const hooks = p.bool('LifecycleHook') ?? false;
    const active = activeMembers(ess.state, g.id).length;
    if (active - members.length < g.minSize && decrease) {
      throw new ApiError(
        'IncorrectCapacity.MinSize',
        `Detaching would leave ${active - members.length} in ${g.id}, below its MinSize ${g.minSize}.`,
      );
    }
    if (decrease && g.desiredCapacity !== undefined)
      g.desiredCapacity = Math.max(g.minSize, g.desiredCapacity - members.length);
    const a = ess.engine.startScaleIn(g, members, 'A user detached instances.', 'detach', { hooks });
    return { ScalingActivityId: a.id };
  });
}

function setState(ess: Ess, call: Call, from: ScalingInstanceState[], to: ScalingInstanceState): ApiBody {
  const p = call.params;
  const g = getGroup(ess, p);
  const ids = p.list('InstanceId', 20);
  if (ids.length === 0) throw missingParameter('InstanceId.N');
  const members = ids.map((id) => memberOf(ess, g, id));
  for (const m of members) {
    if (!from.includes(m.state)) {
      throw new ApiError(
        'IncorrectInstanceStatus',
        `The instance ${m.instanceId} is ${m.state} in the group; it must be ${from.join(' or ')}.`,
        403,
      );
    }
  }
  for (const m of members) m.state = to;
  return {};
}

export function setInstancesProtection(ess: Ess, call: Call): ApiBody {
  const protect = call.params.bool('ProtectedFromScaleIn');
  if (protect === undefined) throw missingParameter('ProtectedFromScaleIn');
  return protect
    ? setState(ess, call, ['InService', 'Protected'], 'Protected')
    : setState(ess, call, ['Protected', 'InService'], 'InService');
}

export function enterStandby(ess: Ess, call: Call): ApiBody {
  return setState(ess, call, ['InService'], 'Standby');
}

export function exitStandby(ess: Ess, call: Call): ApiBody {
  return setState(ess, call, ['Standby'], 'InService');
}

export function describeScalingActivities(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const region = ess.cloud.region(p.str('RegionId'));
  const groupId = p.str('ScalingGroupId');
  const ids = p.list('ScalingActivityId', 20);
  if (groupId === undefined && ids.length === 0) throw missingParameter('ScalingGroupId');
  const status = p.oneOf('StatusCode', [
    'Successful',
    'Warning',
    'Failed',
    'InProgress',
    'Rejected',
  ] as const);
  const pageSize = p.int('PageSize', { min: 1, max: 50 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const all = [...ess.state.activities.values()]
    .filter((a) => {
      const g = ess.state.groups.get(a.groupId);
      return (
        (g === undefined || g.regionId === region.regionId) &&
        (groupId === undefined || a.groupId === groupId) &&
        (ids.length === 0 || ids.includes(a.id)) &&
        (status === undefined || a.status === status)
      );
    })
    // The API documents no order: the simulator lists activities by id (random, stable across pages), never by
    // time, so a caller that needs the newest sorts by StartTime itself (ESS API reference,
    // DescribeScalingActivities: no sort order is stated).
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    ScalingActivities: {
      ScalingActivity: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((a) => ({
        ScalingActivityId: a.id,
        ScalingGroupId: a.groupId,
        StatusCode: a.status,
        StatusMessage: a.statusMessage,
        Progress: a.progress,
        Cause: a.cause,
        Description: a.description,
        StartTime: ecsTime(a.startTime),
        EndTime: a.endTime === undefined ? '' : ecsTime(a.endTime),
        TotalCapacity: String(a.totalCapacity),
        AttachedCapacity: '0',
        AutoCreatedCapacity: String(a.created.length),
        CreatedCapacity: a.created.length,
        CreatedInstances: { CreatedInstance: [...a.created] },
        DestroyedCapacity: a.destroyed.length,
        DestroyedInstances: { DestroyedInstance: [...a.destroyed] },
        StartedCapacity: 0,
        StartedInstances: { StartedInstance: [] },
        StoppedCapacity: 0,
        StoppedInstances: { StoppedInstance: [] },
        ErrorCode: a.errorCode,
        ErrorMessage: a.errorMessage,
        Detail: a.errorCode ? `${a.errorCode}: ${a.errorMessage}` : '',
        TriggerSourceType: 'API',
        TriggerSourceId: '',
        LifecycleHookContext: { DisableLifecycleHook: false, IgnoredLifecycleHookIds: [] },
      })),
    },
  };
}
