import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  constants,
  createWriteStream,
  existsSync,
  readFileSync,
  type WriteStream,
} from 'node:fs';
import { once } from 'node:events';
import { DevstackError } from './errors.js';
import { tailFile } from './logtail.js';

const SETPRIV = '/usr/bin/setpriv';

export interface ComponentSpec {
  name: string;
  command: string;
  args: string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * One control-plane process: its own process group (so stop() reaches anything it forks), output to a log
 * file, and — through setpriv's parent-death signal — killed by the kernel if the process that started it
 * dies without stopping it (a crashed test run leaves nothing behind).
 */
export class Component {
  readonly name: string;
  readonly logPath: string;
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping = false;

  constructor(private readonly spec: ComponentSpec) {
    this.name = spec.name;
    this.logPath = spec.logPath;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  async start(): Promise<void> {
    if (this.spec.command.includes('/')) {
      try {
        accessSync(this.spec.command, constants.X_OK);
      } catch (err) {
        throw new DevstackError(
          `${this.name} could not be started: ${this.spec.command} is missing or not executable`,
          {
            component: this.name,
            hint: 'rebuild the control plane: `nodepool-operator devstack build --force`',
            cause: err,
          },
        );
      }
    }
    this.log = createWriteStream(this.spec.logPath, { flags: 'a' });
    await once(this.log, 'open');
    const [cmd, args] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', this.spec.command, ...this.spec.args]]
      : [this.spec.command, this.spec.args];
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.spec.env ?? process.env,
      cwd: this.spec.cwd,
    });
    this.child = child;
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) =>
        reject(
          new DevstackError(`${this.name} could not be started: ${err.message}`, {
            component: this.name,
            logPath: this.logPath,
            cause: err,
          }),
        ),
      );
    });
  }

  /**
   * Resolves with an error describing the exit if the process ends without stop() having been called;
   * never resolves otherwise.
   */
  unexpectedExit(): Promise<DevstackError> {
    return this.exited.then(() =>
      this.stopping ? new Promise<never>(() => undefined) : this.failure(`${this.name} exited unexpectedly`),
    );
  }

  /** Wait until `probe` answers true, failing fast if the process exits and after `timeoutMs`. */
  async waitUntil(probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 50;
    for (;;) {
      if (!this.running) throw await this.failure(`${this.name} exited before it was ${what}`);
      if (await probe().catch(() => false)) return;
      if (Date.now() > deadline) {
        throw await this.failure(`${this.name} was not ${what} within ${Math.round(timeoutMs / 1000)} s`);
      }
      await Promise.race([new Promise((r) => setTimeout(r, delay)), this.exited]);
      delay = Math.min(delay * 2, 500);
    }
  }

  /** An error naming this component, its exit status, its log and the log's last lines. */
  async failure(message: string): Promise<DevstackError> {
    const status = this.exitInfo
      ? ` (exit ${this.exitInfo.signal ? `signal ${this.exitInfo.signal}` : `code ${String(this.exitInfo.code)}`})`
      : '';
    return new DevstackError(`${message}${status}`, {
      component: this.name,
      logPath: this.logPath,
      logTail: await tailFile(this.logPath, 15),
      hint: `read ${this.logPath}`,
    });
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.stopping) return this.exited;
    this.stopping = true;
    const child = this.child;
    if (child?.pid !== undefined && this.running) {
      signalGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      }, graceMs);
      await this.exited;
      clearTimeout(timer);
      // Anything left in the group (there should be nothing) goes too.
      signalGroup(child.pid, 'SIGKILL');
    }
    await new Promise<void>((resolve) => {
      if (!this.log) return resolve();
      this.log.end(() => resolve());
    });
  }
}

/** Signal a whole process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** True when a process with this pid exists and is not a zombie (exited, waiting to be reaped). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}
