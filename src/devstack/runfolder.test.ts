import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from './process.js';
import { RunFolder, cleanStale, cleanStaleUnder } from './runfolder.js';

describe('run folders', () => {
  test('a folder whose owner is gone is stale: its processes are killed (only those naming it) and it is removed', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'runs-'));
    const dir = join(parent, 'run-a');
    const extra = join(parent, 'extra-data');
    await mkdir(dir);
    await mkdir(extra);
    // a component whose command line names the run folder, and an unrelated process that does not
    const component = spawn('bash', ['-c', 'sleep 300; true', dir], { detached: true, stdio: 'ignore' });
    const unrelated = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    try {
      const deadOwner = spawn('true');
      await new Promise((r) => deadOwner.once('exit', r));
      await writeFile(
        join(dir, 'run.json'),
        JSON.stringify({
          owner: { pid: deadOwner.pid, startTime: undefined },
          components: [
            { name: 'c', pid: component.pid },
            { name: 'u', pid: unrelated.pid },
          ],
          extraDirs: [extra],
        }),
      );
      expect(await cleanStaleUnder(parent)).toBe(1);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(extra)).toBe(false);
      const deadline = Date.now() + 5000;
      while (pidAlive(component.pid ?? 0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(pidAlive(component.pid ?? 0)).toBe(false);
      expect(pidAlive(unrelated.pid ?? 0)).toBe(true);
    } finally {
      component.kill('SIGKILL');
      unrelated.kill('SIGKILL');
      await rm(parent, { recursive: true, force: true });
    }
  });

  test('a component that names only the run’s state folder is the run’s too; the state folder stays', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'runs-'));
    const dir = join(parent, 'run');
    const state = join(parent, 'state');
    await mkdir(dir);
    await mkdir(state);
    const component = spawn('bash', ['-c', 'sleep 300; true', state], { detached: true, stdio: 'ignore' });
    try {
      const deadOwner = spawn('true');
      await new Promise((r) => deadOwner.once('exit', r));
      await writeFile(
        join(dir, 'run.json'),
        JSON.stringify({
          owner: { pid: deadOwner.pid, startTime: undefined },
          components: [{ name: 'etcd', pid: component.pid }],
          extraDirs: [],
          stateDir: state,
        }),
      );
      expect(await cleanStale(dir)).toBe(true);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(state)).toBe(true);
      const deadline = Date.now() + 5000;
      while (pidAlive(component.pid ?? 0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(pidAlive(component.pid ?? 0)).toBe(false);
    } finally {
      component.kill('SIGKILL');
      await rm(parent, { recursive: true, force: true });
    }
  });

  test('a live run folder is never taken over', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'run-live-'));
    try {
      await RunFolder.create(dir); // owned by this (live) process
      await expect(cleanStale(dir)).rejects.toThrow(/belongs to a running process/);
      await expect(RunFolder.create(dir)).rejects.toThrow(/stop it first/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a folder without a record is not a run folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'not-run-'));
    try {
      expect(await cleanStale(dir)).toBe(false);
      expect(existsSync(dir)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
