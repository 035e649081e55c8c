import type {
  CloudInstance,
  CommandInvocation,
  FamilyImageInfo,
  GroupChanges,
  ImageInfo,
  InstanceFullStatus,
  InstanceTypeInfo,
  LaunchSpec,
  LifecycleAction,
  PoolInstance,
  ReplaceSystemDiskSpec,
  RunInstancesSpec,
  ScalingActivity,
  ScalingGroup,
  ScalingGroupSpec,
  SecurityGroupInfo,
  SpotPricePoint,
  StockInfo,
  SystemEventInfo,
  VSwitchInfo,
} from './types.js';

/** Who owns a cloud resource: the operator's cluster id and the pool's name (the `nodepool.alicloud.dev/*` tags). */
export interface PoolOwner {
  cluster: string;
  pool: string;
}

/**
 * Every write that could create something takes an `operationId`: an id the caller persisted before the
 * write (for example in the pool's status), from which the ClientToken is derived. Retrying the same
 * operation — after a timeout or a crash — reuses it; a new operation gets a new id.
 */
export interface WriteOptions {
  operationId: string;
}

/**
 * The cloud as controllers see it, in the operator's words. Implementations: `AlibabaCloudProvider` (the
 * real SDK over HTTP — to Alibaba Cloud, or to the simulator by an endpoint setting). Every method may throw
 * the typed errors of `./errors.ts`; nothing else leaks out.
 */
export interface CloudProvider {
  readonly region: string;

  // ---- scaling groups
  /**
   * The pool's scaling group, found by id when known, else by name; undefined when there is none. With
   * `cluster`, the name is looked for among the groups tagged with that cluster (one listing answers many
   * pools at once); lookups by id made at the same time are one call for up to 20 groups.
   */
  findScalingGroup(ref: {
    id?: string | undefined;
    name: string;
    cluster?: string | undefined;
  }): Promise<ScalingGroup | undefined>;
  /** Every scaling group tagged with the cluster (to report groups no pool owns). */
  listClusterScalingGroups(cluster: string): Promise<ScalingGroup[]>;
  /**
   * CreateScalingGroup with the spec's sizes (DesiredCapacity is only allowed at creation), deletion
   * protection and the tags (propagated to its instances). Returns the new group's id. Idempotent by the
   * operation's ClientToken. What to create and when is the caller's policy (`planScalingGroup`).
   */
  createScalingGroup(spec: ScalingGroupSpec, o: WriteOptions): Promise<string>;
  /** The group's scaling configurations (id, name, whether active, the image it launches). */
  scalingConfigurations(
    groupId: string,
  ): Promise<{ id: string; name: string | undefined; active: boolean; imageId?: string | undefined }[]>;
  createScalingConfiguration(groupId: string, name: string, launch: LaunchSpec): Promise<string>;
  /** Modifies a configuration in place (new instances launch with it; existing ones keep theirs). */
  modifyScalingConfiguration(configurationId: string, name: string, launch: LaunchSpec): Promise<void>;
  enableScalingGroup(groupId: string, configurationId: string): Promise<void>;
  /** ModifyScalingGroup with the fields given (those that differ from the spec; `planScalingGroup`). */
  modifyScalingGroup(groupId: string, changes: GroupChanges): Promise<void>;
  /**
   * Moves the group to another resource group (ESS ChangeResourceGroup). No ClientToken: asked only when the group
   * is in another one, so a retry is harmless. Unknown resource group: InvalidConfigurationError.
   */
  changeScalingGroupResourceGroup(groupId: string, resourceGroupId: string): Promise<void>;
  /** The names of the group's lifecycle hooks. */
  lifecycleHookNames(groupId: string): Promise<string[]>;
  createLifecycleHook(groupId: string, hook: NonNullable<ScalingGroupSpec['scaleInHook']>): Promise<void>;
  /** Min / max / desired (each optional). A no-change is not an error. */
  setCapacity(
    groupId: string,
    c: { minSize?: number; maxSize?: number; desiredCapacity?: number },
  ): Promise<void>;
  /**
   * Deletes the group: lifts deletion protection, then ForceDelete (ESS releases the instances it created and
   * detaches attached ones). Returns `gone` once it no longer exists.
   */
  deleteScalingGroup(groupId: string): Promise<'deleting' | 'gone'>;

  // ---- instances of a pool
  /** The group's members (or only `ids` of them), ESS lifecycle state joined with ECS state, IP, zone, type, charge type, tags, locks. */
  listPoolInstances(groupId: string, ids?: readonly string[]): Promise<PoolInstance[]>;
  /** ECS instances by id (unknown ids are absent from the answer). */
  describeInstances(ids: readonly string[]): Promise<CloudInstance[]>;
  /** ECS instances carrying all these tags (every page). */
  findInstancesByTags(tags: Record<string, string>): Promise<CloudInstance[]>;
  /** Removes members: `release` deletes them, `recycle` stops them (economical mode). Returns activity ids. */
  removeInstances(
    groupId: string,
    ids: readonly string[],
    o: { policy: 'release' | 'recycle'; decreaseDesired: boolean } & WriteOptions,
  ): Promise<string[]>;
  /**
   * ScaleWithAdjustment: `count` more instances (ESS clamps to MaxSize). In economical mode ESS starts the
   * group's Stopped members first — the only way a member leaves the Stopped state. Returns the activity id.
   */
  scaleOut(groupId: string, count: number, o: WriteOptions): Promise<string>;
  /**
   * AttachInstances. `entrusted`: ESS manages the instance's lifecycle as its own (releases it on scale-in and
   * on group deletion) — for instances the operator launched for the pool, never for ones the user brought.
   */
  attachInstances(
    groupId: string,
    ids: readonly string[],
    o: WriteOptions & { entrusted?: boolean },
  ): Promise<string[]>;
  detachInstances(
    groupId: string,
    ids: readonly string[],
    o: { decreaseDesired: boolean } & WriteOptions,
  ): Promise<string[]>;
  setScaleInProtection(groupId: string, ids: readonly string[], protect: boolean): Promise<void>;
  /** RunInstances (Subscription pools launch their own instances, then attach them). Returns the ids. */
  runInstances(spec: RunInstancesSpec, o: WriteOptions): Promise<string[]>;
  /** Releases instances (lifting deletion protection first when `liftProtection`). Never Subscription ones. */
  releaseInstances(
    ids: readonly string[],
    o: { force: boolean; liftProtection?: boolean } & WriteOptions,
  ): Promise<void>;
  tagInstances(ids: readonly string[], tags: Record<string, string>): Promise<void>;
  untagInstances(ids: readonly string[], keys: readonly string[]): Promise<void>;
  /**
   * Moves instances to a resource group (ECS JoinResourceGroup, one call each). No ClientToken: asked only for
   * instances in another one, so a retry is harmless. Unknown resource group: InvalidConfigurationError.
   */
  joinResourceGroup(instanceIds: readonly string[], resourceGroupId: string): Promise<void>;

  // ---- activities, hooks, events
  /**
   * The group's most recent scaling activities, newest first (by StartTime: the API documents no order, so the
   * adapter reads every page and sorts).
   */
  scalingActivities(groupId: string, limit?: number): Promise<ScalingActivity[]>;
  /** Instances held by the group's lifecycle hooks (ESS-started removals waiting for a drain). */
  pendingLifecycleActions(groupId: string): Promise<LifecycleAction[]>;
  /** Ends a wait with a result; a wait that already ended (stale token) is not an error. */
  completeLifecycleAction(a: {
    hookId: string;
    token: string;
    result: 'CONTINUE' | 'ABANDON';
  }): Promise<void>;
  /**
   * Extends a lifecycle hook's wait: it then ends `timeoutSeconds` (30–21600) from now. A wait lasts at most 6 h in
   * all and takes at most 20 heartbeats; beyond them a RejectedError (`LifecycleAction.TimeExceeded`,
   * `LifecycleAction.RecordTimesExceeded`). `gone` when the wait already ended (stale token).
   */
  recordLifecycleHeartbeat(a: {
    hookId: string;
    token: string;
    timeoutSeconds: number;
  }): Promise<'extended' | 'gone'>;
  /** Scheduled / executing / inquiring system events (maintenance, failure, expiry) of these instances. */
  systemEvents(instanceIds: readonly string[]): Promise<SystemEventInfo[]>;
  /** DescribeInstancesFullStatus of these instances (batches of 100): status, health, Scheduled events. */
  instancesFullStatus(instanceIds: readonly string[]): Promise<InstanceFullStatus[]>;
  /** Accepts an Inquiring system event (AcceptInquiredSystemEvent): its default operation runs now. */
  acceptSystemEvent(eventId: string): Promise<void>;
  /**
   * Re-creates the system disk of a Stopped instance from an image (ReplaceSystemDisk; the instance keeps its id,
   * IP and user data, and runs its user data again on the next start). Returns the new disk's id.
   */
  replaceSystemDisk(instanceId: string, spec: ReplaceSystemDiskSpec, o: WriteOptions): Promise<string>;
  /**
   * StopInstance (Running → Stopping → Stopped; pay-as-you-go ones keep charging, as a re-image needs). ECS takes no
   * ClientToken here: the caller asks only when its read found the instance Running.
   */
  stopInstance(instanceId: string): Promise<void>;
  /** StartInstance (Stopped → Starting → Running). No ClientToken either: asked only of a Stopped instance. */
  startInstance(instanceId: string): Promise<void>;
  /**
   * ModifyInstanceAttribute UserData (base64, ≤ 32 KB raw): what the instance's next first boot (a new system disk)
   * runs. A plain restart shows it but does not run it (ecs20140526 ModifyInstanceAttributeRequest.userData).
   */
  setUserData(instanceId: string, userDataBase64: string): Promise<void>;
  /** Spot price history of a type (every zone, or one), hourly between `start` and `end` (default: the last 3 h). */
  spotPriceHistory(q: {
    instanceType: string;
    zoneId?: string | undefined;
    start?: Date | undefined;
    end?: Date | undefined;
  }): Promise<SpotPricePoint[]>;

  // ---- catalogue and network
  instanceTypes(types?: readonly string[]): Promise<InstanceTypeInfo[]>;
  /** DescribePrice: CNY per hour of one instance of a type in a zone, pay-as-you-go or spot. */
  price(o: { instanceType: string; zoneId: string; spot: boolean }): Promise<number>;
  stock(o: {
    chargeType: 'PostPaid' | 'PrePaid';
    spot: boolean;
    zoneId?: string;
    instanceType?: string;
  }): Promise<StockInfo[]>;
  vSwitches(ids: readonly string[]): Promise<VSwitchInfo[]>;
  securityGroups(ids: readonly string[]): Promise<SecurityGroupInfo[]>;
  images(ids: readonly string[]): Promise<ImageInfo[]>;
  /** Every available image of a family, with its creation time, versions and fixed CVEs (from its tags). */
  familyImages(family: string): Promise<FamilyImageInfo[]>;
  /**
   * RebootInstance (repair). ECS takes no ClientToken for it: a reboot is idempotent in effect, and the caller
   * records the reboot on the Node before asking, so a retry after a crash reboots at most once more.
   */
  rebootInstance(instanceId: string): Promise<void>;
  /** The newest public image of a family (`acs:alibaba_cloud_linux_3_container_optimized_x64`), if any. */
  latestImage(family: string): Promise<string | undefined>;

  /** What the instance printed to its serial console (the tail ECS keeps: cloud-init's boot output). */
  consoleOutput(instanceId: string): Promise<string>;

  // ---- Cloud Assistant
  runCommand(
    ids: readonly string[],
    script: string,
    o: { timeoutSeconds: number; name?: string },
  ): Promise<string>;
  commandInvocation(invokeId: string): Promise<CommandInvocation | undefined>;
}
