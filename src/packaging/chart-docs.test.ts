import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../devstack/paths.js';

const CHART = join(PACKAGE_ROOT, 'charts', 'alicloud-nodepool-operator');
const CRD_CHART = join(PACKAGE_ROOT, 'charts', 'alicloud-nodepool-operator-crds');

/** Dotted paths of every value, down to the leaves (lists and empty maps are leaves). */
function leaves(v: unknown, prefix = ''): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length === 0) return [prefix];
  return Object.entries(v).flatMap(([k, x]) => leaves(x, prefix ? `${prefix}.${k}` : k));
}

/** The value names in the first column of the README's values table (the table after `## Values`, or the only one). */
function documented(readme: string): string[] {
  const i = readme.indexOf('\n## Values\n');
  const table = i >= 0 ? readme.slice(i) : readme;
  return [...table.matchAll(/^\| `([A-Za-z][\w.]*)` \|/gm)].map((m) => m[1]!);
}

describe('the charts', () => {
  test.each([
    ['alicloud-nodepool-operator', CHART],
    ['alicloud-nodepool-operator-crds', CRD_CHART],
  ])(
    'every value of %s is documented in its README, and the README names no value that does not exist',
    (_, dir) => {
      const values = parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
      const docs = documented(readFileSync(join(dir, 'README.md'), 'utf8'));
      const paths = leaves(values);
      const undocumented = paths.filter((p) => !docs.some((d) => p === d || p.startsWith(`${d}.`)));
      expect(undocumented).toEqual([]);
      const stale = docs.filter((d) => !paths.some((p) => p === d || p.startsWith(`${d}.`)));
      expect(stale).toEqual([]);
    },
  );

  test("the charts' version and appVersion are package.json's version", () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const dir of [CHART, CRD_CHART]) {
      const chart = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as {
        version: string;
        appVersion: string;
      };
      expect({ dir, version: chart.version, appVersion: chart.appVersion }).toEqual({
        dir,
        version,
        appVersion: version,
      });
    }
  });

  test('values.schema.json describes every top-level value and allows no others', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as {
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(values).filter((k) => !(k in schema.properties))).toEqual([]);
  });
});
