import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/devstack/exec.js';
import { pidAlive } from '../src/devstack/process.js';
import { readRecord } from '../src/devstack/runfolder.js';
import { TEST_RUNS_DIR } from './support/access.js';
import { eventually } from './support/kube.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'nodepool-operator.js');

/** A `node` on PATH that is not the project's bundled Node 24 (the machine's own, e.g. Node 20), if any. */
async function systemNode(): Promise<{ path: string; version: string } | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.includes('node_modules')) continue;
    const candidate = join(dir, 'node');
    if (!existsSync(candidate)) continue;
    const v = await run(candidate, ['--version']);
    if (v.code === 0) return { path: candidate, version: v.stdout.trim() };
  }
  return undefined;
}

describe('the nodepool-operator command', () => {
  test('--help works, and under an older Node the launcher re-executes with the bundled Node 24', async () => {
    const direct = await run(process.execPath, [BIN, '--help']);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toContain('Usage: nodepool-operator');
    expect(direct.stdout).toMatch(/\bdev\b/);

    const old = await systemNode();
    if (old && Number(old.version.slice(1).split('.')[0]) < 22) {
      const viaOld = await run(old.path, [BIN, '--help']);
      expect(viaOld.stderr).toBe('');
      expect(viaOld.code).toBe(0);
      expect(viaOld.stdout).toBe(direct.stdout);
      const version = await run(old.path, [BIN, '--version']);
      expect(version.stdout.trim()).toBe(
        (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
      );
    }
  });

  test('dev writes .dev/env, the env works with kubectl, and SIGTERM stops everything and removes it', async () => {
    await mkdir(TEST_RUNS_DIR, { recursive: true });
    const dir = await mkdtemp(join(TEST_RUNS_DIR, 'dev-'));
    const child = spawn(process.execPath, [BIN, 'dev', '--dir', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const envFile = join(dir, 'env');
      // the env file is written, then the ready message: wait for both (stderr arrives through a pipe)
      await eventually(
        '.dev/env to be written and the ready message',
        async () =>
          existsSync(envFile) && /source \S*env; \$KUBECTL get nodes/.test(stderr) ? true : undefined,
        { timeoutMs: 90_000 },
      );
      expect(stderr).toMatch(/ready in [\d.]+ s: Kubernetes v1\.34\.\d+ at https:\/\/127\.0\.0\.1:\d+/);
      expect(stderr).toMatch(/source \S*env; \$KUBECTL get nodes/);
      // what a user does: source the file, use $KUBECTL
      const res = await run('bash', [
        '-c',
        `source '${envFile}' && "$KUBECTL" get --raw /version && "$KUBECTL" get ns default -o name && ` +
          `"$KUBECTL" apply --dry-run=server -o name -f '${join(ROOT, 'examples', 'nodepool-manual.yaml')}'`,
      ]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/"gitVersion": "v1\.34\.\d+"/);
      expect(res.stdout).toContain('namespace/default');
      // npm start installed the CRDs before it said ready: a pool is admitted
      expect(res.stdout).toMatch(/^nodepool\.nodepool\.alicloud\.dev\/\S+$/m);
      const env = await readFile(envFile, 'utf8');
      expect(env).toMatch(/^export KUBECONFIG=\//m);
      expect(env).toMatch(/^export KUBECTL=\/.*\/kubectl$/m);
      // the Alibaba Cloud simulator's settings, for the real SDK
      for (const name of [
        'ALIBABA_CLOUD_ACCESS_KEY_ID',
        'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
        'ALIBABA_CLOUD_REGION_ID',
        'ALIBABA_CLOUD_ECS_ENDPOINT',
        'ALIBABA_CLOUD_ESS_ENDPOINT',
        'ALIBABA_CLOUD_VPC_ENDPOINT',
        'ALIBABA_CLOUD_STS_ENDPOINT',
        'ALIBABA_CLOUD_PROTOCOL',
        'SIM_ADMIN_URL',
      ]) {
        // prettier-ignore
        expect(env).toMatch(new RegExp(`^export ${name}=\\S+$`, 'm'));
      }
      expect(env).toMatch(/^export ALIBABA_CLOUD_ECS_ENDPOINT=127\.0\.0\.1:\d+$/m);

      const pids = ((await readRecord(join(dir, 'run')))?.components ?? []).map((c) => c.pid);
      expect(pids.length).toBe(5);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(pids.filter(pidAlive)).toEqual([]);
      expect(existsSync(envFile)).toBe(false);
      expect(stderr).toContain('[dev] stopped');
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
