import PQueue from 'p-queue';
import type { Node } from '../../../kube/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { isAdmitted } from '../../node/admission/admit.js';
import { desiredMetadataOf, syncNodeMetadata } from '../../node/labels-taints/index.js';
import type { PoolDeps, PoolReconcile } from '../context.js';
import { instanceIdOf } from '../observe.js';
import { admitNode } from './admit.js';

/** Nodes whose finalizer, labels and taints a reconcile brings in step at once. */
const NODE_SYNC_CONCURRENCY = 16;

/** Node names admitted-and-synced or found in step this reconcile (the second pass skips them). */
export type Synced = Set<string>;
/** Reported non-admissible Nodes (Node name / why), so each is a Warning once per process. */
const notAdmittedReported = new Set<string>();

const stepKey = (r: PoolReconcile, n: DeepReadonly<Node>): string =>
  `${r.uid}/${r.generation ?? ''}/${n.metadata.resourceVersion ?? ''}`;

async function syncOne(d: PoolDeps, r: PoolReconcile, n: DeepReadonly<Node>, synced: Synced): Promise<void> {
  const desired = desiredMetadataOf(r.pool.spec);
  const res = await syncNodeMetadata(
    { client: d.client, clock: d.clock, logger: r.log, events: d.events },
    n,
    { pool: r.name, poolRef: r.subject, desired },
  );
  if (res.outcome === 'unchanged') d.state.inStep.set(n.metadata.name, stepKey(r, n));
  synced.add(n.metadata.name);
}

/**
 * Labels and taints on the pool's admitted Nodes first: they need nothing from the cloud, so a label change on
 * a big pool does not wait behind the cloud calls (rate-limited, shared by every pool). A Node found in step
 * with this generation of the spec is not planned again until it changes.
 */
export async function syncLabelsFirst(d: PoolDeps, r: PoolReconcile): Promise<Synced> {
  const synced: Synced = new Set();
  const admitted = r.poolNodes.filter((n) => !n.metadata.deletionTimestamp && isAdmitted(n, r.name));
  const todo = admitted.filter((n) => {
    if (d.state.inStep.get(n.metadata.name) !== stepKey(r, n)) return true;
    synced.add(n.metadata.name);
    return false;
  });
  await new PQueue({ concurrency: NODE_SYNC_CONCURRENCY }).addAll(
    todo.map((n) => () => syncOne(d, r, n, synced)),
  );
  d.state.pruneInStep((k) => d.nodes.get(k) !== undefined, d.nodes.size);
  return synced;
}

/**
 * The rest of the pool's Nodes, once the members are known: each not yet admitted is admitted (label and
 * finalizer, if `admission` holds), then given the pool's labels and taints.
 */
export async function admitAndSync(d: PoolDeps, r: PoolReconcile, synced: Synced): Promise<void> {
  const byInstance = new Map(r.instances.map((i) => [i.instanceId, i]));
  const rest = r.poolNodes.filter((n) => !n.metadata.deletionTimestamp && !synced.has(n.metadata.name));
  await new PQueue({ concurrency: NODE_SYNC_CONCURRENCY }).addAll(
    rest.map((n) => async () => {
      let node: DeepReadonly<Node> | undefined = n;
      if (!isAdmitted(n, r.name)) {
        const id = instanceIdOf(n);
        if (!id || !byInstance.has(id)) return; // not (yet) a member: nothing to admit
        node = await admitNode(d, r, n, byInstance, notAdmittedReported);
        if (node) r.admittedNow.add(n.metadata.name);
      }
      if (node) await syncOne(d, r, node, synced);
    }),
  );
  if (notAdmittedReported.size > 4096) notAdmittedReported.clear();
}
