import { z } from 'zod';
import { GROUP, KINDS, VERSION } from '../apis/v1beta1/constants.js';
import {
  ConflictError,
  InvalidError,
  LeaseSchema,
  NotFoundError,
  ObjectMetaSchema,
  Resources,
  TypedResource,
  crd,
  toKubeError,
  type KubeClient,
  type Lease,
  type ResourceRef,
} from '../kube/index.js';
import { POOL_LABEL } from '../bootstrap/labels.js';
import { deletePools } from './delete-pools.js';
import { UninstallError, finalizerRemovalPatch, runningOperator, type CloudResources } from './plan.js';

/** Only what the uninstall reads of a pool: never its spec (a pool the current schema rejects still goes). */
const PoolMeta = z.object({
  metadata: ObjectMetaSchema,
  status: z.looseObject({ scalingGroupId: z.string().optional() }).optional(),
});
const NodeMeta = z.object({ metadata: ObjectMetaSchema });

export interface UninstallOptions {
  client: KubeClient;
  cloudResources: CloudResources;
  /** The operator's leader-election Lease: while it is held, the uninstall refuses (unless `force`). */
  lease: { namespace: string; name: string };
  /** Only pools with these labels, and only the Nodes of those pools (a Kubernetes label selector). */
  selector?: string;
  /** `--delete-cloud-resources`: how long to wait for the pools to be gone. */
  timeoutMs?: number;
  /** `--delete-cloud-resources`: time between polls. */
  pollMs?: number;
  force?: boolean;
  report?: (line: string) => void;
  now?: () => number;
}

export interface UninstallResult {
  /** Pools whose finalizers were removed (kind/name), with the scaling group left in the cloud. */
  pools: { kind: string; name: string; scalingGroupId?: string; deleted: boolean }[];
  /** Nodes whose finalizers were removed. */
  nodes: string[];
  /** `--delete-cloud-resources`: instances the deleted pools kept (Subscription, attached ones). */
  retained?: string[];
}

type Meta = z.output<typeof ObjectMetaSchema>;

/** Drop the operator's finalizers from one object, re-reading when it changed meanwhile. */
async function releaseFinalizers(
  resource: TypedResource<z.ZodType<{ metadata: Meta }>>,
  first: { metadata: Meta },
): Promise<{ changed: boolean; gone: boolean }> {
  let obj = first;
  for (let attempt = 0; attempt < 10; attempt++) {
    const ops = finalizerRemovalPatch(obj.metadata.finalizers);
    if (!ops) return { changed: attempt > 0, gone: false };
    try {
      const after = await resource.jsonPatch(obj.metadata.name, ops);
      return {
        changed: true,
        gone:
          after.metadata.deletionTimestamp !== undefined && (after.metadata.finalizers ?? []).length === 0,
      };
    } catch (err) {
      const e = toKubeError(err);
      if (e instanceof NotFoundError) return { changed: attempt > 0, gone: true };
      if (!(e instanceof InvalidError || e instanceof ConflictError)) throw e;
      try {
        obj = await resource.get(obj.metadata.name);
      } catch (getErr) {
        if (toKubeError(getErr) instanceof NotFoundError) return { changed: true, gone: true };
        throw toKubeError(getErr);
      }
    }
  }
  throw new UninstallError(
    `${resource.ref.kind} ${first.metadata.name} kept changing; run the uninstall again`,
  );
}

/** Drops the operator's finalizers from the Nodes of these pools (or every Node); returns the ones changed. */
async function releaseNodes(
  client: KubeClient,
  pools: ReadonlySet<string> | 'all',
  report: (line: string) => void,
): Promise<string[]> {
  const nodes = new TypedResource(client, Resources.nodes, NodeMeta);
  const changed: string[] = [];
  const list = await nodes.list(pools === 'all' ? {} : { labelSelector: POOL_LABEL });
  for (const node of list.items) {
    if (pools !== 'all' && !pools.has(node.metadata.labels?.[POOL_LABEL] ?? '')) continue;
    const r = await releaseFinalizers(nodes, node);
    if (!r.changed) continue;
    changed.push(node.metadata.name);
    report(
      `Node ${node.metadata.name}: finalizers removed${r.gone ? ' (it was being deleted: now gone)' : '; the node and its instance stay'}`,
    );
  }
  return changed;
}

async function currentLease(
  client: KubeClient,
  where: { namespace: string; name: string },
): Promise<Lease | undefined> {
  try {
    return await new TypedResource(client, Resources.leases, LeaseSchema).get(where.name, where.namespace);
  } catch (err) {
    if (toKubeError(err) instanceof NotFoundError) return undefined;
    throw toKubeError(err);
  }
}

/**
 * `nodepool-operator uninstall`, in one of two modes:
 * - `--keep-cloud-resources`, with the operator stopped: remove its finalizers from every (selected) NodePool,
 *   ManagedNodePool and Node, so nothing waits for an operator that is gone. The pools and Nodes themselves stay
 *   (a reinstalled operator takes them up again); their scaling groups and instances stay in the cloud,
 *   unmanaged. Deleting the CRDs afterwards deletes the pool objects at once.
 * - `--delete-cloud-resources`, with the operator running: delete every (selected) pool and wait until the
 *   operator has released their instances and deleted their scaling groups (Subscription and attached instances
 *   are detached and stay); then drop any finalizer of the operator left on those pools' Nodes.
 */
export async function uninstall(opts: UninstallOptions): Promise<UninstallResult> {
  const report = opts.report ?? (() => undefined);
  const lease = await currentLease(opts.client, opts.lease);
  const running = runningOperator(lease, (opts.now ?? Date.now)());
  if (opts.cloudResources === 'delete') {
    if (!running) {
      if (!opts.force) {
        throw new UninstallError(
          `no operator is running (nobody holds the Lease ${opts.lease.namespace}/${opts.lease.name}): --delete-cloud-resources deletes the pools and waits for the operator to release their instances, so it must run. Start it (or pass --namespace / --leader-election-id where it runs), or use --keep-cloud-resources. --force skips this check.`,
        );
      }
      report(
        `warning: no operator holds the Lease ${opts.lease.namespace}/${opts.lease.name}; going on because of --force`,
      );
    } else {
      report(`${running}: it releases the instances`);
    }
    const deleted = await deletePools({
      client: opts.client,
      ...(opts.selector ? { selector: opts.selector } : {}),
      timeoutMs: opts.timeoutMs ?? 30 * 60_000,
      ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
      report,
      ...(opts.now ? { now: opts.now } : {}),
    });
    const result: UninstallResult = {
      pools: deleted.pools.map((p) => ({
        kind: p.kind,
        name: p.name,
        ...(p.scalingGroupId ? { scalingGroupId: p.scalingGroupId } : {}),
        deleted: true,
      })),
      nodes: [],
      retained: deleted.retained,
    };
    // The operator drops its finalizer from the Nodes it keeps; any one left (an older operator, an interrupted
    // step) would hold the Node once the operator is removed.
    result.nodes = await releaseNodes(opts.client, new Set(deleted.pools.map((p) => p.name)), report);
    report(
      `done: ${result.pools.length} pool(s) deleted with their scaling groups and pay-as-you-go / spot instances` +
        (deleted.retained.length > 0
          ? `; ${deleted.retained.length} instance(s) kept in the cloud, with their Nodes: ${deleted.retained.join(', ')}`
          : '') +
        '. Now remove the operator (helm uninstall, or kubectl delete -k deploy/base).',
    );
    return result;
  }
  if (running) {
    if (!opts.force) {
      throw new UninstallError(
        `${running}. Stop it first (helm uninstall, or kubectl scale deployment --replicas=0), then run this again; a running operator would put its finalizers back. --force skips this check.`,
      );
    }
    report(`warning: ${running}; going on because of --force`);
  }

  const result: UninstallResult = { pools: [], nodes: [] };
  const selectedPools = new Set<string>();
  for (const k of [KINDS.NodePool, KINDS.ManagedNodePool]) {
    const ref: ResourceRef = crd(GROUP, VERSION, k.plural, k.kind, false);
    const pools = new TypedResource(opts.client, ref, PoolMeta);
    let items: z.output<typeof PoolMeta>[];
    try {
      items = (await pools.list(opts.selector ? { labelSelector: opts.selector } : {})).items;
    } catch (err) {
      if (toKubeError(err) instanceof NotFoundError) {
        report(`${k.plural}: the CRD is not installed; nothing to do`);
        continue;
      }
      throw toKubeError(err);
    }
    for (const pool of items) {
      selectedPools.add(pool.metadata.name);
      const r = await releaseFinalizers(pools, pool);
      if (!r.changed) continue;
      const sg = pool.status?.scalingGroupId;
      result.pools.push({
        kind: k.kind,
        name: pool.metadata.name,
        ...(sg ? { scalingGroupId: sg } : {}),
        deleted: r.gone,
      });
      report(
        `${k.kind} ${pool.metadata.name}: finalizers removed${r.gone ? ' (it was being deleted: now gone)' : ''}${sg ? `; scaling group ${sg} stays in the cloud` : ''}`,
      );
    }
  }
  // with a selector, only the Nodes of the selected pools
  result.nodes = await releaseNodes(opts.client, opts.selector ? selectedPools : 'all', report);
  report(
    `done: finalizers removed from ${result.pools.length} pool(s) and ${result.nodes.length} Node(s); scaling groups and instances were left as they are`,
  );
  return result;
}
