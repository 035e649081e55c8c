import { z } from 'zod';
import { POOL_LABEL } from '../bootstrap/labels.js';
import { GROUP, KINDS, VERSION } from '../apis/v1beta1/constants.js';
import {
  NotFoundError,
  ObjectMetaSchema,
  Resources,
  TypedResource,
  crd,
  toKubeError,
  type KubeClient,
  type RawWatchEvent,
} from '../kube/index.js';
import { UninstallTimeout, deletionProgress, type PoolInDeletion } from './plan.js';

/** What the deletion reads of a pool: metadata and the status fields it reports, never the spec. */
const ConditionSchema = z.looseObject({
  type: z.string(),
  status: z.string(),
  message: z.string().optional(),
});
export const DeletingPoolSchema = z.object({
  metadata: ObjectMetaSchema,
  status: z
    .looseObject({
      scalingGroupId: z.string().optional(),
      conditions: z.array(ConditionSchema).optional(),
      retainedInstances: z.array(z.looseObject({ instanceId: z.string() })).optional(),
    })
    .optional(),
});
type DeletingPool = z.output<typeof DeletingPoolSchema>;
const NodeLabels = z.object({ metadata: ObjectMetaSchema });

export interface DeletePoolsOptions {
  client: KubeClient;
  /** Only pools with these labels (a Kubernetes label selector); all pools when unset. */
  selector?: string;
  timeoutMs: number;
  pollMs?: number;
  report: (line: string) => void;
  now?: () => number;
  /** How long to wait between polls (injectable so the loop can be driven without real time). */
  delay?: (ms: number) => Promise<void>;
}

export interface DeletePoolsResult {
  pools: PoolInDeletion[];
  /** Every instance the deleted pools kept (Subscription, attached ones): still in the cloud, with their Nodes. */
  retained: string[];
}

function detailOf(pool: DeletingPool): string | undefined {
  const conds = pool.status?.conditions ?? [];
  const degraded = conds.find((c) => c.type === 'Degraded' && c.status === 'True');
  return degraded?.message ?? conds.find((c) => c.type === 'Progressing')?.message;
}

/**
 * `--delete-cloud-resources`: delete every selected NodePool and ManagedNodePool while the operator runs, and
 * wait until they are gone — the operator's finalizer drains and releases pay-as-you-go and spot instances,
 * deletes the scaling groups, and detaches and keeps Subscription and attached instances (with their Nodes).
 * Progress is reported as it goes; at the deadline it stops waiting and says what is left (the deletions go on).
 */
export async function deletePools(opts: DeletePoolsOptions): Promise<DeletePoolsResult> {
  const now = opts.now ?? Date.now;
  const delay = opts.delay ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  const kinds = [KINDS.NodePool, KINDS.ManagedNodePool].map((k) => ({
    kind: k.kind,
    plural: k.plural,
    res: new TypedResource(opts.client, crd(GROUP, VERSION, k.plural, k.kind, false), DeletingPoolSchema),
  }));
  const tracked = new Map<string, PoolInDeletion>();
  const retained = new Set<string>();
  const key = (kind: string, name: string) => `${kind}/${name}`;

  // Every change of a selected pool, its DELETED event included (which carries its last status), is watched
  // for the instances it kept: a pool may record them and be gone between two polls.
  const watching = new AbortController();
  const recordRetained = (e: RawWatchEvent): void => {
    const parsed = DeletingPoolSchema.safeParse(e.object);
    if (!parsed.success) return;
    for (const r of parsed.data.status?.retainedInstances ?? []) retained.add(r.instanceId);
    if (e.type === 'DELETED') seenDeleted.add(parsed.data.metadata.name);
  };
  const seenDeleted = new Set<string>();
  try {
    return await deleteAndWait();
  } finally {
    watching.abort();
  }

  async function deleteAndWait(): Promise<DeletePoolsResult> {
    for (const k of kinds) {
      let items: DeletingPool[];
      try {
        const listed = await k.res.list(opts.selector ? { labelSelector: opts.selector } : {});
        items = listed.items;
        const watchOpts = {
          resourceVersion: listed.resourceVersion,
          ...(opts.selector ? { labelSelector: opts.selector } : {}),
        };
        void opts.client.watch(k.res.ref, watchOpts, recordRetained, watching.signal).catch(() => undefined);
      } catch (err) {
        if (toKubeError(err) instanceof NotFoundError) {
          opts.report(`${k.plural}: the CRD is not installed; nothing to delete`);
          continue;
        }
        throw toKubeError(err);
      }
      for (const pool of items) {
        const name = pool.metadata.name;
        const sg = pool.status?.scalingGroupId;
        tracked.set(key(k.kind, name), {
          kind: k.kind,
          name,
          ...(sg ? { scalingGroupId: sg } : {}),
          nodes: 0,
          retained: [],
          gone: false,
        });
        if (pool.metadata.deletionTimestamp) {
          opts.report(`${k.kind} ${name}: already being deleted`);
          continue;
        }
        try {
          await k.res.delete(name, pool.metadata.uid ? { uid: pool.metadata.uid } : {});
          opts.report(
            `${k.kind} ${name}: deleted${sg ? ` (scaling group ${sg})` : ''}; the operator releases its instances`,
          );
        } catch (err) {
          if (!(toKubeError(err) instanceof NotFoundError)) throw toKubeError(err);
        }
      }
    }
    if (tracked.size === 0) {
      opts.report(`no pools${opts.selector ? ` match ${opts.selector}` : ''}; nothing to delete`);
      return { pools: [], retained: [] };
    }

    const nodes = new TypedResource(opts.client, Resources.nodes, NodeLabels);
    let lastLine = '';
    let lastReport = 0;
    for (;;) {
      for (const k of kinds) {
        for (const p of tracked.values()) {
          if (p.kind !== k.kind || p.gone) continue;
          try {
            const pool = await k.res.get(p.name);
            for (const r of pool.status?.retainedInstances ?? []) retained.add(r.instanceId);
            p.retained = (pool.status?.retainedInstances ?? []).map((r) => r.instanceId);
            const detail = detailOf(pool);
            if (detail) p.detail = detail;
            else delete p.detail;
          } catch (err) {
            if (!(toKubeError(err) instanceof NotFoundError)) throw toKubeError(err);
            p.gone = true;
          }
        }
      }
      const counts = new Map<string, number>();
      for (const n of (await nodes.list({ labelSelector: POOL_LABEL })).items) {
        const pool = n.metadata.labels?.[POOL_LABEL] ?? '';
        counts.set(pool, (counts.get(pool) ?? 0) + 1);
      }
      const list = [...tracked.values()];
      for (const p of list) p.nodes = counts.get(p.name) ?? 0;
      const elapsed = now() - started;
      const line = deletionProgress(list, elapsed);
      const done = list.every((p) => p.gone);
      // a line when something changed, and at least every 15 s while nothing does
      if (done || line.replace(/, \d+ s:/, ':') !== lastLine || now() - lastReport >= 15_000) {
        opts.report(line);
        lastLine = line.replace(/, \d+ s:/, ':');
        lastReport = now();
      }
      if (done) {
        // the watch's DELETED events (with the pools' last status) may trail the polls that found them gone
        const until = now() + 5_000;
        while (list.some((p) => !seenDeleted.has(p.name)) && now() < until) await delay(100);
        return { pools: list, retained: [...retained] };
      }
      if (elapsed >= opts.timeoutMs) {
        const left = list.filter((p) => !p.gone).map((p) => `${p.kind} ${p.name}`);
        throw new UninstallTimeout(
          `gave up waiting after ${Math.round(elapsed / 1000)} s; still deleting: ${left.join(', ')}. The deletions go on while the operator runs: check its logs and the pools' conditions (kubectl describe), then run this again`,
        );
      }
      await delay(opts.pollMs ?? 2_000);
    }
  }
}
