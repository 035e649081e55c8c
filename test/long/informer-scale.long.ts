import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { pino } from 'pino';
import {
  KubeClient,
  NodeSchema,
  PodSchema,
  Resources,
  loadKubeConfig,
  resourcePath,
  type Node,
  type Pod,
} from '../../src/kube/index.js';
import { Informer } from '../../src/runtime/informer.js';
import {
  NODE_BY_POOL,
  PENDING,
  POD_BY_NODE_NAME,
  POD_PENDING,
  nodeIndexers,
  podIndexers,
} from '../../src/runtime/indexes.js';
import { testCluster } from '../support/access.js';
import { eventually, kubectlOk } from '../support/kube.js';
import { nodeNames, pool, seed } from './seed.js';

const NODES = 5_000;
const PODS = 20_000;
const ns = 'scale';
const prefix = 'scale';
let client: KubeClient;
let nodes: Informer<Node>;
let pods: Informer<Pod>;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  client = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().kubeconfig }), { connections: 64 });
  await kubectlOk(['create', 'namespace', ns]);
  await eventually('the default ServiceAccount', async () =>
    (await kubectlOk(['get', 'sa', '-n', ns, '-o', 'name'])).includes('default') ? true : undefined,
  );
  const t0 = Date.now();
  await seed(client, { prefix, namespace: ns, nodes: NODES, pods: PODS });
  process.stderr.write(
    `[scale] seeded ${NODES} nodes + ${PODS} pods in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
});

afterAll(async () => {
  await Promise.all([nodes?.stop(), pods?.stop()]);
  await client.close();
});

/** key → resourceVersion of a fresh list. */
async function fresh(
  ref: typeof Resources.nodes | typeof Resources.pods,
  namespace?: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cont: string | undefined;
  do {
    const page = (await client.list(ref, { namespace, limit: 5000, continue: cont })) as {
      items: { metadata: { name: string; namespace?: string; resourceVersion: string } }[];
      metadata: { continue?: string };
    };
    for (const i of page.items)
      out.set(
        i.metadata.namespace ? `${i.metadata.namespace}/${i.metadata.name}` : i.metadata.name,
        i.metadata.resourceVersion,
      );
    cont = page.metadata.continue || undefined;
  } while (cont);
  return out;
}

function cacheRVs<T extends { metadata: { name: string; resourceVersion?: string | undefined } }>(
  inf: Informer<T>,
): Map<string, string> {
  return new Map(inf.keys().map((k) => [k, inf.get(k)!.metadata.resourceVersion ?? '']));
}

function sameMap(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

test(`an informer over ${NODES} Nodes and ${PODS} Pods syncs, then stays in sync through a burst of updates`, async () => {
  const t0 = Date.now();
  nodes = new Informer<Node>({
    client,
    ref: Resources.nodes,
    schema: NodeSchema,
    logger: log,
    labelSelector: 'nodepool.alicloud.dev/pool',
    indexers: nodeIndexers(),
  }).start();
  pods = new Informer<Pod>({
    client,
    ref: Resources.pods,
    schema: PodSchema,
    namespace: ns,
    logger: log,
    indexers: podIndexers(),
  }).start();
  await Promise.all([nodes.waitForSync(), pods.waitForSync()]);
  process.stderr.write(`[scale] informers synced in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  expect(nodes.size).toBe(NODES);
  expect(pods.size).toBe(PODS);
  expect(pods.byIndex(POD_PENDING, PENDING).length).toBe(PODS / 20);

  // the burst: relabel 1,000 nodes (moving pools), patch 4,000 pods, delete 1,000 pods, create 1,000
  const names = nodeNames(prefix, NODES);
  const t1 = Date.now();
  await Promise.all([
    pool(names.slice(0, 1000), 24, (n) =>
      client.request({
        method: 'PATCH',
        path: resourcePath(Resources.nodes, { name: n }),
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels: { 'nodepool.alicloud.dev/pool': 'moved' } } },
      }),
    ),
    pool(
      Array.from({ length: 4000 }, (_, i) => i + 2000),
      24,
      (i) =>
        client.request({
          method: 'PATCH',
          path: resourcePath(Resources.pods, { namespace: ns, name: `${prefix}-pod-${i}` }),
          contentType: 'application/merge-patch+json',
          body: { metadata: { labels: { burst: 'yes' } } },
        }),
    ),
    pool(
      Array.from({ length: 1000 }, (_, i) => i + 10_000),
      24,
      (i) =>
        client.request({
          method: 'DELETE',
          path: resourcePath(Resources.pods, { namespace: ns, name: `${prefix}-pod-${i}` }),
          body: { gracePeriodSeconds: 0 },
        }),
    ),
    pool(
      Array.from({ length: 1000 }, (_, i) => i),
      24,
      (i) =>
        client.request({
          method: 'POST',
          path: resourcePath(Resources.pods, { namespace: ns }),
          body: {
            metadata: { name: `${prefix}-late-${i}` },
            spec: { nodeName: names[i], containers: [{ name: 'c', image: 'registry.example/app:1' }] },
          },
        }),
    ),
  ]);
  process.stderr.write(`[scale] burst of 7,000 writes in ${((Date.now() - t1) / 1000).toFixed(1)} s\n`);

  await eventually(
    'the caches to equal fresh lists (every key, every resourceVersion)',
    async () => {
      const [n, p] = [await fresh(Resources.nodes), await fresh(Resources.pods, ns)];
      for (const k of [...n.keys()]) if (!k.startsWith(`${prefix}-node-`)) n.delete(k);
      return sameMap(cacheRVs(nodes), n) && sameMap(cacheRVs(pods), p) ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  );
  expect(nodes.byIndex(NODE_BY_POOL, 'moved').length).toBe(1000);
  expect(pods.list().filter((x) => x.metadata.labels?.burst === 'yes').length).toBeGreaterThanOrEqual(3000);
  // the pods-by-node index agrees with the cache
  const byNode = new Map<string, number>();
  for (const p of pods.list())
    if (p.spec?.nodeName) byNode.set(p.spec.nodeName, (byNode.get(p.spec.nodeName) ?? 0) + 1);
  for (const n of names.slice(0, 50))
    expect(pods.byIndex(POD_BY_NODE_NAME, n).length).toBe(byNode.get(n) ?? 0);
  expect(nodes.stats.errors).toBe(0);
});
