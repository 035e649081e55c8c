import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type ExecResult } from '../../src/devstack/exec.js';
import { TEST_RUNS_DIR } from '../support/access.js';
import { eventually } from '../support/kube.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'nodepool-operator.js');

/** A running `nodepool-operator dev` (what `npm start` runs) in a folder of its own. */
export interface DevRun {
  dir: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** The `.dev/env` variables, once written. */
  env(): Promise<Record<string, string>>;
  /** Runs a bash command with `.dev/env` sourced. */
  sh(command: string): Promise<ExecResult>;
  /** SIGKILL (if still running) and remove the folder (unless it was given: then the caller removes it). */
  dispose(): Promise<void>;
}

/** Starts `nodepool-operator dev` in a new folder, or in `opts.dir` (to start again where a run stopped). */
export async function startDev(args: string[] = [], opts: { dir?: string } = {}): Promise<DevRun> {
  await mkdir(TEST_RUNS_DIR, { recursive: true });
  const dir = opts.dir ?? (await mkdtemp(join(TEST_RUNS_DIR, 'dev-')));
  const child = spawn(process.execPath, [BIN, 'dev', '--dir', dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const envFile = join(dir, 'env');
  return {
    dir,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    env: async () => {
      await eventually(
        '.dev/env to be written',
        async () => {
          if (existsSync(envFile)) return true;
          if (child.exitCode !== null)
            throw new Error(`the dev command exited (${child.exitCode}): ${err.slice(-2000)}`);
          return undefined;
        },
        { timeoutMs: 120_000 },
      );
      const vars: Record<string, string> = {};
      for (const m of (await readFile(envFile, 'utf8')).matchAll(/^export ([A-Z0-9_]+)='?([^'\n]*)'?$/gm)) {
        vars[m[1] ?? ''] = m[2] ?? '';
      }
      return vars;
    },
    sh: (command) => run('bash', ['-c', `source '${envFile}' && ${command}`]),
    dispose: async () => {
      child.kill('SIGKILL');
      await exited;
      if (opts.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
