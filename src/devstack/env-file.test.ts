import { describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.js';
import { EnvFile } from './env-file.js';
import { shellQuote } from '../util/shell.js';

describe('EnvFile', () => {
  test('a shell that sources it gets back every value exactly, however odd', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'envfile-'));
    try {
      const values = {
        PLAIN: '/usr/local/bin/kubectl',
        SPACES: '/path with spaces/kube config',
        QUOTES: `it's "quoted" $HOME \`x\``,
        EMPTY: '',
      };
      const f = new EnvFile(join(dir, 'env'));
      for (const [k, v] of Object.entries(values)) f.set(k, v, `the ${k} one`);
      await f.write();
      expect((await stat(f.path)).mode & 0o777).toBe(0o600);
      const script = `. '${f.path}'; ${Object.keys(values)
        .map((k) => `printf '%s\\0' "$${k}"`)
        .join('; ')}`;
      const res = await run('bash', ['-c', script], { env: { PATH: process.env.PATH } });
      expect(res.code).toBe(0);
      expect(res.stdout.split('\0').slice(0, -1)).toEqual(Object.values(values));
      await f.remove();
      await expect(stat(f.path)).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('rejects a name that is not a shell variable', () => {
    expect(() => new EnvFile('/x').set('not-valid', 'v')).toThrow(/invalid environment variable name/);
  });

  test('plain values stay unquoted', () => {
    expect(shellQuote('https://127.0.0.1:6443')).toBe('https://127.0.0.1:6443');
    expect(shellQuote('a b')).toBe(`'a b'`);
  });
});
