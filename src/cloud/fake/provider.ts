import { NotFoundError, RejectedError } from '../errors.js';
import type { CloudProvider, WriteOptions } from '../provider.js';
import {
  ESS_GROUP_TAG,
  type CloudInstance,
  type CommandInvocation,
  type FamilyImageInfo,
  type GroupChanges,
  type ImageInfo,
  type InstanceFullStatus,
  type ReplaceSystemDiskSpec,
  type SpotPricePoint,
  type InstanceTypeInfo,
  type LaunchSpec,
  type LifecycleAction,
  type PoolInstance,
  type RunInstancesSpec,
  type ScalingActivity,
  type ScalingGroup,
  type ScalingGroupSpec,
  type SecurityGroupInfo,
  type StockInfo,
  type SystemEventInfo,
  type VSwitchInfo,
} from '../types.js';

/** A member as the fake keeps it: the ECS view plus the ESS one. */
export interface FakeInstance extends CloudInstance {
  groupId?: string | undefined;
  lifecycleState: string;
  creationType: string;
}

interface FakeGroup extends ScalingGroup {
  configurations: { id: string; name: string; active: boolean; launch: LaunchSpec }[];
  hooks: string[];
}

/** One call the fake answered: the method and its arguments (for assertions on what a reconciler did). */
export interface FakeCall {
  method: string;
  args: unknown[];
}

/**
 * An in-memory CloudProvider for unit tests of the controllers' sub-reconcilers and of the disruption
 * executor: every call is recorded in `calls`, state is plain maps a test seeds (`addGroup`, `addInstance`,
 * `addLifecycleAction`) and reads back. It follows the semantics the controllers rely on — RemoveInstances
 * releases (or stops, with `recycle`) and leaves the group, DetachInstances keeps the instance, a Subscription
 * instance is never released, writes are idempotent by operation id — and nothing more: anything that needs the
 * real cloud's behaviour (activities, hooks firing, boots) is tested against the simulator in `test/`.
 */
export class FakeCloudProvider implements CloudProvider {
  readonly region: string;
  readonly groups = new Map<string, FakeGroup>();
  readonly instances = new Map<string, FakeInstance>();
  readonly actions: LifecycleAction[] = [];
  readonly heartbeats: { hookId: string; token: string; timeoutSeconds: number }[] = [];
  readonly calls: FakeCall[] = [];
  /** Operation ids of writes already carried out: a retry of one is answered without acting again. */
  private readonly done = new Map<string, unknown>();
  private seq = 0;

  constructor(region = 'cn-hangzhou') {
    this.region = region;
  }

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  /** The calls of one method. */
  callsOf(method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  private id(prefix: string): string {
    return `${prefix}-fake${++this.seq}`;
  }

  private once<T>(operationId: string | undefined, key: string, fn: () => T): T {
    if (operationId === undefined) return fn();
    const k = `${operationId}|${key}`;
    if (this.done.has(k)) return this.done.get(k) as T;
    const v = fn();
    this.done.set(k, v);
    return v;
  }

  // ---- seeding
  addGroup(spec: Partial<ScalingGroup> & { id?: string; name: string }): ScalingGroup {
    const g: FakeGroup = {
      id: spec.id ?? this.id('asg'),
      state: 'Active',
      minSize: 0,
      maxSize: 2000,
      desiredCapacity: 0,
      activeConfigurationId: undefined,
      vSwitchIds: [],
      vpcId: undefined,
      multiAZPolicy: 'PRIORITY',
      scalingPolicy: 'release',
      tags: {},
      deletionProtection: true,
      counts: { total: 0, pending: 0, removing: 0, protected: 0, standby: 0, stopped: 0 },
      ...spec,
      configurations: [],
      hooks: [],
    };
    this.groups.set(g.id, g);
    return this.view(g);
  }

  addInstance(i: Partial<FakeInstance> & { instanceId: string }): FakeInstance {
    const x: FakeInstance = {
      status: 'Running',
      zoneId: 'cn-hangzhou-h',
      instanceType: 'ecs.g7.xlarge',
      chargeType: 'PostPaid',
      spotStrategy: 'NoSpot',
      privateIp: undefined,
      vSwitchId: undefined,
      hostName: undefined,
      imageId: undefined,
      tags: {},
      locks: [],
      creationTime: undefined,
      expiredTime: undefined,
      deletionProtection: false,
      lifecycleState: 'InService',
      creationType: 'AutoCreated',
      ...i,
    };
    this.instances.set(x.instanceId, x);
    return x;
  }

  addLifecycleAction(a: LifecycleAction): void {
    this.actions.push(a);
    for (const id of a.instanceIds) {
      const x = this.instances.get(id);
      if (x) x.lifecycleState = 'Removing:Wait';
    }
  }

  private view(g: FakeGroup): ScalingGroup {
    const { configurations: _c, hooks: _h, ...rest } = g;
    return { ...rest, tags: { ...g.tags }, vSwitchIds: [...g.vSwitchIds] };
  }

  private group(id: string): FakeGroup {
    const g = this.groups.get(id);
    if (!g)
      throw new NotFoundError({
        code: 'InvalidScalingGroupId.NotFound',
        cloudMessage: `the scaling group ${id} does not exist`,
        action: 'DescribeScalingGroups',
      });
    return g;
  }

  // ---- scaling groups
  findScalingGroup(ref: {
    id?: string | undefined;
    name: string;
    cluster?: string | undefined;
  }): Promise<ScalingGroup | undefined> {
    // prettier-ignore
    this.record('findScalingGroup', ref);
    const byId = ref.id ? this.groups.get(ref.id) : undefined;
    const g = byId ?? [...this.groups.values()].find((x) => x.name === ref.name);
    return Promise.resolve(g ? this.view(g) : undefined);
  }

  listClusterScalingGroups(cluster: string): Promise<ScalingGroup[]> {
    this.record('listClusterScalingGroups', cluster);
    return Promise.resolve(
      [...this.groups.values()]
        .filter((g) => g.tags['nodepool.alicloud.dev/cluster'] === cluster)
        .map((g) => this.view(g)),
    );
  }

  createScalingGroup(spec: ScalingGroupSpec, o: WriteOptions): Promise<string> {
    this.record('createScalingGroup', spec, o);
    return Promise.resolve(
      this.once(o.operationId, 'CreateScalingGroup', () => {
        const {
          scaleInHook: _h,
          onDemandBaseCapacity: _a,
          onDemandPercentageAboveBaseCapacity: _b,
          spotInstancePools: _c,
          spotInstanceRemedy: _d,
          compensateWithOnDemand: _e,
          ...rest
        } = spec;
        return this.addGroup({
          ...rest,
          state: 'Inactive',
          vSwitchIds: [...spec.vSwitchIds],
          tags: { ...spec.tags },
        }).id;
      }),
    );
  }

  scalingConfigurations(
    groupId: string,
  ): Promise<{ id: string; name: string | undefined; active: boolean; imageId?: string | undefined }[]> {
    this.record('scalingConfigurations', groupId);
    return Promise.resolve(
      this.group(groupId).configurations.map(({ id, name, active, launch }) => ({
        id,
        name,
        active,
        imageId: launch.imageId,
      })),
    );
  }

  createScalingConfiguration(groupId: string, name: string, launch: LaunchSpec): Promise<string> {
    this.record('createScalingConfiguration', groupId, name, launch);
    const id = this.id('asc');
    this.group(groupId).configurations.push({ id, name, active: false, launch });
    return Promise.resolve(id);
  }

  modifyScalingConfiguration(configurationId: string, name: string, launch: LaunchSpec): Promise<void> {
    this.record('modifyScalingConfiguration', configurationId, name, launch);
    for (const g of this.groups.values()) {
      const c = g.configurations.find((x) => x.id === configurationId);
      if (c) Object.assign(c, { name, launch });
    }
    return Promise.resolve();
  }

  enableScalingGroup(groupId: string, configurationId: string): Promise<void> {
    this.record('enableScalingGroup', groupId, configurationId);
    const g = this.group(groupId);
    g.state = 'Active';
    g.activeConfigurationId = configurationId;
    for (const c of g.configurations) c.active = c.id === configurationId;
    return Promise.resolve();
  }

  modifyScalingGroup(groupId: string, changes: GroupChanges): Promise<void> {
    this.record('modifyScalingGroup', groupId, changes);
    const g = this.group(groupId);
    for (const [k, v] of Object.entries(changes))
      if (v !== undefined) (g as unknown as Record<string, unknown>)[k] = v;
    return Promise.resolve();
  }

  changeScalingGroupResourceGroup(groupId: string, resourceGroupId: string): Promise<void> {
    this.record('changeScalingGroupResourceGroup', groupId, resourceGroupId);
    this.group(groupId).resourceGroupId = resourceGroupId;
    return Promise.resolve();
  }

  lifecycleHookNames(groupId: string): Promise<string[]> {
    this.record('lifecycleHookNames', groupId);
    return Promise.resolve([...this.group(groupId).hooks]);
  }

  createLifecycleHook(groupId: string, hook: NonNullable<ScalingGroupSpec['scaleInHook']>): Promise<void> {
    this.record('createLifecycleHook', groupId, hook);
    this.group(groupId).hooks.push(hook.name);
    return Promise.resolve();
  }

  setCapacity(
    groupId: string,
    c: { minSize?: number; maxSize?: number; desiredCapacity?: number },
  ): Promise<void> {
    this.record('setCapacity', groupId, c);
    return this.modifyScalingGroup(groupId, c);
  }

  deleteScalingGroup(groupId: string): Promise<'deleting' | 'gone'> {
    this.record('deleteScalingGroup', groupId);
    if (!this.groups.delete(groupId)) return Promise.resolve('gone');
    for (const i of this.instances.values()) {
      if (i.groupId !== groupId) continue;
      if (i.creationType === 'AutoCreated') i.status = 'Deleted';
      i.groupId = undefined;
      i.lifecycleState = 'Detached';
    }
    return Promise.resolve('gone');
  }

  // ---- instances
  listPoolInstances(groupId: string, ids?: readonly string[]): Promise<PoolInstance[]> {
    this.record('listPoolInstances', groupId, ids);
    const out = [...this.instances.values()]
      .filter((i) => i.groupId === groupId && (!ids || ids.includes(i.instanceId)))
      .map((i): PoolInstance => {
        const { groupId: _g, ...rest } = i;
        return {
          ...rest,
          tags: { ...i.tags },
          locks: [...i.locks],
          healthy: true,
          scalingConfigurationId: undefined,
          reclaiming: i.locks.includes('Recycling'),
        };
      });
    return Promise.resolve(out);
  }

  describeInstances(ids: readonly string[]): Promise<CloudInstance[]> {
    this.record('describeInstances', [...ids]);
    return Promise.resolve(
      ids.flatMap((id) => {
        const i = this.instances.get(id);
        return i && i.status !== 'Deleted' ? [this.ecsView(i)] : [];
      }),
    );
  }

  private ecsView(i: FakeInstance): CloudInstance {
    const { groupId: _g, lifecycleState: _l, creationType: _c, ...rest } = i;
    return {
      ...rest,
      tags: { ...i.tags, ...(i.groupId ? { [ESS_GROUP_TAG]: i.groupId } : {}) },
      locks: [...i.locks],
    };
  }

  findInstancesByTags(tags: Record<string, string>): Promise<CloudInstance[]> {
    this.record('findInstancesByTags', tags);
    return Promise.resolve(
      [...this.instances.values()]
        .filter((i) => i.status !== 'Deleted' && Object.entries(tags).every(([k, v]) => i.tags[k] === v))
        .map((i) => this.ecsView(i)),
    );
  }

  removeInstances(
    groupId: string,
    ids: readonly string[],
    o: { policy: 'release' | 'recycle'; decreaseDesired: boolean } & WriteOptions,
  ): Promise<string[]> {
    // prettier-ignore
    this.record('removeInstances', groupId, [...ids], o);
    const g = this.group(groupId);
    for (const id of ids) {
      const i = this.instances.get(id);
      if (!i || i.groupId !== groupId) continue;
      if (o.policy === 'recycle') {
        i.status = 'Stopped';
        i.lifecycleState = 'Stopped';
      } else {
        if (i.chargeType === 'PrePaid')
          throw new RejectedError({
            code: 'SubscriptionNeverReleased',
            cloudMessage: `${id} is a Subscription instance`,
            action: 'RemoveInstances',
          });
        i.status = 'Deleted';
        i.groupId = undefined;
      }
      if (o.decreaseDesired && g.desiredCapacity !== undefined)
        g.desiredCapacity = Math.max(0, g.desiredCapacity - 1);
    }
    return Promise.resolve([this.id('asa')]);
  }

  /** ScaleWithAdjustment +count (clamped to maxSize): Stopped members start first (economical mode). */
  scaleOut(groupId: string, count: number, o: WriteOptions): Promise<string> {
    this.record('scaleOut', groupId, count, o);
    return Promise.resolve(
      this.once(o.operationId, 'scaleOut', () => {
        const g = this.group(groupId);
        const before = g.desiredCapacity ?? 0;
        g.desiredCapacity = Math.min(g.maxSize, before + count);
        let start = g.desiredCapacity - before;
        for (const i of this.instances.values()) {
          if (start <= 0) break;
          if (i.groupId !== groupId || i.lifecycleState !== 'Stopped') continue;
          Object.assign(i, { lifecycleState: 'InService', status: 'Running' });
          start--;
        }
        return this.id('asa');
      }),
    );
  }

  attachInstances(groupId: string, ids: readonly string[], o: WriteOptions): Promise<string[]> {
    this.record('attachInstances', groupId, [...ids], o);
    const g = this.group(groupId);
    for (const id of ids) {
      const i = this.instances.get(id);
      if (!i || i.groupId === groupId) continue;
      Object.assign(i, { groupId, lifecycleState: 'InService', creationType: 'Attached' });
      g.desiredCapacity = (g.desiredCapacity ?? 0) + 1;
    }
    return Promise.resolve([this.id('asa')]);
  }

  detachInstances(
    groupId: string,
    ids: readonly string[],
    o: { decreaseDesired: boolean } & WriteOptions,
  ): Promise<string[]> {
    // prettier-ignore
    this.record('detachInstances', groupId, [...ids], o);
    const g = this.group(groupId);
    for (const id of ids) {
      const i = this.instances.get(id);
      if (!i || i.groupId !== groupId) continue;
      Object.assign(i, { groupId: undefined, lifecycleState: 'Detached' });
      if (o.decreaseDesired && g.desiredCapacity !== undefined)
        g.desiredCapacity = Math.max(0, g.desiredCapacity - 1);
    }
    return Promise.resolve([this.id('asa')]);
  }

  setScaleInProtection(groupId: string, ids: readonly string[], protect: boolean): Promise<void> {
    this.record('setScaleInProtection', groupId, [...ids], protect);
    return Promise.resolve();
  }

  runInstances(spec: RunInstancesSpec, o: WriteOptions): Promise<string[]> {
    this.record('runInstances', spec, o);
    return Promise.resolve(
      this.once(o.operationId, 'RunInstances', () =>
        Array.from(
          { length: spec.amount },
          () =>
            this.addInstance({
              instanceId: this.id('i'),
              instanceType: spec.instanceType,
              chargeType: spec.chargeType,
              tags: { ...spec.tags },
              lifecycleState: 'Detached',
              expiredTime: undefined,
            }).instanceId,
        ),
      ),
    );
  }

  releaseInstances(
    ids: readonly string[],
    o: { force: boolean; liftProtection?: boolean } & WriteOptions,
  ): Promise<void> {
    // prettier-ignore
    this.record('releaseInstances', [...ids], o);
    for (const id of ids) {
      const i = this.instances.get(id);
      if (i?.chargeType === 'PrePaid')
        throw new RejectedError({
          code: 'SubscriptionNeverReleased',
          cloudMessage: `${id} is a Subscription instance`,
          action: 'DeleteInstances',
        });
      if (i) i.status = 'Deleted';
    }
    return Promise.resolve();
  }

  tagInstances(ids: readonly string[], tags: Record<string, string>): Promise<void> {
    this.record('tagInstances', [...ids], tags);
    for (const id of ids) Object.assign(this.instances.get(id)?.tags ?? {}, tags);
    return Promise.resolve();
  }

  joinResourceGroup(instanceIds: readonly string[], resourceGroupId: string): Promise<void> {
    this.record('joinResourceGroup', [...instanceIds], resourceGroupId);
    for (const id of instanceIds) {
      const i = this.instances.get(id);
      if (i) i.resourceGroupId = resourceGroupId;
    }
    return Promise.resolve();
  }

  untagInstances(ids: readonly string[], keys: readonly string[]): Promise<void> {
    this.record('untagInstances', [...ids], [...keys]);
    for (const id of ids) {
      const t = this.instances.get(id)?.tags;
      if (t) for (const k of keys) delete t[k];
    }
    return Promise.resolve();
  }

  // ---- activities, hooks, events
  scalingActivities(groupId: string): Promise<ScalingActivity[]> {
    this.record('scalingActivities', groupId);
    return Promise.resolve([]);
  }

  pendingLifecycleActions(groupId: string): Promise<LifecycleAction[]> {
    this.record('pendingLifecycleActions', groupId);
    return Promise.resolve(
      this.actions.filter((a) => a.instanceIds.some((id) => this.instances.get(id)?.groupId === groupId)),
    );
  }

  completeLifecycleAction(a: {
    hookId: string;
    token: string;
    result: 'CONTINUE' | 'ABANDON';
  }): Promise<void> {
    this.record('completeLifecycleAction', a);
    const i = this.actions.findIndex((x) => x.hookId === a.hookId && x.token === a.token);
    if (i < 0)
      throw new NotFoundError({
        code: 'InvalidLifecycleActionToken.NotExist',
        cloudMessage: 'no such action',
        action: 'CompleteLifecycleAction',
      });
    const [done] = this.actions.splice(i, 1);
    for (const id of done!.instanceIds) {
      const x = this.instances.get(id);
      if (x && x.creationType === 'AutoCreated') Object.assign(x, { status: 'Deleted', groupId: undefined });
      else if (x) Object.assign(x, { groupId: undefined, lifecycleState: 'Detached' });
    }
    return Promise.resolve();
  }

  recordLifecycleHeartbeat(a: {
    hookId: string;
    token: string;
    timeoutSeconds: number;
  }): Promise<'extended' | 'gone'> {
    this.record('recordLifecycleHeartbeat', a);
    if (!this.actions.some((x) => x.hookId === a.hookId && x.token === a.token))
      return Promise.resolve('gone');
    this.heartbeats.push(a);
    return Promise.resolve('extended');
  }

  systemEvents(_ids: readonly string[]): Promise<SystemEventInfo[]> {
    return Promise.resolve([]);
  }

  instancesFullStatus(): Promise<InstanceFullStatus[]> {
    return Promise.resolve([]);
  }
  acceptSystemEvent(eventId: string): Promise<void> {
    this.record('acceptSystemEvent', eventId);
    return Promise.resolve();
  }
  replaceSystemDisk(instanceId: string, spec: ReplaceSystemDiskSpec, o: WriteOptions): Promise<string> {
    this.record('replaceSystemDisk', instanceId, spec, o);
    return Promise.resolve(this.id('d'));
  }
  stopInstance(instanceId: string): Promise<void> {
    this.record('stopInstance', instanceId);
    const i = this.instances.get(instanceId);
    if (i) i.status = 'Stopped';
    return Promise.resolve();
  }
  startInstance(instanceId: string): Promise<void> {
    this.record('startInstance', instanceId);
    const i = this.instances.get(instanceId);
    if (i) i.status = 'Running';
    return Promise.resolve();
  }
  setUserData(instanceId: string, userDataBase64: string): Promise<void> {
    this.record('setUserData', instanceId, userDataBase64.length);
    return Promise.resolve();
  }
  spotPriceHistory(): Promise<SpotPricePoint[]> {
    return Promise.resolve([]);
  }
  price(): Promise<number> {
    return Promise.resolve(0);
  }

  // ---- catalogue and network: empty answers a test replaces when it needs them
  instanceTypes(): Promise<InstanceTypeInfo[]> {
    return Promise.resolve([]);
  }
  stock(): Promise<StockInfo[]> {
    return Promise.resolve([]);
  }
  vSwitches(): Promise<VSwitchInfo[]> {
    return Promise.resolve([]);
  }
  securityGroups(): Promise<SecurityGroupInfo[]> {
    return Promise.resolve([]);
  }
  images(): Promise<ImageInfo[]> {
    return Promise.resolve([]);
  }
  latestImage(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
  /** A family's images, as a test seeds them (`familyImagesOf`). */
  readonly familyImagesOf = new Map<string, FamilyImageInfo[]>();
  familyImages(family: string): Promise<FamilyImageInfo[]> {
    this.record('familyImages', family);
    return Promise.resolve([...(this.familyImagesOf.get(family) ?? [])]);
  }
  rebootInstance(instanceId: string): Promise<void> {
    this.record('rebootInstance', instanceId);
    const i = this.instances.get(instanceId);
    if (!i) {
      const e = new NotFoundError({
        code: 'InvalidInstanceId.NotFound',
        cloudMessage: `the instance ${instanceId} does not exist`,
        action: 'RebootInstance',
      });
      return Promise.reject(e);
    }
    return Promise.resolve();
  }
  consoleOutput(instanceId: string): Promise<string> {
    this.record('consoleOutput', instanceId);
    return Promise.resolve('');
  }
  runCommand(): Promise<string> {
    return Promise.resolve(this.id('t'));
  }
  commandInvocation(): Promise<CommandInvocation | undefined> {
    return Promise.resolve(undefined);
  }
}
