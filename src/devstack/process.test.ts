import { describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevstackError } from './errors.js';
import { Component, pidAlive } from './process.js';

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'component-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('Component', () => {
  test('stop() ends the process and everything it forked', () =>
    withDir(async (dir) => {
      // a shell that forks a grandchild: both must go with the process group
      const c = new Component({
        name: 'forker',
        command: 'bash',
        args: ['-c', 'sleep 300 & echo "child $!"; wait'],
        logPath: join(dir, 'log'),
      });
      await c.start();
      let grandchild = 0;
      await c.waitUntil(
        async () => {
          const m = /child (\d+)/.exec(await readFile(join(dir, 'log'), 'utf8'));
          grandchild = Number(m?.[1] ?? 0);
          return grandchild > 0;
        },
        'forked',
        10_000,
      );
      const pid = c.pid ?? 0;
      expect(pidAlive(pid)).toBe(true);
      expect(pidAlive(grandchild)).toBe(true);
      await c.stop();
      expect(pidAlive(pid)).toBe(false);
      expect(c.running).toBe(false);
      // the grandchild got SIGTERM with its group; it is reaped by init, so poll briefly
      const deadline = Date.now() + 5000;
      while (pidAlive(grandchild) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(pidAlive(grandchild)).toBe(false);
    }));

  test('waitUntil fails fast, with the exit status and the log tail, when the process exits', () =>
    withDir(async (dir) => {
      const c = new Component({
        name: 'broken',
        command: 'bash',
        args: ['-c', 'echo "fatal: no config" >&2; exit 7'],
        logPath: join(dir, 'broken.log'),
      });
      await c.start();
      const started = Date.now();
      const err = await c.waitUntil(async () => false, 'ready', 60_000).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(err).toBeInstanceOf(DevstackError);
      const e = err as DevstackError;
      expect(e.message).toBe('broken exited before it was ready (exit code 7)');
      expect(e.details.logPath).toBe(join(dir, 'broken.log'));
      expect(e.details.logTail).toContain('fatal: no config');
      await c.stop();
    }));

  test('a missing executable is a clear error', () =>
    withDir(async (dir) => {
      const c = new Component({
        name: 'ghost',
        command: join(dir, 'does-not-exist'),
        args: [],
        logPath: join(dir, 'ghost.log'),
      });
      const err = await c
        .start()
        .then(() => c.waitUntil(async () => false, 'ready', 10_000))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DevstackError);
      expect((err as DevstackError).message).toMatch(
        /ghost (could not be started|exited before it was ready)/,
      );
      await c.stop();
    }));

  test('unexpectedExit reports a crash but not a requested stop', () =>
    withDir(async (dir) => {
      const crasher = new Component({
        name: 'crasher',
        command: 'bash',
        args: ['-c', 'exit 2'],
        logPath: join(dir, 'c.log'),
      });
      await crasher.start();
      const e = await crasher.unexpectedExit();
      expect(e.message).toBe('crasher exited unexpectedly (exit code 2)');

      const stopped = new Component({
        name: 'stopped',
        command: 'sleep',
        args: ['300'],
        logPath: join(dir, 's.log'),
      });
      await stopped.start();
      let reported = false;
      void stopped.unexpectedExit().then(() => (reported = true));
      await stopped.stop();
      await new Promise((r) => setImmediate(r));
      expect(reported).toBe(false);
    }));
});
