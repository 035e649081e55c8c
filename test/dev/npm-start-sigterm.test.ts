import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/devstack/paths.js';
import { TEST_RUNS_DIR } from '../support/access.js';
import { eventually } from '../support/kube.js';

// `npm start` stopped the way a process manager, a CI job or `kill` stops it: SIGTERM to npm's pid alone (not
// to its process group, as Ctrl-C does). npm passes the signal to its script; the script's shell must pass it
// on to `nodepool-operator dev` (the script `exec`s it), which stops the operator, the simulator and the
// control plane. "Nothing left running": none of the processes under npm's pid when .dev/env was written (the
// control plane's run in sessions of their own) and none in npm's session (setsid). It runs in a copy of the package so that its build does not rewrite the dist/
// other tests run from.

interface Proc {
  pid: number;
  ppid: number;
  session: number;
  comm: string;
  /** Clock ticks after boot: with the pid, names one process (pids are reused). */
  started: string;
}

/** Live (not zombie) processes, from /proc. */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' '); // f[0] is field 3 (state) of proc(5)
    if (f[0] === 'Z') continue;
    out.push({
      pid: Number(e),
      ppid: Number(f[1]),
      session: Number(f[3]),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      started: f[19] ?? '',
    });
  }
  return out;
}

/** npm's process, its descendants (the control plane runs in sessions of its own) and its session's. */
function stackOf(npmPid: number): Proc[] {
  const all = processes();
  const found = new Map(all.filter((p) => p.pid === npmPid || p.session === npmPid).map((p) => [p.pid, p]));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all)
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.set(p.pid, p);
        grew = true;
      }
  }
  return [...found.values()];
}

/** Which of these processes still run. */
function stillRunning(procs: readonly Proc[]): Proc[] {
  const now = new Map(processes().map((p) => [p.pid, p]));
  return procs.filter((p) => now.get(p.pid)?.started === p.started);
}

describe('npm start and SIGTERM', () => {
  test("SIGTERM to npm start's pid stops every process it started (the operator, etcd, the API server, …)", async () => {
    await mkdir(TEST_RUNS_DIR, { recursive: true });
    const copy = await mkdtemp(join(TEST_RUNS_DIR, 'npm-start-'));
    for (const f of [
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'src',
      'bin',
      'devstack',
      'bootstrap',
      'crds',
      'examples',
    ])
      await cp(join(PACKAGE_ROOT, f), join(copy, f), {
        recursive: true,
        filter: (s) => !s.endsWith('.test.ts'),
      });
    await symlink(join(PACKAGE_ROOT, 'node_modules'), join(copy, 'node_modules'));
    const dir = join(copy, '.dev');
    // detached: npm leads a session of its own, as under `setsid npm start`
    const npm = spawn('npm', ['start', '--', '--dir', dir], {
      cwd: copy,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (b: Buffer) => (output += b.toString()));
    npm.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const sid = npm.pid!;
    try {
      await eventually(
        '.dev/env to be written',
        async () => {
          if (npm.exitCode !== null)
            throw new Error(`npm start exited (${npm.exitCode}): ${output.slice(-2000)}`);
          return existsSync(join(dir, 'env')) ? true : undefined;
        },
        { timeoutMs: 300_000, intervalMs: 500 },
      );
      const before = stackOf(sid);
      const names = before.map((p) => p.comm);
      for (const name of ['etcd', 'kube-apiserver', 'kube-scheduler', 'kwok'])
        expect({ name, running: names.includes(name) }).toEqual({ name, running: true });
      expect(before.length).toBeGreaterThanOrEqual(6);

      const t0 = Date.now();
      process.kill(sid, 'SIGTERM');
      const left = await eventually(
        'every process of npm start gone',
        async () => (stillRunning(before).length === 0 && stackOf(sid).length === 0 ? [] : undefined),
        { timeoutMs: 30_000, intervalMs: 100 },
      ).catch(() => [...stillRunning(before), ...stackOf(sid)]);
      const seconds = (Date.now() - t0) / 1000;
      process.stderr.write(
        `[npm start] ${before.length} processes (${names.join(', ')}) gone ${seconds.toFixed(1)} s after SIGTERM to npm (pid ${sid})\n`,
      );
      expect(left).toEqual([]);
      expect(output).toMatch(/\[dev\] stopped/);
      expect(existsSync(join(dir, 'env'))).toBe(false);
    } finally {
      for (const p of stillRunning(stackOf(sid))) process.kill(p.pid, 'SIGKILL');
      await rm(copy, { recursive: true, force: true });
    }
  }, 420_000);
});
