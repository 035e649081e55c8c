import { isoSeconds } from '../clock.js';
import type { Cloud, Instance } from '../cloud.js';
import { ApiError, missingParameter } from '../errors.js';
import type { ApiBody, Call } from '../server.js';
import { cycleCode, eventCode, executeSystemEvent, type SystemEvent } from '../system-events.js';
import { eventFilter } from './history-events.js';

/**
 * Codes of DescribeInstancesFullStatus `Status` and `HealthStatus`. Documented (ECS API reference response
 * example): Status Running 1; HealthStatus Ok 0, Warning 64. The others are not documented (unverified).
 */
const STATUS_CODES: Record<Instance['status'], number> = {
  Pending: 0,
  Running: 1,
  Starting: 2,
  Stopping: 64,
  Stopped: 6,
};
const HEALTH = [
  'Ok',
  'Impaired',
  'Warning',
  'Maintaining',
  'Initializing',
  'InsufficientData',
  'NotApplicable',
] as const;
type Health = (typeof HEALTH)[number];
const HEALTH_CODES: Record<Health, number> = {
  Ok: 0,
  Warning: 64,
  Impaired: 1,
  Maintaining: 2,
  Initializing: 3,
  InsufficientData: 4,
  NotApplicable: 5,
};

/**
 * The instance's health as the simulator derives it: stopped or stopping — NotApplicable; booting — Initializing;
 * stopped responding (the fault API) — Impaired; a system event executing on it — Maintaining; one scheduled or
 * being inquired — Warning ("performance may be degraded due to maintenance"); else Ok.
 */
function health(cloud: Cloud, i: Instance): Health {
  if (i.status === 'Stopped' || i.status === 'Stopping') return 'NotApplicable';
  if (i.status !== 'Running') return 'Initializing';
  if (i.failed) return 'Impaired';
  const events = cloud.systemEvents.filter((e) => e.instanceId === i.instanceId);
  if (events.some((e) => e.cycleStatus === 'Executing')) return 'Maintaining';
  if (events.some((e) => e.cycleStatus === 'Scheduled' || e.cycleStatus === 'Inquiring')) return 'Warning';
  return 'Ok';
}

/**
 * DescribeInstancesFullStatus (ECS API reference and the ecs20140526 SDK model): per instance its lifecycle status,
 * health and the system events in the Scheduled state. `InstanceId.N` (≤ 100, else 403 InstanceIdLimitExceeded),
 * `EventId.N`, `Status` (Starting, Running, Stopped), `HealthStatus`, `InstanceEventType.N` / `EventType`,
 * `NotBefore.*`, `EventPublishTime.*`; `PageNumber` / `PageSize` (1–100, default 10). With an event filter, only
 * instances with a matching Scheduled event are listed.
 */
export function describeInstancesFullStatus(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const ids = p.list('InstanceId', 1000);
  if (ids.length > 100)
    throw new ApiError(
      'InstanceIdLimitExceeded',
      'The amount of InstanceId specified exceeds limit 100.',
      403,
    );
  const status = p.oneOf('Status', ['Starting', 'Running', 'Stopped'] as const);
  const wantHealth = p.oneOf('HealthStatus', HEALTH);
  const pageSize = p.int('PageSize', { min: 1, max: 100 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const filter = eventFilter(p);
  const filtered = [
    'EventId.1',
    'InstanceEventType.1',
    'EventType',
    'NotBefore.Start',
    'NotBefore.End',
    'EventPublishTime.Start',
    'EventPublishTime.End',
  ].some((k) => p.has(k));
  const scheduled = (i: Instance): SystemEvent[] =>
    cloud.systemEvents.filter(
      (e) => e.instanceId === i.instanceId && e.cycleStatus === 'Scheduled' && filter(e),
    );
  const source =
    ids.length > 0 ? ids.flatMap((id) => cloud.instances.get(id) ?? []) : [...cloud.instances.values()];
  const all = source.filter(
    (i) =>
      i.regionId === region.regionId &&
      (status === undefined || i.status === status) &&
      (wantHealth === undefined || health(cloud, i) === wantHealth) &&
      (!filtered || scheduled(i).length > 0),
  );
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    InstanceFullStatusSet: {
      InstanceFullStatusType: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((i) => {
        const h = health(cloud, i);
        return {
          InstanceId: i.instanceId,
          Status: { Code: STATUS_CODES[i.status], Name: i.status },
          HealthStatus: { Code: HEALTH_CODES[h], Name: h },
          ScheduledSystemEventSet: {
            ScheduledSystemEventType: scheduled(i).map((e) => ({
              EventId: e.eventId,
              EventType: { Code: eventCode(e.type), Name: e.type },
              EventCycleStatus: { Code: cycleCode(e.cycleStatus), Name: e.cycleStatus },
              EventPublishTime: isoSeconds(e.publishTime),
              NotBefore: isoSeconds(e.notBefore),
              Reason: e.reason,
              ImpactLevel: '',
              ExtendedAttribute: { InactiveDisks: { InactiveDisk: [] } },
            })),
          },
        };
      }),
    },
  };
}

/**
 * AcceptInquiredSystemEvent (`EventId`, required): accepts an Inquiring event and its default operation, which then
 * runs at once (ECS API reference). An unknown event is 404 `InvalidEventId.NotFound`, one that is not Inquiring
 * 403 `IncorrectEventStatus` (both codes unverified).
 */
export function acceptInquiredSystemEvent(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const id = p.str('EventId');
  if (id === undefined) throw missingParameter('EventId');
  const e = cloud.systemEvents.find((x) => x.eventId === id && x.regionId === region.regionId);
  if (!e) throw new ApiError('InvalidEventId.NotFound', `The specified EventId "${id}" does not exist.`, 404);
  if (e.cycleStatus !== 'Inquiring') {
    throw new ApiError(
      'IncorrectEventStatus',
      `The system event ${id} is ${e.cycleStatus}, not Inquiring: only an Inquiring event can be accepted.`,
      403,
    );
  }
  executeSystemEvent(cloud, e);
  return {};
}
