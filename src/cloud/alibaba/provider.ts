import type { Logger } from '../../log.js';
import { InvalidConfigurationError, RejectedError } from '../errors.js';
import type { CloudProvider, WriteOptions } from '../provider.js';
import { NextFlight } from '../next-flight.js';
import {
  CLUSTER_TAG,
  type CloudInstance,
  type CommandInvocation,
  type FamilyImageInfo,
  type GroupChanges,
  type ImageInfo,
  type InstanceFullStatus,
  type InstanceTypeInfo,
  type LaunchSpec,
  type LifecycleAction,
  type PoolInstance,
  type ReplaceSystemDiskSpec,
  type RunInstancesSpec,
  type ScalingActivity,
  type ScalingGroup,
  type ScalingGroupSpec,
  type SecurityGroupInfo,
  type SpotPricePoint,
  type StockInfo,
  type SystemEventInfo,
  type VSwitchInfo,
} from '../types.js';
import { EcsApi } from './ecs.js';
import { EssApi, orGone } from './ess.js';
import type { AlibabaTransport } from './transport.js';
import { describeVSwitchesWire } from './wire.js';

export interface AlibabaCloudProviderOptions {
  transport: AlibabaTransport;
  log?: Logger | undefined;
}

/** CloudProvider on Alibaba Cloud (or the simulator): ESS + ECS + VPC through one transport and pipeline. */
export class AlibabaCloudProvider implements CloudProvider {
  readonly region: string;
  readonly ess: EssApi;
  readonly ecs: EcsApi;
  private readonly t: AlibabaTransport;
  private readonly log: Logger | undefined;

  constructor(opts: AlibabaCloudProviderOptions) {
    this.t = opts.transport;
    this.region = opts.transport.region;
    this.ess = new EssApi(opts.transport);
    this.ecs = new EcsApi(opts.transport);
    this.log = opts.log;
  }

  /** Lookups by id of many pools at once: one DescribeScalingGroups for up to 20 ids. */
  private readonly groupsById = new NextFlight<ScalingGroup>(async (ids) => {
    const found = await this.ess.describeScalingGroups({ ids });
    return new Map(found.map((g) => [g.id, g]));
  }, 20);
  /** Lookups by name among a cluster's groups (key `cluster/name`): one listing by the cluster tag for all. */
  private readonly groupsByClusterName = new NextFlight<ScalingGroup>(async (keys) => {
    const out = new Map<string, ScalingGroup>();
    for (const cluster of new Set(keys.map((k) => k.slice(0, k.indexOf('/'))))) {
      for (const g of await this.listClusterScalingGroups(cluster)) out.set(`${cluster}/${g.name}`, g);
    }
    return out;
  });

  async findScalingGroup(ref: {
    id?: string | undefined;
    name: string;
    cluster?: string | undefined;
  }): Promise<ScalingGroup | undefined> {
    // prettier-ignore
    if (ref.id) {
      const byId = await this.groupsById.get(ref.id);
      if (byId) return byId;
    }
    if (ref.cluster !== undefined && !ref.cluster.includes('/'))
      return this.groupsByClusterName.get(`${ref.cluster}/${ref.name}`);
    return this.findByName(ref.name);
  }

  private async findByName(name: string): Promise<ScalingGroup | undefined> {
    const byName = await this.ess.describeScalingGroups({ name });
    return byName.find((g) => g.name === name);
  }

  listClusterScalingGroups(cluster: string): Promise<ScalingGroup[]> {
    return this.ess.describeScalingGroups({ tags: { [CLUSTER_TAG]: cluster } });
  }

  createScalingGroup(spec: ScalingGroupSpec, o: WriteOptions): Promise<string> {
    return this.ess.createScalingGroup(spec, o.operationId);
  }

  scalingConfigurations(
    groupId: string,
  ): Promise<{ id: string; name: string | undefined; active: boolean; imageId?: string | undefined }[]> {
    return this.ess.configurationNames(groupId);
  }

  createScalingConfiguration(groupId: string, name: string, launch: LaunchSpec): Promise<string> {
    return this.ess.createScalingConfiguration(groupId, name, launch);
  }

  modifyScalingConfiguration(configurationId: string, name: string, launch: LaunchSpec): Promise<void> {
    return this.ess.modifyScalingConfiguration(configurationId, name, launch);
  }

  enableScalingGroup(groupId: string, configurationId: string): Promise<void> {
    return this.ess.enableScalingGroup(groupId, configurationId);
  }

  async modifyScalingGroup(groupId: string, c: GroupChanges): Promise<void> {
    const params = {
      MinSize: c.minSize,
      MaxSize: c.maxSize,
      DesiredCapacity: c.desiredCapacity,
      VSwitchIds: c.vSwitchIds,
      MultiAZPolicy: c.multiAZPolicy,
      ScalingPolicy: c.scalingPolicy,
      OnDemandBaseCapacity: c.onDemandBaseCapacity,
      OnDemandPercentageAboveBaseCapacity: c.onDemandPercentageAboveBaseCapacity,
      SpotInstancePools: c.spotInstancePools,
      SpotInstanceRemedy: c.spotInstanceRemedy,
      CompensateWithOnDemand: c.compensateWithOnDemand,
    };
    if (Object.values(params).every((v) => v === undefined)) return;
    await this.ess.modifyScalingGroup(groupId, params);
  }

  changeScalingGroupResourceGroup(groupId: string, resourceGroupId: string): Promise<void> {
    return this.ess.changeResourceGroup(groupId, resourceGroupId);
  }

  async lifecycleHookNames(groupId: string): Promise<string[]> {
    return (await this.ess.describeLifecycleHooks(groupId)).map((h) => h.LifecycleHookName);
  }

  async createLifecycleHook(
    groupId: string,
    hook: NonNullable<ScalingGroupSpec['scaleInHook']>,
  ): Promise<void> {
    await this.ess.createLifecycleHook(groupId, hook);
  }

  async setCapacity(
    groupId: string,
    c: { minSize?: number; maxSize?: number; desiredCapacity?: number },
  ): Promise<void> {
    // prettier-ignore
    try {
      await this.ess.modifyScalingGroup(groupId, { MinSize: c.minSize, MaxSize: c.maxSize, DesiredCapacity: c.desiredCapacity });
    } catch (err) {
      if (err instanceof InvalidConfigurationError && err.code === 'IncorrectCapacity.NoChange') return;
      throw err;
    }
  }

  async deleteScalingGroup(groupId: string): Promise<'deleting' | 'gone'> {
    const [g] = await this.ess.describeScalingGroups({ ids: [groupId] });
    if (!g) return 'gone';
    if (g.state !== 'Deleting') {
      if (g.deletionProtection)
        await this.ess.modifyScalingGroup(groupId, { GroupDeletionProtection: false });
      if ((await orGone(this.ess.deleteScalingGroup(groupId, true))) === undefined) {
        const [still] = await this.ess.describeScalingGroups({ ids: [groupId] });
        if (!still) return 'gone';
      }
    }
    const [after] = await this.ess.describeScalingGroups({ ids: [groupId] });
    return after ? 'deleting' : 'gone';
  }

  async listPoolInstances(groupId: string, ids?: readonly string[]): Promise<PoolInstance[]> {
    if (ids?.length === 0) return [];
    const members = await this.ess.describeScalingInstances(groupId, ids);
    const ecs = new Map(
      (await this.ecs.describeInstancesById(members.map((m) => m.InstanceId))).map((i) => [i.instanceId, i]),
    );
    // a subscription member's own renewal setting (it may differ from the pool's: set in the console, or attached)
    const prepaid = [...ecs.values()].filter((i) => i.chargeType === 'PrePaid').map((i) => i.instanceId);
    const renews = prepaid.length > 0 ? await this.ecs.autoRenew(prepaid) : new Map<string, boolean>();
    return members.map((m): PoolInstance => {
      const i = ecs.get(m.InstanceId);
      return {
        instanceId: m.InstanceId,
        status: i?.status,
        zoneId: i?.zoneId ?? m.ZoneId ?? '',
        instanceType: i?.instanceType ?? m.InstanceType ?? '',
        chargeType: i?.chargeType ?? 'PostPaid',
        spotStrategy: i?.spotStrategy ?? 'NoSpot',
        privateIp: i?.privateIp,
        vSwitchId: i?.vSwitchId,
        hostName: i?.hostName,
        imageId: i?.imageId,
        tags: i?.tags ?? {},
        locks: i?.locks ?? [],
        creationTime: i?.creationTime,
        expiredTime: i?.expiredTime,
        autoRenew: renews.get(m.InstanceId),
        deletionProtection: i?.deletionProtection ?? false,
        resourceGroupId: i?.resourceGroupId,
        lifecycleState: m.LifecycleState,
        healthy: m.HealthStatus !== 'Unhealthy',
        creationType: m.CreationType ?? 'AutoCreated',
        entrusted: m.Entrusted ?? false,
        scalingConfigurationId: m.ScalingConfigurationId,
        reclaiming: (i?.locks ?? []).includes('Recycling'),
      };
    });
  }

  describeInstances(ids: readonly string[]): Promise<CloudInstance[]> {
    return this.ecs.describeInstancesById(ids);
  }

  findInstancesByTags(tags: Record<string, string>): Promise<CloudInstance[]> {
    return this.ecs.describeInstancesByTags(tags);
  }

  removeInstances(
    groupId: string,
    ids: readonly string[],
    o: { policy: 'release' | 'recycle'; decreaseDesired: boolean } & WriteOptions,
  ): Promise<string[]> {
    // prettier-ignore
    return this.ess.memberWrite('RemoveInstances', groupId, ids, { RemovePolicy: o.policy, DecreaseDesiredCapacity: o.decreaseDesired }, o.operationId);
  }

  scaleOut(groupId: string, count: number, o: WriteOptions): Promise<string> {
    return this.ess.scaleOut(groupId, count, o.operationId);
  }

  attachInstances(
    groupId: string,
    ids: readonly string[],
    o: WriteOptions & { entrusted?: boolean },
  ): Promise<string[]> {
    // prettier-ignore
    return this.ess.memberWrite('AttachInstances', groupId, ids, o.entrusted ? { Entrusted: true } : {}, o.operationId);
  }

  price(o: { instanceType: string; zoneId: string; spot: boolean }): Promise<number> {
    return this.ecs.price(o);
  }

  detachInstances(
    groupId: string,
    ids: readonly string[],
    o: { decreaseDesired: boolean } & WriteOptions,
  ): Promise<string[]> {
    // prettier-ignore
    return this.ess.memberWrite('DetachInstances', groupId, ids, { DecreaseDesiredCapacity: o.decreaseDesired }, o.operationId);
  }

  async setScaleInProtection(groupId: string, ids: readonly string[], protect: boolean): Promise<void> {
    await this.ess.memberWrite('SetInstancesProtection', groupId, ids, { ProtectedFromScaleIn: protect });
  }

  runInstances(spec: RunInstancesSpec, o: WriteOptions): Promise<string[]> {
    return this.ecs.runInstances(spec, o.operationId);
  }

  async releaseInstances(
    ids: readonly string[],
    o: { force: boolean; liftProtection?: boolean } & WriteOptions,
  ): Promise<void> {
    // prettier-ignore
    if (ids.length === 0) return;
    const found = await this.ecs.describeInstancesById(ids);
    const prepaid = found.filter((i) => i.chargeType === 'PrePaid').map((i) => i.instanceId);
    if (prepaid.length > 0) {
      throw new RejectedError({
        code: 'SubscriptionNeverReleased',
        cloudMessage: `refusing to release Subscription instance(s) ${prepaid.join(', ')}: the operator never deletes a Subscription instance`,
        action: 'DeleteInstances',
      });
    }
    if (o.liftProtection) {
      for (const i of found.filter((x) => x.deletionProtection))
        await this.ecs.setDeletionProtection(i.instanceId, false);
    }
    const present = found.map((i) => i.instanceId);
    if (present.length > 0) await this.ecs.deleteInstances(present, o.force, o.operationId);
  }

  tagInstances(ids: readonly string[], tags: Record<string, string>): Promise<void> {
    return this.ecs.tagInstances(ids, tags);
  }

  untagInstances(ids: readonly string[], keys: readonly string[]): Promise<void> {
    return this.ecs.untagInstances(ids, keys);
  }

  joinResourceGroup(instanceIds: readonly string[], resourceGroupId: string): Promise<void> {
    return this.ecs.joinResourceGroup(instanceIds, resourceGroupId);
  }

  scalingActivities(groupId: string, limit = 10): Promise<ScalingActivity[]> {
    return this.ess.describeScalingActivities(groupId, { limit });
  }

  async pendingLifecycleActions(groupId: string): Promise<LifecycleAction[]> {
    const running = await this.ess.describeScalingActivities(groupId, { limit: 100, status: 'InProgress' });
    const out: LifecycleAction[] = [];
    for (const a of running) {
      const actions = await orGone(this.ess.describeLifecycleActions(a.id));
      out.push(...(actions ?? []));
    }
    return out;
  }

  async completeLifecycleAction(a: {
    hookId: string;
    token: string;
    result: 'CONTINUE' | 'ABANDON';
  }): Promise<void> {
    const r = await this.ess.completeLifecycleAction(a);
    if (r === 'gone')
      this.log?.debug(
        { action: 'CompleteLifecycleAction', hookId: a.hookId },
        'the lifecycle action had already ended',
      );
  }

  recordLifecycleHeartbeat(a: {
    hookId: string;
    token: string;
    timeoutSeconds: number;
  }): Promise<'extended' | 'gone'> {
    return this.ess.recordLifecycleHeartbeat(a);
  }

  systemEvents(instanceIds: readonly string[]): Promise<SystemEventInfo[]> {
    return instanceIds.length === 0 ? Promise.resolve([]) : this.ecs.systemEvents(instanceIds);
  }

  instancesFullStatus(instanceIds: readonly string[]): Promise<InstanceFullStatus[]> {
    return instanceIds.length === 0 ? Promise.resolve([]) : this.ecs.instancesFullStatus(instanceIds);
  }

  acceptSystemEvent(eventId: string): Promise<void> {
    return this.ecs.acceptSystemEvent(eventId);
  }

  replaceSystemDisk(instanceId: string, spec: ReplaceSystemDiskSpec, o: WriteOptions): Promise<string> {
    return this.ecs.replaceSystemDisk(instanceId, spec, o.operationId);
  }

  stopInstance(instanceId: string): Promise<void> {
    return this.ecs.stopInstance(instanceId);
  }

  startInstance(instanceId: string): Promise<void> {
    return this.ecs.startInstance(instanceId);
  }

  setUserData(instanceId: string, userDataBase64: string): Promise<void> {
    return this.ecs.setUserData(instanceId, userDataBase64);
  }

  spotPriceHistory(q: {
    instanceType: string;
    zoneId?: string | undefined;
    start?: Date | undefined;
    end?: Date | undefined;
  }): Promise<SpotPricePoint[]> {
    return this.ecs.spotPriceHistory(q);
  }

  instanceTypes(types?: readonly string[]): Promise<InstanceTypeInfo[]> {
    return this.ecs.describeInstanceTypes(types);
  }

  stock(o: {
    chargeType: 'PostPaid' | 'PrePaid';
    spot: boolean;
    zoneId?: string;
    instanceType?: string;
  }): Promise<StockInfo[]> {
    // prettier-ignore
    return this.ecs.stock(o);
  }

  /**
   * The vSwitches by id: DescribeVSwitches takes **one** `VSwitchId` (VPC API reference), so one call per id (a
   * comma list would match none). Unknown ids are absent from the answer.
   */
  async vSwitches(ids: readonly string[]): Promise<VSwitchInfo[]> {
    const found = await Promise.all(
      [...new Set(ids)].map(
        async (id) =>
          describeVSwitchesWire.parse(
            await this.t.rpc('vpc', 'DescribeVSwitches', { VSwitchId: id, PageSize: 50 }),
          ).VSwitches,
      ),
    );
    return found.flat().map((v) => ({
      id: v.VSwitchId,
      vpcId: v.VpcId,
      zoneId: v.ZoneId,
      cidr: v.CidrBlock,
      availableIps: v.AvailableIpAddressCount,
      status: v.Status ?? 'Available',
    }));
  }

  /** Every vSwitch of a VPC (every page). */
  async vSwitchesOfVpc(vpcId: string): Promise<VSwitchInfo[]> {
    const out: VSwitchInfo[] = [];
    for (let page = 1; ; page++) {
      const body = describeVSwitchesWire.parse(
        await this.t.rpc('vpc', 'DescribeVSwitches', { VpcId: vpcId, PageNumber: page, PageSize: 50 }),
      );
      out.push(
        ...body.VSwitches.map((v) => ({
          id: v.VSwitchId,
          vpcId: v.VpcId,
          zoneId: v.ZoneId,
          cidr: v.CidrBlock,
          availableIps: v.AvailableIpAddressCount,
          status: v.Status ?? 'Available',
        })),
      );
      if (body.VSwitches.length < 50) break;
    }
    return out;
  }

  securityGroups(ids: readonly string[]): Promise<SecurityGroupInfo[]> {
    return this.ecs.describeSecurityGroups(ids);
  }

  images(ids: readonly string[]): Promise<ImageInfo[]> {
    return this.ecs.describeImages(ids);
  }

  latestImage(family: string): Promise<string | undefined> {
    return this.ecs.latestImage(family);
  }

  familyImages(family: string): Promise<FamilyImageInfo[]> {
    return this.ecs.familyImages(family);
  }

  rebootInstance(instanceId: string): Promise<void> {
    return this.ecs.rebootInstance(instanceId);
  }

  consoleOutput(instanceId: string): Promise<string> {
    return this.ecs.consoleOutput(instanceId);
  }

  runCommand(
    ids: readonly string[],
    script: string,
    o: { timeoutSeconds: number; name?: string },
  ): Promise<string> {
    // prettier-ignore
    return this.ecs.runCommand(ids, script, o);
  }

  commandInvocation(invokeId: string): Promise<CommandInvocation | undefined> {
    return this.ecs.invocation(invokeId);
  }
}
