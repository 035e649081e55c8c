import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { log } from './support.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'nodepool-operator.js');
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ log, timeScale: 50 });
});
afterAll(async () => {
  await sim.stop();
});

function run(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('ALIBABA_CLOUD_')),
  );
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...clean, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

it('`cloud check` tries the settings of .dev/env read-only and reports each call', async () => {
  const vpc = sim.world.regions[0]!.vpcs[0]!.vpcId;
  const ok = await run(['cloud', 'check', '--vpc-id', vpc, '--cluster-id', 'c-cli'], sim.env());
  expect(ok.out).toMatch(/^ok {4}instance types: \d+ in the catalogue/m);
  expect(ok.out).toMatch(new RegExp(`^ok {4}vSwitches of ${vpc}: vsw-`, 'm'));
  expect(ok.out).toMatch(/^ok {4}scaling groups tagged nodepool.alicloud.dev\/cluster=c-cli: none/m);
  expect(ok.code).toBe(0);

  const bad = await run(['cloud', 'check'], {
    ...sim.env(),
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret-0001',
  });
  expect(bad.code).toBe(1);
  expect(bad.out).toMatch(
    /^FAIL {2}instance types: AuthFailed: DescribeInstanceTypes: SignatureDoesNotMatch/m,
  );
  expect(bad.out).not.toContain('not-the-secret-0001');

  const none = await run(['cloud', 'check'], {});
  expect(none.code).toBe(2);
  expect(none.out).toMatch(/no cloud configured/);
});
