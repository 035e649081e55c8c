import { EventEmitter } from 'node:events';
import { ReadLag } from './faults.js';
import { type SimClock } from './clock.js';
import { ApiError } from './errors.js';
import { IpAllocator } from './network.js';
import type { SystemEvent } from './system-events.js';
import type { Image, InstanceType, Region, SecurityGroup, VSwitch, Vpc, World, Zone } from './world.js';

export type InstanceStatus = 'Pending' | 'Starting' | 'Running' | 'Stopping' | 'Stopped';
export type ChargeType = 'PostPaid' | 'PrePaid';
export type SpotStrategy = 'NoSpot' | 'SpotWithPriceLimit' | 'SpotAsPriceGo';

export interface Tag {
  key: string;
  value: string;
}

/** One ECS instance as the simulator keeps it (times are simulated epoch ms). */
export interface Instance {
  instanceId: string;
  /** Creation order, for stable paging. */
  seq: number;
  regionId: string;
  zoneId: string;
  instanceType: string;
  imageId: string;
  vpcId: string;
  vSwitchId: string;
  privateIp: string;
  securityGroupIds: string[];
  instanceName: string;
  hostName: string;
  description: string;
  status: InstanceStatus;
  chargeType: ChargeType;
  spotStrategy: SpotStrategy;
  spotPriceLimit: number;
  spotDuration: number;
  spotInterruptionBehavior: 'Terminate' | 'Stop';
  creationTime: number;
  startTime?: number;
  expiredTime?: number;
  autoRenew: boolean;
  autoRenewPeriod: number;
  /** Normal (default: not renewing automatically) or NotRenewal (ModifyInstanceAutoRenewAttribute). */
  renewalStatus?: 'Normal' | 'NotRenewal';
  tags: Tag[];
  userData?: string;
  keyPairName?: string;
  /** ImageOptions.LoginAsNonRoot: logins go to ecs-user, not root. */
  loginAsNonRoot?: boolean;
  deletionProtection: boolean;
  ramRoleName?: string;
  metadataOptions: { httpEndpoint: string; httpTokens: string; httpPutResponseHopLimit: number };
  operationLocks: string[];
  stoppedMode?: 'KeepCharging' | 'StopCharging' | 'Not-applicable';
  systemDisk: { category: string; size: number; diskId?: string };
  dataDisks: { category: string; size: number; deleteWithInstance: boolean }[];
  internetMaxBandwidthOut: number;
  /** PayByTraffic | PayByBandwidth: how the public bandwidth is billed. */
  internetChargeType?: 'PayByTraffic' | 'PayByBandwidth';
  /** The public IP ECS assigns when InternetMaxBandwidthOut > 0. */
  publicIp?: string;
  deploymentSetId?: string;
  /** The private pool (capacity reservation) the instance takes capacity from. */
  privatePoolId?: string;
  resourceGroupId: string;
  /** Set by the fault API: the instance stopped responding (status stays, health checks fail). */
  failed?: boolean;
  /** What the instance wrote to its serial console (a node simulation sets it: the boot's cloud-init output). */
  consoleOutput?: { text: string; updatedAt: number };
  /** The console as ECS last cached it (GetInstanceConsoleOutput answers this, not consoleOutput). */
  consolePosted?: { text: string; updatedAt: number };
}

/**
 * launched → running → (interrupting: a spot reclamation notice) → stopped / released; `failed`: a Running
 * instance stopped responding (the fault API); a reboot or a start brings `running` again.
 */
export type LifecycleEventType = 'launched' | 'running' | 'interrupting' | 'failed' | 'stopped' | 'released';

/** The instance lifecycle feed: what a node simulation needs to bring a node up or down. */
export interface LifecycleEvent {
  type: LifecycleEventType;
  /** Simulated time of the event (epoch ms). */
  at: number;
  seq: number;
  instance: {
    instanceId: string;
    regionId: string;
    zoneId: string;
    instanceType: string;
    privateIp: string;
    hostName: string;
    imageId: string;
    userData?: string;
    tags: Tag[];
    chargeType: ChargeType;
    spotStrategy: SpotStrategy;
  };
}

/** Simulated seconds an instance spends in each transient state. */
export interface Latencies {
  pendingS: number;
  startingS: number;
  /** ± jitter applied to startingS. */
  startingJitterS: number;
  stoppingS: number;
}

export const DEFAULT_LATENCIES: Latencies = { pendingS: 8, startingS: 20, startingJitterS: 5, stoppingS: 6 };

/**
 * The simulated cloud's state: the world plus everything created at run time, and the instance state machine.
 * API handlers read and change it; the admin API and the library API change it too.
 */
export class Cloud {
  readonly world: World;
  readonly clock: SimClock;
  readonly ips = new IpAllocator();
  /** Lagging reads (faults.ts): off unless a test sets it. */
  readonly readLag = new ReadLag();
  readonly instances = new Map<string, Instance>();
  readonly clientTokens = new Map<string, { hash: string; result: Record<string, unknown> }>();
  readonly feed = new EventEmitter<{ lifecycle: [LifecycleEvent] }>();
  readonly recentEvents: LifecycleEvent[] = [];
  readonly systemEvents: SystemEvent[] = [];
  latencies: Latencies;
  private seq = 0;
  private eventSeq = 0;
  private readonly transitions = new Map<string, () => void>();

  constructor(world: World, clock: SimClock, latencies: Latencies = DEFAULT_LATENCIES) {
    this.world = world;
    this.clock = clock;
    this.latencies = latencies;
    this.feed.setMaxListeners(100);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** After a restore: new instances number after the restored ones. */
  bumpSeq(seq: number): void {
    if (seq > this.seq) this.seq = seq;
  }

  region(regionId: string | undefined): Region {
    if (regionId === undefined) {
      throw new ApiError(
        'MissingParameter',
        'The input parameter "RegionId" that is mandatory for processing this request is not supplied.',
      );
    }
    const r = this.world.regions.find((x) => x.regionId === regionId);
    if (!r)
      throw new ApiError('InvalidRegionId.NotFound', `The specified RegionId "${regionId}" does not exist.`);
    return r;
  }

  zone(region: Region, zoneId: string): Zone | undefined {
    return region.zones.find((z) => z.zoneId === zoneId);
  }

  instanceType(name: string): InstanceType | undefined {
    return this.world.instanceTypes.find((t) => t.instanceType === name);
  }

  image(region: Region, imageId: string): Image | undefined {
    return region.images.find((i) => i.imageId === imageId);
  }

  vSwitch(region: Region, vSwitchId: string): { vpc: Vpc; vSwitch: VSwitch } | undefined {
    for (const vpc of region.vpcs) {
      const vSwitch = vpc.vSwitches.find((s) => s.vSwitchId === vSwitchId);
      if (vSwitch) return { vpc, vSwitch };
    }
    return undefined;
  }

  securityGroup(region: Region, id: string): SecurityGroup | undefined {
    return region.securityGroups.find((g) => g.securityGroupId === id);
  }

  /**
   * The resource group a ResourceGroupId names (none: the account's default one), or 404
   * InvalidResourceGroup.NotFound "The ResourceGroup provided does not exist in our records." (ECS API reference:
   * RunInstances and JoinResourceGroup error codes).
   */
  resourceGroup(id: string | undefined): string {
    if (id === undefined || id === '') return this.world.resourceGroups[0]!;
    if (!this.world.resourceGroups.includes(id))
      throw new ApiError(
        'InvalidResourceGroup.NotFound',
        'The ResourceGroup provided does not exist in our records.',
      );
    return id;
  }

  /** The instance, or InvalidInstanceId.NotFound. */
  instance(regionId: string, instanceId: string): Instance {
    const i = this.instances.get(instanceId);
    if (!i || i.regionId !== regionId) {
      throw new ApiError(
        'InvalidInstanceId.NotFound',
        `The specified InstanceId "${instanceId}" does not exist.`,
      );
    }
    return i;
  }

  /** vCPUs in use in a region, by on-demand (PostPaid + PrePaid) and spot. */
  vcpusInUse(regionId: string): { onDemand: number; spot: number } {
    let onDemand = 0;
    let spot = 0;
    for (const i of this.instances.values()) {
      if (i.regionId !== regionId) continue;
      const v = this.instanceType(i.instanceType)?.vcpu ?? 0;
      if (i.spotStrategy === 'NoSpot') onDemand += v;
      else spot += v;
    }
    return { onDemand, spot };
  }

  emit(type: LifecycleEventType, i: Instance): void {
    const e: LifecycleEvent = {
      type,
      at: this.clock.now(),
      seq: ++this.eventSeq,
      instance: {
        instanceId: i.instanceId,
        regionId: i.regionId,
        zoneId: i.zoneId,
        instanceType: i.instanceType,
        privateIp: i.privateIp,
        hostName: i.hostName,
        imageId: i.imageId,
        ...(i.userData === undefined ? {} : { userData: i.userData }),
        tags: i.tags.map((t) => ({ ...t })),
        chargeType: i.chargeType,
        spotStrategy: i.spotStrategy,
      },
    };
    this.recentEvents.push(e);
    if (this.recentEvents.length > 10_000) this.recentEvents.splice(0, this.recentEvents.length - 10_000);
    this.feed.emit('lifecycle', e);
  }

  private schedule(instanceId: string, seconds: number, fn: () => void): void {
    this.transitions.get(instanceId)?.();
    const cancel = this.clock.after(seconds * 1000, () => {
      this.transitions.delete(instanceId);
      fn();
    });
    this.transitions.set(instanceId, cancel);
  }

  /** Adds a new instance (status Pending) and runs it up to Running. */
  launch(i: Instance): void {
    this.instances.set(i.instanceId, i);
    this.readLag.made(i.instanceId);
    this.emit('launched', i);
    this.schedule(i.instanceId, this.latencies.pendingS, () => this.boot(i.instanceId));
  }

  /** Starting → Running after the start latency. */
  boot(instanceId: string): void {
    const i = this.instances.get(instanceId);
    if (!i) return;
    i.status = 'Starting';
    const jitter = (Math.random() * 2 - 1) * this.latencies.startingJitterS;
    this.schedule(instanceId, Math.max(0.1, this.latencies.startingS + jitter), () => {
      const cur = this.instances.get(instanceId);
      if (!cur || cur.status !== 'Starting') return;
      cur.status = 'Running';
      cur.startTime = this.clock.now();
      // a power cycle brings an unresponsive machine back (a reboot is what repair tries first)
      cur.failed = false;
      this.emit('running', cur);
    });
  }

  /** Running → Stopping → Stopped. */
  stop(instanceId: string, stoppedMode: Instance['stoppedMode'], then?: () => void): void {
    const i = this.instances.get(instanceId);
    if (!i) return;
    i.status = 'Stopping';
    this.schedule(instanceId, this.latencies.stoppingS, () => {
      const cur = this.instances.get(instanceId);
      if (!cur) return;
      cur.status = 'Stopped';
      cur.stoppedMode = stoppedMode;
      // the console is cached when the instance stops (GetInstanceConsoleOutput)
      if (cur.consoleOutput) cur.consolePosted = cur.consoleOutput;
      this.emit('stopped', cur);
      then?.();
    });
  }

  /** Removes the instance now: frees its IP and its stock. */
  release(instanceId: string): void {
    const i = this.instances.get(instanceId);
    if (!i) return;
    this.transitions.get(instanceId)?.();
    this.transitions.delete(instanceId);
    this.instances.delete(instanceId);
    this.ips.release(i.vSwitchId, i.privateIp);
    const region = this.world.regions.find((r) => r.regionId === i.regionId);
    const offering = region ? this.zone(region, i.zoneId)?.offerings[i.instanceType] : undefined;
    // an instance of a private pool gives the pool its capacity back (counted from live instances), not the zone
    if (offering && i.privatePoolId === undefined) {
      if (i.spotStrategy === 'NoSpot') offering.onDemand++;
      else offering.spot++;
    }
    this.emit('released', i);
  }

  /** Cancels every pending transition (the clock's stop does the same). */
  stopAll(): void {
    for (const c of this.transitions.values()) c();
    this.transitions.clear();
  }
}
