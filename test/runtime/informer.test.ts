import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { z } from 'zod';
import { ConfigMapSchema, KubeClient, ObjectMetaSchema, Resources, TypedResource, loadKubeConfig, type ConfigMap } from '../../src/kube/index.js'; // prettier-ignore
import { Informer } from '../../src/runtime/informer.js';
import { testCluster } from '../support/access.js';
import { eventually, kubectlOk, uniqueName } from '../support/kube.js';

const ns = uniqueName('rt-inf');
const log = pino({ level: 'silent' });
let client: KubeClient;
let configMaps: TypedResource<typeof ConfigMapSchema>;
const informers: Informer<never>[] = [];

function track<T extends { metadata: { name: string } }>(i: Informer<T>): Informer<T> {
  informers.push(i as unknown as Informer<never>);
  return i.start();
}

beforeAll(async () => {
  client = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().kubeconfig }));
  configMaps = new TypedResource(client, Resources.configMaps, ConfigMapSchema);
  await kubectlOk(['create', 'namespace', ns]);
});

afterAll(async () => {
  await Promise.all(informers.map((i) => i.stop()));
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
  await client.close();
});

const cm = (name: string, group: string, data: Record<string, string> = {}): unknown => ({
  metadata: { name, namespace: ns, labels: { group } },
  data,
});

describe('Informer', () => {
  test('lists in pages, syncs, then delivers add / update (with the old object) / delete and keeps its indexes', async () => {
    for (let i = 0; i < 7; i++) await configMaps.create(cm(`pre-${i}`, i % 2 ? 'odd' : 'even'), ns);
    const events: string[] = [];
    const inf = track(
      new Informer<ConfigMap>({
        client,
        ref: Resources.configMaps,
        schema: ConfigMapSchema,
        namespace: ns,
        logger: log,
        labelSelector: 'group', // not the namespace's kube-root-ca.crt
        pageSize: 3, // seven objects: three pages
        indexers: { group: (o) => (o.metadata.labels?.group ? [o.metadata.labels.group] : []) },
      }),
    );
    expect(await inf.waitForSync()).toBe(true);
    expect(inf.hasSynced()).toBe(true);
    expect(inf.size).toBe(7);
    expect(inf.stats.listPages).toBeGreaterThanOrEqual(3); // more objects than one page: all of them, in pages
    expect(
      inf
        .byIndex('group', 'odd')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['pre-1', 'pre-3', 'pre-5']);
    inf.addEventHandler({
      add: (o) => events.push(`add ${o.metadata.name}`),
      update: (o, n) => events.push(`update ${n.metadata.name} ${o.data?.v ?? '-'}→${n.data?.v ?? '-'}`),
      delete: (o) => events.push(`delete ${o.metadata.name}`),
    });
    expect(events.length).toBe(7); // existing objects replayed as adds
    events.length = 0;
    await configMaps.create(cm('x', 'odd', { v: '1' }), ns);
    await configMaps.mergePatch('x', { data: { v: '2' }, metadata: { labels: { group: 'even' } } }, { namespace: ns }); // prettier-ignore
    await configMaps.delete('pre-0', { namespace: ns });
    await eventually('the three events', async () => (events.length >= 3 ? true : undefined), {
      intervalMs: 50,
    });
    expect(events).toEqual(['add x', 'update x 1→2', 'delete pre-0']);
    expect(inf.byIndex('group', 'even').map((o) => o.metadata.name).sort()).toEqual(['pre-2', 'pre-4', 'pre-6', 'x']); // prettier-ignore
    expect(inf.byIndex('group', 'odd').map((o) => o.metadata.name)).not.toContain('x');
    expect(inf.get(`${ns}/x`)?.data).toEqual({ v: '2' });
  });

  test('the schema trims what the cache keeps', async () => {
    const Slim = z.object({ metadata: ObjectMetaSchema.pick({ name: true, namespace: true, resourceVersion: true }) }); // prettier-ignore
    await configMaps.create(cm('big', 'trim', { payload: 'x'.repeat(10_000) }), ns);
    const inf = track(
      new Informer({ client, ref: Resources.configMaps, schema: Slim, namespace: ns, logger: log }),
    );
    await inf.waitForSync();
    const big = inf.get(`${ns}/big`) as Record<string, unknown> | undefined;
    expect(big).toBeDefined();
    expect(Object.keys(big!)).toEqual(['metadata']);
    expect(Object.keys(big!.metadata as object).sort()).toEqual(['name', 'namespace', 'resourceVersion']);
  });

  test('a resync replays every object as an update; a silent watch is restarted by the watchdog and keeps working', async () => {
    const quiet = uniqueName('rt-inf-quiet');
    await kubectlOk(['create', 'namespace', quiet]);
    try {
      const labels = { 'rt-test': 'quiet' };
      await configMaps.create({ metadata: { name: 'only', namespace: quiet, labels } }, quiet);
      const updates: string[] = [];
      const inf = track(
        new Informer<ConfigMap>({ client, ref: Resources.configMaps, schema: ConfigMapSchema, namespace: quiet, labelSelector: 'rt-test=quiet', logger: log, resyncPeriodMs: 300, staleAfterMs: 1000 }), // prettier-ignore
      );
      inf.addEventHandler({ update: (o, n) => updates.push(`${o.metadata.name}=${n.metadata.name}`) });
      await inf.waitForSync();
      await eventually('two resyncs', async () => (updates.length >= 2 ? true : undefined), {
        intervalMs: 50,
      });
      expect(new Set(updates)).toEqual(new Set(['only=only']));
      await eventually('a watchdog restart', async () => (inf.stats.staleRestarts >= 1 ? true : undefined), { intervalMs: 100 }); // prettier-ignore
      await configMaps.create({ metadata: { name: 'later', namespace: quiet, labels } }, quiet);
      await eventually('the new object after the restart', async () => inf.get(`${quiet}/later`), { intervalMs: 50 }); // prettier-ignore
      expect(inf.stats.errors).toBe(0);
    } finally {
      await kubectlOk(['delete', 'namespace', quiet, '--wait=false']);
    }
  });
});
