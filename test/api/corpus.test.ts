import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { stringify } from 'yaml';
import { validateManifestText, type ManifestProblem } from '../../src/apis/manifests.js';
import { CRD_KINDS, buildCrd } from '../../src/crdgen/crd.js';
import type { Schema } from '../../src/crdgen/structural.js';
import { testCluster } from '../support/access.js';
import { CASES, baseManagedSpec, baseNodePoolSpec, manifest, type Case } from './corpus.js';
import { ensureCrds } from './support/crds.js';
import { AdminRest, mapLimit, type ApiResult } from './support/rest.js';

// Every case of the invalid-manifest corpus is sent to the real apiserver (server-side dry-run create, strict
// field validation: what `kubectl apply` does) and to `validate`'s code; both must refuse it, at the same field,
// in the expected words.

let rest: AdminRest;
const results = new Map<string, { api: ApiResult; zod: ManifestProblem[] }>();

function caseManifest(c: Case): Record<string, unknown> {
  const spec = c.kind === 'NodePool' ? baseNodePoolSpec() : baseManagedSpec();
  c.mutate(spec);
  return manifest(c.kind, `corpus-${c.id}`, spec);
}

beforeAll(async () => {
  await ensureCrds();
  rest = new AdminRest(testCluster());
  await mapLimit(CASES, 8, async (c) => {
    const obj = caseManifest(c);
    const api = await rest.dryRunCreate(c.kind, obj);
    const zod = validateManifestText(`${c.id}.yaml`, stringify(obj, { version: '1.1' })).problems;
    results.set(c.id, { api, zod });
  });
}, 120_000);

afterAll(() => rest.close());

describe('the corpus', () => {
  test('has at least 50 cases with unique ids', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
  });

  test('the base specs are valid for both', async () => {
    for (const kind of CRD_KINDS) {
      const obj = manifest(kind, 'corpus-base', kind === 'NodePool' ? baseNodePoolSpec() : baseManagedSpec());
      const api = await rest.dryRunCreate(kind, obj);
      expect({ kind, status: api.status, message: api.message }).toEqual({ kind, status: 201, message: '' });
      expect(validateManifestText('base.yaml', stringify(obj, { version: '1.1' })).problems).toEqual([]);
    }
  });

  test('covers every CEL rule of both CRDs', () => {
    const fired = CASES.flatMap((c) => results.get(c.id)?.api.causes.map((x) => x.message) ?? []);
    const missing: string[] = [];
    for (const kind of CRD_KINDS) {
      const walk = (node: Schema, path: string): void => {
        for (const v of (node['x-kubernetes-validations'] as
          { rule: string; message: string; messageExpression?: string }[] | undefined) ?? []) {
          if (v.rule.includes('oldSelf')) continue; // transition rules: immutability.test.ts
          const text = v.messageExpression
            ? (/'([^']*)'\s*$/.exec(v.messageExpression)?.[1] ?? v.message)
            : v.message;
          if (!fired.some((m) => m.includes(text.trim()))) missing.push(`${kind} ${path}: ${v.message}`);
        }
        for (const [k, sub] of Object.entries((node.properties as Record<string, Schema> | undefined) ?? {}))
          walk(sub, `${path}.${k}`);
        if (node.items) walk(node.items as Schema, `${path}[]`);
        if (typeof node.additionalProperties === 'object')
          walk(node.additionalProperties as Schema, `${path}[*]`);
      };
      const crd = buildCrd(kind) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
      walk(crd.spec.versions[0]!.schema.openAPIV3Schema, '');
    }
    expect(missing).toEqual([]);
  });
});

describe.each(CASES.map((c) => [c.id, c] as const))('%s', (_id, c) => {
  test('the apiserver refuses it at the field, with the rule', () => {
    const r = results.get(c.id)!;
    if (c.unknown) {
      expect({ status: r.api.status, message: r.api.message }).toEqual({
        status: 400,
        message: expect.stringContaining(`unknown field "${c.unknown}"`),
      });
      return;
    }
    expect(r.api.status).toBe(422);
    const causes = r.api.causes.filter((x) => x.field === c.path);
    expect({ path: c.path, messages: causes.map((x) => x.message) }).toEqual({
      path: c.path,
      messages: expect.arrayContaining([expect.stringContaining(c.api)]),
    });
  });

  test('validate refuses it at the same field, with the same meaning', () => {
    const r = results.get(c.id)!;
    const at = r.zod.filter((p) => p.path === c.path).map((p) => p.message);
    expect({ path: c.path, messages: at, all: r.zod.length > 0 }).toEqual({
      path: c.path,
      messages: expect.arrayContaining([expect.stringContaining(c.zod ?? c.api)]),
      all: true,
    });
  });
});
