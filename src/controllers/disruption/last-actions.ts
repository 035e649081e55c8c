import type { Automation, AutomationStatus } from '../../apis/v1beta1/index.js';
import type { DeepReadonly } from '../../util/readonly.js';

type LastAction = NonNullable<AutomationStatus['lastAction']>;

/**
 * The last action of each method, remembered beside the status. A command is done once — in the reconcile that
 * releases the node — and the engine cannot see it again afterwards; if that reconcile's status write is refused
 * (409 from a stale read) or never happens, the next reconcile would otherwise lose `lastAction` for good. Each
 * pool's entry is one small record per method; `forget` drops a deleted pool's.
 */
export class LastActions {
  private readonly byPool = new Map<string, { uid: string; last: Map<string, LastAction> }>();

  /** `automation` with each method's remembered last action where it is newer than the status's own. */
  restore(
    pool: string,
    uid: string,
    automation: DeepReadonly<Automation> | undefined,
  ): DeepReadonly<Automation> | undefined {
    const mine = this.byPool.get(pool);
    if (!mine || mine.uid !== uid) return automation;
    const out: Automation = structuredClone((automation ?? {}) as Automation);
    const entries = out as Record<string, AutomationStatus | undefined>;
    for (const [method, last] of mine.last) {
      const shown = entries[method]?.lastAction?.time ?? '';
      if (Date.parse(shown || '1970-01-01T00:00:00Z') < Date.parse(last.time ?? '')) {
        entries[method] = { ...entries[method], lastAction: structuredClone(last) };
      }
    }
    return out;
  }

  /** Remember the last actions the engine just reported. */
  remember(pool: string, uid: string, automation: DeepReadonly<Automation>): void {
    let mine = this.byPool.get(pool);
    if (!mine || mine.uid !== uid) this.byPool.set(pool, (mine = { uid, last: new Map() }));
    for (const [method, a] of Object.entries(automation as Record<string, AutomationStatus | undefined>)) {
      if (a?.lastAction?.time) mine.last.set(method, structuredClone(a.lastAction));
    }
  }

  forget(pool: string): void {
    this.byPool.delete(pool);
  }
}
