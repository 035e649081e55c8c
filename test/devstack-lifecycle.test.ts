import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DevStack, DevstackError, cachedBinaries, cleanStale, type Binaries } from '../src/devstack/index.js';
import { pidAlive } from '../src/devstack/process.js';
import { readRecord } from '../src/devstack/runfolder.js';
import { TEST_RUNS_DIR } from './support/access.js';
import { eventually } from './support/kube.js';

function binaries(): Binaries {
  const b = cachedBinaries();
  if (!b) throw new Error('the control-plane binaries are not built (the global setup builds them)');
  return b;
}

async function runDir(name: string): Promise<string> {
  await mkdir(TEST_RUNS_DIR, { recursive: true });
  return mkdtemp(join(TEST_RUNS_DIR, `${name}-`));
}

async function allDead(pids: number[]): Promise<true | undefined> {
  return pids.every((p) => !pidAlive(p)) ? true : undefined;
}

describe('devstack lifecycle', () => {
  test('stop() leaves no component process running', async () => {
    const dir = await runDir('stop');
    const stack = await DevStack.start({ runDir: dir, binaries: binaries() });
    const pids = Object.values(stack.pids());
    expect(Object.keys(stack.pids()).sort()).toEqual(
      ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'].sort(),
    );
    expect(pids.every(pidAlive)).toBe(true);
    await stack.stop({ removeRunDir: true });
    // stop() resolves only after every process has exited: no polling needed
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  test('when the owning process is killed (SIGKILL), its components die with it and the stale run folder is cleaned', async () => {
    const dir = await runDir('killed');
    const script = fileURLToPath(new URL('./fixtures/start-devstack.mjs', import.meta.url));
    const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout });
      rl.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the devstack child exited early (${String(code)})`)));
    });
    const { pids } = JSON.parse(line) as { pids: Record<string, number> };
    const all = Object.values(pids);
    expect(all.length).toBe(5);
    expect(all.every(pidAlive)).toBe(true);
    const record = await readRecord(dir);
    const shmDirs = record?.extraDirs ?? [];

    child.kill('SIGKILL');
    await eventually('every component to die with its owner', () => allDead(all), { timeoutMs: 15_000 });
    expect(existsSync(dir)).toBe(true); // left behind by the killed run...
    expect(await cleanStale(dir)).toBe(true); // ...and recognised as stale
    expect(existsSync(dir)).toBe(false);
    for (const d of shmDirs) expect(existsSync(d)).toBe(false);
  });

  test('a port that is taken is named in the error, and nothing is started', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const dir = await runDir('port');
    try {
      const err = await DevStack.start({
        runDir: dir,
        binaries: binaries(),
        ports: { apiserver: port },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DevstackError);
      expect((err as DevstackError).message).toContain(`port ${port}`);
      expect((err as DevstackError).message).toContain('apiserver');
      expect((await readRecord(dir))?.components ?? []).toEqual([]);
    } finally {
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a component that fails to start is named with its log, and what was started is stopped', async () => {
    const real = binaries();
    const fakeDir = await runDir('fakebin');
    const fake = join(fakeDir, 'kube-apiserver');
    await writeFile(
      fake,
      '#!/bin/sh\necho "E1122 fake apiserver: cannot load the serving certificate" >&2\nexit 3\n',
    );
    await chmod(fake, 0o755);
    await copyFile(real.kwokStages, join(fakeDir, 'kwok-stages.yaml'));
    const dir = await runDir('fail');
    try {
      const err = await DevStack.start({
        runDir: dir,
        binaries: { ...real, bin: { ...real.bin, 'kube-apiserver': fake } },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DevstackError);
      const e = err as DevstackError;
      expect(e.details.component).toBe('kube-apiserver');
      expect(e.message).toMatch(/kube-apiserver exited before it was ready.*exit code 3/);
      expect(e.details.logPath).toBe(join(dir, 'logs', 'kube-apiserver.log'));
      expect(await readFile(e.details.logPath ?? '', 'utf8')).toContain(
        'cannot load the serving certificate',
      );
      expect(e.describe()).toContain('cannot load the serving certificate');
      const record = await readRecord(dir);
      const started = (record?.components ?? []).map((c) => c.pid);
      expect(started.length).toBe(2); // etcd, then the failing apiserver
      expect(started.filter(pidAlive)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(fakeDir, { recursive: true, force: true });
    }
  });
});
