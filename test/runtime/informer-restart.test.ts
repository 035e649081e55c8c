import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { DevStack, cachedBinaries } from '../../src/devstack/index.js';
import { ConfigMapSchema, GoneError, KubeClient, Resources, TypedResource, loadKubeConfig, type ConfigMap, type ListOptions, type ResourceRef } from '../../src/kube/index.js'; // prettier-ignore
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
  // ListFromCacheSnapshot off: later pages of a list are read from etcd (as before Kubernetes 1.34, and whenever
  // the API server's cache has no snapshot), so compacting etcd expires a continue token for real.
  stack = await DevStack.start({ runDir: await mkdtemp(join(TEST_RUNS_DIR, 'informer-restart-')), binaries, kwok: false, apiserverArgs: ['--feature-gates=ListFromCacheSnapshot=false'] }); // prettier-ignore
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

/**
 * The real client, plus one real event at a chosen moment: right after the first page of a list is served, a
 * write moves etcd past the list's revision and history is compacted up to it, so the continue token the
 * informer holds has expired when it asks for page 2. Nothing is faked: the 410 comes from the API server.
 */
class CompactingAfterFirstPage extends KubeClient {
  armed = true;
  gone = 0;
  constructor(
    kubeconfig: string,
    private readonly beforePage2: () => Promise<void>,
  ) {
    super(loadKubeConfig({ kubeconfig }));
  }
  override async list(ref: ResourceRef, opts: ListOptions = {}, signal?: AbortSignal): Promise<unknown> {
    try {
      const page = await super.list(ref, opts, signal);
      if (this.armed && opts.continue === undefined) {
        this.armed = false;
        await this.beforePage2();
      }
      return page;
    } catch (err) {
      if (err instanceof GoneError) this.gone++;
      throw err;
    }
  }
}

test('an expired continue token in the middle of a paged list (410 Gone) leads to a fresh list, not a stuck informer', async () => {
  const cns = 'continue';
  const cms = new TypedResource(client, Resources.configMaps, ConfigMapSchema);
  await new TypedResource(client, Resources.namespaces, ConfigMapSchema).create({ metadata: { name: cns } });
  for (let i = 0; i < 7; i++)
    await cms.create(
      { metadata: { name: `c${i}`, namespace: cns, labels: { t: 'c' } }, data: { v: '1' } },
      cns,
    );
  const paging = new CompactingAfterFirstPage(stack.kubeconfig, async () => {
    await cms.mergePatch('c0', { data: { v: '2' } }, { namespace: cns });
    const { header } = await etcd('kv/range', { key: b64('/registry/'), limit: 1 });
    await etcd('kv/compaction', { revision: header?.revision, physical: true });
  });
  const inf = new Informer<ConfigMap>({
    client: paging,
    ref: Resources.configMaps,
    schema: ConfigMapSchema,
    namespace: cns,
    labelSelector: 't=c',
    pageSize: 2, // seven objects: four pages
    logger: pino({ level: 'silent' }),
    backoff: { initialMs: 200, maxMs: 1000 },
  }).start();
  try {
    await eventually('the informer to sync', async () => (inf.hasSynced() ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 }).catch((err: unknown) => { throw new Error(`${String(err)}; informer stats ${JSON.stringify(inf.stats)}, 410s ${paging.gone}`); }); // prettier-ignore
    expect({ gone: paging.gone, relistsAfterGone: inf.stats.relistsAfterGone, lists: inf.stats.lists }).toEqual({ gone: 1, relistsAfterGone: 1, lists: 1 }); // prettier-ignore
    expect(inf.stats.listPages).toBeGreaterThanOrEqual(5); // one page of the expired list + four of the fresh one
    expect(inf.keys().sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `${cns}/c${i}`));
    expect(inf.get(`${cns}/c0`)?.data?.v).toBe('2');
    // and it watches on from the fresh list
    await cms.create({ metadata: { name: 'c7', namespace: cns, labels: { t: 'c' } } }, cns);
    await eventually('the watch to deliver c7', async () => (inf.get(`${cns}/c7`) ? true : undefined), { intervalMs: 100 }); // prettier-ignore
  } finally {
    await inf.stop();
    await paging.close();
  }
}, 120_000);
