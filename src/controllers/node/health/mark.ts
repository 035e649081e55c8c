import PQueue from 'p-queue';
import { Annotation } from '../../../apis/v1beta1/constants.js';
import {
  NodeSchema,
  NotFoundError,
  Resources,
  TypedResource,
  type KubeClient,
  type Node,
} from '../../../kube/index.js';
import type { Logger } from '../../../log.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { isReady } from './health.js';

/** Nodes whose `was-ready` mark is written at once. */
const CONCURRENCY = 8;

/** Nodes Ready now that carry no `was-ready` mark yet (pure). */
export function unmarkedReady(nodes: readonly DeepReadonly<Node>[]): DeepReadonly<Node>[] {
  return nodes.filter(
    (n) =>
      !n.metadata.deletionTimestamp &&
      isReady(n) &&
      n.metadata.annotations?.[Annotation.wasReady] === undefined,
  );
}

/**
 * Writes `nodepool.alicloud.dev/was-ready: <now>` on each admitted Node seen Ready for the first time: one
 * merge patch per Node in its life (a pool at rest writes nothing). Gone Nodes are skipped. Returns how many
 * were marked.
 */
export async function markWasReady(
  client: KubeClient,
  nodes: readonly DeepReadonly<Node>[],
  now: number,
  log: Logger,
): Promise<number> {
  const todo = unmarkedReady(nodes);
  if (todo.length === 0) return 0;
  const api = new TypedResource(client, Resources.nodes, NodeSchema);
  const at = new Date(now).toISOString();
  let marked = 0;
  await new PQueue({ concurrency: CONCURRENCY }).addAll(
    todo.map((n) => async () => {
      try {
        await api.mergePatch(n.metadata.name, { metadata: { annotations: { [Annotation.wasReady]: at } } });
        marked++;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }),
  );
  log.debug({ action: 'mark-was-ready', nodes: marked }, 'nodes seen Ready for the first time');
  return marked;
}
