import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { DevStack, cachedBinaries } from '../../src/devstack/index.js';
import { ConfigMapSchema, KubeClient, Resources, TypedResource, loadKubeConfig, type ConfigMap } from '../../src/kube/index.js'; // prettier-ignore
import { Informer } from '../../src/runtime/informer.js';
import { TEST_RUNS_DIR } from '../support/access.js';
import { eventually } from '../support/kube.js';

// This file stops and restarts an API server, so it runs its own control plane (never the shared one).
let stack: DevStack;
let client: KubeClient;
let informer: Informer<ConfigMap> | undefined;
const ns = 'restart';

/** etcd's JSON gateway: what a test does to the store while the API server is down. */
async function etcd(path: string, body: object): Promise<{ header?: { revision?: string } }> {
  const res = await fetch(`http://127.0.0.1:${stack.ports.etcd}/v3/${path}`, { method: 'POST', body: JSON.stringify(body) }); // prettier-ignore
  if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { header?: { revision?: string } };
}
const b64 = (s: string): string => Buffer.from(s).toString('base64');
/** The informer's keys but the CA bundle the controller manager publishes into every namespace, when it does. */
const ours = (): string[] => (informer?.keys() ?? []).filter((k) => k !== `${ns}/kube-root-ca.crt`).sort();

beforeAll(async () => {
  const binaries = cachedBinaries();
  if (!binaries) throw new Error('the control-plane binaries are not built (the global setup builds them)');
  await mkdir(TEST_RUNS_DIR, { recursive: true });
  stack = await DevStack.start({ runDir: await mkdtemp(join(TEST_RUNS_DIR, 'informer-restart-')), binaries, kwok: false }); // prettier-ignore
  client = new KubeClient(loadKubeConfig({ kubeconfig: stack.kubeconfig }));
}, 120_000);

afterAll(async () => {
  await informer?.stop();
  await client?.close();
  await stack?.stop({ removeRunDir: true });
});

test('an informer survives the API server being stopped and restarted: 410 → relist, and the cache converges', async () => {
  const cms = new TypedResource(client, Resources.configMaps, ConfigMapSchema);
  await new TypedResource(client, Resources.namespaces, ConfigMapSchema).create({ metadata: { name: ns } });
  for (const n of ['a', 'b', 'c'])
    await cms.create({ metadata: { name: n, namespace: ns }, data: { v: '1' } }, ns);
  const deleted: string[] = [];
  informer = new Informer<ConfigMap>({
    client,
    ref: Resources.configMaps,
    schema: ConfigMapSchema,
    namespace: ns,
    logger: pino({ level: 'silent' }),
    backoff: { initialMs: 200, maxMs: 1000 },
  }).start();
  informer.addEventHandler({ delete: (o) => deleted.push(o.metadata.name) });
  await informer.waitForSync();
  expect(ours()).toEqual(['restart/a', 'restart/b', 'restart/c']);
  const listsBefore = informer.stats.lists;

  await stack.stopApiserver();
  // While the API server is down: b is deleted behind its back and history is compacted, so the informer's
  // resourceVersion is gone when it comes back — only a relist can learn that b disappeared.
  await etcd('kv/deleterange', { key: b64(`/registry/configmaps/${ns}/b`) });
  const { header } = await etcd('kv/range', { key: b64('/registry/'), limit: 1 });
  await etcd('kv/compaction', { revision: header?.revision, physical: true });
  await eventually('the informer to notice the outage', async () => (informer!.stats.errors > 0 ? true : undefined), { intervalMs: 100 }).catch((err: unknown) => { throw new Error(`${String(err)}; informer stats ${JSON.stringify(informer!.stats)}`); }); // prettier-ignore

  await stack.startApiserver();
  await cms.create({ metadata: { name: 'd', namespace: ns }, data: { v: '1' } }, ns);
  await cms.mergePatch('a', { data: { v: '2' } }, { namespace: ns });

  await eventually(
    'the cache to converge',
    async () =>
      ours().join() === 'restart/a,restart/c,restart/d' && informer!.get('restart/a')?.data?.v === '2' ? true : undefined, // prettier-ignore
    { timeoutMs: 90_000, intervalMs: 100 },
  );
  const seen = { ...informer.stats, deleted };
  expect(seen).toMatchObject({ deleted: ['b'] });
  expect(seen.relistsAfterGone).toBeGreaterThanOrEqual(1);
  expect(seen.lists).toBeGreaterThan(listsBefore);
}, 240_000);
