import type * as z from 'zod';

/**
 * One validation rule, written once and enforced twice: by the apiserver as a CEL
 * `x-kubernetes-validations` entry of the generated CRD, and by the zod schema (offline `validate`, the
 * controller's re-validation) through `check`, the same rule in TypeScript. Both report `message` (or, when the
 * message names a value, the text `messageExpression` / `check` compute — kept identical on purpose) at
 * `fieldPath`, so a user sees the same words from `kubectl apply` and from `nodepool-operator validate`.
 */
export interface Rule<T> {
  /** CEL, evaluated with `self` = this value (and `oldSelf` for a transition rule). */
  cel: string;
  /** What the user is told; names the rule in words a user can act on. */
  message: string;
  /** CEL computing the message from the value (e.g. naming the offending key); `check` returns the same text. */
  messageExpression?: string;
  /** Where the error is reported, relative to this value, e.g. `.scaling.desiredSize`. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /**
   * The rule in TypeScript: `true` when the value satisfies it, `false` (report `message`) or a string (report
   * that text) when it does not. Absent only for transition rules, which compare with the stored object and
   * are checked by `updateProblems` (validate.ts).
   */
  check?: (value: T) => boolean | string;
  /** A transition rule (uses `oldSelf`): the TypeScript side of it, given the new and the old value. */
  transition?: (value: T, old: T) => boolean;
}

/** The `x-kubernetes-validations` entry of a rule. */
export interface CrdValidation {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
}

export const VALIDATIONS_KEY = 'x-kubernetes-validations';

function pathOf(fieldPath: string | undefined): (string | number)[] {
  if (!fieldPath) return [];
  return fieldPath
    .split('.')
    .filter((p) => p !== '')
    .map((p) => p);
}

/**
 * Document a schema and attach its rules: the description lands in the CRD (so `kubectl explain` teaches the
 * API), the CEL in `x-kubernetes-validations`, the TypeScript checks in the zod schema.
 */
export function api<S extends z.ZodType>(
  schema: S,
  description: string,
  rules: readonly Rule<z.output<S>>[] = [],
  extra: Record<string, unknown> = {},
): S {
  const checks = rules.flatMap((r) => (r.check ? [{ ...r, check: r.check }] : []));
  let out: S = schema;
  if (checks.length > 0) {
    out = schema.superRefine((value, ctx) => {
      for (const r of checks) {
        let verdict: boolean | string;
        try {
          verdict = r.check(value);
        } catch {
          continue; // the value is malformed in a way another issue already reports
        }
        if (verdict === true) continue;
        ctx.addIssue({
          code: 'custom',
          message: typeof verdict === 'string' ? verdict : r.message,
          path: pathOf(r.fieldPath),
          input: value,
        });
      }
    });
  }
  const validations: CrdValidation[] = rules.map((r) => ({
    rule: r.cel,
    ...(r.messageExpression ? { messageExpression: r.messageExpression } : {}),
    message: r.message,
    ...(r.fieldPath ? { fieldPath: r.fieldPath } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
  }));
  out = out.meta({
    description,
    ...(validations.length > 0 ? { [VALIDATIONS_KEY]: validations } : {}),
    ...extra,
  });
  return out;
}

/** Immutable once set: `self == oldSelf` on the field itself (the field is required or defaulted). */
export function immutable<T>(what: string): Rule<T> {
  return {
    cel: 'self == oldSelf',
    message: `${what} is immutable: it cannot be changed after the pool is created`,
    transition: (v, o) => JSON.stringify(v) === JSON.stringify(o),
  };
}

/** CEL string literal. */
export function celString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
