import { describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries } from './build.js';
import { DevstackError } from './errors.js';

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'build-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('ensureBinaries failures', () => {
  test('without Go, the error says Go is needed and what to do', () =>
    withDir(async (dir) => {
      const lines: string[] = [];
      const err = await ensureBinaries({
        root: join(dir, 'cache'),
        env: { PATH: dir, HOME: dir },
        report: (l) => lines.push(l),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DevstackError);
      expect((err as DevstackError).message).toMatch(/Go is not installed/);
      expect((err as DevstackError).details.hint).toMatch(/install Go 1\.26/);
    }));

  test('an unreachable module proxy is named as such, with the build log', () =>
    withDir(async (dir) => {
      const lines: string[] = [];
      const err = await ensureBinaries({
        root: join(dir, 'cache'),
        report: (l) => lines.push(l),
        env: {
          ...process.env,
          GOPROXY: 'http://127.0.0.1:9', // nothing listens on the discard port: connection refused
          GOSUMDB: 'off',
          GOMODCACHE: join(dir, 'modcache'),
          GOCACHE: join(dir, 'gocache'),
        },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DevstackError);
      const e = err as DevstackError;
      expect(e.message).toBe(
        'building kubernetes failed: the Go module proxy could not be reached (GOPROXY=http://127.0.0.1:9)',
      );
      expect(e.details.logPath).toBe(join(dir, 'cache', 'build-kubernetes.log'));
      expect(e.details.logTail).toMatch(/127\.0\.0\.1:9/);
      expect(lines.some((l) => l.startsWith('building kube-apiserver'))).toBe(true);
    }));
});
