import { randomUUID } from 'node:crypto';
import type { Cloud, Instance, Tag } from '../cloud.js';
import { placementProblem } from '../ecs/placement.js';
import { capacityProblem, createInstance } from '../ecs/run-instances.js';
import { resourceId } from '../ids.js';
import { priceOf, type VSwitch, type Zone } from '../world.js';
import type {
  EssState,
  ScalingActivity,
  ScalingConfiguration,
  ScalingGroup,
  ScalingInstance,
} from './model.js';

const MAX_PER_ACTIVITY = 500;
// Standby instances count toward the expected number of instances: entering Standby does not start a scale-out,
// and a Standby instance is never picked for scale-in (Auto Scaling docs, "Put an instance into the Standby
// state": the instance stays in the group and its expected number is unchanged).
const ACTIVE_STATES = new Set(['Pending', 'Pending:Wait', 'InService', 'Protected', 'Standby']);

/** Members counted in the group's capacity: everything but Stopped (economical mode) and Removing. */
export function activeMembers(ess: EssState, groupId: string): ScalingInstance[] {
  return ess.members(groupId).filter((m) => ACTIVE_STATES.has(m.state));
}

interface Candidate {
  vSwitch: VSwitch;
  zone: Zone;
  instanceType: string;
  order: number;
  /** The private pool the instance takes capacity from (set when placed). */
  privatePoolId?: string;
}

/**
 * The ESS engine: on every tick it moves members through their lifecycle states (lifecycle hooks, health
 * checks, removal), finishes activities, and keeps each Active group at its desired capacity by starting
 * scale-out / scale-in activities (multi-AZ policy, instance-type fallback, spot with on-demand compensation).
 */
export class EssEngine {
  private cancel: (() => void) | undefined;

  constructor(
    private readonly cloud: Cloud,
    private readonly ess: EssState,
    private readonly tickSeconds = 5,
  ) {}

  start(): void {
    this.cancel = this.cloud.clock.every(this.tickSeconds * 1000, () => this.tick());
  }

  stop(): void {
    this.cancel?.();
  }

  tick(): void {
    for (const g of [...this.ess.groups.values()]) this.tickGroup(g);
  }

  tickGroup(g: ScalingGroup): void {
    if (g.deleting) return this.finishDelete(g);
    this.progressMembers(g);
    this.finishActivities(g);
    if (g.state !== 'Active') return;
    this.healthCheck(g);
    if (this.ess.inProgress(g.id).length > 0) return;
    this.reconcile(g, 'A user request or the desired capacity changed.');
  }

  private ecs(id: string): Instance | undefined {
    return this.cloud.instances.get(id);
  }

  private progressMembers(g: ScalingGroup): void {
    const now = this.cloud.clock.now();
    for (const m of this.ess.members(g.id)) {
      const inst = this.ecs(m.instanceId);
      if (!inst) {
        this.ess.instances.delete(m.instanceId);
        continue;
      }
      if (m.state === 'Pending' && inst.status === 'Running') {
        const hook = this.ess.hooksOf(g.id, 'SCALE_OUT')[0];
        if (hook) {
          m.state = 'Pending:Wait';
          m.hookId = hook.id;
          m.hookDeadline = now + hook.heartbeatTimeout * 1000;
          m.hookWaitStart = now;
          m.heartbeats = 0;
        } else m.state = 'InService';
      } else if (m.state === 'Pending:Wait' && m.hookDeadline !== undefined && now >= m.hookDeadline) {
        const hook = m.hookId ? this.ess.hooks.get(m.hookId) : undefined;
        this.completeWait(m, hook?.defaultResult ?? 'CONTINUE');
      } else if (m.state === 'Removing:Wait' && m.hookDeadline !== undefined && now >= m.hookDeadline) {
        this.completeWait(m, 'CONTINUE');
      }
      if (m.state === 'Removing') this.remove(m);
    }
  }

  /** The end of a lifecycle hook wait (CompleteLifecycleAction or the heartbeat timeout). */
  completeWait(m: ScalingInstance, result: 'CONTINUE' | 'ABANDON' | 'ROLLBACK'): void {
    delete m.hookDeadline;
    delete m.hookId;
    delete m.hookWaitStart;
    delete m.heartbeats;
    if (m.state === 'Pending:Wait') {
      if (result === 'CONTINUE') m.state = 'InService';
      else {
        m.removal = m.creationType === 'AutoCreated' ? 'release' : 'detach';
        m.state = 'Removing';
      }
    } else if (m.state === 'Removing:Wait') {
      m.state = 'Removing';
    }
  }

  private remove(m: ScalingInstance): void {
    const inst = this.ecs(m.instanceId);
    const how = m.removal ?? (m.creationType === 'AutoCreated' ? 'release' : 'detach');
    if (how === 'recycle' && inst) {
      if (inst.status === 'Running') this.cloud.stop(inst.instanceId, 'StopCharging');
      m.state = 'Stopped';
      delete m.removal;
      return;
    }
    // Release mode stops the instance first and releases it once Stopped ("If you do not specify
    // [StopInstanceTimeout], the system proceeds with the scale-in process only after the ECS instance enters the
    // Stopped state": ESS 2022-02-22 SDK models RemoveInstancesRequest / ModifyScalingGroupRequest); forcerelease
    // releases a Running instance at once. The member stays Removing meanwhile; the next passes finish it.
    if (how === 'release' && inst && this.ess.groups.get(m.groupId)?.scalingPolicy !== 'forcerelease') {
      if (inst.status === 'Running') return this.cloud.stop(inst.instanceId, 'KeepCharging');
      if (inst.status === 'Stopping') return;
    }
    this.ess.instances.delete(m.instanceId);
    if (!inst) return;
    if (how === 'release') this.cloud.release(inst.instanceId);
    else inst.tags = inst.tags.filter((t) => t.key !== 'acs:autoscaling:scalingGroupId');
  }

  private finishActivities(g: ScalingGroup): void {
    const now = this.cloud.clock.now();
    for (const a of this.ess.inProgress(g.id)) {
      a.waiting = a.waiting.filter((id) => {
        const m = this.ess.instances.get(id);
        if (a.destroyed.includes(id)) return m !== undefined && m.groupId === g.id && m.state !== 'Stopped';
        return m !== undefined && m.state !== 'InService';
      });
      const total = a.created.length + a.destroyed.length;
      a.progress = total === 0 ? 100 : Math.round(((total - a.waiting.length) / total) * 100);
      if (a.waiting.length === 0) {
        a.status = a.errorCode ? 'Warning' : 'Successful';
        a.statusMessage = a.errorCode ? a.errorMessage : a.statusMessage;
        a.progress = 100;
        a.endTime = now;
        a.totalCapacity = activeMembers(this.ess, g.id).length;
      }
    }
  }

  private healthCheck(g: ScalingGroup): void {
    if (g.healthCheckType !== 'ECS') return;
    const bad: ScalingInstance[] = [];
    for (const m of this.ess.members(g.id)) {
      if (m.state !== 'InService') continue;
      const inst = this.ecs(m.instanceId);
      const reclaimed = g.spotInstanceRemedy && inst?.operationLocks.includes('Recycling') === true;
      // "ECS instances are regarded as unhealthy when they are not Running" (Auto Scaling, ECS instance lifecycle:
      // https://www.alibabacloud.com/help/doc-detail/25911.htm): a machine that stopped responding but is still
      // Running (`failed`) passes ESS's check — noticing it is the operator's repair
      if (!inst || inst.status !== 'Running' || reclaimed) {
        m.health = 'Unhealthy';
        bad.push(m);
      }
    }
    if (bad.length > 0) {
      this.startScaleIn(
        g,
        bad,
        'An instance failed the health check (or got a spot reclamation notice) and is replaced.',
        'release',
      );
    }
  }

  private newActivity(g: ScalingGroup, cause: string, description: string): ScalingActivity {
    const a: ScalingActivity = {
      id: resourceId('asa', g.regionId),
      groupId: g.id,
      status: 'InProgress',
      statusMessage: '',
      progress: 0,
      cause,
      description,
      startTime: this.cloud.clock.now(),
      created: [],
      destroyed: [],
      waiting: [],
      errorCode: '',
      errorMessage: '',
      totalCapacity: activeMembers(this.ess, g.id).length,
      lifecycleActionToken: randomUUID(),
    };
    this.ess.addActivity(a);
    return a;
  }

  /** An activity for something that already happened (AttachInstances): Successful at once. */
  recordActivity(
    g: ScalingGroup,
    cause: string,
    description: string,
    instanceIds: string[],
  ): ScalingActivity {
    const a = this.newActivity(g, cause, description);
    a.created.push(...instanceIds);
    a.status = 'Successful';
    a.progress = 100;
    a.endTime = this.cloud.clock.now();
    return a;
  }

  /** Brings the group to its desired capacity (or within Min/Max) with one activity. */
  reconcile(g: ScalingGroup, cause: string): ScalingActivity | undefined {
    const active = activeMembers(this.ess, g.id);
    return this.reconcileTo(
      g,
      g.desiredCapacity ?? Math.min(g.maxSize, Math.max(g.minSize, active.length)),
      cause,
    );
  }

  /** One activity toward `target` instances. */
  reconcileTo(g: ScalingGroup, target: number, cause: string): ScalingActivity | undefined {
    const active = activeMembers(this.ess, g.id);
    if (active.length < target) return this.scaleOut(g, target - active.length, cause);
    if (active.length > target) {
      const victims = this.pickVictims(g, active, active.length - target);
      if (victims.length > 0) {
        return this.startScaleIn(
          g,
          victims,
          cause,
          g.scalingPolicy.endsWith('recycle') ? 'recycle' : 'release',
        );
      }
    }
    return undefined;
  }

  private pickVictims(g: ScalingGroup, active: ScalingInstance[], n: number): ScalingInstance[] {
    const removable = active.filter((m) => m.state !== 'Protected' && m.state !== 'Standby');
    const configOrder = new Map(this.ess.configurationsOf(g.id).map((c) => [c.id, c.creationTime]));
    const policies =
      g.removalPolicies.length > 0 ? g.removalPolicies : ['OldestScalingConfiguration', 'OldestInstance'];
    const zoneCount = new Map<string, number>();
    for (const m of active) {
      const z = this.ecs(m.instanceId)?.zoneId ?? '';
      zoneCount.set(z, (zoneCount.get(z) ?? 0) + 1);
    }
    const picked: ScalingInstance[] = [];
    const pool = [...removable];
    while (picked.length < n && pool.length > 0) {
      pool.sort((a, b) => {
        if (g.multiAZPolicy === 'BALANCE') {
          const za = zoneCount.get(this.ecs(a.instanceId)?.zoneId ?? '') ?? 0;
          const zb = zoneCount.get(this.ecs(b.instanceId)?.zoneId ?? '') ?? 0;
          if (za !== zb) return zb - za;
        }
        for (const p of policies) {
          let d = 0;
          if (p === 'OldestScalingConfiguration') {
            d =
              (configOrder.get(a.configurationId ?? '') ?? 0) -
              (configOrder.get(b.configurationId ?? '') ?? 0);
          } else if (p === 'OldestInstance') d = a.creationTime - b.creationTime;
          else if (p === 'NewestInstance') d = b.creationTime - a.creationTime;
          if (d !== 0) return d;
        }
        return 0;
      });
      const victim = pool.shift();
      if (!victim) break;
      picked.push(victim);
      const z = this.ecs(victim.instanceId)?.zoneId ?? '';
      zoneCount.set(z, (zoneCount.get(z) ?? 1) - 1);
    }
    return picked;
  }

  /**
   * Starts removing members: through SCALE_IN hooks (Removing:Wait) when the group has one and `hooks` is not
   * false (DetachInstances passes its `LifecycleHook` parameter, default false).
   */
  startScaleIn(
    g: ScalingGroup,
    victims: ScalingInstance[],
    cause: string,
    how: 'release' | 'recycle' | 'detach',
    opts: { hooks?: boolean } = {},
  ): ScalingActivity {
    const a = this.newActivity(g, cause, `Remove "${victims.length}" ECS instance(s)`);
    const hook = opts.hooks === false ? undefined : this.ess.hooksOf(g.id, 'SCALE_IN')[0];
    const now = this.cloud.clock.now();
    for (const m of victims) {
      m.removal = m.creationType === 'AutoCreated' ? how : how === 'release' && !m.entrusted ? 'detach' : how;
      m.activityId = a.id;
      if (hook) {
        m.state = 'Removing:Wait';
        m.hookId = hook.id;
        m.hookDeadline = now + hook.heartbeatTimeout * 1000;
        m.hookWaitStart = now;
        m.heartbeats = 0;
      } else m.state = 'Removing';
      a.destroyed.push(m.instanceId);
      a.waiting.push(m.instanceId);
    }
    this.progressMembers(g);
    return a;
  }

  private candidates(g: ScalingGroup, c: ScalingConfiguration, spot: boolean): Candidate[] {
    const region = this.cloud.region(g.regionId);
    const out: Candidate[] = [];
    let order = 0;
    const zoneCount = new Map<string, number>();
    for (const m of activeMembers(this.ess, g.id)) {
      const z = this.ecs(m.instanceId)?.zoneId ?? '';
      zoneCount.set(z, (zoneCount.get(z) ?? 0) + 1);
    }
    for (const vswId of g.vSwitchIds) {
      const net = this.cloud.vSwitch(region, vswId);
      const zone = net ? this.cloud.zone(region, net.vSwitch.zoneId) : undefined;
      if (!net || !zone) continue;
      for (const t of c.instanceTypes) {
        if (spot && c.spotStrategy === 'SpotWithPriceLimit') {
          const limit = c.spotPriceLimits.find((l) => l.instanceType === t)?.priceLimit;
          if (limit !== undefined && priceOf(this.cloud.world, zone, t).spot > limit) continue;
        }
        out.push({ vSwitch: net.vSwitch, zone, instanceType: t, order: order++ });
      }
    }
    if (g.multiAZPolicy === 'COST_OPTIMIZED') {
      const price = (x: Candidate): number => {
        const p = priceOf(this.cloud.world, x.zone, x.instanceType);
        return spot ? p.spot : p.onDemand;
      };
      out.sort((a, b) => price(a) - price(b) || a.order - b.order);
    } else if (g.multiAZPolicy === 'BALANCE') {
      out.sort(
        (a, b) =>
          (zoneCount.get(a.zone.zoneId) ?? 0) - (zoneCount.get(b.zone.zoneId) ?? 0) || a.order - b.order,
      );
    }
    return out;
  }

  private wantSpot(g: ScalingGroup, c: ScalingConfiguration): boolean {
    if (c.spotStrategy === 'NoSpot') return false;
    const active = activeMembers(this.ess, g.id);
    const onDemand = active.filter((m) => this.ecs(m.instanceId)?.spotStrategy === 'NoSpot').length;
    const total = active.length + 1;
    const above = Math.max(0, total - g.onDemandBaseCapacity);
    const requiredOnDemand =
      Math.min(total, g.onDemandBaseCapacity) +
      Math.ceil((above * g.onDemandPercentageAboveBaseCapacity) / 100);
    return onDemand >= requiredOnDemand;
  }

  private scaleOut(g: ScalingGroup, n: number, cause: string): ScalingActivity | undefined {
    const c = g.activeConfigurationId ? this.ess.configurations.get(g.activeConfigurationId) : undefined;
    if (!c) return undefined;
    const count = Math.min(n, MAX_PER_ACTIVITY);
    const a = this.newActivity(g, cause, `Add "${count}" ECS instance(s)`);
    const now = this.cloud.clock.now();
    // economical mode: restart stopped members first
    for (const m of this.ess.members(g.id)) {
      if (a.created.length >= count) break;
      if (m.state !== 'Stopped') continue;
      const inst = this.ecs(m.instanceId);
      if (inst?.status !== 'Stopped') continue;
      this.cloud.boot(inst.instanceId);
      m.state = 'Pending';
      m.activityId = a.id;
      a.created.push(m.instanceId);
      a.waiting.push(m.instanceId);
    }
    let lastProblem: { code: string; message: string } | undefined = this.tagProblem(g, c);
    while (!lastProblem && a.created.length < count) {
      let spot = this.wantSpot(g, c);
      let placed = this.place(g, c, spot);
      if (!placed.candidate && spot && g.compensateWithOnDemand) {
        spot = false;
        placed = this.place(g, c, false);
      }
      if (!placed.candidate) {
        lastProblem = placed.problem;
        break;
      }
      const inst = this.launch(g, c, placed.candidate, spot);
      // The fallback is visible in the activity, as ESS shows it: what was skipped and what was created.
      if (placed.skipped && !a.statusMessage)
        a.statusMessage = `${placed.skipped}; created ${placed.candidate.instanceType} in ${placed.candidate.zone.zoneId} instead`;
      this.cloud.readLag.made(`member:${inst.instanceId}`);
      this.ess.instances.set(inst.instanceId, {
        instanceId: inst.instanceId,
        groupId: g.id,
        configurationId: c.id,
        state: 'Pending',
        health: 'Healthy',
        creationType: 'AutoCreated',
        entrusted: true,
        creationTime: now,
        activityId: a.id,
      });
      a.created.push(inst.instanceId);
      a.waiting.push(inst.instanceId);
    }
    if (lastProblem) {
      a.errorCode = lastProblem.code;
      a.errorMessage = lastProblem.message;
      if (a.created.length === 0) {
        a.status = 'Failed';
        a.statusMessage = `${lastProblem.code}: ${lastProblem.message}`;
        a.progress = 100;
        a.endTime = now;
      }
    }
    return a;
  }

  private place(
    g: ScalingGroup,
    c: ScalingConfiguration,
    spot: boolean,
  ): { candidate?: Candidate; problem?: { code: string; message: string }; skipped?: string } {
    let problem: { code: string; message: string } | undefined;
    let skipped: string | undefined;
    const placement = {
      ...(c.deploymentSetId === undefined ? {} : { deploymentSetId: c.deploymentSetId }),
      ...(c.privatePool === undefined ? {} : { privatePool: c.privatePool }),
    };
    for (const cand of this.candidates(g, c, spot)) {
      const p = capacityProblem(
        this.cloud,
        g.regionId,
        cand.zone,
        cand.vSwitch,
        cand.instanceType,
        spot,
        placement,
      );
      if (!p) {
        const region = this.cloud.region(g.regionId);
        const pool = placementProblem(
          this.cloud,
          region,
          cand.zone,
          cand.instanceType,
          placement,
        ).privatePoolId;
        const placed = pool === undefined ? cand : { ...cand, privatePoolId: pool };
        return { candidate: placed, ...(skipped ? { skipped } : {}) };
      }
      skipped ??= `${p.code} for ${cand.instanceType} in ${cand.zone.zoneId}`;
      // a NoStock anywhere is what the activity reports, unless everything failed for another reason
      if (!problem || p.code === 'OperationDenied.NoStock') problem = p;
    }
    return problem
      ? { problem }
      : {
          problem: {
            code: 'OperationDenied.NoStock',
            message: "No instance type in the configuration can be created in the group's vSwitches.",
          },
        };
  }

  /** The tags an instance of this group and configuration gets: the system's, the propagated, the configuration's. */
  private instanceTags(g: ScalingGroup, c: ScalingConfiguration): Tag[] {
    const tags: Tag[] = [{ key: 'acs:autoscaling:scalingGroupId', value: g.id }];
    for (const t of g.tags) if (t.propagate) tags.push({ key: t.key, value: t.value });
    for (const [key, value] of Object.entries(c.tags)) {
      const cur = tags.find((t) => t.key === key);
      if (cur) cur.value = value;
      else tags.push({ key, value });
    }
    return tags;
  }

  /**
   * An instance can carry 20 tags, the system tag included: a group whose propagated and configuration tags leave no
   * room for it cannot create instances — the scale-out fails with `OperationDenied.QuotaExceed` (the code the
   * issue's API audit names for ESS; unverified against a live account).
   */
  private tagProblem(
    g: ScalingGroup,
    c: ScalingConfiguration,
  ): { code: string; message: string } | undefined {
    const n = this.instanceTags(g, c).length;
    if (n <= 20) return undefined;
    return {
      code: 'OperationDenied.QuotaExceed',
      message: `An instance of ${g.id} would carry ${n} tags (the system tag acs:autoscaling:scalingGroupId, the group's propagated tags and the configuration's), more than the 20 ECS allows.`,
    };
  }

  private launch(g: ScalingGroup, c: ScalingConfiguration, cand: Candidate, spot: boolean): Instance {
    const tags = this.instanceTags(g, c);
    const limit = c.spotPriceLimits.find((l) => l.instanceType === cand.instanceType)?.priceLimit;
    return createInstance(this.cloud, {
      regionId: g.regionId,
      zone: cand.zone,
      vSwitch: cand.vSwitch,
      vpcId: g.vpcId,
      instanceType: cand.instanceType,
      imageId: c.imageId,
      securityGroupIds: c.securityGroupIds,
      instanceName: c.instanceName ?? `ESS-${g.name}`,
      ...(c.hostName === undefined ? {} : { hostName: c.hostName }),
      chargeType: 'PostPaid',
      spotStrategy: spot ? c.spotStrategy : 'NoSpot',
      ...(spot && limit !== undefined ? { spotPriceLimit: limit } : {}),
      spotInterruptionBehavior: c.spotInterruptionBehavior,
      tags,
      ...(c.userData === undefined ? {} : { userData: c.userData }),
      ...(c.keyPairName === undefined ? {} : { keyPairName: c.keyPairName }),
      loginAsNonRoot: c.loginAsNonRoot,
      ...(c.ramRoleName === undefined ? {} : { ramRoleName: c.ramRoleName }),
      systemDisk: c.systemDisk,
      dataDisks: c.dataDisks,
      internetMaxBandwidthOut: c.internetMaxBandwidthOut,
      internetChargeType: c.internetChargeType,
      ...(c.deploymentSetId === undefined ? {} : { deploymentSetId: c.deploymentSetId }),
      ...(cand.privatePoolId === undefined ? {} : { privatePoolId: cand.privatePoolId }),
      // the configuration's ResourceGroupId, else the group's (what ESS does without one is not documented)
      resourceGroupId: c.resourceGroupId ?? g.resourceGroupId,
    });
  }

  private finishDelete(g: ScalingGroup): void {
    for (const m of this.ess.members(g.id)) {
      this.ess.instances.delete(m.instanceId);
      const inst = this.ecs(m.instanceId);
      if (!inst) continue;
      if (m.creationType === 'AutoCreated') this.cloud.release(inst.instanceId);
      else inst.tags = inst.tags.filter((t) => t.key !== 'acs:autoscaling:scalingGroupId');
    }
    for (const c of this.ess.configurationsOf(g.id)) this.ess.configurations.delete(c.id);
    for (const h of this.ess.hooksOf(g.id)) this.ess.hooks.delete(h.id);
    this.ess.groups.delete(g.id);
  }
}
