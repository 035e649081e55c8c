import type * as z from 'zod';
import { API_VERSION, KINDS } from './constants.js';
import { ManagedNodePool as ManagedNodePoolSchema, NodePool as NodePoolSchema } from './kinds.js';

/** One problem with a manifest: a dotted path (`spec.scaling.desiredSize`, `spec.taints[0].key`) and a message. */
export interface Problem {
  path: string;
  message: string;
}

/** `spec.taints[0].key` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys' && !issue.message.includes(' is not available')) {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_value' && issue.values.length > 0) {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
    return 'required value';
  }
  return issue.message;
}

/** The problems zod found, as path + message, in a stable order. */
export function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: describeIssue(i) }));
}

export type Validated =
  | { ok: true; kind: 'NodePool'; value: NodePool }
  | { ok: true; kind: 'ManagedNodePool'; value: ManagedNodePool }
  | { ok: false; problems: Problem[] };

type NodePool = z.output<typeof NodePoolSchema>;
type ManagedNodePool = z.output<typeof ManagedNodePoolSchema>;

/**
 * Validate one object as the apiserver would (schema, defaults, CEL rules of a create) with the zod schemas;
 * returns the defaulted object or the problems.
 */
export function validateObject(obj: unknown): Validated {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return { ok: false, problems: [{ path: '', message: 'not an object' }] };
  }
  const o = obj as { apiVersion?: unknown; kind?: unknown };
  if (o.apiVersion !== API_VERSION) {
    return { ok: false, problems: [{ path: 'apiVersion', message: `must be ${API_VERSION}` }] };
  }
  if (o.kind === KINDS.NodePool.kind) {
    const r = NodePoolSchema.safeParse(obj);
    return r.success
      ? { ok: true, kind: 'NodePool', value: r.data }
      : { ok: false, problems: problemsOf(r.error) };
  }
  if (o.kind === KINDS.ManagedNodePool.kind) {
    const r = ManagedNodePoolSchema.safeParse(obj);
    return r.success
      ? { ok: true, kind: 'ManagedNodePool', value: r.data }
      : { ok: false, problems: problemsOf(r.error) };
  }
  return { ok: false, problems: [{ path: 'kind', message: 'must be NodePool or ManagedNodePool' }] };
}
