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
    if (err instanceof ConflictError) return retryOverElasticity(api, kind, o, next, err);
    throw err;
  }
}

/**
 * A 409 caused only by the provisioning controller's own field (`status.automation.elasticity`, merge-patched
 * by elasticity while this reconcile ran) would lose what this reconcile did and cannot redo (a disruption's
 * `lastAction`): the status is written again over the fresh object, with its elasticity block. Any other
 * change since the read → the conflict stands (the reconcile is retried from a fresh read).
 */
async function retryOverElasticity(
  api: TypedResource<typeof PoolObjectSchema>,
  kind: string,
  o: CachedPool,
  next: Status,
  conflict: ConflictError,
): Promise<CachedPool | undefined> {
  const fresh = await api.get(o.metadata.name).catch((e: unknown) => { if (e instanceof NotFoundError) return undefined; throw e; }); // prettier-ignore
  if (!fresh) return undefined;
  const without = (st: unknown): string => { const a = (st ?? {}) as Status; return JSON.stringify({ ...a, automation: { ...(a.automation ?? {}), elasticity: undefined } }); }; // prettier-ignore
  if (fresh.metadata.generation !== o.metadata.generation || without(fresh.status) !== without(o.status)) throw conflict; // prettier-ignore
  const elasticity = (fresh.status as Status | undefined)?.automation?.elasticity;
  const status: Status = { ...next, automation: { ...(next.automation ?? {}), ...(elasticity ? { elasticity } : {}) } }; // prettier-ignore
  const body = { apiVersion: API_VERSION, kind, metadata: { name: o.metadata.name, resourceVersion: fresh.metadata.resourceVersion }, status }; // prettier-ignore
  return api.replace(o.metadata.name, body, undefined, 'status');
}
