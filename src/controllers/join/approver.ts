import { POOL_LABEL } from '../../bootstrap/labels.js';
import type { CloudProvider } from '../../cloud/provider.js';
import { NodeSchema, Resources, type Node } from '../../kube/index.js';
import { Controller, type ReconcileContext, type ReconcileResult } from '../../runtime/controller.js';
import type { Clock } from '../../runtime/clock.js';
import type { ControllerDeps } from '../deps.js';
import { PoolObjectSchema } from '../nodepool/context.js';
import { POOL_KINDS } from '../nodepool/kinds.js';
import { classify, decide } from './approval.js';
import { CSRS, CsrSchema, csrFacts, decided, VerdictWriter, type Csr } from './csr-object.js';
import { FactReader } from './facts.js';
import { PoolMemberCache } from './members.js';

export const CSR_APPROVER_CONTROLLER = 'csr-approver';
/** How soon a request whose name no member has yet is looked at again. */
const WAIT_REQUEUE_MS = 5_000;

/** One CSR: classify (pure), read the facts, decide (pure), write the verdict. */
export async function reconcileCsr(
  csr: Csr | undefined,
  ctx: ReconcileContext,
  d: { reader: FactReader; writer: VerdictWriter; clock: Clock },
): Promise<ReconcileResult> {
  if (!csr || decided(csr)) return {};
  const c = classify(csrFacts(csr));
  if (c.kind === 'ignore') return {};
  if (c.kind === 'deny') {
    await d.writer.write(csr, c, ctx.log);
    return {};
  }
  const created = Date.parse(csr.metadata.creationTimestamp ?? '');
  const ageMs = Number.isNaN(created) ? 0 : Math.max(0, d.clock.now() - created);
  const verdict = decide(c, await d.reader.read(c, ageMs));
  if (verdict.kind === 'ignore') return {};
  if (verdict.kind === 'wait') {
    ctx.log.debug(
      { csr: ctx.key, node: c.nodeName, reason: verdict.message },
      'waiting for the instance to be listed',
    );
    return { requeueAfter: WAIT_REQUEUE_MS };
  }
  await d.writer.write(csr, verdict, ctx.log, c);
  return {};
}

/** The informers the approver reads: the NodePool controllers' pools and pool Nodes, and every Node. */
function approverInformers(deps: ControllerDeps) {
  const selector = deps.settings.poolSelector ? { labelSelector: deps.settings.poolSelector } : {};
  return {
    pools: {
      NodePool: deps.informers.informer(POOL_KINDS.NodePool.ref, PoolObjectSchema, selector),
      ManagedNodePool: deps.informers.informer(POOL_KINDS.ManagedNodePool.ref, PoolObjectSchema, selector),
    },
    // the NodePool controller's Node informer (same key: one watch), with an index by providerID
    poolNodes: deps.informers.informer(Resources.nodes, NodeSchema, {
      labelSelector: POOL_LABEL,
      indexers: { providerID: (n: Node) => (n.spec?.providerID ? [n.spec.providerID] : []) },
    }),
    // every Node (the provisioning controller's): a claimed name is refused whenever any Node has it
    allNodes: deps.informers.informer(Resources.nodes, NodeSchema),
  };
}

/**
 * The CSR approver: approves kubelet client certificates requested with a pool's bootstrap token only for a
 * member instance of that pool without a Node, and kubelet serving certificates only for the node's own
 * instance; denies what such a token asks beyond that (approval.ts). Pools and Nodes are read from the
 * informer caches, a pool's members from a cache of a few seconds (members.ts), so a scale-out's CSRs cost
 * no API reads and about one member read per pool. Needs `update` on `certificatesigningrequests/approval`
 * and `approve` on the two kubelet signers (the chart grants exactly that); the controller manager signs
 * what is approved.
 */
export function newCsrApprover(deps: ControllerDeps & { cloud: CloudProvider }): Controller {
  const csrs = deps.informers.informer(CSRS, CsrSchema);
  const inf = approverInformers(deps);
  const reader = new FactReader({
    client: deps.client,
    pools: inf.pools,
    allNodes: inf.allNodes,
    nodeByProvider: (id) => inf.poolNodes.byIndex('providerID', id)[0]?.metadata.name,
    members: new PoolMemberCache(deps.cloud, () => deps.clock.now(), deps.settings.clusterId),
    poolSelector: deps.settings.poolSelector,
  });
  const d = { reader, writer: new VerdictWriter(deps.client, () => deps.clock.now()), clock: deps.clock };
  const controller = new Controller({
    name: CSR_APPROVER_CONTROLLER,
    logger: deps.logger,
    clock: deps.clock,
    concurrency: 2,
    metrics: {
      controller: deps.metrics.controller(CSR_APPROVER_CONTROLLER),
      queue: deps.metrics.queue(CSR_APPROVER_CONTROLLER),
    },
    reconcile: (key, ctx) => reconcileCsr(csrs.get(key), ctx, d),
  });
  // the caches it reads are synced before the first CSR is decided (no keys come from them)
  const none = () => undefined;
  controller.watch(csrs).watch(inf.poolNodes, none).watch(inf.allNodes, none);
  for (const p of Object.values(inf.pools)) controller.watch(p, none);
  return controller;
}
