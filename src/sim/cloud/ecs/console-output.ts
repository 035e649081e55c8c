import { ecsTime } from '../clock.js';
import type { Cloud } from '../cloud.js';
import type { ApiBody, Call } from '../server.js';

/** ECS keeps the last 64 KB of an instance's serial console. */
export const CONSOLE_OUTPUT_LIMIT = 64 * 1024;

/**
 * GetInstanceConsoleOutput: the tail of the instance's serial console, base64-encoded, as ECS answers it (what
 * cloud-init printed while booting). An instance that wrote nothing answers an empty string.
 */
export function getInstanceConsoleOutput(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const i = cloud.instance(region.regionId, p.required('InstanceId'));
  const removeSymbols = p.bool('RemoveSymbols') ?? false;
  let text = i.consoleOutput?.text ?? '';
  // eslint-disable-next-line no-control-regex -- ANSI escape sequences are what RemoveSymbols strips
  if (removeSymbols) text = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const bytes = Buffer.from(text, 'utf8');
  const tail =
    bytes.length > CONSOLE_OUTPUT_LIMIT ? bytes.subarray(bytes.length - CONSOLE_OUTPUT_LIMIT) : bytes;
  return {
    InstanceId: i.instanceId,
    ConsoleOutput: tail.toString('base64'),
    LastUpdateTime: ecsTime(i.consoleOutput?.updatedAt ?? i.creationTime),
  };
}
