import { isoSeconds } from '../clock.js';
import type { Cloud } from '../cloud.js';
import { ApiError, invalidParameter, missingParameter } from '../errors.js';
import type { ApiBody, Call } from '../server.js';
import { priceOf } from '../world.js';

const HOUR = 3600_000;
const PAGE = 1000;

/**
 * DescribeSpotPriceHistory (ECS API reference and the ecs20140526 SDK model): `InstanceType` and `NetworkType`
 * (vpc | classic) required; `ZoneId` (else every zone of the region selling the type), `IoOptimized`, `OSType`,
 * `SpotDuration`; `StartTime` / `EndTime` (UTC; default the 3 hours before now; at most 30 days apart); `Offset` and
 * `NextOffset` page by 1,000 rows. Answers `SpotPrices.SpotPriceType[]` (`ZoneId`, `InstanceType`, `IoOptimized`,
 * `NetworkType`, `OriginPrice`, `SpotPrice`, `Timestamp`) and `Currency`. The simulator keeps no price history:
 * every hour of the range shows the zone's current prices (`priceOf`).
 */
export function describeSpotPriceHistory(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const typeName = p.str('InstanceType');
  if (typeName === undefined) throw missingParameter('InstanceType');
  const networkType = p.oneOf('NetworkType', ['vpc', 'classic'] as const);
  if (networkType === undefined) throw missingParameter('NetworkType');
  const ioOptimized = p.oneOf('IoOptimized', ['optimized', 'none'] as const) ?? 'optimized';
  p.oneOf('OSType', ['linux', 'windows'] as const);
  p.int('SpotDuration', { min: 0, max: 6 });
  if (!cloud.instanceType(typeName)) {
    throw new ApiError(
      'InvalidInstanceType.ValueNotSupported',
      `The specified InstanceType "${typeName}" does not exist or beyond the permitted range.`,
    );
  }
  const time = (name: string): number | undefined => {
    const v = p.str(name);
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    if (Number.isNaN(t) || !/Z$/.test(v))
      throw invalidParameter(name, 'must be a UTC time yyyy-MM-ddTHH:mm:ssZ');
    return t;
  };
  const end = time('EndTime') ?? cloud.clock.now();
  const start = time('StartTime') ?? end - 3 * HOUR;
  if (end < start) throw invalidParameter('EndTime', 'must not be earlier than StartTime');
  if (end - start > 30 * 24 * HOUR)
    throw invalidParameter('StartTime', 'StartTime and EndTime are at most 30 days apart');
  const zoneId = p.str('ZoneId');
  const zones = region.zones.filter(
    (z) => (zoneId === undefined || z.zoneId === zoneId) && z.offerings[typeName],
  );
  if (zoneId !== undefined && !region.zones.some((z) => z.zoneId === zoneId)) {
    throw new ApiError('InvalidZoneId.NotFound', `The specified ZoneId "${zoneId}" does not exist.`, 404);
  }
  const rows: Record<string, unknown>[] = [];
  for (const z of zones) {
    const price = priceOf(cloud.world, z, typeName);
    for (let t = Math.ceil(start / HOUR) * HOUR; t <= end; t += HOUR) {
      rows.push({
        ZoneId: z.zoneId,
        InstanceType: typeName,
        IoOptimized: ioOptimized,
        NetworkType: networkType,
        OriginPrice: price.onDemand,
        SpotPrice: price.spot,
        Timestamp: isoSeconds(t),
      });
    }
  }
  const offset = p.int('Offset', { min: 0 }) ?? 0;
  const page = rows.slice(offset, offset + PAGE);
  return {
    Currency: 'CNY',
    NextOffset: offset + PAGE < rows.length ? offset + PAGE : 0,
    SpotPrices: { SpotPriceType: page },
  };
}
