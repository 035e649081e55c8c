import { ConflictError, NotFoundError, type TypedResource } from '../../../kube/index.js';
import type { PoolObjectSchema, Status } from '../../nodepool/context.js';
import { writeStatus } from '../../nodepool/status/write.js';

/**
 * A read-modify-write of a pool's status from outside its own reconcile (the termination controller records
 * what it did): read fresh, change, write guarded by that read's resourceVersion; on a conflict read again
 * (up to 5 times). Nothing is written when `change` leaves the status as it was.
 */
export async function recordOnPool(
  api: TypedResource<typeof PoolObjectSchema>,
  kind: string,
  name: string,
  change: (s: Status) => Status,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const o = await api.get(name);
      await writeStatus(api, kind, o, change({ ...((o.status ?? {}) as Status) }));
      return;
    } catch (err) {
      if (err instanceof NotFoundError) return;
      if (!(err instanceof ConflictError) || attempt >= 5) throw err;
    }
  }
}
