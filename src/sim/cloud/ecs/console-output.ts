import type { Cloud, Instance } from '../cloud.js';
import type { ApiBody, Call } from '../server.js';

/** ECS keeps the last 64 KB of an instance's serial console. */
export const CONSOLE_OUTPUT_LIMIT = 64 * 1024;

/**
 * Simulated seconds the serial console must stay quiet before what it printed is posted (unverified: the API
 * documents no delay; AWS's equivalent posts "shortly after" a transition).
 */
export const CONSOLE_POST_QUIET_S = 30;

/**
 * What GetInstanceConsoleOutput answers: not a live tail. "Alibaba Cloud caches the system command-line output of
 * the instance's last start, restart or stop" (ECS API reference, GetInstanceConsoleOutput): the simulator posts
 * the console (what a node simulation wrote to `consoleOutput`) when the instance stops, and after a boot once the
 * console has been quiet for CONSOLE_POST_QUIET_S; until then the previous post is what a caller sees.
 */
export function postedConsole(cloud: Cloud, i: Instance): { text: string; updatedAt: number } | undefined {
  const live = i.consoleOutput;
  if (live && live !== i.consolePosted && cloud.clock.now() - live.updatedAt >= CONSOLE_POST_QUIET_S * 1000) {
    i.consolePosted = live;
  }
  return i.consolePosted;
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8), as LastUpdateTime is documented. */
function beijingTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * GetInstanceConsoleOutput: the cached console (see postedConsole), its last 64 KB, base64-encoded;
 * `LastUpdateTime` is when its last line was printed, `yyyy-MM-dd HH:mm:ss` in Beijing time (ECS API reference).
 * An instance that has posted nothing answers an empty string.
 */
export function getInstanceConsoleOutput(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const i = cloud.instance(region.regionId, p.required('InstanceId'));
  const removeSymbols = p.bool('RemoveSymbols') ?? false;
  const posted = postedConsole(cloud, i);
  let text = posted?.text ?? '';
  // eslint-disable-next-line no-control-regex -- ANSI escape sequences are what RemoveSymbols strips
  if (removeSymbols) text = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const bytes = Buffer.from(text, 'utf8');
  const tail =
    bytes.length > CONSOLE_OUTPUT_LIMIT ? bytes.subarray(bytes.length - CONSOLE_OUTPUT_LIMIT) : bytes;
  return {
    InstanceId: i.instanceId,
    ConsoleOutput: tail.toString('base64'),
    LastUpdateTime: beijingTime(posted?.updatedAt ?? i.creationTime),
  };
}
