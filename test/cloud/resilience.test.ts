import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthFailedError,
  InvalidConfigurationError,
  NoStockError,
  TransientError,
  type RunInstancesSpec,
} from '../../src/cloud/index.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { cloudFor, groupSpec, launchSpec, log, world } from './support.js';
import { eventually } from '../support/kube.js';
import { ensureScalingGroup } from '../../src/controllers/nodepool/scalinggroup/ensure.js';

const OTHER = {
  accessKeyId: 'LTAI5tRotatedKey0002',
  accessKeySecret: 'rotatedSecretForTheSecondKeyPair0002',
};
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({
    log,
    timeScale: 200,
    credentials: [
      { accessKeyId: 'LTAI5tSimDevAccessKey01', accessKeySecret: 'simDevAccessKeySecretForLocalUse0001' },
      OTHER,
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'cloud-test-'));
});
afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

function run(over: Partial<RunInstancesSpec> = {}): RunInstancesSpec {
  return {
    ...launchSpec(sim),
    instanceType: 'ecs.g7.large',
    vSwitchId: world(sim).vSwitchIds[1]!,
    amount: 1,
    chargeType: 'PostPaid',
    ...over,
  };
}

const launchedWithTag = (key: string, value: string): number =>
  [...sim.cloud.instances.values()].filter((i) => i.tags.some((t) => t.key === key && t.value === value))
    .length;

describe('retries and idempotency', () => {
  it('a throttling storm: calls slow down to the configured rate, all succeed, no duplicate instance', async () => {
    const cloud = cloudFor(
      sim,
      { cloudActionQps: { RunInstances: 10 }, cloudBurst: 5 },
      { initialBackoffMs: 250, maxBackoffMs: 20_000 },
    );
    sim.faults.throttle('RunInstances', 4);
    try {
      const started = Date.now();
      const ops = Array.from({ length: 20 }, (_, i) =>
        cloud.provider.runInstances(run({ tags: { storm: 's1' } }), { operationId: `op-storm-${i}` }),
      );
      const ids = (await Promise.all(ops)).flat();
      const seconds = (Date.now() - started) / 1000;
      expect(new Set(ids).size).toBe(20);
      expect(launchedWithTag('storm', 's1')).toBe(20);
      expect(await cloud.retries('RunInstances')).toBeGreaterThan(0);
      // The action's rate came down from the configured 10/s towards the cloud's 4/s.
      expect(cloud.pipeline.currentRate('RunInstances')).toBeLessThan(10);
      // 20 calls at the cloud's 4 per second (a burst of 4 first) cannot finish faster than 4 s.
      expect(seconds).toBeGreaterThanOrEqual(3.5);
    } finally {
      sim.faults.throttle('RunInstances', undefined);
    }
  });

  it('a lost answer after the write took effect: the retry replays it (same ClientToken), one instance', async () => {
    const cloud = cloudFor(sim);
    const rule = sim.addFault({ action: 'RunInstances', code: 'ServiceUnavailable', after: true, count: 1 });
    const ids = await cloud.provider.runInstances(run({ tags: { lost: 'l1' } }), {
      operationId: 'op-lost-1',
    });
    expect(rule.fired).toBe(1);
    expect(await cloud.attempts('RunInstances')).toBe(2);
    expect(ids).toHaveLength(1);
    expect(launchedWithTag('lost', 'l1')).toBe(1);
  });

  it('a dropped connection after the write, then an operator crash: the new process retries the operation and gets the same instance', async () => {
    const before = cloudFor(sim, {}, { maxAttempts: 1 });
    sim.addFault({ action: 'RunInstances', reset: true, after: true, count: 1 });
    const err = await before.provider
      .runInstances(run({ tags: { crash: 'c1' } }), { operationId: 'op-crash-1' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(launchedWithTag('crash', 'c1')).toBe(1);
    // "Restart": a new client, the operation id read back from where the caller persisted it.
    const after = cloudFor(sim);
    const ids = await after.provider.runInstances(run({ tags: { crash: 'c1' } }), {
      operationId: 'op-crash-1',
    });
    expect(launchedWithTag('crash', 'c1')).toBe(1);
    expect(sim.cloud.instances.get(ids[0]!)?.tags).toContainEqual({ key: 'crash', value: 'c1' });
    // A different operation with the same parameters is a new instance, not a mismatch error.
    await after.provider.runInstances(run({ tags: { crash: 'c1' } }), { operationId: 'op-crash-2' });
    expect(launchedWithTag('crash', 'c1')).toBe(2);
  });

  it('5xx and network errors are retried; 4xx client errors are not', async () => {
    const cloud = cloudFor(sim);
    sim.addFault({ action: 'DescribeScalingGroups', code: 'InternalError', count: 2 });
    sim.addFault({ action: 'DescribeScalingGroups', reset: true, count: 1 });
    await cloud.provider.listClusterScalingGroups('c-test');
    expect(await cloud.attempts('DescribeScalingGroups')).toBe(4);
    expect(await cloud.retries('DescribeScalingGroups')).toBe(3);

    const bad = await cloud.provider
      .runInstances(run({ imageId: 'm-doesnotexist' }), { operationId: 'op-badimg' })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidConfigurationError);
    expect((bad as InvalidConfigurationError).cloudMessage).toMatch(/m-doesnotexist/);
    expect(await cloud.attempts('RunInstances')).toBe(1);
  });
});

describe('typed errors', () => {
  it('NoStock names the type and the zone and keeps the cloud message and RequestId', async () => {
    const cloud = cloudFor(sim);
    const w = world(sim);
    sim.setStock({ zoneId: w.zones[2]!, instanceType: 'ecs.c7.xlarge', onDemand: 0 });
    const err = await cloud.provider
      .runInstances(run({ instanceType: 'ecs.c7.xlarge', vSwitchId: w.vSwitchIds[2]! }), {
        operationId: 'op-nostock',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoStockError);
    const e = err as NoStockError;
    expect(e.instanceType).toBe('ecs.c7.xlarge');
    expect(e.code).toBe('OperationDenied.NoStock');
    expect(e.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(e.message).toContain('ecs.c7.xlarge');
  });

  it('a scale-out that fails for stock shows in the scaling activities with its error code', async () => {
    const cloud = cloudFor(sim);
    const w = world(sim);
    for (const z of w.zones) sim.setStock({ zoneId: z, instanceType: 'ecs.r7.4xlarge', onDemand: 0 });
    const r = await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'nostock-1', { desiredCapacity: 1 }),
      launch: launchSpec(sim, { instanceTypes: ['ecs.r7.4xlarge'] }),
      operationId: 'op-nostock-group',
    });
    const failed = await eventually('a failed activity', async () =>
      (await cloud.provider.scalingActivities(r.group.id)).find((a) => a.status === 'Failed'),
    );
    expect(failed.errorCode).toBe('OperationDenied.NoStock');
    expect(failed.statusMessage + (failed.errorMessage ?? '')).toMatch(/r7\.4xlarge|stock/i);
  });

  it('wrong credentials fail fast as AuthFailed, without retries, and never show the secret', async () => {
    const cloud = cloudFor(sim, {
      accessKeyId: 'LTAI5tSimDevAccessKey01',
      accessKeySecret: 'wrong-secret-value-123',
    });
    const err = await cloud.provider.listClusterScalingGroups('c-test').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthFailedError);
    expect((err as AuthFailedError).code).toBe('SignatureDoesNotMatch');
    expect(await cloud.attempts('DescribeScalingGroups')).toBe(1);
    expect(JSON.stringify(err) + String(err)).not.toContain('wrong-secret-value-123');
    const metrics = await cloud.registry.metrics();
    expect(metrics).not.toContain('wrong-secret-value-123');

    const unknown = cloudFor(sim, { accessKeyId: 'LTAI5tNoSuchKey', accessKeySecret: 'x'.repeat(30) });
    const err2 = await unknown.provider.listClusterScalingGroups('c-test').catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(AuthFailedError);
    expect((err2 as AuthFailedError).code).toBe('InvalidAccessKeyId.NotFound');
  });
});

describe('credentials', () => {
  it('a credentials file rotated on disk is picked up without a restart', async () => {
    const file = join(dir, 'credentials.json');
    const write = async (c: object): Promise<void> => {
      // As the kubelet updates a mounted Secret: write aside, then swap.
      await writeFile(`${file}.tmp`, JSON.stringify(c));
      await rename(`${file}.tmp`, file);
    };
    await write(sim.credentials);
    const cloud = cloudFor(sim, {
      accessKeyId: undefined,
      accessKeySecret: undefined,
      credentialsFile: file,
    });
    await cloud.provider.listClusterScalingGroups('c-test');

    await write({ accessKeyId: OTHER.accessKeyId, accessKeySecret: 'revoked-secret-value-0000' });
    await eventually('the bad pair in use', async () =>
      (await cloud.provider.listClusterScalingGroups('c-test').then(
        () => undefined,
        (e: unknown) => e,
      )) instanceof AuthFailedError
        ? true
        : undefined,
    );
    await write(OTHER);
    await eventually('the rotated pair in use', async () =>
      cloud.provider.listClusterScalingGroups('c-test').then(
        () => true,
        () => undefined,
      ),
    );

    await writeFile(file, '{"accessKeyId": ""}');
    const bad = await eventually('the broken file reported', async () => {
      const e = await cloud.provider.listClusterScalingGroups('c-test').then(
        () => undefined,
        (x: unknown) => x,
      );
      return e instanceof AuthFailedError ? e : undefined;
    });
    expect(bad.message).toMatch(
      /credentials\.json is invalid: accessKeyId: must not be empty; accessKeySecret/,
    );
  });

  it('RRSA: the OIDC token is exchanged for STS credentials through AssumeRoleWithOIDC', async () => {
    const tokenFile = join(dir, 'oidc-token');
    await writeFile(
      tokenFile,
      sim.oidc.sign({ sub: 'system:serviceaccount:kube-system:alicloud-nodepool-operator' }),
    );
    const cloud = cloudFor(sim, {
      accessKeyId: undefined,
      accessKeySecret: undefined,
      roleArn: 'acs:ram::1234567890123456:role/nodepool-operator',
      oidcProviderArn: sim.oidc.provider.arn,
      oidcTokenFile: tokenFile,
    });
    await cloud.provider.listClusterScalingGroups('c-test');
    expect(await cloud.attempts('AssumeRoleWithOIDC')).toBe(1);
    await cloud.provider.listClusterScalingGroups('c-test');
    expect(await cloud.attempts('AssumeRoleWithOIDC')).toBe(1);
  });
});

describe('pagination', () => {
  it('lists all 2,500 instances of a large pool in at most 25 DescribeInstances calls', async () => {
    const cloud = cloudFor(sim);
    const r = await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'big-1', { desiredCapacity: 2000, maxSize: 2000 }),
      launch: launchSpec(sim, { instanceTypes: ['ecs.g7.large', 'ecs.c7.large', 'ecs.r7.large'] }),
      operationId: 'op-big-1',
    });
    const ids = await cloud.provider.runInstances(
      run({ amount: 100, tags: { 'nodepool.alicloud.dev/pool': 'big-1' } }),
      { operationId: 'op-big-extra-1' },
    );
    const more: string[] = [];
    for (let i = 2; i <= 5; i++)
      more.push(
        ...(await cloud.provider.runInstances(
          run({ amount: 100, tags: { 'nodepool.alicloud.dev/pool': 'big-1' } }),
          { operationId: `op-big-extra-${i}` },
        )),
      );
    expect(ids.length + more.length).toBe(500);
    await eventually(
      '2,000 members',
      async () =>
        (await cloud.provider.ess.describeScalingInstances(r.group.id)).length === 2000 ? true : undefined,
      { timeoutMs: 120_000 },
    );
    const before = await cloud.attempts('DescribeInstances');
    const all = await cloud.provider.findInstancesByTags({ 'nodepool.alicloud.dev/pool': 'big-1' });
    expect(all).toHaveLength(2500);
    expect(new Set(all.map((i) => i.instanceId)).size).toBe(2500);
    expect((await cloud.attempts('DescribeInstances')) - before).toBeLessThanOrEqual(25);

    const beforeJoin = await cloud.attempts('DescribeInstances');
    const members = await cloud.provider.listPoolInstances(r.group.id);
    expect(members).toHaveLength(2000);
    expect(members.every((m) => m.zoneId !== '' && m.status !== undefined)).toBe(true);
    expect((await cloud.attempts('DescribeInstances')) - beforeJoin).toBe(20);
  }, 180_000);
});
