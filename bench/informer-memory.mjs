// Child process of the memory benchmark: informers over every Node and the Pods of one namespace; prints the
// process's memory once they have synced. `trim` = the operator's schemas (keep only used fields), `full` = keep
// whole objects.
import { pino } from 'pino';
import {
  AnyObjectSchema,
  KubeClient,
  NodeSchema,
  PodSchema,
  Resources,
  loadKubeConfig,
} from '../dist/kube/index.js';
import { Informer } from '../dist/runtime/informer.js';
import { nodeIndexers, podIndexers } from '../dist/runtime/indexes.js';
import { trimPod } from '../dist/controllers/pods/index.js';

const [kubeconfig, namespace, mode] = process.argv.slice(2);
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const log = pino({ level: 'silent' });
const trim = mode !== 'full';
const t0 = performance.now();
const nodes = new Informer({
  client,
  ref: Resources.nodes,
  schema: trim ? NodeSchema : AnyObjectSchema,
  logger: log,
  indexers: trim ? nodeIndexers() : {},
}).start();
const pods = new Informer({
  client,
  ref: Resources.pods,
  schema: trim ? PodSchema : AnyObjectSchema,
  ...(trim ? { transform: trimPod } : {}),
  namespace,
  logger: log,
  indexers: trim ? podIndexers() : {},
}).start();
await Promise.all([nodes.waitForSync(), pods.waitForSync()]);
const syncSeconds = (performance.now() - t0) / 1000;
for (let i = 0; i < 3; i++) globalThis.gc?.();
const m = process.memoryUsage();
const mb = (b) => Math.round(b / 1048576);
console.log(
  JSON.stringify({
    mode,
    nodes: nodes.size,
    pods: pods.size,
    syncSeconds: +syncSeconds.toFixed(1),
    rssMB: mb(m.rss),
    heapUsedMB: mb(m.heapUsed),
  }),
);
await Promise.all([nodes.stop(), pods.stop()]);
await client.close();
