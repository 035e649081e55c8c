import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { validateObject, type NodePool } from '../../src/apis/v1beta1/index.js';
import { caCertHash } from '../../src/bootstrap/ca-hash.js';
import { bootstrapInputFromPool } from '../../src/bootstrap/from-pool.js';
import { renderUserData } from '../../src/bootstrap/render.js';
import {
  ClusterJoinError,
  newClusterJoinProvider,
  poolGroup,
  type ClusterJoinProvider,
} from '../../src/controllers/join/index.js';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.js';
import { createLogger } from '../../src/log.js';
import { systemClock, type Clock } from '../../src/runtime/clock.js';
import { FakeClock } from '../../src/runtime/fake-clock.js';
import { bootInstance } from '../../src/sim/nodes/index.js';
import { ensureCrds } from '../api/support/crds.js';
import { testCluster } from '../support/access.js';
import { eventually, getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOUR = 3600_000;
const logger = createLogger({ level: 'silent' });

interface SecretJson {
  type: string;
  metadata: {
    name: string;
    labels?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
  };
  data: Record<string, string>;
}

let client: KubeClient;
const pools: string[] = [];
const nodes: string[] = [];

beforeAll(async () => {
  await ensureCrds();
  client = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().kubeconfig }));
});

afterAll(async () => {
  for (const n of nodes) await kubectl(['delete', 'node', n, '--wait=false']);
  // the pools' token Secrets go with them (ownerReferences)
  for (const p of pools) await kubectl(['delete', 'nodepool', p, '--wait=false']);
  await client.close();
});

/** A Managed NodePool from the manual example, created in the API server; the validated object with its uid. */
async function createPool(): Promise<{ pool: NodePool; uid: string }> {
  const name = uniqueName('join');
  const obj = parse(await readFile(join(ROOT, 'examples', 'nodepool-manual.yaml'), 'utf8')) as {
    metadata: { name: string };
  };
  obj.metadata.name = name;
  await kubectlOk(['apply', '-f', '-'], { input: stringify(obj) });
  pools.push(name);
  const live = await getJson<{ metadata: { uid: string } }>(['nodepool', name]);
  const v = validateObject(obj);
  if (!v.ok || v.kind !== 'NodePool') throw new Error(`the example is not a valid NodePool`);
  return { pool: v.value, uid: live.metadata.uid };
}

function provider(
  clock: Clock = systemClock,
  settings: { clusterId: string | undefined } = { clusterId: 'c-join' },
): ClusterJoinProvider {
  return newClusterJoinProvider({
    client,
    clock,
    logger,
    settings: { ...settings, apiserverEndpoint: undefined },
  });
}

async function poolSecrets(pool: string): Promise<SecretJson[]> {
  const list = await getJson<{ items: SecretJson[] }>([
    'secrets',
    '-n',
    'kube-system',
    '-l',
    `nodepool.alicloud.dev/pool=${pool}`,
  ]);
  return list.items;
}

const decoded = (s: SecretJson): Record<string, string> =>
  Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

describe('ClusterJoinProvider against the API server', () => {
  test('forPool creates one bootstrap token Secret with the fields the authenticator reads, owned by the pool, and the cluster facts', async () => {
    const { pool, uid } = await createPool();
    const name = pool.metadata.name;
    const before = Date.now();
    const p = provider();
    // concurrent callers share one resolution: one Secret
    const joins = await Promise.all([1, 2, 3, 4].map(() => p.forPool(name, uid)));
    const j = joins[0]!;
    expect(new Set(joins.map((x) => x.token)).size).toBe(1);
    expect(j.token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(j.clusterId).toBe('c-join');
    expect(j.apiServer).toBe(testCluster().server);
    expect(j.caCertHash).toBe(caCertHash(await readFile(testCluster().caFile)));
    const version = JSON.parse(await kubectlOk(['version', '-o', 'json'])) as {
      serverVersion: { gitVersion: string };
    };
    expect(j.kubernetesVersion).toBe(version.serverVersion.gitVersion.replace(/[+-].*$/, ''));

    const secrets = await poolSecrets(name);
    expect(secrets.length).toBe(1);
    const s = secrets[0]!;
    const [id, secret] = j.token.split('.');
    expect(s.type).toBe('bootstrap.kubernetes.io/token');
    expect(s.metadata.name).toBe(`bootstrap-token-${id}`);
    expect(s.metadata.ownerReferences).toEqual([
      { apiVersion: 'nodepool.alicloud.dev/v1beta1', kind: 'NodePool', name, uid },
    ]);
    const data = decoded(s);
    expect(data).toMatchObject({
      'token-id': id,
      'token-secret': secret,
      'usage-bootstrap-authentication': 'true',
      // the pool's own group: not kubeadm's, which kubeadm clusters approve automatically for any node name
      'auth-extra-groups': poolGroup(name),
    });
    expect(data.description).toContain(name);
    const expires = Date.parse(data.expiration ?? '');
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 4 * HOUR);
    expect(expires).toBeLessThanOrEqual(Date.now() + 4 * HOUR);

    // asked again: the same token, no new Secret
    expect((await p.forPool(name, uid)).token).toBe(j.token);
    expect((await poolSecrets(name)).length).toBe(1);
  });

  test('a node booting with the user data rendered from the pool and the provider’s ClusterJoin asks for its certificate as the pool token; nothing but an approver approves it (the operator’s, test/security/csr-approval.test.ts), then it joins', async () => {
    const { pool, uid } = await createPool();
    const j = await provider().forPool(pool.metadata.name, uid);
    const input = bootstrapInputFromPool(pool, j);
    const ip = `10.78.${randomInt(0, 255)}.${randomInt(1, 254)}`;
    const instanceId = `i-${randomBytes(8).toString('hex')}`;
    const booting = bootInstance(
      {
        metadata: { instanceId, regionId: 'cn-hangzhou', zoneId: 'cn-hangzhou-h', privateIp: ip, instanceType: 'ecs.g7.xlarge' }, // prettier-ignore
        userDataBase64: renderUserData(input).base64,
        resources: { cpu: 4, memoryMiB: 16384 },
      },
      { apiServer: testCluster().server },
    );
    interface Csr {
      metadata: { name: string };
      spec: { username: string; groups: string[] };
      status?: { conditions?: { type: string; reason?: string }[] };
    }
    const username = `system:bootstrap:${j.token.split('.')[0] ?? ''}`;
    const pending = await eventually('the node’s CSR', async () => {
      const csrs = await getJson<{ items: Csr[] }>(['csr']);
      return csrs.items.find((c) => c.spec.username === username);
    });
    expect(pending.spec.groups).toContain(poolGroup(pool.metadata.name));
    // approved by hand here (what the operator's approver does after checking the pool's instances)
    await kubectlOk(['certificate', 'approve', pending.metadata.name]);
    const booted = await booting;
    nodes.push(booted.nodeName);
    const approved = await getJson<Csr>(['csr', pending.metadata.name]);
    // the controller manager did not approve it on its own (it would add reason AutoApproved)
    expect(approved.status?.conditions?.map((c) => c.reason)).toEqual(['KubectlApprove']);
    const node = await getJson<{
      metadata: { labels: Record<string, string> };
      spec: { providerID?: string };
    }>(['node', booted.nodeName]);
    expect(node.metadata.labels['nodepool.alicloud.dev/pool']).toBe(pool.metadata.name);
    expect(node.spec.providerID).toBe(`cn-hangzhou.${instanceId}`);
    await kubectl(['delete', 'csr', pending.metadata.name, '--wait=false']);
  });

  test('rotation: with 2 h or less left (of 4 h) a new token is made and the old one is kept; a restarted provider reuses the newest', async () => {
    const { pool, uid } = await createPool();
    const name = pool.metadata.name;
    const clock = new FakeClock(Date.now());
    const p = provider(clock);
    const first = (await p.forPool(name, uid)).token;
    clock.advance(1.5 * HOUR);
    expect((await p.forPool(name, uid)).token).toBe(first); // 2.5 h left: reused
    clock.advance(0.5 * HOUR);
    const second = (await p.forPool(name, uid)).token; // 2 h left: replaced
    expect(second).not.toBe(first);
    const ids = (await poolSecrets(name)).map((s) => decoded(s)['token-id']).sort();
    expect(ids).toEqual([first.split('.')[0], second.split('.')[0]].sort());

    // a new process (no memory) at the same time reuses the newest Secret rather than making a third
    const restarted = provider(clock);
    expect((await restarted.forPool(name, uid)).token).toBe(second);
    // and one at the real time, too (both tokens are valid: the newer lasts longer)
    expect((await provider().forPool(name, uid)).token).toBe(second);
    expect((await poolSecrets(name)).length).toBe(2);
  });

  test('a token an earlier version made (kubeadm’s auto-approved group) is not reused but replaced, and deleted', async () => {
    const { pool, uid } = await createPool();
    const name = pool.metadata.name;
    const id = randomBytes(3).toString('hex');
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'bootstrap.kubernetes.io/token',
        metadata: {
          name: `bootstrap-token-${id}`,
          namespace: 'kube-system',
          labels: { 'nodepool.alicloud.dev/pool': name },
          ownerReferences: [{ apiVersion: 'nodepool.alicloud.dev/v1beta1', kind: 'NodePool', name, uid }],
        },
        stringData: {
          'token-id': id,
          'token-secret': randomBytes(8).toString('hex'),
          expiration: new Date(Date.now() + 20 * HOUR).toISOString().replace(/\.\d+Z$/, 'Z'),
          'usage-bootstrap-authentication': 'true',
          'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
        },
      }),
    });
    const j = await provider().forPool(name, uid);
    expect(j.token.split('.')[0]).not.toBe(id);
    expect((await poolSecrets(name)).map((s) => decoded(s)['token-id'])).toEqual([j.token.split('.')[0]]);
  });

  test('a token Secret deleted behind the provider’s back is replaced once its memory is rechecked', async () => {
    const { pool, uid } = await createPool();
    const name = pool.metadata.name;
    const clock = new FakeClock(Date.now());
    const p = provider(clock);
    const first = (await p.forPool(name, uid)).token;
    await kubectlOk([
      'delete',
      'secret',
      `bootstrap-token-${first.split('.')[0] ?? ''}`,
      '-n',
      'kube-system',
    ]);
    clock.advance(6 * 60_000); // past the 5 min recheck
    const second = (await p.forPool(name, uid)).token;
    expect(second).not.toBe(first);
    expect((await poolSecrets(name)).map((s) => decoded(s)['token-id'])).toEqual([second.split('.')[0]]);
  });

  test('a ManagedNodePool’s token is owned by the ManagedNodePool (an owner of the wrong kind would be garbage-collected at once)', async () => {
    const name = uniqueName('join-managed');
    const obj = parse(await readFile(join(ROOT, 'examples', 'managednodepool.yaml'), 'utf8')) as {
      metadata: { name: string };
    };
    obj.metadata.name = name;
    await kubectlOk(['apply', '-f', '-'], { input: stringify(obj) });
    try {
      const uid = (await getJson<{ metadata: { uid: string } }>(['managednodepool', name])).metadata.uid;
      await provider().forPool(name, uid);
      const secrets = await poolSecrets(name);
      expect(secrets.map((s) => s.metadata.ownerReferences)).toEqual([
        [{ apiVersion: 'nodepool.alicloud.dev/v1beta1', kind: 'ManagedNodePool', name, uid }],
      ]);
    } finally {
      await kubectl(['delete', 'managednodepool', name, '--wait=false']);
    }
  });

  test('forget deletes the pool’s tokens; deleting the pool garbage-collects them; a wrong uid gets no token', async () => {
    const a = await createPool();
    const p = provider();
    await p.forPool(a.pool.metadata.name, a.uid);
    expect((await poolSecrets(a.pool.metadata.name)).length).toBe(1);
    await p.forget(a.pool.metadata.name);
    expect(await poolSecrets(a.pool.metadata.name)).toEqual([]);

    const b = await createPool();
    await p.forPool(b.pool.metadata.name, b.uid);
    await kubectlOk(['delete', 'nodepool', b.pool.metadata.name, '--wait=false']);
    await eventually(
      'the garbage collector to delete the pool’s token Secret',
      async () => ((await poolSecrets(b.pool.metadata.name)).length === 0 ? true : undefined),
      { timeoutMs: 60_000 },
    );

    const err = await p.forPool(a.pool.metadata.name, 'not-the-uid').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterJoinError);
    expect(await poolSecrets(a.pool.metadata.name)).toEqual([]);
    const noCluster = await provider(systemClock, { clusterId: undefined })
      .forPool(a.pool.metadata.name, a.uid)
      .catch((e: unknown) => e);
    expect((noCluster as Error).message).toMatch(/--cluster-id/);
  });
});
