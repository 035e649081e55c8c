import { createHash } from 'node:crypto';
import type { Logger } from '../../log.js';
import { stableJson } from '../client-token.js';
import {
  CloudError,
  ConflictError,
  InvalidConfigurationError,
  NotFoundError,
  RejectedError,
} from '../errors.js';
import type { CloudProvider, WriteOptions } from '../provider.js';
import { NextFlight } from '../next-flight.js';
import {
  CLUSTER_TAG,
  POOL_TAG,
  type CloudInstance,
  type CommandInvocation,
  type EnsureKnown,
  type EnsureResult,
  type FamilyImageInfo,
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
import { EssApi, groupParams, orGone } from './ess.js';
import type { AlibabaTransport } from './transport.js';
import { describeVSwitchesWire } from './wire.js';

/**
 * The name of a scaling configuration records a digest of the launch spec it was last written with, so
 * `ensureScalingGroup` knows whether to modify it without keeping state of its own. The password is left out
 * of the digest (a name is not a place for anything derived from a secret); `passwordRevision` (e.g. the
 * Secret's resourceVersion) stands in for it.
 */
export function configurationName(launch: LaunchSpec, passwordRevision?: string): string {
  const { password, ...rest } = launch;
  const digest = createHash('sha256')
    .update(
      stableJson({ ...rest, password: password === undefined ? undefined : (passwordRevision ?? 'set') }),
    )
    .digest('hex')
    .slice(0, 24);
  return `np-${digest}`;
}

/** The ModifyScalingGroup parameters that bring `g` to `spec` (empty when it already matches). */
export function groupDrift(g: ScalingGroup, spec: ScalingGroupSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (g.minSize !== spec.minSize) out.MinSize = spec.minSize;
  if (g.maxSize !== spec.maxSize) out.MaxSize = spec.maxSize;
  // ESS keeps "MaxSize ≥ DesiredCapacity ≥ MinSize" and refuses a ModifyScalingGroup that would break it (ESS SDK model
  // ModifyScalingGroupRequest.DesiredCapacity): the expected number sent is the spec's within the spec's bounds, so
  // bounds that move past the group's current one take it along in the same call.
  const desired = Math.min(spec.maxSize, Math.max(spec.minSize, spec.desiredCapacity));
  if (g.desiredCapacity !== desired) out.DesiredCapacity = desired;
  if (g.vSwitchIds.join(',') !== spec.vSwitchIds.join(',')) out.VSwitchIds = spec.vSwitchIds;
  if (g.multiAZPolicy !== spec.multiAZPolicy) out.MultiAZPolicy = groupParams(spec).MultiAZPolicy;
  if (g.scalingPolicy !== spec.scalingPolicy) out.ScalingPolicy = spec.scalingPolicy;
  return out;
}

/** A group just created from `spec`, as DescribeScalingGroups would show it: Inactive, empty. */
function groupOfSpec(id: string, spec: ScalingGroupSpec): ScalingGroup {
  return {
    id,
    name: spec.name,
    state: 'Inactive',
    minSize: spec.minSize,
    maxSize: spec.maxSize,
    desiredCapacity: spec.desiredCapacity,
    activeConfigurationId: undefined,
    vSwitchIds: [...spec.vSwitchIds],
    vpcId: undefined,
    multiAZPolicy: spec.multiAZPolicy,
    scalingPolicy: spec.scalingPolicy,
    tags: { ...spec.tags },
    deletionProtection: true,
    counts: { total: 0, pending: 0, removing: 0, protected: 0, standby: 0, stopped: 0 },
  };
}

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
    if (ref.cluster !== undefined && !ref.cluster.includes('/')) return this.groupsByClusterName.get(`${ref.cluster}/${ref.name}`); // prettier-ignore
    return this.findByName(ref.name);
  }

  private async findByName(name: string): Promise<ScalingGroup | undefined> {
    const byName = await this.ess.describeScalingGroups({ name });
    return byName.find((g) => g.name === name);
  }

  listClusterScalingGroups(cluster: string): Promise<ScalingGroup[]> {
    return this.ess.describeScalingGroups({ tags: { [CLUSTER_TAG]: cluster } });
  }

  async ensureScalingGroup(
    req: {
      groupId?: string | undefined;
      current?: ScalingGroup | undefined;
      known?: EnsureKnown | undefined;
      group: ScalingGroupSpec;
      launch: LaunchSpec;
      passwordRevision?: string;
    } & WriteOptions,
  ): Promise<EnsureResult> {
    // prettier-ignore
    const { group: spec, launch } = req;
    const changes: string[] = [];
    let g = req.current ?? (await this.findScalingGroup({ id: req.groupId, name: spec.name }));
    if (g?.state === 'Deleting') {
      throw new ConflictError({ code: 'IncorrectScalingGroupStatus', cloudMessage: `the scaling group ${g.id} is being deleted`, action: 'EnsureScalingGroup' }); // prettier-ignore
    }
    // A group created here is new and empty (no configuration, no hook, nothing running): what it holds is the
    // spec, and the reads that would say so are skipped (a pool's creation is 4 writes and no read after them).
    let created = false;
    if (!g) {
      try {
        const id = await this.ess.createScalingGroup(spec, req.operationId);
        changes.push('created scaling group');
        g = groupOfSpec(id, spec);
        created = true;
      } catch (err) {
        // the name is taken by a group the caller's lookup did not see (one not tagged with the cluster):
        // read it, so that it is either this pool's or refused below as another's
        if (!(err instanceof CloudError && err.code === 'InvalidScalingGroupName.Duplicate')) throw err;
        g = await this.findByName(spec.name);
        if (!g) throw err;
      }
    }
    for (const key of [CLUSTER_TAG, POOL_TAG]) {
      const want = spec.tags[key];
      if (want !== undefined && g.tags[key] !== want) {
        throw new InvalidConfigurationError({
          code: 'ScalingGroupNotOwned',
          cloudMessage: `the scaling group ${g.id} named ${g.name} is not this pool's: its tag ${key} is ${JSON.stringify(g.tags[key] ?? null)}, not ${JSON.stringify(want)}`, // prettier-ignore
          action: 'EnsureScalingGroup',
        });
      }
    }

    const name = configurationName(launch, req.passwordRevision);
    const known = req.known?.groupId === g.id ? req.known : undefined;
    const unchanged = known !== undefined && g.activeConfigurationId === known.configurationId && known.configurationName === name; // prettier-ignore
    const configs = unchanged || created ? [] : await this.ess.configurationNames(g.id);
    const activeId = g.activeConfigurationId;
    const active = configs.find((c) => c.id === activeId) ?? configs.find((c) => c.active);
    let configurationId: string;
    if (unchanged) configurationId = known.configurationId;
    else if (!active) {
      // A configuration created before a crash (same digest) is reused, not duplicated.
      const existing = configs.find((c) => c.name === name);
      configurationId = existing?.id ?? (await this.ess.createScalingConfiguration(g.id, name, launch));
      if (!existing) changes.push('created scaling configuration');
    } else if (active.name !== name) {
      await this.ess.modifyScalingConfiguration(active.id, name, launch);
      changes.push('modified scaling configuration');
      configurationId = active.id;
    } else configurationId = active.id;

    if (g.state === 'Inactive') {
      await this.ess.enableScalingGroup(g.id, configurationId);
      changes.push('enabled scaling group');
    }
    const drift = groupDrift(g, spec);
    if (Object.keys(drift).length > 0) {
      await this.ess.modifyScalingGroup(g.id, drift);
      changes.push(`modified scaling group: ${Object.keys(drift).join(', ')}`);
    }
    if (spec.scaleInHook && !known?.hook) {
      const hooks = created ? [] : await this.ess.describeLifecycleHooks(g.id);
      if (!hooks.some((h) => h.LifecycleHookName === spec.scaleInHook!.name)) {
        await this.ess.createLifecycleHook(g.id, spec.scaleInHook);
        changes.push('created SCALE_IN lifecycle hook');
      }
    }
    if (created) g = { ...g, state: 'Active', activeConfigurationId: configurationId };
    else if (changes.length > 0) g = await this.mustGet(g.id);
    if (changes.length > 0) {
      this.log?.info(
        { action: 'EnsureScalingGroup', scalingGroupId: g.id, changes },
        'scaling group changed',
      );
    }
    const hook = spec.scaleInHook !== undefined;
    return { group: g, configurationId, changes, known: { groupId: g.id, configurationId, configurationName: name, hook } }; // prettier-ignore
  }

  private async mustGet(id: string): Promise<ScalingGroup> {
    const [g] = await this.ess.describeScalingGroups({ ids: [id] });
    if (!g) throw new NotFoundError({ code: 'InvalidScalingGroupId.NotFound', cloudMessage: `the scaling group ${id} does not exist`, action: 'DescribeScalingGroups' }); // prettier-ignore
    return g;
  }

  async setCapacity(
    groupId: string,
    c: { minSize?: number; maxSize?: number; desiredCapacity?: number },
  ): Promise<void> {
    // prettier-ignore
    try {
      await this.ess.modifyScalingGroup(groupId, { MinSize: c.minSize, MaxSize: c.maxSize, DesiredCapacity: c.desiredCapacity }); // prettier-ignore
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

  async listPoolInstances(groupId: string): Promise<PoolInstance[]> {
    const members = await this.ess.describeScalingInstances(groupId);
    const ecs = new Map((await this.ecs.describeInstancesById(members.map((m) => m.InstanceId))).map((i) => [i.instanceId, i])); // prettier-ignore
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
    return this.ess.memberWrite('RemoveInstances', groupId, ids, { RemovePolicy: o.policy, DecreaseDesiredCapacity: o.decreaseDesired }, o.operationId); // prettier-ignore
  }

  attachInstances(
    groupId: string,
    ids: readonly string[],
    o: WriteOptions & { entrusted?: boolean },
  ): Promise<string[]> {
    // prettier-ignore
    return this.ess.memberWrite('AttachInstances', groupId, ids, o.entrusted ? { Entrusted: true } : {}, o.operationId); // prettier-ignore
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
    return this.ess.memberWrite('DetachInstances', groupId, ids, { DecreaseDesiredCapacity: o.decreaseDesired }, o.operationId); // prettier-ignore
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
        cloudMessage: `refusing to release Subscription instance(s) ${prepaid.join(', ')}: the operator never deletes a Subscription instance`, // prettier-ignore
        action: 'DeleteInstances',
      });
    }
    if (o.liftProtection) {
      for (const i of found.filter((x) => x.deletionProtection)) await this.ecs.setDeletionProtection(i.instanceId, false); // prettier-ignore
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
      const body = describeVSwitchesWire.parse(await this.t.rpc('vpc', 'DescribeVSwitches', { VpcId: vpcId, PageNumber: page, PageSize: 50 })); // prettier-ignore
      out.push(...body.VSwitches.map((v) => ({ id: v.VSwitchId, vpcId: v.VpcId, zoneId: v.ZoneId, cidr: v.CidrBlock, availableIps: v.AvailableIpAddressCount, status: v.Status ?? 'Available' }))); // prettier-ignore
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
