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
 * its changes are written again over the fresh object: every status field (and every field of each automation
 * block) this reconcile changed from what it read takes this reconcile's value; the others keep the fresh ones
 * (a lagging read's missing `lastAction` does not erase the one written since). Conflicts again (elasticity
 * patching meanwhile) are merged again, up to MERGE_ATTEMPTS times; a changed spec (generation) stands (the
 * reconcile is retried from a fresh read).
 */
async function retryMerged(
  api: TypedResource<typeof PoolObjectSchema>,
  kind: string,
  o: CachedPool,
  next: Status,
  conflict: ConflictError,
): Promise<CachedPool | undefined> {
  let last = conflict;
  for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
    const fresh = await api.get(o.metadata.name).catch((e: unknown) => {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    });
    if (!fresh) return undefined;
    if (fresh.metadata.generation !== o.metadata.generation) throw conflict;
    const status = mergeChanges(o.status ?? {}, next, fresh.status ?? {});
    const metadata = { name: o.metadata.name, resourceVersion: fresh.metadata.resourceVersion };
    try {
      return await api.replace(
        o.metadata.name,
        { apiVersion: API_VERSION, kind, metadata, status },
        undefined,
        'status',
      );
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      if (!(err instanceof ConflictError)) throw err;
      last = err;
    }
  }
  throw last;
}

/** How many times a conflicting status write is merged over a fresh read and written again. */
const MERGE_ATTEMPTS = 3;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
type Fields = Record<string, unknown>;

/** `fresh` with the keys `next` changed from `read` (a key `next` dropped is dropped). */
function over(read: Fields, next: Fields, fresh: Fields): Fields {
  const out: Fields = { ...fresh };
  for (const k of new Set([...Object.keys(read), ...Object.keys(next)])) {
    if (same(read[k], next[k])) continue;
    if (next[k] === undefined) delete out[k];
    else out[k] = next[k];
  }
  return out;
}

const isFields = (x: unknown): x is Fields => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Automation blocks merged field by field: a block this reconcile kept is merged into the fresh one. */
function overBlocks(read: Fields, next: Fields, fresh: Fields): Fields {
  const out: Fields = { ...fresh };
  for (const k of new Set([...Object.keys(read), ...Object.keys(next)])) {
    const [r, n, f] = [read[k], next[k], fresh[k]];
    if (same(r, n)) continue;
    if (n === undefined) delete out[k];
    else if (isFields(n) && isFields(f)) out[k] = over(isFields(r) ? r : {}, n, f);
    else out[k] = n;
  }
  return out;
}

/** `fresh` with the fields (and automation blocks' fields) `next` changed from `read` (pure). */
export function mergeChanges(read: Status, next: Status, fresh: Status): Status {
  const merged = over(
    { ...read, automation: undefined },
    { ...next, automation: undefined },
    { ...fresh },
  ) as Status;
  const automation = overBlocks(read.automation ?? {}, next.automation ?? {}, fresh.automation ?? {});
  // instances retained by either write stay listed (a list only ever added to by removals)
  const kept = [...(fresh.retainedInstances ?? []), ...(next.retainedInstances ?? [])].filter(
    (x, i, all) => all.findIndex((y) => y.instanceId === x.instanceId) === i,
  );
  return {
    ...merged,
    ...(kept.length > 0 ? { retainedInstances: kept } : {}),
    ...(Object.keys(automation).length > 0 ? { automation } : {}),
  };
}
