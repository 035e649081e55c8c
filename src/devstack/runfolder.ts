import { readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pidAlive, signalGroup } from './process.js';

/**
 * A run folder holds one control plane's certificates, kubeconfigs, logs and data, plus `run.json`: the pid
 * (and start time) of the process that owns it and the pids of the components it started. A folder whose owner
 * is gone is stale: `cleanStale` kills what is left of it and removes it.
 */
export interface RunRecord {
  owner: { pid: number; startTime: string | undefined };
  components: { name: string; pid: number }[];
  /** Folders outside the run folder that belong to the run (etcd's data in /dev/shm). */
  extraDirs: string[];
  /**
   * The folder the run keeps its lasting state in (etcd's data on disk, certificates), when it has one: it
   * outlives the run (never removed here), and a component whose command line names it is the run's too.
   */
  stateDir?: string;
}

const RECORD = 'run.json';

/** The kernel's start time of a process (field 22 of /proc/PID/stat), to tell a reused pid from the owner. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ownerAlive(owner: RunRecord['owner']): boolean {
  if (!pidAlive(owner.pid)) return false;
  return owner.startTime === undefined || processStartTime(owner.pid) === owner.startTime;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export async function readRecord(dir: string): Promise<RunRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, RECORD), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

export class RunFolder {
  private record: RunRecord;

  private constructor(readonly dir: string) {
    this.record = {
      owner: { pid: process.pid, startTime: processStartTime(process.pid) },
      components: [],
      extraDirs: [],
    };
  }

  /** Create (or take over, after cleaning a stale one) the run folder `dir`. */
  static async create(dir: string): Promise<RunFolder> {
    await cleanStale(dir);
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, 'logs'), { recursive: true });
    const f = new RunFolder(dir);
    await f.save();
    return f;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  async addComponent(name: string, pid: number): Promise<void> {
    this.record.components.push({ name, pid });
    await this.save();
  }

  async addExtraDir(dir: string): Promise<void> {
    this.record.extraDirs.push(dir);
    await this.save();
  }

  async setStateDir(dir: string): Promise<void> {
    this.record.stateDir = dir;
    await this.save();
  }

  get extraDirs(): readonly string[] {
    return this.record.extraDirs;
  }

  private async save(): Promise<void> {
    await writeFile(join(this.dir, RECORD), JSON.stringify(this.record, null, 2));
  }
}

/**
 * If `dir` is a run folder whose owner is no longer running, kill its components that still run (only those
 * whose command line mentions the folder or its state folder, so a reused pid is never hit) and remove it (the
 * state folder stays). Returns true if it cleaned something; false for a live or absent folder. A live folder
 * is left alone.
 */
export async function cleanStale(dir: string): Promise<boolean> {
  const rec = await readRecord(dir);
  if (!rec) return false;
  if (ownerAlive(rec.owner)) {
    throw new Error(`run folder ${dir} belongs to a running process (pid ${rec.owner.pid}); stop it first`);
  }
  for (const c of rec.components) {
    if (!pidAlive(c.pid)) continue;
    const cmd = commandLine(c.pid);
    if (cmd.includes(dir) || (rec.stateDir !== undefined && cmd.includes(rec.stateDir)))
      signalGroup(c.pid, 'SIGKILL');
  }
  for (const extra of rec.extraDirs) await rm(extra, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
  return true;
}

/** Clean every stale run folder directly under `parent` (folders of runs that were killed). */
export async function cleanStaleUnder(parent: string): Promise<number> {
  let n = 0;
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    try {
      if (await cleanStale(join(parent, e.name))) n++;
    } catch {
      // a live run: not ours to touch
    }
  }
  return n;
}
