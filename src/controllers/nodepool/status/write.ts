import { API_VERSION } from '../../../apis/v1beta1/index.js';
import { ConflictError, NotFoundError, type TypedResource } from '../../../kube/index.js';
import type { CachedPool, PoolObjectSchema, Status } from '../context.js';

/**
 * Writes a pool's status when it changed: the whole status (PUT of the status subresource) guarded by the
 * resourceVersion of the object it was computed from, so a status computed from a stale read is refused
 * (409 Conflict → the reconcile is retried from a fresh read) instead of overwriting a newer one. Returns the
 * updated object (or the same one when nothing changed, or undefined when the pool is gone).
 */
export async function writeStatus(
  api: TypedResource<typeof PoolObjectSchema>,
  kind: string,
  o: CachedPool,
  next: Status,
): Promise<CachedPool | undefined> {
  if (JSON.stringify(o.status ?? {}) === JSON.stringify(next)) return o;
  const body = {
    apiVersion: API_VERSION,
    kind,
    metadata: { name: o.metadata.name, resourceVersion: o.metadata.resourceVersion },
    status: next,
  };
  try {
    return await api.replace(o.metadata.name, body, undefined, 'status');
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    if (err instanceof ConflictError) return retryMerged(api, kind, o, next, err);
    throw err;
  }
}

/**
 * A 409: the pool moved since this reconcile read it — elasticity merge-patched its own block
 * (`status.automation.elasticity`), or the informer had not yet delivered this controller's previous write. What
 * this reconcile did cannot be redone by a retry (a disruption carried out now records its `lastAction` now), so
 * its changes are written again over the fresh object, once: every status field (and every automation block) this
 * reconcile changed from what it read takes this reconcile's value; the others keep the fresh ones. A changed
 * spec (generation) or a second conflict stands (the reconcile is retried from a fresh read).
 */
async function retryMerged(
  api: TypedResource<typeof PoolObjectSchema>,
  kind: string,
  o: CachedPool,
  next: Status,
  conflict: ConflictError,
): Promise<CachedPool | undefined> {
  const fresh = await api.get(o.metadata.name).catch((e: unknown) => { if (e instanceof NotFoundError) return undefined; throw e; }); // prettier-ignore
  if (!fresh) return undefined;
  if (fresh.metadata.generation !== o.metadata.generation) throw conflict;
  const body = { apiVersion: API_VERSION, kind, metadata: { name: o.metadata.name, resourceVersion: fresh.metadata.resourceVersion }, status: mergeChanges((o.status ?? {}), next, (fresh.status ?? {})) }; // prettier-ignore
  return api.replace(o.metadata.name, body, undefined, 'status');
}

/** `fresh` with the fields (and automation blocks) `next` changed from `read` (pure). */
export function mergeChanges(read: Status, next: Status, fresh: Status): Status {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const over = <T extends Record<string, unknown>>(r: T, n: T, f: T): T => {
    const out: Record<string, unknown> = { ...f };
    for (const k of new Set([...Object.keys(r), ...Object.keys(n)])) {
      if (same(r[k], n[k])) continue;
      if (n[k] === undefined) delete out[k];
      else out[k] = n[k];
    }
    return out as T;
  };
  const merged = over({ ...read, automation: undefined }, { ...next, automation: undefined }, { ...fresh }) as Status; // prettier-ignore
  const automation = over((read.automation ?? {}) as Record<string, unknown>, (next.automation ?? {}) as Record<string, unknown>, (fresh.automation ?? {}) as Record<string, unknown>); // prettier-ignore
  // instances retained by either write stay listed (a list only ever added to by removals)
  const kept = [...(fresh.retainedInstances ?? []), ...(next.retainedInstances ?? [])].filter((x, i, all) => all.findIndex((y) => y.instanceId === x.instanceId) === i); // prettier-ignore
  return { ...merged, ...(kept.length > 0 ? { retainedInstances: kept } : {}), ...(Object.keys(automation).length > 0 ? { automation } : {}) }; // prettier-ignore
}
