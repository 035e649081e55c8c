// A benchmark's child processes: started with their output in a log file (killed if the bench exits first),
// stopped gently, and measured from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

const TICK_S = 0.01; // USER_HZ = 100 on Linux

/** A process's resident memory (MB), its peak (VmHWM, MB) and CPU seconds used (user + system), from /proc. */
export async function procOf(pid: number): Promise<{ rssMB: number; hwmMB: number; cpuS: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    rssMB: kb('VmRSS') / 1024,
    hwmMB: kb('VmHWM') / 1024,
    cpuS: (Number(f[11]) + Number(f[12])) * TICK_S,
  };
}

/** Starts `command` with stdout and stderr into `logFile`; SIGKILLed if this process exits before it. */
export function spawnLogged(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const guard = () => child.kill('SIGKILL');
  process.once('exit', guard);
  child.once('exit', () => process.off('exit', guard));
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** SIGTERM, then SIGKILL after 20 s; resolves when it exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
