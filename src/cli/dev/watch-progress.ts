import { GROUP, KINDS, VERSION } from '../../apis/v1beta1/constants.js';
import { POOL_LABEL } from '../../bootstrap/labels.js';
import { crd, NodeSchema, Resources, type KubeClient, type Node } from '../../kube/index.js';
import type { Logger } from '../../log.js';
import { Informer } from '../../runtime/informer.js';
import {
  PoolStatusView,
  formatProgress,
  poolView,
  progressDone,
  unknownPool,
  type ProgressState,
} from './progress.js';

const NODE_POOLS = crd(GROUP, VERSION, KINDS.NodePool.plural, KINDS.NodePool.kind, false);

const isReady = (n: Node): boolean =>
  n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * Follows one NodePool and its Nodes (label `nodepool.alicloud.dev/pool`) with two informers and calls
 * `onLine` with `formatProgress` whenever the line changes. Resolves true when the pool is done (Active, its
 * desired Nodes Ready), false when `signal` aborts first.
 */
export async function watchPoolProgress(opts: {
  client: KubeClient;
  logger: Logger;
  pool: string;
  onLine: (line: string, state: ProgressState) => void;
  signal: AbortSignal;
}): Promise<boolean> {
  const pools = new Informer({
    client: opts.client,
    ref: NODE_POOLS,
    schema: PoolStatusView,
    logger: opts.logger,
    fieldSelector: `metadata.name=${opts.pool}`,
  });
  const nodes = new Informer({
    client: opts.client,
    ref: Resources.nodes,
    schema: NodeSchema,
    logger: opts.logger,
    labelSelector: `${POOL_LABEL}=${opts.pool}`,
  });
  let last: string | undefined;
  let finish: (done: boolean) => void = () => undefined;
  const finished = new Promise<boolean>((resolve) => (finish = resolve));
  const show = (): void => {
    if (!pools.hasSynced() || !nodes.hasSynced()) return;
    const obj = pools.list()[0];
    const state: ProgressState = {
      pool: obj ? poolView(obj) : unknownPool(opts.pool),
      nodes: nodes.list().map((n) => ({ name: n.metadata.name, ready: isReady(n) })),
    };
    const line = formatProgress(state);
    if (line !== last) {
      last = line;
      opts.onLine(line, state);
    }
    if (progressDone(state)) finish(true);
  };
  const handler = { add: show, update: show, delete: show };
  pools.addEventHandler(handler);
  nodes.addEventHandler(handler);
  const onAbort = (): void => finish(false);
  opts.signal.addEventListener('abort', onAbort, { once: true });
  if (opts.signal.aborted) finish(false);
  pools.start();
  nodes.start();
  try {
    await Promise.all([pools.waitForSync(opts.signal), nodes.waitForSync(opts.signal)]);
    show();
    return await finished;
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await Promise.all([pools.stop(), nodes.stop()]);
  }
}
