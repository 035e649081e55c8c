import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Cloud, Instance } from './cloud.js';
import type {
  EssState,
  LifecycleHook,
  ScalingActivity,
  ScalingConfiguration,
  ScalingGroup,
  ScalingInstance,
} from './ess/model.js';
import type { SystemEvent } from './system-events.js';
import { worldSchema, type World } from './world.js';

/**
 * `--state FILE`: the simulator's whole state (world with its stock, instances, ClientTokens, system events,
 * ESS groups, configurations, members, activities and hooks)
 * written atomically (temporary file + rename) so a restarted simulator continues where it stopped.
 */
const stateSchema = z.object({
  version: z.literal(1),
  savedAt: z.number(),
  simulatedTime: z.number(),
  world: worldSchema,
  // instances and events are our own output: checked for shape at the top level, trusted inside
  instances: z.array(z.record(z.string(), z.unknown())),
  systemEvents: z.array(z.record(z.string(), z.unknown())),
  clientTokens: z.array(
    z.tuple([z.string(), z.object({ hash: z.string(), result: z.record(z.string(), z.unknown()) })]),
  ),
  ess: z
    .object({
      groups: z.array(z.record(z.string(), z.unknown())),
      configurations: z.array(z.record(z.string(), z.unknown())),
      members: z.array(z.record(z.string(), z.unknown())),
      activities: z.array(z.record(z.string(), z.unknown())),
      hooks: z.array(z.record(z.string(), z.unknown())),
    })
    .optional(),
});

export interface SavedEss {
  groups: ScalingGroup[];
  configurations: ScalingConfiguration[];
  members: ScalingInstance[];
  activities: ScalingActivity[];
  hooks: LifecycleHook[];
}

export interface SavedState {
  world: World;
  simulatedTime: number;
  instances: Instance[];
  systemEvents: SystemEvent[];
  clientTokens: [string, { hash: string; result: Record<string, unknown> }][];
  ess?: SavedEss;
}

export async function readState(file: string): Promise<SavedState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const r = stateSchema.safeParse(JSON.parse(text));
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`state file ${file}: ${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}`);
  }
  return {
    world: r.data.world,
    simulatedTime: r.data.simulatedTime,
    instances: r.data.instances as unknown as Instance[],
    systemEvents: r.data.systemEvents as unknown as SystemEvent[],
    clientTokens: r.data.clientTokens,
    ...(r.data.ess ? { ess: r.data.ess as unknown as SavedEss } : {}),
  };
}

export async function writeState(file: string, cloud: Cloud, ess?: EssState): Promise<void> {
  const state = {
    version: 1,
    savedAt: Date.now(),
    simulatedTime: cloud.clock.now(),
    world: cloud.world,
    instances: [...cloud.instances.values()],
    systemEvents: cloud.systemEvents,
    clientTokens: [...cloud.clientTokens.entries()],
    ...(ess
      ? {
          ess: {
            groups: [...ess.groups.values()],
            configurations: [...ess.configurations.values()],
            members: [...ess.instances.values()],
            activities: [...ess.activities.values()],
            hooks: [...ess.hooks.values()],
          },
        }
      : {}),
  };
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, file);
}

/** Puts saved instances back: their IPs are taken again and transient states continue. */
export function restoreInstances(cloud: Cloud, state: SavedState): void {
  for (const i of [...state.instances].sort((a, b) => a.seq - b.seq)) {
    cloud.instances.set(i.instanceId, i);
    cloud.ips.take(i.vSwitchId, i.privateIp);
    cloud.bumpSeq(i.seq);
    if (i.status === 'Pending' || i.status === 'Starting') cloud.boot(i.instanceId);
    if (i.status === 'Stopping') cloud.stop(i.instanceId, i.stoppedMode);
  }
  cloud.systemEvents.push(...state.systemEvents);
  for (const [k, v] of state.clientTokens) cloud.clientTokens.set(k, v);
}

/** Puts saved ESS objects back; the engine continues from them on its next pass. */
export function restoreEss(ess: EssState, saved: SavedEss | undefined): void {
  if (!saved) return;
  for (const g of saved.groups) ess.groups.set(g.id, g);
  for (const c of saved.configurations) ess.configurations.set(c.id, c);
  for (const m of saved.members) ess.instances.set(m.instanceId, m);
  for (const a of saved.activities) ess.addActivity(a);
  for (const h of saved.hooks) ess.hooks.set(h.id, h);
}
