import { API_VERSION } from '../../../apis/v1beta1/index.js';
import { NotFoundError, type TypedResource } from '../../../kube/index.js';
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
    throw err;
  }
}
