import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { cleanStale } from '../../devstack/index.js';
import { allocatePorts } from '../../devstack/ports.js';

/**
 * What `npm start` keeps across restarts, under `<dir>/state/`: the control plane's (`etcd/`, `pki/`,
 * `ports.json`, see DevStackOptions.stateDir) and the simulator's (`sim.json`, its `--state` file, and
 * `sim-ports.json`). `--fresh` removes it first.
 */
export interface DevState {
  dir: string;
  simStateFile: string;
  simPortsFile: string;
}

export function devState(devDir: string): DevState {
  const dir = join(devDir, 'state');
  return { dir, simStateFile: join(dir, 'sim.json'), simPortsFile: join(dir, 'sim-ports.json') };
}

/**
 * Forgets the kept state (`--fresh`). Refused while another `npm start` runs with this folder (its run folder
 * is live): its etcd would lose its data under it.
 */
export async function resetDevState(state: DevState, runDir: string): Promise<void> {
  await cleanStale(runDir);
  await rm(state.dir, { recursive: true, force: true });
}

const simPortsSchema = z.object({
  port: z.number().int().min(1).max(65535),
  adminPort: z.number().int().min(1).max(65535),
});
export type SimPorts = z.infer<typeof simPortsSchema>;

/** The simulator's ports of the last run when they are still free (so `.dev/env` keeps its values), else new ones. */
export async function simPorts(state: DevState): Promise<SimPorts> {
  let saved: Partial<SimPorts> = {};
  try {
    const r = simPortsSchema.safeParse(JSON.parse(await readFile(state.simPortsFile, 'utf8')));
    if (r.success) saved = r.data;
  } catch {
    // first run, or an unreadable file: new ports
  }
  return allocatePorts(['port', 'adminPort'] as const, {}, saved);
}

export async function saveSimPorts(state: DevState, ports: SimPorts): Promise<void> {
  await mkdir(state.dir, { recursive: true });
  await writeFile(state.simPortsFile, `${JSON.stringify(ports, null, 2)}\n`);
}

/** `127.0.0.1:PORT` or `http://127.0.0.1:PORT` → PORT. */
export function portOf(address: string): number {
  return Number(/:(\d+)\/?$/.exec(address)?.[1] ?? 0);
}
