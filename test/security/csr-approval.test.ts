import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { tlsBootstrap } from '../../src/sim/nodes/tls-bootstrap.js';
import { testCluster } from '../support/access.js';
import { getJson, kubectl, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from '../nodepool/harness.js';
import { activeWith } from '../nodepool/poll.js';

// Issue 17, finding 2: a pool's bootstrap token (in its user data) used to buy a client certificate for
// `system:node:<any name>` — the chart bound all of system:bootstrappers to automatic approval. Now the pool
// token is in `system:bootstrappers:nodepool:<pool>`, nothing approves it automatically, and the operator's
// CSR approver approves a client certificate only for a member instance of that pool that has no Node yet.
let h: Harness;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-csr', operatorJoin: true });
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await h.stop();
});

interface CsrJson {
  metadata: { name: string };
  spec: { username: string; groups: string[] };
  status?: { certificate?: string; conditions?: { type: string; reason?: string; message?: string }[] };
}
interface SecretJson {
  metadata: { name: string };
  data: Record<string, string>;
}
const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

test("a pool's node joins through the operator's approver; the pool's token gets no certificate for an existing node's name", async () => {
  const name = uniqueName('np-csr');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 1 } }));
  cleanup.push(() => kubectl(['delete', 'nodepool', name, '--wait=false', '--ignore-not-found']));
  const { nodes } = await activeWith(name, 1, { timeoutMs: 150_000 });
  const node = nodes[0]!.metadata.name;

  // the pool's token
  const secrets = await getJson<{ items: SecretJson[] }>([
    'secrets',
    '-n',
    'kube-system',
    '-l',
    `nodepool.alicloud.dev/pool=${name}`,
  ]);
  expect(secrets.items).toHaveLength(1);
  const data = secrets.items[0]!.data;
  const token = `${b64(data['token-id']!)}.${b64(data['token-secret']!)}`;

  // with that token, a CSR for the existing node's name is denied, and never signed
  const caPem = await readFile(testCluster().caFile, 'utf8');
  const err = await tlsBootstrap({
    server: testCluster().server,
    caPem,
    token,
    nodeName: node,
    timeoutMs: 60_000,
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(/the CSR was denied: .*a Node named .* exists already/);
  const mine = (await getJson<{ items: CsrJson[] }>(['csr'])).items.filter(
    (c) => c.spec.username === `system:bootstrap:${b64(data['token-id']!)}`,
  );
  const forExisting = mine.filter((c) => (c.status?.conditions ?? []).some((x) => x.type === 'Denied'));
  expect(forExisting).toHaveLength(1);
  expect(forExisting[0]!.status?.certificate).toBeUndefined();
  expect(forExisting[0]!.status?.conditions?.some((x) => x.type === 'Approved')).toBe(false);
  // the token is in its pool's own group (not kubeadm's, which kubeadm clusters approve automatically)
  expect(b64(data['auth-extra-groups']!)).toBe(`system:bootstrappers:nodepool:${name}`);
  // the node's CSR was approved by the operator, naming its instance
  const csrs = (await getJson<{ items: CsrJson[] }>(['csr'])).items.filter(
    (c) => c.spec.username === `system:bootstrap:${b64(data['token-id']!)}`,
  );
  const approved = csrs.flatMap((c) => c.status?.conditions ?? []).filter((c) => c.type === 'Approved');
  expect(approved).toHaveLength(1);
  expect(approved[0]).toMatchObject({
    reason: 'NodePoolMember',
    message: expect.stringMatching(
      /approved by alicloud-nodepool-operator: instance i-\w+ \(10\.[\d.]+\) of pool np-csr/,
    ),
  });
}, 240_000);
