import { isoSeconds } from '../clock.js';
import type { Cloud } from '../cloud.js';
import type { ApiBody, Call } from '../server.js';
import { eventCode, type EventCycleStatus } from '../system-events.js';

const CYCLE_CODES: Record<EventCycleStatus, number> = {
  Scheduled: 24,
  Avoided: 18,
  Executing: 21,
  Executed: 1,
  Canceled: 16,
  Failed: 2,
  Inquiring: 25,
};
const FINISHED: EventCycleStatus[] = ['Executed', 'Avoided', 'Canceled', 'Failed'];

/** DescribeInstanceHistoryEvents: finished events by default; Scheduled / Executing when asked for. */
export function describeInstanceHistoryEvents(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const instanceId = p.str('InstanceId');
  const eventIds = p.list('EventId', 100);
  const types = p.list('InstanceEventType', 30);
  const cycles = p.list('InstanceEventCycleStatus', 10);
  const pageSize = p.int('PageSize', { min: 1, max: 100 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const wanted = cycles.length > 0 ? cycles : FINISHED;
  const all = cloud.systemEvents.filter(
    (e) =>
      e.regionId === region.regionId &&
      (instanceId === undefined || e.instanceId === instanceId) &&
      (eventIds.length === 0 || eventIds.includes(e.eventId)) &&
      (types.length === 0 || types.includes(e.type)) &&
      wanted.includes(e.cycleStatus),
  );
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    NextToken: '',
    InstanceSystemEventSet: {
      InstanceSystemEventType: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((e) => ({
        EventId: e.eventId,
        InstanceId: e.instanceId,
        ResourceType: 'instance',
        EventType: { Code: eventCode(e.type), Name: e.type },
        EventCycleStatus: { Code: CYCLE_CODES[e.cycleStatus], Name: e.cycleStatus },
        EventPublishTime: isoSeconds(e.publishTime),
        NotBefore: isoSeconds(e.notBefore),
        EventFinishTime: e.finishTime === undefined ? '' : isoSeconds(e.finishTime),
        Reason: e.reason,
        ReasonCode: '',
        ImpactLevel: '',
        ExtendedAttribute: { InactiveDisks: { InactiveDisk: [] }, MigrationOptions: { MigrationOption: [] } },
      })),
    },
  };
}
