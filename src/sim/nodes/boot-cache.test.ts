import { describe, expect, test } from '@jest/globals';
import { BootCache, instantiate, templatize, type BootShape, type ScriptOutcome } from './boot-cache.js';

const meta = (n: number, zoneId = 'cn-hangzhou-h') => ({
  instanceId: `i-bp1${n}abc`,
  privateIp: `10.0.0.${n}`,
  regionId: 'cn-hangzhou',
  zoneId,
  instanceType: 'ecs.g7.xlarge',
});
const shape = (n: number, zoneId?: string): BootShape => ({
  script: 'c2NyaXB0',
  metadata: meta(n, zoneId),
  disks: [{ name: '/dev/vda', system: true }],
  installed: { kubelet: '1.34.4' },
  http: {},
});

/** What a well-behaved script configures for an instance: everything instance-specific copied from metadata. */
function script(m: ReturnType<typeof meta>, extra: Record<string, string> = {}): ScriptOutcome {
  return {
    config: {
      mode: 'Managed',
      nodeName: `pre${m.privateIp}`,
      providerId: `${m.regionId}.${m.instanceId}`,
      nodeIp: m.privateIp,
      labels: { 'topology.kubernetes.io/zone': m.zoneId, dns: '10.0.0.10', ...extra },
      taints: [],
      server: 'https://127.0.0.1:6443',
      caPem: 'PEM',
      bootstrapToken: 'abcdef.0123456789abcdef',
      lastStep: 'user-data',
      result: 'done',
      kubelet: {},
    },
    joinArgs: [],
    log: `step node-identity: done in ${Math.round(Math.random() * 100)} ms (${m.instanceId})`,
  };
}

describe('boot templates', () => {
  test('per-instance values become placeholders only as whole values (10.0.0.1 is not inside 10.0.0.10)', () => {
    const m = { instanceId: 'i-bp11abc', privateIp: '10.0.0.1' };
    const t = templatize('pre10.0.0.1 dns=10.0.0.10 cn-hangzhou.i-bp11abc i-bp11abcd', m);
    expect(instantiate(t, { instanceId: 'i-X', privateIp: '192.168.1.7' })).toBe(
      'pre192.168.1.7 dns=10.0.0.10 cn-hangzhou.i-X i-bp11abcd',
    );
  });
});

describe('BootCache', () => {
  test('the second instance verifies the template; from the third on the script does not run, and the result is what it would have written', async () => {
    const cache = new BootCache();
    let runs = 0;
    const boot = (n: number) =>
      cache.outcome(shape(n), () => {
        runs++;
        return Promise.resolve(script(meta(n)));
      });
    await boot(1);
    await boot(2);
    expect(cache.stats).toMatchObject({ runs: 2, verified: 1, hits: 0 });
    const third = await boot(3);
    expect(runs).toBe(2);
    expect(cache.stats.hits).toBe(1);
    expect(third.config).toEqual(script(meta(3)).config);
    expect(third.log).toMatch(/\(i-bp13abc\)$/);
  });

  test('a script whose output does not follow its metadata (a random value) is never replayed', async () => {
    const cache = new BootCache();
    let runs = 0;
    for (let n = 1; n <= 4; n++) {
      await cache.outcome(shape(n), () => {
        runs++;
        return Promise.resolve(script(meta(n), { nonce: String(Math.random()) }));
      });
    }
    expect(runs).toBe(4);
    expect(cache.stats).toMatchObject({ uncacheable: 1, verified: 0, hits: 0 });
  });

  test('another zone is another script run (placement is part of the key); failures are replayed too', async () => {
    const cache = new BootCache();
    const failing = (n: number): ScriptOutcome => ({
      error: { message: 'the bootstrap failed at step data-disk (exit 3)', lastStep: 'data-disk' },
      joinArgs: [],
      log: `${meta(n).instanceId} failed`,
    });
    for (let n = 1; n <= 3; n++) await cache.outcome(shape(n), () => Promise.resolve(failing(n)));
    expect(cache.stats).toMatchObject({ runs: 2, hits: 1 });
    let ran = false;
    await cache.outcome(shape(4, 'cn-hangzhou-i'), () => {
      ran = true;
      return Promise.resolve(failing(4));
    });
    expect(ran).toBe(true);
    const replay = await cache.outcome(shape(5), () => Promise.reject(new Error('must not run')));
    expect(replay).toEqual(failing(5));
  });
});
