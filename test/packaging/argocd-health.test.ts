import { beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import * as z from 'zod';
import { run } from '../../src/devstack/exec.js';
import { PACKAGE_ROOT } from '../../src/devstack/paths.js';
import { ensureCrds } from '../api/support/crds.js';
import { kubectl } from '../support/kube.js';

// Argo CD runs health scripts in gopher-lua (Lua 5.1) with only the base and table libraries. These tests run
// ours in Debian's lua5.1 (+ lua-cjson to hand it the object), in the same restricted environment (see the
// runner), against the health_test.yaml + testdata/ of each kind, in Argo CD's own layout.
const RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'argocd-health-runner.lua');
const ARGOCD = join(PACKAGE_ROOT, 'deploy', 'argocd');
const CUSTOMIZATIONS = join(ARGOCD, 'resource_customizations', 'nodepool.alicloud.dev');
const KINDS = ['NodePool', 'ManagedNodePool'] as const;

const HealthTests = z.object({
  tests: z
    .array(
      z.object({
        healthStatus: z.object({
          status: z.enum(['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown']),
          message: z.string(),
        }),
        inputPath: z.string(),
      }),
    )
    .min(1),
});
const HealthResult = z.object({ status: z.string(), message: z.string().optional() });

async function health(script: string, obj: unknown): Promise<z.output<typeof HealthResult>> {
  const r = await run('lua5.1', [RUNNER, script], { input: JSON.stringify(obj) });
  if (r.code !== 0) throw new Error(`lua5.1 exited ${r.code}: ${r.stderr.trim()}`);
  return HealthResult.parse(JSON.parse(r.stdout));
}

function cases(kind: string): [string, string, z.output<typeof HealthTests>['tests'][number]][] {
  const dir = join(CUSTOMIZATIONS, kind);
  const spec = HealthTests.parse(parse(readFileSync(join(dir, 'health_test.yaml'), 'utf8')));
  return spec.tests.map((t) => [kind, t.inputPath, t]);
}

describe('Argo CD health checks', () => {
  beforeAll(() => ensureCrds());

  test.each([...cases('NodePool'), ...cases('ManagedNodePool')])('%s %s', async (kind, inputPath, t) => {
    const dir = join(CUSTOMIZATIONS, kind);
    const obj = parse(readFileSync(join(dir, inputPath), 'utf8')) as unknown;
    expect(await health(join(dir, 'health.lua'), obj)).toEqual(t.healthStatus);
  });

  test.each(KINDS)('every %s testdata file is named in health_test.yaml', (kind) => {
    const named = cases(kind).map(([, p]) => p);
    const files = readdirSync(join(CUSTOMIZATIONS, kind, 'testdata')).map((f) => `testdata/${f}`);
    expect(named.sort()).toEqual(files.sort());
  });

  test('each status Argo CD can show is reached by some testdata', () => {
    const statuses = new Set(KINDS.flatMap((k) => cases(k).map(([, , t]) => t.healthStatus.status)));
    expect([...statuses].sort()).toEqual(['Degraded', 'Healthy', 'Progressing']);
  });

  test('the runner is as strict as Argo CD: no string library, no string methods, no os or io', async () => {
    const probe = join(PACKAGE_ROOT, 'dist', `argocd-probe-${process.pid}.lua`);
    const { writeFile, rm } = await import('node:fs/promises');
    try {
      for (const body of [
        'return { status = string.upper("x") }',
        'return { status = ("x"):upper() }',
        'return { status = os.getenv("HOME") }',
        'return { status = io.read() }',
        'return { status = require("cjson") }',
        'while true do end',
      ]) {
        await writeFile(probe, body);
        await expect(health(probe, {})).rejects.toThrow(/lua5\.1 exited/);
      }
      await writeFile(probe, 'return { status = "Healthy", message = obj.metadata.name .. "!" }');
      expect(await health(probe, { metadata: { name: 'a', x: null } })).toEqual({
        status: 'Healthy',
        message: 'a!',
      });
    } finally {
      await rm(probe, { force: true });
    }
  });

  test('argocd-cm.yaml carries exactly the scripts of resource_customizations/', () => {
    const cm = parse(readFileSync(join(ARGOCD, 'argocd-cm.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    expect(Object.keys(cm.data).sort()).toEqual(
      KINDS.map((k) => `resource.customizations.health.nodepool.alicloud.dev_${k}`).sort(),
    );
    for (const kind of KINDS) {
      const lua = readFileSync(join(CUSTOMIZATIONS, kind, 'health.lua'), 'utf8');
      expect(cm.data[`resource.customizations.health.nodepool.alicloud.dev_${kind}`]).toBe(lua);
    }
  });

  test.each(KINDS)('the %s testdata are pools the API server accepts', async (kind) => {
    // a server-side dry run validates the spec against the installed CRD (schema and CEL rules)
    for (const [, inputPath] of cases(kind)) {
      const obj = parse(readFileSync(join(CUSTOMIZATIONS, kind, inputPath), 'utf8')) as {
        metadata: Record<string, unknown>;
      };
      const { name } = obj.metadata;
      const r = await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], {
        input: JSON.stringify({ ...obj, metadata: { name }, status: undefined }),
      });
      expect({ inputPath, code: r.code, stderr: r.stderr.trim() }).toEqual({
        inputPath,
        code: 0,
        stderr: '',
      });
    }
  });
});
