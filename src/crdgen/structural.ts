import * as z from 'zod';
import { VALIDATIONS_KEY } from '../apis/v1beta1/rules.js';

/** A JSON schema node as z.toJSONSchema writes it and as a CRD's openAPIV3Schema holds it. */
export type Schema = { [key: string]: unknown };

/** Thrown when a zod schema cannot be expressed as a structural CRD schema. */
export class StructuralSchemaError extends Error {
  override name = 'StructuralSchemaError';
}

const INT_LIMIT = Number.MAX_SAFE_INTEGER;

/** Keywords a structural schema allows (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema). */
const ALLOWED = new Set([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'format',
  'nullable',
  VALIDATIONS_KEY,
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
]);

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Rewrite z.toJSONSchema's output into a structural schema: drop `$schema` and `propertyNames`, drop
 * `additionalProperties: false` next to `properties` (strictness is kubectl's field validation), turn the
 * int-or-string union into `x-kubernetes-int-or-string`, drop zod's safe-integer bounds, and refuse any other
 * union or keyword a structural schema cannot hold. Checks that every field has a description and every
 * string, list and map a bound (CEL's cost budget needs them).
 */
export function toStructural(node: Schema, path = ''): Schema {
  const out: Schema = {};
  const n = { ...node };
  delete n.$schema;
  delete n.propertyNames;
  if (n['x-kubernetes-int-or-string'] === true) {
    // z.union([z.int(), z.string()]): the branches' own bounds are enforced by the rule attached to the union
    delete n.anyOf;
    delete n.oneOf;
    delete n.type;
  }
  if ('anyOf' in n || 'oneOf' in n || 'allOf' in n || 'not' in n) {
    throw new StructuralSchemaError(
      `${path || '<root>'}: a union (anyOf/oneOf) cannot be expressed in a structural schema; use one object with optional fields and a rule`,
    );
  }
  if ('const' in n) {
    n.enum = [n.const];
    delete n.const;
  }
  if (n.type === 'integer') {
    if (n.minimum === -INT_LIMIT) delete n.minimum;
    if (n.maximum === INT_LIMIT) delete n.maximum;
  }
  for (const [k, v] of Object.entries(n)) {
    if (!ALLOWED.has(k))
      throw new StructuralSchemaError(`${path || '<root>'}: keyword "${k}" is not allowed in a CRD schema`);
    if (k === 'properties' && isSchema(v)) {
      const props: Schema = {};
      for (const [name, sub] of Object.entries(v)) {
        if (!isSchema(sub)) throw new StructuralSchemaError(`${path}.${name}: not a schema`);
        props[name] = toStructural(sub, `${path}.${name}`);
      }
      out.properties = props;
    } else if (k === 'items' && isSchema(v)) {
      out.items = toStructural(v, `${path}[]`);
    } else if (k === 'additionalProperties') {
      if (v === false) continue;
      if (isSchema(v)) out.additionalProperties = toStructural(v, `${path}[*]`);
    } else {
      out[k] = v;
    }
  }
  if (isSchema(out.default)) out.default = withNestedDefaults(out, out.default);
  return ordered(out);
}

const FIRST = ['description', 'type', 'x-kubernetes-int-or-string', 'default', 'enum'];
const LAST = ['properties', 'required', 'items', 'additionalProperties', VALIDATIONS_KEY];

/** Keys in a readable order: what the field is first, its sub-schemas and rules last. */
function ordered(node: Schema): Schema {
  const keys = Object.keys(node);
  const middle = keys.filter((k) => !FIRST.includes(k) && !LAST.includes(k));
  const out: Schema = {};
  for (const k of [...FIRST, ...middle, ...LAST]) if (k in node) out[k] = node[k];
  return out;
}

/**
 * An object default with the defaults of its fields filled in, as the apiserver would after defaulting: the
 * apiserver validates a default (CEL included) as written, so `default: {}` must be spelled out in full.
 */
export function withNestedDefaults(node: Schema, value: unknown): unknown {
  if (!isSchema(value) || !isSchema(node.properties)) return value;
  const out: Schema = { ...value };
  for (const [name, sub] of Object.entries(node.properties)) {
    if (!isSchema(sub)) continue;
    if (out[name] === undefined && sub.default !== undefined) out[name] = sub.default;
    if (out[name] !== undefined) out[name] = withNestedDefaults(sub, out[name]);
  }
  return out;
}

/** Problems that make a schema unfit for a CRD of this project: missing descriptions and unbounded values. */
export function lint(
  node: Schema,
  path = '',
  problems: string[] = [],
  parentIsListItemOrMap = false,
): string[] {
  if (!parentIsListItemOrMap && path !== '' && typeof node.description !== 'string') {
    problems.push(`${path}: no description`);
  }
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  if (node.type === 'string' && node.enum === undefined && node.maxLength === undefined && !intOrString) {
    problems.push(`${path}: string without maxLength`);
  }
  if (node.type === 'array' && node.maxItems === undefined) problems.push(`${path}: list without maxItems`);
  if (node.type === 'object' && node.additionalProperties !== undefined && node.maxProperties === undefined) {
    problems.push(`${path}: map without maxProperties`);
  }
  if (isSchema(node.properties)) {
    for (const [name, sub] of Object.entries(node.properties))
      lint(sub as Schema, `${path}.${name}`, problems, false);
  }
  if (isSchema(node.items)) lint(node.items, `${path}[]`, problems, true);
  if (isSchema(node.additionalProperties)) lint(node.additionalProperties, `${path}[*]`, problems, true);
  return problems;
}

/** The structural OpenAPI v3 schema of a zod schema (input side: defaulted fields are optional). */
export function structuralSchemaOf(schema: z.ZodType, what: string): Schema {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'throw',
    reused: 'inline',
    cycles: 'throw',
  }) as Schema;
  if ('$defs' in json || 'definitions' in json) {
    throw new StructuralSchemaError(`${what}: the schema uses references ($defs), which a CRD cannot hold`);
  }
  return toStructural(json);
}
