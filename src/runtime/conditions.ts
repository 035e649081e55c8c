/** A status condition in the `metav1.Condition` shape. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase, machine-readable. */
  reason: string;
  message: string;
  /** RFC 3339, seconds precision; changes only when `status` flips. */
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/** metav1.Time: RFC 3339 in UTC, whole seconds. */
export function metaTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Set one condition and return the new list (the input is not changed). `lastTransitionTime` moves only when
 * the status flips (or the condition is new); reason, message and `observedGeneration` are always updated.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: ConditionInput,
  opts: { now: number; observedGeneration?: number | undefined },
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prior = i >= 0 ? list[i] : undefined;
  const updated: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message: next.message,
    lastTransitionTime: prior && prior.status === next.status ? prior.lastTransitionTime : metaTime(opts.now),
    ...(opts.observedGeneration !== undefined
      ? { observedGeneration: opts.observedGeneration }
      : prior?.observedGeneration !== undefined
        ? { observedGeneration: prior.observedGeneration }
        : {}),
  };
  if (i >= 0) list[i] = updated;
  else list.push(updated);
  return list;
}

export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** Same conditions (order-insensitive): a status patch can be skipped when nothing changed. */
export function conditionsEqual(
  a: readonly Condition[] | undefined,
  b: readonly Condition[] | undefined,
): boolean {
  const x = [...(a ?? [])].sort((p, q) => p.type.localeCompare(q.type));
  const y = [...(b ?? [])].sort((p, q) => p.type.localeCompare(q.type));
  if (x.length !== y.length) return false;
  return x.every((c, i) => {
    const d = y[i]!;
    return (
      c.type === d.type &&
      c.status === d.status &&
      c.reason === d.reason &&
      c.message === d.message &&
      c.lastTransitionTime === d.lastTransitionTime &&
      c.observedGeneration === d.observedGeneration
    );
  });
}
