import { ConditionType } from '../../../apis/v1beta1/index.js';
import { setCondition, type Condition } from '../../../runtime/conditions.js';
import type { DeepReadonly } from '../../../util/readonly.js';

/** A condition's value: [status True?, reason, message]. */
export type ConditionValue = [boolean, string, string];

export interface PoolConditions {
  ready: ConditionValue;
  progressing: ConditionValue;
  degraded: ConditionValue;
  /** ManagedNodePool only. */
  automation?: ConditionValue | undefined;
  /** Once the pool's image is pinned (`image/`). */
  upgradeAvailable?: ConditionValue | undefined;
}

/** The pool's conditions after this reconcile: transition times kept where the status did not change. */
export function poolConditions(
  prior: readonly DeepReadonly<Condition>[] | undefined,
  generation: number | undefined,
  set: PoolConditions,
  now: number,
): Condition[] {
  let list = (prior ?? []).map((c) => ({ ...c }));
  const put = (type: string, [on, reason, message]: ConditionValue): void => {
    list = setCondition(
      list,
      { type, status: on ? 'True' : 'False', reason, message },
      { now, observedGeneration: generation },
    );
  };
  put(ConditionType.Ready, set.ready);
  put(ConditionType.Progressing, set.progressing);
  put(ConditionType.Degraded, set.degraded);
  if (set.automation) put(ConditionType.AutomationActive, set.automation);
  if (set.upgradeAvailable) put(ConditionType.UpgradeAvailable, set.upgradeAvailable);
  return list;
}
