import { randomBytes } from 'node:crypto';
import type { Cloud } from './cloud.js';
import { ApiError } from './errors.js';

export const SYSTEM_EVENT_TYPES = [
  'SystemMaintenance.Reboot',
  'SystemMaintenance.Redeploy',
  'SystemFailure.Reboot',
  'SystemFailure.Redeploy',
  'SystemFailure.Delete',
  'InstanceFailure.Reboot',
  'InstanceExpiration.Stop',
  'InstanceExpiration.Delete',
  'AccountUnbalanced.Stop',
  'AccountUnbalanced.Delete',
] as const;

export type SystemEventType = (typeof SYSTEM_EVENT_TYPES)[number];
export type EventCycleStatus =
  'Scheduled' | 'Executing' | 'Executed' | 'Avoided' | 'Canceled' | 'Failed' | 'Inquiring';

/**
 * Numeric codes of the event types. Documented (DescribeInstanceHistoryEvents / DescribeInstancesFullStatus
 * response examples in the ECS API reference): SystemMaintenance.Reboot 1, InstanceExpiration.Stop 34,
 * SystemFailure.Reboot 65. The others are not documented (unverified): numbered next to their documented neighbours.
 */
const CODES: Record<SystemEventType, number> = {
  'SystemMaintenance.Reboot': 1,
  'SystemMaintenance.Redeploy': 2,
  'SystemFailure.Reboot': 65,
  'SystemFailure.Redeploy': 66,
  'SystemFailure.Delete': 67,
  'InstanceFailure.Reboot': 68,
  'InstanceExpiration.Stop': 34,
  'InstanceExpiration.Delete': 35,
  'AccountUnbalanced.Stop': 32,
  'AccountUnbalanced.Delete': 33,
};

/**
 * Numeric codes of the event cycle states. Documented (same response examples): Executed 0, Avoided 8,
 * Scheduled 24. The others are not documented (unverified).
 */
const CYCLE_CODES: Record<EventCycleStatus, number> = {
  Executed: 0,
  Avoided: 8,
  Scheduled: 24,
  Executing: 21,
  Canceled: 16,
  Failed: 2,
  Inquiring: 25,
};

export interface SystemEvent {
  eventId: string;
  instanceId: string;
  regionId: string;
  type: SystemEventType;
  cycleStatus: EventCycleStatus;
  publishTime: number;
  notBefore: number;
  finishTime?: number;
  reason: string;
  /** An event that asks the owner first (Inquiring until AcceptInquiredSystemEvent or its NotBefore). */
  inquiring?: boolean;
}

export function eventCode(type: SystemEventType): number {
  return CODES[type];
}

export function cycleCode(c: EventCycleStatus): number {
  return CYCLE_CODES[c];
}

/**
 * Schedules a system event on an instance: Scheduled (or Inquiring, with `inquiring`) now, Executing at
 * `notBefore` (or when AcceptInquiredSystemEvent accepts an Inquiring one), then the effect (reboot, redeploy =
 * reboot, stop, release) and Executed. An instance gone before that cancels the event.
 */
export function scheduleSystemEvent(
  cloud: Cloud,
  instanceId: string,
  type: SystemEventType,
  inSeconds: number,
  reason = 'simulated',
  opts: { inquiring?: boolean } = {},
): SystemEvent {
  const i = cloud.instances.get(instanceId);
  if (!i)
    throw new ApiError(
      'InvalidInstanceId.NotFound',
      `The specified InstanceId "${instanceId}" does not exist.`,
    );
  const now = cloud.clock.now();
  const e: SystemEvent = {
    eventId: `e-${randomBytes(10).toString('hex')}`,
    instanceId,
    regionId: i.regionId,
    type,
    cycleStatus: opts.inquiring ? 'Inquiring' : 'Scheduled',
    publishTime: now,
    notBefore: now + inSeconds * 1000,
    reason,
    ...(opts.inquiring ? { inquiring: true } : {}),
  };
  cloud.systemEvents.push(e);
  cloud.clock.after(inSeconds * 1000, () => executeSystemEvent(cloud, e));
  return e;
}

/** Runs a Scheduled or Inquiring event now: Executing, the effect, then Executed (Canceled if the instance is gone). */
export function executeSystemEvent(cloud: Cloud, e: SystemEvent): void {
  if (e.cycleStatus !== 'Scheduled' && e.cycleStatus !== 'Inquiring') return;
  e.cycleStatus = 'Executing';
  const { instanceId, type } = e;
  const cur = cloud.instances.get(instanceId);
  const finish = (): void => {
    e.cycleStatus = 'Executed';
    e.finishTime = cloud.clock.now();
  };
  if (!cur) {
    e.cycleStatus = 'Canceled';
    e.finishTime = cloud.clock.now();
    return;
  }
  if (type.endsWith('.Delete')) {
    cloud.release(instanceId);
    finish();
  } else if (type.endsWith('.Stop')) {
    if (cur.status === 'Running') cloud.stop(instanceId, 'KeepCharging', finish);
    else finish();
  } else if (cur.status === 'Running') {
    cloud.stop(instanceId, 'KeepCharging', () => {
      cur.failed = false;
      cloud.boot(instanceId);
      finish();
    });
  } else finish();
}

/**
 * Spot reclamation: the instance gets the `Recycling` operation lock now (the notice, ~5 minutes ahead) and is
 * released (or stopped, with SpotInterruptionBehavior=Stop) when the notice runs out.
 */
export function reclaimSpot(cloud: Cloud, instanceId: string, noticeSeconds = 300): void {
  const i = cloud.instances.get(instanceId);
  if (!i)
    throw new ApiError(
      'InvalidInstanceId.NotFound',
      `The specified InstanceId "${instanceId}" does not exist.`,
    );
  if (i.spotStrategy === 'NoSpot') {
    throw new ApiError('InvalidInstance.NotSpot', `The instance ${instanceId} is not a spot instance.`);
  }
  if (!i.operationLocks.includes('Recycling')) i.operationLocks.push('Recycling');
  cloud.emit('interrupting', i);
  cloud.clock.after(noticeSeconds * 1000, () => {
    const cur = cloud.instances.get(instanceId);
    if (!cur) return;
    if (cur.spotInterruptionBehavior === 'Stop') {
      cur.operationLocks = cur.operationLocks.filter((l) => l !== 'Recycling');
      cloud.stop(instanceId, 'StopCharging');
    } else {
      cloud.release(instanceId);
    }
  });
}
