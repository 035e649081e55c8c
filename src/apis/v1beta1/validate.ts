import type * as z from 'zod';
import { API_VERSION, KINDS } from './constants.js';
import { RESOURCE_GROUP_FIXED } from './common.js';
import { structuralSchemaOf } from '../../crdgen/structural.js';
import {
  ManagedNodePool as ManagedNodePoolSchema,
  NodePool as NodePoolSchema,
  SPEC_SCHEMAS,
} from './kinds.js';

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

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema;
  items?: JsonSchema;
};

/**
 * The object as the apiserver sees it after pruning: a `null` declared field (or map value) is dropped before
 * defaulting and validation; a `null` list item, or a `null` field the schema does not declare, stays (and is an
 * error).
 */
export function dropNulls(value: unknown, schema: JsonSchema | undefined): unknown {
  if (schema === undefined) return value;
  if (Array.isArray(value))
    return (value as unknown[]).map((v) => (v === null ? v : dropNulls(v, schema.items)));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = schema.properties?.[k] ?? schema.additionalProperties;
    if (v === null && sub !== undefined) continue;
    out[k] = dropNulls(v, sub);
  }
  return out;
}

const specSchemas = new Map<string, JsonSchema>();
function specSchema(kind: 'NodePool' | 'ManagedNodePool'): JsonSchema {
  let s = specSchemas.get(kind);
  if (!s) {
    s = structuralSchemaOf(SPEC_SCHEMAS[kind], kind);
    specSchemas.set(kind, s);
  }
  return s;
}

function pruned(obj: object, kind: 'NodePool' | 'ManagedNodePool'): unknown {
  const o = obj as { spec?: unknown };
  return o.spec === undefined ? obj : { ...obj, spec: dropNulls(o.spec, specSchema(kind)) };
}

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
    const r = NodePoolSchema.safeParse(pruned(obj, 'NodePool'));
    return r.success
      ? { ok: true, kind: 'NodePool', value: r.data }
      : { ok: false, problems: problemsOf(r.error) };
  }
  if (o.kind === KINDS.ManagedNodePool.kind) {
    const r = ManagedNodePoolSchema.safeParse(pruned(obj, 'ManagedNodePool'));
    return r.success
      ? { ok: true, kind: 'ManagedNodePool', value: r.data }
      : { ok: false, problems: problemsOf(r.error) };
  }
  return { ok: false, problems: [{ path: 'kind', message: 'must be NodePool or ManagedNodePool' }] };
}

/** The fields that cannot change after create (the CRDs' `self == oldSelf` rules), as spec paths. */
export const IMMUTABLE_FIELDS: Record<'NodePool' | 'ManagedNodePool', readonly string[]> = {
  NodePool: [
    'region',
    'vpcId',
    'securityHardening',
    'securityGroup.type',
    'ramRoleName',
    'instanceMetadataOptions.httpTokens',
  ],
  ManagedNodePool: [
    'region',
    'vpcId',
    'securityGroup.type',
    'ramRoleName',
    'instanceMetadataOptions.httpTokens',
  ],
};

/**
 * Fields fixed at create whether set or not (a spec-level transition rule: setting, changing or removing one is
 * refused), with the message of each. `createdWith` records them even when unset (as `null`).
 */
export const SET_ONCE_FIELDS: Readonly<Record<string, string>> = {
  resourceGroupId: RESOURCE_GROUP_FIXED,
};

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/**
 * The transition rules of an update, checked on two defaulted specs (the controller's side of the CRDs'
 * `oldSelf` rules): immutable fields, and Spot <-> PayAsYouGo / Subscription.
 */
export function updateProblems(
  kind: 'NodePool' | 'ManagedNodePool',
  oldSpec: Record<string, unknown>,
  newSpec: Record<string, unknown>,
): Problem[] {
  const problems: Problem[] = [];
  for (const f of IMMUTABLE_FIELDS[kind]) {
    const before = at(oldSpec, f);
    const after = at(newSpec, f);
    if (before !== undefined && after !== undefined && JSON.stringify(before) !== JSON.stringify(after)) {
      problems.push({
        path: `spec.${f}`,
        message: `spec.${f} is immutable: it cannot be changed after the pool is created`,
      });
    }
  }
  for (const [f, message] of Object.entries(SET_ONCE_FIELDS)) {
    if (JSON.stringify(at(oldSpec, f) ?? null) !== JSON.stringify(at(newSpec, f) ?? null))
      problems.push({ path: `spec.${f}`, message });
  }
  if (kind === 'NodePool') {
    const before = at(oldSpec, 'billing.chargeType');
    const after = at(newSpec, 'billing.chargeType');
    if (before !== undefined && after !== undefined && (before === 'Spot') !== (after === 'Spot')) {
      problems.push({
        path: 'spec.billing.chargeType',
        message:
          'billing.chargeType cannot change between Spot and PayAsYouGo or Subscription: create a new pool instead',
      });
    }
  }
  return problems;
}

/**
 * The spec paths `createdWith` records: the immutable fields, the charge type (Spot ↔ the others), and the
 * fields set once (recorded even when unset).
 */
function recordedPaths(kind: 'NodePool' | 'ManagedNodePool'): string[] {
  return [...IMMUTABLE_FIELDS[kind], 'billing.chargeType', ...Object.keys(SET_ONCE_FIELDS)];
}

/**
 * What a pool's status records of its immutable fields when its scaling group is created (`status.createdWith`):
 * each set field's value by spec path, as JSON text (a string stays quoted, so `"1"` and `1` differ).
 */
export function immutableSnapshot(
  kind: 'NodePool' | 'ManagedNodePool',
  spec: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of recordedPaths(kind)) {
    const v = at(spec, f) ?? (f in SET_ONCE_FIELDS ? null : undefined);
    if (v !== undefined) out[`spec.${f}`] = JSON.stringify(v);
  }
  return out;
}

/**
 * The controller's side of the transition rules: the problems of going from what `createdWith` recorded to the
 * spec now (the same messages as admission's). An entry that does not parse is ignored, never fatal.
 */
export function createdWithProblems(
  kind: 'NodePool' | 'ManagedNodePool',
  createdWith: Readonly<Record<string, string>>,
  spec: Readonly<Record<string, unknown>>,
): Problem[] {
  const old: Record<string, unknown> = {};
  for (const f of recordedPaths(kind)) {
    const text = createdWith[`spec.${f}`];
    if (text === undefined) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    const parts = f.split('.');
    let cur = old;
    for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
    cur[parts[parts.length - 1]!] = value;
  }
  // a pool recorded before a field was set-once has no entry for it: nothing to compare with
  for (const f of Object.keys(SET_ONCE_FIELDS))
    if (createdWith[`spec.${f}`] === undefined) old[f] = at(spec, f);
  return updateProblems(kind, old, { ...spec });
}
