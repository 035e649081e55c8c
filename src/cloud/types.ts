/**
 * The cloud in the operator's words: what controllers ask for and what they get back. No SDK class and no raw
 * wire name appears here; `alibaba/` translates (and zod-validates every answer on the way in).
 */

/** The operator's own ECS / ESS tags: who owns a scaling group or an instance. */
export const CLUSTER_TAG = 'nodepool.alicloud.dev/cluster';
export const POOL_TAG = 'nodepool.alicloud.dev/pool';
/** The system tag ESS puts on the instances it creates. */
export const ESS_GROUP_TAG = 'acs:autoscaling:scalingGroupId';

export type MultiAZPolicy = 'PRIORITY' | 'COST_OPTIMIZED' | 'BALANCE';
export type GroupScalingPolicy = 'release' | 'recycle';
export type HookResult = 'CONTINUE' | 'ABANDON';

/** A scaling group as the pool wants it. */
export interface ScalingGroupSpec {
  /** ScalingGroupName: 2–64 characters, unique per region. */
  name: string;
  minSize: number;
  maxSize: number;
  /** Always set: ESS allows desired capacity only when a group is created with it. */
  desiredCapacity: number;
  /** In priority order. */
  vSwitchIds: string[];
  multiAZPolicy: MultiAZPolicy;
  /** `recycle` = economical mode: scale-in stops instances, scale-out restarts them first. */
  scalingPolicy: GroupScalingPolicy;
  onDemandBaseCapacity?: number | undefined;
  onDemandPercentageAboveBaseCapacity?: number | undefined;
  spotInstancePools?: number | undefined;
  spotInstanceRemedy?: boolean | undefined;
  compensateWithOnDemand?: boolean | undefined;
  /** The group's tags (propagated to the instances it creates): the pool's plus the operator's own. */
  tags: Record<string, string>;
  resourceGroupId?: string | undefined;
  /** A SCALE_IN lifecycle hook that holds every removal until the operator drained the node. */
  scaleInHook?: { name: string; heartbeatTimeoutSeconds: number; defaultResult: HookResult } | undefined;
}

export interface DiskSpec {
  category: string;
  sizeGiB: number;
  performanceLevel?: string | undefined;
  encrypted?: boolean | undefined;
  kmsKeyId?: string | undefined;
  snapshotId?: string | undefined;
  deleteWithInstance?: boolean | undefined;
}

/** How new instances are launched: the scaling configuration (and RunInstances for Subscription pools). */
export interface LaunchSpec {
  imageId: string;
  /** 1–10, in preference order. */
  instanceTypes: string[];
  securityGroupIds: string[];
  systemDisk: DiskSpec;
  systemDiskFallbackCategories?: string[] | undefined;
  dataDisks: DiskSpec[];
  /** Base64 user data (≤ 32 KB before encoding). */
  userData: string;
  keyPairName?: string | undefined;
  /** Never logged. */
  password?: string | undefined;
  /** Log in as ecs-user instead of root (ECS ImageOptions.LoginAsNonRoot; `login.user: ecs-user`). */
  loginAsNonRoot?: boolean | undefined;
  spot?:
    | {
        strategy: 'SpotAsPriceGo' | 'SpotWithPriceLimit';
        priceLimits: { instanceType: string; maxPricePerHour: number }[];
      }
    | undefined;
  /** ECS tags of the instances (≤ 20 with the system's). */
  tags: Record<string, string>;
  publicIp?: { chargeType: 'PayByTraffic' | 'PayByBandwidth'; maxBandwidthOutMbps: number } | undefined;
  deploymentSetId?: string | undefined;
  privatePool?: { matchCriteria: 'Open' | 'None' | 'Target'; id?: string | undefined } | undefined;
  securityHardening?: boolean | undefined;
  ramRoleName?: string | undefined;
  metadataHttpTokens?: 'optional' | 'required' | undefined;
  resourceGroupId?: string | undefined;
  instanceName?: string | undefined;
}

export type GroupLifecycleState = 'Active' | 'Inactive' | 'Deleting';

export interface ScalingGroup {
  id: string;
  name: string;
  state: GroupLifecycleState;
  minSize: number;
  maxSize: number;
  desiredCapacity: number | undefined;
  activeConfigurationId: string | undefined;
  vSwitchIds: string[];
  vpcId: string | undefined;
  multiAZPolicy: string;
  scalingPolicy: string;
  tags: Record<string, string>;
  deletionProtection: boolean;
  /** The resource group the group is in (DescribeScalingGroups `ResourceGroupId`; undefined: not reported). */
  resourceGroupId?: string | undefined;
  /** The group's spot settings as ESS reports them (undefined: not reported). */
  spot?: SpotGroupSettings | undefined;
  counts: {
    total: number;
    pending: number;
    removing: number;
    protected: number;
    standby: number;
    stopped: number;
  };
}

/** A scaling group's spot settings (CreateScalingGroup / ModifyScalingGroup / DescribeScalingGroups). */
export interface SpotGroupSettings {
  onDemandBaseCapacity?: number | undefined;
  onDemandPercentageAboveBaseCapacity?: number | undefined;
  spotInstancePools?: number | undefined;
  spotInstanceRemedy?: boolean | undefined;
  compensateWithOnDemand?: boolean | undefined;
}

/** The ModifyScalingGroup fields a plan changes (only those that differ from the spec). */
export interface GroupChanges extends SpotGroupSettings {
  minSize?: number | undefined;
  maxSize?: number | undefined;
  desiredCapacity?: number | undefined;
  vSwitchIds?: string[] | undefined;
  multiAZPolicy?: MultiAZPolicy | undefined;
  scalingPolicy?: GroupScalingPolicy | undefined;
}

export type EssInstanceState =
  | 'Pending'
  | 'Pending:Wait'
  | 'InService'
  | 'Protected'
  | 'Standby'
  | 'Stopped'
  | 'Removing'
  | 'Removing:Wait';

export type EcsStatus = 'Pending' | 'Starting' | 'Running' | 'Stopping' | 'Stopped' | 'Deleted';

/** An ECS instance (DescribeInstances). */
export interface CloudInstance {
  instanceId: string;
  /** An EcsStatus (or whatever new state the cloud reports). */
  status: string;
  zoneId: string;
  instanceType: string;
  /** `PostPaid` (pay-as-you-go, and spot) or `PrePaid` (subscription). */
  chargeType: 'PostPaid' | 'PrePaid';
  spotStrategy: string;
  privateIp: string | undefined;
  vSwitchId: string | undefined;
  hostName: string | undefined;
  imageId: string | undefined;
  tags: Record<string, string>;
  /** Operation locks (`Recycling` = a spot instance about to be reclaimed). */
  locks: string[];
  creationTime: string | undefined;
  /** Subscription expiry. */
  expiredTime: string | undefined;
  /** A subscription instance renews itself at expiry (its own setting; listPoolInstances fills it). */
  autoRenew?: boolean | undefined;
  deletionProtection: boolean;
  /** The resource group the instance is in (DescribeInstances `ResourceGroupId`; undefined: not reported). */
  resourceGroupId?: string | undefined;
}

/** A member of a pool's scaling group: the ESS view joined with the ECS view. */
export interface PoolInstance extends Omit<CloudInstance, 'status'> {
  /** ECS status; `undefined` when ECS no longer knows the instance. */
  status: CloudInstance['status'] | undefined;
  /** An EssInstanceState. */
  lifecycleState: string;
  healthy: boolean;
  /** `AutoCreated`, `Attached` or `Managed`. */
  creationType: string;
  /** Attached with `Entrusted`: ESS manages it as its own (the operator launched it for the pool). */
  entrusted?: boolean;
  scalingConfigurationId: string | undefined;
  /** Spot reclamation notice seen (the `Recycling` lock). */
  reclaiming: boolean;
}

export type ActivityStatus = 'Successful' | 'Warning' | 'Failed' | 'InProgress' | 'Rejected';

export interface ScalingActivity {
  id: string;
  /** An ActivityStatus. */
  status: string;
  statusMessage: string;
  progress: number;
  cause: string;
  description: string;
  startTime: string;
  endTime: string | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  createdInstances: string[];
  destroyedInstances: string[];
}

/** An instance held by a lifecycle hook, waiting for CompleteLifecycleAction. */
export interface LifecycleAction {
  activityId: string;
  hookId: string;
  token: string;
  instanceIds: string[];
}

export interface InstanceTypeInfo {
  id: string;
  family: string;
  vCpus: number;
  memoryGiB: number;
  gpus: number;
  architecture: string;
  /** True for local-disk families (i-, d- series). */
  localStorage: boolean;
  eniQuantity: number | undefined;
}

export interface StockInfo {
  zoneId: string;
  instanceType: string;
  /** `WithStock`, `ClosedWithStock`, `WithoutStock`, `ClosedWithoutStock`. */
  status: string;
  available: boolean;
}

export interface VSwitchInfo {
  id: string;
  vpcId: string;
  zoneId: string;
  cidr: string;
  availableIps: number;
  status: string;
}

export interface SecurityGroupInfo {
  id: string;
  vpcId: string;
  /** `normal` (Basic) or `enterprise` (Advanced). */
  type: string;
}

export interface ImageInfo {
  id: string;
  /** ImageName and ImageVersion, when the cloud gives them. */
  name?: string | undefined;
  version?: string | undefined;
  osType: string;
  platform: string;
  osName: string;
  architecture: string;
}

/**
 * An image of a family, for rotation (autoUpgrade / autoPatch): when it was made, what it runs, what it fixes.
 * Versions and fixed CVEs come from the image's tags (`nodepool.alicloud.dev/kubelet-version`,
 * `…/containerd-version`, `…/fixes-high|medium|low`): DescribeImages has no field for them.
 */
export interface FamilyImageInfo {
  id: string;
  name: string;
  version: string | undefined;
  /** CreationTime in ms. */
  created: number;
  kubeletVersion: string | undefined;
  containerdVersion: string | undefined;
  fixedCves: { id: string; severity: string }[];
}

export interface SystemEventInfo {
  id: string;
  instanceId: string;
  type: string;
  cycle: string;
  notBefore: string | undefined;
  publishTime: string | undefined;
  reason: string | undefined;
}

/** DescribeInstancesFullStatus: an instance's lifecycle status, its health and its Scheduled system events. */
export interface InstanceFullStatus {
  instanceId: string;
  /** Pending, Starting, Running, Stopping, Stopped. */
  status: string;
  /** Ok, Impaired, Warning, Maintaining, Initializing, InsufficientData, NotApplicable. */
  health: string;
  scheduledEvents: SystemEventInfo[];
}

/** One row of DescribeSpotPriceHistory: a zone's spot and pay-as-you-go price of a type at a time. */
export interface SpotPricePoint {
  zoneId: string;
  instanceType: string;
  /** Per hour, in the account's currency. */
  spotPrice: number;
  onDemandPrice: number;
  /** ISO 8601 UTC. */
  timestamp: string;
}

/** ReplaceSystemDisk: the image (and login) a Stopped instance's system disk is re-created with. */
export interface ReplaceSystemDiskSpec {
  imageId: string;
  systemDiskSizeGiB?: number | undefined;
  keyPairName?: string | undefined;
  /** Never logged. */
  password?: string | undefined;
}

/** Subscription instances launched by the operator itself (RunInstances, then AttachInstances). */
export interface RunInstancesSpec extends Omit<LaunchSpec, 'instanceTypes'> {
  /** One type (RunInstances takes one); the pool picks from its list. */
  instanceType: string;
  vSwitchId: string;
  amount: number;
  /** Accept fewer than `amount` (down to this many) rather than none. */
  minAmount?: number | undefined;
  chargeType: 'PostPaid' | 'PrePaid';
  subscription?:
    | {
        period: number;
        periodUnit: 'Week' | 'Month';
        autoRenew: boolean;
        autoRenewPeriod?: number | undefined;
      }
    | undefined;
  deletionProtection?: boolean | undefined;
}

export interface CommandInvocation {
  invokeId: string;
  status: string;
  results: { instanceId: string; status: string; exitCode: number | undefined; output: string }[];
}
