import type { z } from 'zod';
import { clientToken } from '../client-token.js';
import { CloudError, NotFoundError } from '../errors.js';
import type {
  LaunchSpec,
  LifecycleAction,
  ScalingActivity,
  ScalingGroup,
  ScalingGroupSpec,
} from '../types.js';
import type { AlibabaTransport } from './transport.js';
import * as W from './wire.js';

/** ESS ids per call: the API's limit for InstanceId.N. */
export const ESS_BATCH = 20;

/** Splits a list into batches of `n`. */
export function batches<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

const MULTI_AZ: Record<string, string> = {
  PRIORITY: 'PRIORITY',
  COST_OPTIMIZED: 'COST_OPTIMIZED',
  BALANCE: 'BALANCE',
};

/** The CreateScalingGroup / ModifyScalingGroup parameters of a spec (without capacities). */
export function groupParams(g: ScalingGroupSpec): Record<string, unknown> {
  return {
    VSwitchIds: g.vSwitchIds,
    MultiAZPolicy: MULTI_AZ[g.multiAZPolicy],
    OnDemandBaseCapacity: g.onDemandBaseCapacity,
    OnDemandPercentageAboveBaseCapacity: g.onDemandPercentageAboveBaseCapacity,
    SpotInstancePools: g.spotInstancePools,
    SpotInstanceRemedy: g.spotInstanceRemedy,
    CompensateWithOnDemand: g.compensateWithOnDemand,
  };
}

/** The CreateScalingConfiguration / ModifyScalingConfiguration parameters of a launch spec. */
export function configurationParams(l: LaunchSpec): Record<string, unknown> {
  return {
    ImageId: l.imageId,
    InstanceTypes: l.instanceTypes,
    SecurityGroupIds: l.securityGroupIds,
    'SystemDisk.Category': l.systemDisk.category,
    'SystemDisk.Size': l.systemDisk.sizeGiB,
    'SystemDisk.PerformanceLevel': l.systemDisk.performanceLevel,
    'SystemDisk.Encrypted': l.systemDisk.encrypted,
    'SystemDisk.KMSKeyId': l.systemDisk.kmsKeyId,
    SystemDiskCategories: l.systemDiskFallbackCategories?.length ? l.systemDiskFallbackCategories : undefined,
    DataDisk: l.dataDisks.length
      ? l.dataDisks.map((d) => ({
          Size: d.sizeGiB,
          Category: d.category,
          PerformanceLevel: d.performanceLevel,
          Encrypted: d.encrypted,
          KMSKeyId: d.kmsKeyId,
          SnapshotId: d.snapshotId,
          DeleteWithInstance: d.deleteWithInstance ?? true,
        }))
      : undefined,
    UserData: l.userData,
    KeyPairName: l.keyPairName,
    Password: l.password,
    // ESS spells it flat (ESS SDK model CreateScalingConfigurationRequest.ImageOptionsLoginAsNonRoot)
    ImageOptionsLoginAsNonRoot: l.loginAsNonRoot,
    SpotStrategy: l.spot ? l.spot.strategy : 'NoSpot',
    SpotPriceLimit: l.spot?.priceLimits.length
      ? l.spot.priceLimits.map((p) => ({ InstanceType: p.instanceType, PriceLimit: p.maxPricePerHour }))
      : undefined,
    Tags: JSON.stringify(l.tags),
    InternetChargeType: l.publicIp?.chargeType,
    InternetMaxBandwidthOut: l.publicIp ? l.publicIp.maxBandwidthOutMbps : 0,
    DeploymentSetId: l.deploymentSetId,
    'PrivatePoolOptions.MatchCriteria': l.privatePool?.matchCriteria,
    'PrivatePoolOptions.Id': l.privatePool?.id,
    SecurityEnhancementStrategy:
      l.securityHardening === undefined ? undefined : l.securityHardening ? 'Active' : 'Deactive',
    RamRoleName: l.ramRoleName,
    HttpTokens: l.metadataHttpTokens,
    ResourceGroupId: l.resourceGroupId,
    InstanceName: l.instanceName,
  };
}

export function toScalingGroup(g: z.output<typeof W.scalingGroupWire>): ScalingGroup {
  return {
    id: g.ScalingGroupId,
    name: g.ScalingGroupName,
    state: g.LifecycleState as ScalingGroup['state'],
    minSize: g.MinSize,
    maxSize: g.MaxSize,
    desiredCapacity: g.DesiredCapacity ?? undefined,
    activeConfigurationId: g.ActiveScalingConfigurationId,
    vSwitchIds: g.VSwitchIds,
    vpcId: g.VpcId,
    multiAZPolicy: g.MultiAZPolicy ?? 'PRIORITY',
    scalingPolicy: g.ScalingPolicy ?? 'release',
    tags: g.Tags,
    deletionProtection: g.GroupDeletionProtection ?? false,
    resourceGroupId: g.ResourceGroupId,
    spot: {
      onDemandBaseCapacity: g.OnDemandBaseCapacity,
      onDemandPercentageAboveBaseCapacity: g.OnDemandPercentageAboveBaseCapacity,
      spotInstancePools: g.SpotInstancePools,
      spotInstanceRemedy: g.SpotInstanceRemedy,
      compensateWithOnDemand: g.CompensateWithOnDemand,
    },
    counts: {
      total: g.TotalCapacity ?? 0,
      pending: g.PendingCapacity ?? 0,
      removing: g.RemovingCapacity ?? 0,
      protected: g.ProtectedCapacity ?? 0,
      standby: g.StandbyCapacity ?? 0,
      stopped: g.StoppedCapacity ?? 0,
    },
  };
}

function toActivity(a: z.output<typeof W.scalingActivityWire>): ScalingActivity {
  return {
    id: a.ScalingActivityId,
    status: a.StatusCode,
    statusMessage: a.StatusMessage ?? '',
    progress: a.Progress ?? 0,
    cause: a.Cause ?? '',
    description: a.Description ?? '',
    startTime: a.StartTime ?? '',
    endTime: a.EndTime,
    errorCode: a.ErrorCode,
    errorMessage: a.ErrorMessage,
    createdInstances: a.CreatedInstances,
    destroyedInstances: a.DestroyedInstances,
  };
}

/** Newest first: later StartTime; at the same StartTime an unfinished one, then the later EndTime. */
export function newestFirst(a: ScalingActivity, b: ScalingActivity): number {
  if (a.startTime !== b.startTime) return a.startTime < b.startTime ? 1 : -1;
  if ((a.endTime === undefined) !== (b.endTime === undefined)) return a.endTime === undefined ? -1 : 1;
  const ea = a.endTime ?? '';
  const eb = b.endTime ?? '';
  return ea === eb ? 0 : ea < eb ? 1 : -1;
}

/** Thin typed ESS calls: one method per API action, zod-parsed answers. */
export class EssApi {
  constructor(private readonly t: AlibabaTransport) {}

  /** DescribeScalingGroups, every page (PageSize 50). */
  async describeScalingGroups(filter: {
    ids?: string[];
    name?: string;
    tags?: Record<string, string>;
  }): Promise<ScalingGroup[]> {
    // prettier-ignore
    const out: ScalingGroup[] = [];
    const idBatches = filter.ids ? batches(filter.ids, ESS_BATCH) : [undefined];
    for (const ids of idBatches) {
      for (let page = 1; ; page++) {
        const body = W.describeScalingGroupsWire.parse(
          await this.t.rpc('ess', 'DescribeScalingGroups', {
            ScalingGroupId: ids,
            ScalingGroupName: filter.name,
            Tag: filter.tags
              ? Object.entries(filter.tags).map(([Key, Value]) => ({ Key, Value }))
              : undefined,
            PageNumber: page,
            PageSize: 50,
          }),
        );
        out.push(...body.ScalingGroups.map(toScalingGroup));
        if (body.ScalingGroups.length < 50 || out.length >= (body.TotalCount ?? Infinity)) break;
      }
    }
    return out;
  }

  async createScalingGroup(g: ScalingGroupSpec, operationId: string): Promise<string> {
    const params = {
      ScalingGroupName: g.name,
      MinSize: g.minSize,
      MaxSize: g.maxSize,
      DesiredCapacity: g.desiredCapacity,
      ...groupParams(g),
      ScalingPolicy: g.scalingPolicy,
      HealthCheckType: 'ECS',
      GroupDeletionProtection: true,
      ResourceGroupId: g.resourceGroupId,
      Tag: Object.entries(g.tags).map(([Key, Value]) => ({ Key, Value, Propagate: true })),
    };
    const body = await this.t.rpc(
      'ess',
      'CreateScalingGroup',
      { ...params, ClientToken: clientToken(operationId, 'CreateScalingGroup', params) },
      { write: true },
    );
    return W.idOf(body, 'ScalingGroupId');
  }

  async modifyScalingGroup(id: string, params: Record<string, unknown>): Promise<void> {
    await this.t.rpc('ess', 'ModifyScalingGroup', { ScalingGroupId: id, ...params }, { write: true });
  }

  /**
   * ChangeResourceGroup: moves the scaling group to another resource group (ResourceType `scalinggroup`, the only
   * type ESS takes; ResourceId, NewResourceGroupId — ESS API reference 2014-08-28 "ChangeResourceGroup"). The API
   * takes no ClientToken: the caller asks only when DescribeScalingGroups shows another group, so a retry moves it
   * to where it already is.
   */
  async changeResourceGroup(id: string, resourceGroupId: string): Promise<void> {
    await this.t.rpc(
      'ess',
      'ChangeResourceGroup',
      { ResourceType: 'scalinggroup', ResourceId: id, NewResourceGroupId: resourceGroupId },
      { write: true },
    );
  }

  async enableScalingGroup(id: string, configurationId: string): Promise<void> {
    await this.t.rpc(
      'ess',
      'EnableScalingGroup',
      { ScalingGroupId: id, ActiveScalingConfigurationId: configurationId },
      { write: true },
    );
  }

  async deleteScalingGroup(id: string, force: boolean): Promise<void> {
    await this.t.rpc(
      'ess',
      'DeleteScalingGroup',
      { ScalingGroupId: id, ForceDelete: force },
      { write: true },
    );
  }

  async configurationNames(
    groupId: string,
  ): Promise<{ id: string; name: string | undefined; active: boolean; imageId?: string | undefined }[]> {
    const out: { id: string; name: string | undefined; active: boolean; imageId?: string | undefined }[] = [];
    for (let page = 1; ; page++) {
      const list = W.describeScalingConfigurationsWire.parse(
        await this.t.rpc('ess', 'DescribeScalingConfigurations', {
          ScalingGroupId: groupId,
          PageNumber: page,
          PageSize: 50,
        }),
      ).ScalingConfigurations;
      out.push(
        ...list.map((c) => ({
          id: c.ScalingConfigurationId,
          name: c.ScalingConfigurationName,
          active: c.LifecycleState === 'Active',
          imageId: c.ImageId,
        })),
      );
      if (list.length < 50) break;
    }
    return out;
  }

  async createScalingConfiguration(groupId: string, name: string, l: LaunchSpec): Promise<string> {
    const body = await this.t.rpc(
      'ess',
      'CreateScalingConfiguration',
      { ScalingGroupId: groupId, ScalingConfigurationName: name, ...configurationParams(l) },
      { write: true },
    );
    return W.idOf(body, 'ScalingConfigurationId');
  }

  async modifyScalingConfiguration(configurationId: string, name: string, l: LaunchSpec): Promise<void> {
    await this.t.rpc(
      'ess',
      'ModifyScalingConfiguration',
      { ScalingConfigurationId: configurationId, ScalingConfigurationName: name, ...configurationParams(l) },
      { write: true },
    );
  }

  /** DescribeScalingInstances, every page (PageSize 100); with `ids`, only those (20 per call). */
  async describeScalingInstances(
    groupId: string,
    ids?: readonly string[],
  ): Promise<z.output<typeof W.scalingInstanceWire>[]> {
    // prettier-ignore
    const out: z.output<typeof W.scalingInstanceWire>[] = [];
    for (const batch of ids ? batches(ids, ESS_BATCH) : [undefined]) {
      const start = out.length;
      for (let page = 1; ; page++) {
        const body = W.describeScalingInstancesWire.parse(
          await this.t.rpc('ess', 'DescribeScalingInstances', {
            ScalingGroupId: groupId,
            InstanceId: batch,
            PageNumber: page,
            PageSize: 100,
          }),
        );
        out.push(...body.ScalingInstances);
        if (body.ScalingInstances.length < 100 || out.length - start >= (body.TotalCount ?? Infinity)) break;
      }
    }
    return out;
  }

  /**
   * ScaleWithAdjustment by `count` more instances (QuantityChangeInCapacity; clamped to MaxSize by ESS), with a
   * ClientToken: a retry of the same operation changes nothing twice. Returns the activity id ('' when none).
   */
  async scaleOut(groupId: string, count: number, operationId: string): Promise<string> {
    const params = {
      ScalingGroupId: groupId,
      AdjustmentType: 'QuantityChangeInCapacity',
      AdjustmentValue: count,
    };
    const body = await this.t.rpc(
      'ess',
      'ScaleWithAdjustment',
      { ...params, ClientToken: clientToken(operationId, 'ScaleWithAdjustment', params) },
      { write: true },
    );
    return typeof body.ScalingActivityId === 'string' ? body.ScalingActivityId : '';
  }

  /** RemoveInstances, DetachInstances, AttachInstances, SetInstancesProtection: batches of 20, one token each. */
  async memberWrite(
    action: 'RemoveInstances' | 'DetachInstances' | 'AttachInstances' | 'SetInstancesProtection',
    groupId: string,
    ids: readonly string[],
    extra: Record<string, unknown>,
    operationId?: string,
  ): Promise<string[]> {
    const activities: string[] = [];
    for (const batch of batches(ids, ESS_BATCH)) {
      const params = { ScalingGroupId: groupId, InstanceId: batch, ...extra };
      const token =
        operationId && action !== 'SetInstancesProtection'
          ? { ClientToken: clientToken(operationId, action, params) }
          : {};
      const body = await this.t.rpc('ess', action, { ...params, ...token }, { write: true });
      if (typeof body.ScalingActivityId === 'string' && body.ScalingActivityId)
        activities.push(body.ScalingActivityId);
    }
    return activities;
  }

  /**
   * DescribeScalingActivities, newest first. The API documents no order, so every page is read (PageSize 50, at
   * most `maxPages`) and sorted here: by StartTime (minutes), an unfinished activity before a finished one, then by
   * EndTime — never by the position the cloud answered in.
   */
  async describeScalingActivities(
    groupId: string,
    opts: { limit: number; status?: string; ids?: string[]; maxPages?: number },
  ): Promise<ScalingActivity[]> {
    const out: ScalingActivity[] = [];
    const maxPages = opts.maxPages ?? 20;
    for (let page = 1; page <= maxPages; page++) {
      const body = W.describeScalingActivitiesWire.parse(
        await this.t.rpc('ess', 'DescribeScalingActivities', {
          ScalingGroupId: groupId,
          StatusCode: opts.status,
          ScalingActivityId: opts.ids,
          PageNumber: page,
          PageSize: 50,
        }),
      );
      out.push(...body.ScalingActivities.map(toActivity));
      if (body.ScalingActivities.length < 50 || out.length >= (body.TotalCount ?? Infinity)) break;
    }
    return out.sort(newestFirst).slice(0, opts.limit);
  }

  async describeLifecycleHooks(groupId: string): Promise<z.output<typeof W.lifecycleHookWire>[]> {
    const body = W.describeLifecycleHooksWire.parse(
      await this.t.rpc('ess', 'DescribeLifecycleHooks', { ScalingGroupId: groupId, PageSize: 50 }),
    );
    return body.LifecycleHooks;
  }

  async createLifecycleHook(
    groupId: string,
    hook: NonNullable<ScalingGroupSpec['scaleInHook']>,
  ): Promise<string> {
    const body = await this.t.rpc(
      'ess',
      'CreateLifecycleHook',
      {
        ScalingGroupId: groupId,
        LifecycleHookName: hook.name,
        LifecycleTransition: 'SCALE_IN',
        DefaultResult: hook.defaultResult,
        HeartbeatTimeout: hook.heartbeatTimeoutSeconds,
      },
      { write: true },
    );
    return W.idOf(body, 'LifecycleHookId');
  }

  async describeLifecycleActions(activityId: string): Promise<LifecycleAction[]> {
    const body = W.describeLifecycleActionsWire.parse(
      await this.t.rpc('ess', 'DescribeLifecycleActions', { ScalingActivityId: activityId, MaxResults: 50 }),
    );
    return body.LifecycleActions.filter((a) => a.LifecycleActionStatus !== 'Completed').map((a) => ({
      activityId,
      hookId: a.LifecycleHookId,
      token: a.LifecycleActionToken,
      instanceIds: a.InstanceIds,
    }));
  }

  /**
   * CompleteLifecycleAction. A token no wait carries any more (the wait ended: completed before, or its heartbeat
   * timeout passed and ESS applied the hook's default result) is `LifecycleHookIdAndLifecycleActionToken.Invalid`
   * (400): answered here as `gone`, since there is nothing left to complete.
   */
  async completeLifecycleAction(a: {
    hookId: string;
    token: string;
    result: 'CONTINUE' | 'ABANDON';
  }): Promise<'completed' | 'gone'> {
    try {
      await this.t.rpc(
        'ess',
        'CompleteLifecycleAction',
        { LifecycleHookId: a.hookId, LifecycleActionToken: a.token, LifecycleActionResult: a.result },
        { write: true },
      );
      return 'completed';
    } catch (err) {
      if (err instanceof CloudError && err.code === STALE_TOKEN) return 'gone';
      throw err;
    }
  }

  /**
   * RecordLifecycleActionHeartbeat: its parameters are lower-case on the wire (`lifecycleHookId`,
   * `lifecycleActionToken`, `heartbeatTimeout`); the wait then ends `timeoutSeconds` (30–21600) from now. A wait
   * lasts at most 6 h and takes at most 20 heartbeats (`LifecycleAction.TimeExceeded`,
   * `LifecycleAction.RecordTimesExceeded`: RejectedError); a stale token is `gone`.
   */
  async recordLifecycleHeartbeat(a: {
    hookId: string;
    token: string;
    timeoutSeconds?: number | undefined;
  }): Promise<'extended' | 'gone'> {
    try {
      await this.t.rpc(
        'ess',
        'RecordLifecycleActionHeartbeat',
        { lifecycleHookId: a.hookId, lifecycleActionToken: a.token, heartbeatTimeout: a.timeoutSeconds },
        { write: true },
      );
      return 'extended';
    } catch (err) {
      if (err instanceof CloudError && err.code === STALE_TOKEN) return 'gone';
      throw err;
    }
  }
}

/** The code of a lifecycle action token that no longer names a pending wait. */
const STALE_TOKEN = 'LifecycleHookIdAndLifecycleActionToken.Invalid';

/** Null for a NotFound error (the thing is gone), rethrow anything else. */
export async function orGone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
