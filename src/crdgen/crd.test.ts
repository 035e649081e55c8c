import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { PACKAGE_ROOT } from '../devstack/paths.js';
import { CRD_KINDS, buildCrd, crdFileName, crdYaml } from './crd.js';
import { crdChartTemplate, generatedCrdFiles } from './main.js';
import { StructuralSchemaError, lint, structuralSchemaOf, toStructural, type Schema } from './structural.js';

describe('generated CRDs', () => {
  test.each(CRD_KINDS)('crds/ holds the generator output for %s (run `npm run gen:crds`)', (kind) => {
    const file = join(PACKAGE_ROOT, 'crds', crdFileName(kind));
    expect(readFileSync(file, 'utf8')).toBe(crdYaml(kind));
  });

  test.each([...generatedCrdFiles().keys()])('%s is up to date (run `npm run gen:crds`)', (rel) => {
    expect(readFileSync(join(PACKAGE_ROOT, rel), 'utf8')).toBe(generatedCrdFiles().get(rel));
  });

  test('the CRD chart template is the CRD plus the keep annotation, and nothing else', () => {
    for (const kind of CRD_KINDS) {
      const t = crdChartTemplate(kind);
      const keep = t.replace(/\{\{- (if \.Values\.keep|end) \}\}\n/g, '');
      const withAnnotation = parse(keep) as { metadata: { annotations: Record<string, string> } };
      expect(withAnnotation.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
      const without = t.replace(/\{\{- if \.Values\.keep \}\}\n[\s\S]*?\{\{- end \}\}\n/, '');
      expect(without).toBe(crdYaml(kind));
    }
  });

  test.each(CRD_KINDS)(
    '%s: cluster-scoped, short name, category, status subresource, printer columns',
    (kind) => {
      const crd = parse(crdYaml(kind)) as {
        spec: {
          scope: string;
          names: { shortNames: string[]; categories: string[] };
          versions: { name: string; subresources: unknown; additionalPrinterColumns: { name: string }[] }[];
        };
      };
      expect(crd.spec.scope).toBe('Cluster');
      expect(crd.spec.names.shortNames).toEqual([kind === 'NodePool' ? 'np' : 'mnp']);
      expect(crd.spec.names.categories).toEqual(['alicloud']);
      const v = crd.spec.versions[0]!;
      expect(v.name).toBe('v1beta1');
      expect(v.subresources).toEqual({ status: {} });
      expect(v.additionalPrinterColumns.map((c) => c.name)).toEqual([
        'Mode',
        'Desired',
        'Current',
        'Ready',
        'Scaling-Group',
        'Pool-Ready',
        'Phase',
        'Age',
      ]);
    },
  );

  test.each(CRD_KINDS)('%s: every field has a description and every value a bound', (kind) => {
    const crd = buildCrd(kind) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
    const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
    const props = root.properties as Record<string, Schema>;
    expect(lint(props.spec!, 'spec')).toEqual([]);
    expect(lint(props.status!, 'status')).toEqual([]);
    expect(JSON.stringify(root)).not.toContain('anyOf');
    expect(JSON.stringify(root)).not.toContain('$schema');
    expect(JSON.stringify(root)).not.toContain('propertyNames');
  });

  test('object defaults are written out in full, nested defaults included', () => {
    const crd = buildCrd('ManagedNodePool') as {
      spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: Schema } } } }[] };
    };
    const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec;
    const scaling = (spec.properties as Record<string, Schema>).scaling!;
    expect(scaling.default).toEqual({ mode: 'Auto', minSize: 0, maxSize: 50, multiAZPolicy: 'Priority' });
  });
});

describe('zod → structural schema', () => {
  test('drops $schema, propertyNames and additionalProperties: false next to properties', () => {
    const s = structuralSchemaOf(
      z
        .strictObject({ m: z.record(z.string(), z.string().max(3)).meta({ description: 'm' }) })
        .meta({ description: 'x' }),
      'test',
    );
    expect(s).toEqual({
      type: 'object',
      description: 'x',
      properties: {
        m: { type: 'object', description: 'm', additionalProperties: { type: 'string', maxLength: 3 } },
      },
      required: ['m'],
    });
  });

  test('refuses a union that is not int-or-string', () => {
    expect(() =>
      structuralSchemaOf(z.object({ u: z.union([z.string(), z.object({ a: z.string() })]) }), 'u'),
    ).toThrow(StructuralSchemaError);
  });

  test('turns a tagged int-or-string union into x-kubernetes-int-or-string', () => {
    const s = toStructural({
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect(s).toEqual({ 'x-kubernetes-int-or-string': true });
  });

  test('lint names the fields without a description or a bound', () => {
    const s = structuralSchemaOf(
      z.object({ a: z.string(), b: z.array(z.int()).meta({ description: 'b' }) }),
      'l',
    );
    expect(lint(s, 'spec')).toEqual([
      'spec: no description',
      'spec.a: no description',
      'spec.a: string without maxLength',
      'spec.b: list without maxItems',
    ]);
  });
});
