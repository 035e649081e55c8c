/** ESS (Auto Scaling 2014-08-28) objects as the simulator keeps them. Times are simulated epoch ms. */

export type MultiAZPolicy = 'PRIORITY' | 'COST_OPTIMIZED' | 'BALANCE' | 'COMPOSABLE';
export type ScalingPolicy = 'release' | 'recycle' | 'forcerelease' | 'forcerecycle';
export type GroupState = 'Active' | 'Inactive' | 'Deleting';

export interface GroupTag {
  key: string;
  value: string;
  propagate: boolean;
}

export interface ScalingGroup {
  id: string;
  regionId: string;
  name: string;
  state: GroupState;
  minSize: number;
  maxSize: number;
  desiredCapacity?: number;
  vSwitchIds: string[];
  vpcId: string;
  multiAZPolicy: MultiAZPolicy;
  scalingPolicy: ScalingPolicy;
  removalPolicies: string[];
  tags: GroupTag[];
  defaultCooldown: number;
  healthCheckType: 'ECS' | 'NONE' | 'LOAD_BALANCER';
  groupDeletionProtection: boolean;
  activeConfigurationId?: string;
  onDemandBaseCapacity: number;
  onDemandPercentageAboveBaseCapacity: number;
  spotInstancePools: number;
  spotInstanceRemedy: boolean;
  compensateWithOnDemand: boolean;
  resourceGroupId: string;
  creationTime: number;
  modificationTime: number;
  /** Set by DeleteScalingGroup ForceDelete: the engine finishes the deletion. */
  deleting?: boolean;
}

export interface ScalingConfiguration {
  id: string;
  groupId: string;
  name: string;
  imageId: string;
  instanceTypes: string[];
  securityGroupIds: string[];
  systemDisk: { category: string; size: number };
  dataDisks: { category: string; size: number; deleteWithInstance: boolean }[];
  userData?: string;
  keyPairName?: string;
  /** ImageOptionsLoginAsNonRoot: instances log in as ecs-user. */
  loginAsNonRoot: boolean;
  spotStrategy: 'NoSpot' | 'SpotWithPriceLimit' | 'SpotAsPriceGo';
  spotPriceLimits: { instanceType: string; priceLimit: number }[];
  spotInterruptionBehavior: 'Terminate' | 'Stop';
  tags: Record<string, string>;
  ramRoleName?: string;
  hostName?: string;
  instanceName?: string;
  internetMaxBandwidthOut: number;
  internetChargeType: 'PayByTraffic' | 'PayByBandwidth';
  deploymentSetId?: string;
  privatePool?: { matchCriteria: 'Open' | 'Target' | 'None'; id?: string };
  /** The resource group of the instances it launches (unset: the group's). */
  resourceGroupId?: string;
  securityEnhancementStrategy: string;
  creationTime: number;
}

export type ScalingInstanceState =
  | 'Pending'
  | 'Pending:Wait'
  | 'InService'
  | 'Protected'
  | 'Standby'
  | 'Stopped'
  | 'Removing'
  | 'Removing:Wait';

export interface ScalingInstance {
  instanceId: string;
  groupId: string;
  configurationId?: string;
  state: ScalingInstanceState;
  health: 'Healthy' | 'Unhealthy';
  creationType: 'AutoCreated' | 'Attached' | 'Managed';
  entrusted: boolean;
  /** Time it joined the group. */
  creationTime: number;
  activityId?: string;
  /** How the instance leaves when a SCALE_IN hook lets it go: release, stop (economical mode) or detach. */
  removal?: 'release' | 'recycle' | 'detach';
  /** Deadline of the lifecycle hook holding it (Pending:Wait / Removing:Wait). */
  hookDeadline?: number;
  hookId?: string;
  /** When the current wait began, and how many heartbeats extended it (≤ 6 h and ≤ 20 extensions). */
  hookWaitStart?: number;
  heartbeats?: number;
}

export type ActivityStatus = 'InProgress' | 'Successful' | 'Warning' | 'Failed' | 'Rejected';

export interface ScalingActivity {
  id: string;
  groupId: string;
  status: ActivityStatus;
  statusMessage: string;
  progress: number;
  cause: string;
  description: string;
  startTime: number;
  endTime?: number;
  created: string[];
  destroyed: string[];
  /** Instances this activity still waits for. */
  waiting: string[];
  errorCode: string;
  errorMessage: string;
  totalCapacity: number;
  lifecycleActionToken?: string;
}

export interface LifecycleHook {
  id: string;
  groupId: string;
  name: string;
  transition: 'SCALE_OUT' | 'SCALE_IN';
  defaultResult: 'CONTINUE' | 'ABANDON';
  heartbeatTimeout: number;
  notificationMetadata: string;
  notificationArn: string;
}

/** Group members by instance id, indexed by group (the engine asks per group on every pass). */
export class MemberMap extends Map<string, ScalingInstance> {
  private readonly byGroup = new Map<string, Map<string, ScalingInstance>>();

  override set(id: string, m: ScalingInstance): this {
    const prior = super.get(id);
    if (prior) this.byGroup.get(prior.groupId)?.delete(id);
    super.set(id, m);
    let g = this.byGroup.get(m.groupId);
    if (!g) this.byGroup.set(m.groupId, (g = new Map<string, ScalingInstance>()));
    g.set(id, m);
    return this;
  }

  override delete(id: string): boolean {
    const prior = super.get(id);
    if (prior) this.byGroup.get(prior.groupId)?.delete(id);
    return super.delete(id);
  }

  override clear(): void {
    this.byGroup.clear();
    super.clear();
  }

  inGroup(groupId: string): ScalingInstance[] {
    return [...(this.byGroup.get(groupId)?.values() ?? [])];
  }
}

/** Everything ESS holds, per simulator. */
export class EssState {
  readonly groups = new Map<string, ScalingGroup>();
  readonly configurations = new Map<string, ScalingConfiguration>();
  readonly instances = new MemberMap();
  readonly activities = new Map<string, ScalingActivity>();
  readonly hooks = new Map<string, LifecycleHook>();
  private readonly activeActivities = new Set<ScalingActivity>();

  members(groupId: string): ScalingInstance[] {
    return this.instances.inGroup(groupId);
  }

  addActivity(a: ScalingActivity): void {
    this.activities.set(a.id, a);
    if (a.status === 'InProgress') this.activeActivities.add(a);
  }

  configurationsOf(groupId: string): ScalingConfiguration[] {
    return [...this.configurations.values()].filter((c) => c.groupId === groupId);
  }

  hooksOf(groupId: string, transition?: LifecycleHook['transition']): LifecycleHook[] {
    return [...this.hooks.values()].filter(
      (h) => h.groupId === groupId && (!transition || h.transition === transition),
    );
  }

  inProgress(groupId: string): ScalingActivity[] {
    const out: ScalingActivity[] = [];
    for (const a of this.activeActivities) {
      if (a.status !== 'InProgress') this.activeActivities.delete(a);
      else if (a.groupId === groupId) out.push(a);
    }
    return out;
  }
}
