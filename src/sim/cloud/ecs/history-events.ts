import { isoSeconds } from '../clock.js';
import type { Cloud } from '../cloud.js';
import { ApiError, invalidParameter } from '../errors.js';
import type { Params } from '../params.js';
import type { ApiBody, Call } from '../server.js';
import {
  cycleCode,
  eventCode,
  SYSTEM_EVENT_TYPES,
  type EventCycleStatus,
  type SystemEvent,
} from '../system-events.js';

const CYCLES: readonly EventCycleStatus[] = [
  'Scheduled',
  'Avoided',
  'Executing',
  'Executed',
  'Canceled',
  'Failed',
  'Inquiring',
];
/** Without a status filter only finished events are listed (ECS API reference, DescribeInstanceHistoryEvents). */
const FINISHED: readonly EventCycleStatus[] = ['Executed', 'Avoided', 'Canceled', 'Failed'];

function token(n: number): string {
  return Buffer.from(`ev:${n}`).toString('base64url');
}

function offsetOf(p: Params): number {
  const t = p.str('NextToken');
  if (t === undefined) return 0;
  const m = /^ev:(\d+)$/.exec(Buffer.from(t, 'base64url').toString('utf8'));
  if (!m?.[1])
    throw invalidParameter('NextToken', `"${t}" was not returned by this API`, 'InvalidParameter.NextToken');
  return Number(m[1]);
}

function timeRange(p: Params, name: string): { start?: number; end?: number } {
  const read = (k: string): number | undefined => {
    const v = p.str(`${name}.${k}`);
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?Z$/.test(v) || Number.isNaN(t)) {
      throw invalidParameter(`${name}.${k}`, 'must be a UTC time yyyy-MM-ddTHH:mm:ssZ');
    }
    return t;
  };
  const start = read('Start');
  const end = read('End');
  if (start !== undefined && end !== undefined && end < start) {
    throw new ApiError(
      'InvalidParameter.TimeEndBeforeStart',
      `The specified ${name}.End is earlier than ${name}.Start.`,
      403,
    );
  }
  return { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
}

const within = (t: number, r: { start?: number; end?: number }): boolean =>
  (r.start === undefined || t >= r.start) && (r.end === undefined || t <= r.end);

/**
 * The event filters DescribeInstanceHistoryEvents and DescribeInstancesFullStatus share: `EventId.N` (≤ 100:
 * `EventIdLimitExceeded`), `InstanceEventType.N` (≤ 30) or else `EventType`, `NotBefore.Start/End`,
 * `EventPublishTime.Start/End` (End before Start: 403 `InvalidParameter.TimeEndBeforeStart`).
 */
export function eventFilter(p: Params): (e: SystemEvent) => boolean {
  const ids = p.list('EventId', 1000);
  if (ids.length > 100)
    throw new ApiError('EventIdLimitExceeded', 'The amount of EventId specified exceeds limit 100.', 403);
  const listed = p.list('InstanceEventType', 30);
  const single = p.str('EventType');
  const types = listed.length > 0 ? listed : single === undefined ? [] : [single];
  for (const t of types) {
    if (!(SYSTEM_EVENT_TYPES as readonly string[]).includes(t))
      throw invalidParameter('InstanceEventType', `"${t}" is not an instance system event type`);
  }
  const notBefore = timeRange(p, 'NotBefore');
  const published = timeRange(p, 'EventPublishTime');
  return (e) =>
    (ids.length === 0 || ids.includes(e.eventId)) &&
    (types.length === 0 || types.includes(e.type)) &&
    within(e.notBefore, notBefore) &&
    within(e.publishTime, published);
}

/** An event as DescribeInstanceHistoryEvents lists it. */
function eventJson(e: SystemEvent): Record<string, unknown> {
  return {
    EventId: e.eventId,
    InstanceId: e.instanceId,
    ResourceType: 'instance',
    EventType: { Code: eventCode(e.type), Name: e.type },
    EventCycleStatus: { Code: cycleCode(e.cycleStatus), Name: e.cycleStatus },
    EventPublishTime: isoSeconds(e.publishTime),
    NotBefore: isoSeconds(e.notBefore),
    EventFinishTime: e.finishTime === undefined ? '' : isoSeconds(e.finishTime),
    Reason: e.reason,
    ReasonCode: '',
    ImpactLevel: '',
    ExtendedAttribute: {
      CanAccept: e.inquiring ? 'true' : 'false',
      InactiveDisks: { InactiveDisk: [] },
      MigrationOptions: { MigrationOption: [] },
    },
  };
}

/**
 * DescribeInstanceHistoryEvents (ECS API reference and the ecs20140526 SDK model):
 * - `ResourceId.N` (1–100) with `ResourceType` (default `instance`; it takes precedence over `InstanceId`), or
 *   `InstanceId`, or every instance of the region;
 * - `InstanceEventCycleStatus.N`, else `EventCycleStatus`; with neither only finished events (Avoided, Executed,
 *   Canceled, Failed) — Scheduled / Executing / Inquiring ones only when asked for;
 * - paging by `MaxResults` (10–100: below 10 is 10, above 100 is 100) + `NextToken`; the deprecated
 *   `PageNumber` / `PageSize` still work when neither is given;
 * - numeric codes: see system-events.ts.
 */
export function describeInstanceHistoryEvents(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const resourceType = p.oneOf('ResourceType', ['instance', 'ddh', 'managedhost'] as const) ?? 'instance';
  const resourceIds = p.list('ResourceId', 100);
  const instanceId = p.str('InstanceId');
  const instances = resourceIds.length > 0 ? resourceIds : instanceId === undefined ? [] : [instanceId];
  const listed = p.list('InstanceEventCycleStatus', 7);
  const single = p.str('EventCycleStatus');
  const asked = listed.length > 0 ? listed : single === undefined ? [] : [single];
  for (const c of asked) {
    if (!(CYCLES as readonly string[]).includes(c))
      throw invalidParameter('InstanceEventCycleStatus', `must be one of ${CYCLES.join(', ')}`);
  }
  const wanted: readonly string[] = asked.length > 0 ? asked : FINISHED;
  const filter = eventFilter(p);
  const all = cloud.systemEvents.filter(
    (e) =>
      resourceType === 'instance' &&
      e.regionId === region.regionId &&
      (instances.length === 0 || instances.includes(e.instanceId)) &&
      wanted.includes(e.cycleStatus) &&
      filter(e),
  );
  if (p.has('MaxResults') || p.has('NextToken')) {
    const max = Math.min(100, Math.max(10, p.int('MaxResults', { min: 0 }) ?? 10));
    const from = offsetOf(p);
    const page = all.slice(from, from + max);
    return {
      TotalCount: all.length,
      PageNumber: 1,
      PageSize: max,
      NextToken: from + max < all.length ? token(from + max) : '',
      InstanceSystemEventSet: { InstanceSystemEventType: page.map(eventJson) },
    };
  }
  const pageSize = p.int('PageSize', { min: 1, max: 100 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    NextToken: '',
    InstanceSystemEventSet: {
      InstanceSystemEventType: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(eventJson),
    },
  };
}
