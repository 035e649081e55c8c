import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PoolStatus } from '../../src/apis/v1beta1/status.js';
import { validateObject } from '../../src/apis/v1beta1/validate.js';
import { run } from '../../src/devstack/exec.js';
import { PACKAGE_ROOT } from '../../src/devstack/paths.js';
import { getJson, kubectl, kubectlOk } from '../support/kube.js';
import { ensureCrds } from './support/crds.js';

const dir = join(PACKAGE_ROOT, 'examples');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
interface Doc {
  kind: 'NodePool' | 'ManagedNodePool';
  metadata: { name: string };
  spec: Record<string, unknown>;
}
const docs = files.map((f) => ({ file: f, doc: parse(readFileSync(join(dir, f), 'utf8')) as Doc }));
const resource = (kind: string): string => (kind === 'NodePool' ? 'nodepools' : 'managednodepools');

beforeAll(async () => {
  await ensureCrds();
});

afterAll(async () => {
  await kubectl([
    'delete',
    '--ignore-not-found',
    '--wait=false',
    ...files.flatMap((f) => ['-f', join(dir, f)]),
  ]);
});

describe('examples/', () => {
  test('holds the six kinds of pool the docs promise', () => {
    expect(files).toEqual([
      'managednodepool.yaml',
      'nodepool-auto.yaml',
      'nodepool-external.yaml',
      'nodepool-manual.yaml',
      'nodepool-spot.yaml',
      'nodepool-subscription.yaml',
    ]);
  });

  test('`nodepool-operator validate` accepts them all (exit 0, no output)', async () => {
    const r = await run(process.execPath, [
      join(PACKAGE_ROOT, 'bin', 'nodepool-operator.js'),
      'validate',
      ...files.map((f) => join(dir, f)),
    ]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('`nodepool-operator validate -` reads stdin and exits 1 with one line per problem', async () => {
    const bad = readFileSync(join(dir, 'nodepool-manual.yaml'), 'utf8').replace(
      'desiredSize: 3',
      'desiredSize: 3\n    minSize: 1',
    );
    const r = await run(
      process.execPath,
      [join(PACKAGE_ROOT, 'bin', 'nodepool-operator.js'), 'validate', '-'],
      { input: bad },
    );
    expect({ code: r.code, stdout: r.stdout }).toEqual({
      code: 1,
      stdout:
        '<stdin>:NodePool/example-manual: spec.scaling.mode: minSize and maxSize are for Auto mode only: a Manual pool keeps desiredSize nodes\n',
    });
  });

  test.each(docs.map((d) => [d.file, d] as const))(
    '%s is accepted by the apiserver, defaulted as zod defaults it',
    async (_f, { file, doc }) => {
      await kubectlOk(['apply', '--server-side', '-f', join(dir, file)]);
      const stored = await getJson<Doc>([resource(doc.kind), doc.metadata.name]);
      const local = validateObject(doc);
      if (!local.ok) throw new Error(JSON.stringify(local.problems));
      expect(stored.spec).toEqual(local.value.spec);
    },
  );

  test('`kubectl get np` prints the printer columns', async () => {
    const out = await kubectlOk(['get', 'np', '-o', 'wide']);
    const header = out.split('\n')[0]!.trim().split(/\s+/);
    expect(header).toEqual([
      'NAME',
      'MODE',
      'DESIRED',
      'CURRENT',
      'READY',
      'SCALING-GROUP',
      'POOL-READY',
      'PHASE',
      'AGE',
    ]);
    const manual = out.split('\n').find((l) => l.startsWith('example-manual '));
    expect(manual?.split(/\s+/)[1]).toBe('Manual');
    const mnp = await kubectlOk(['get', 'mnp']);
    expect(mnp).toMatch(/^example-elastic\s+Auto\s/m);
    const category = await kubectlOk([
      'get',
      'nodepools.nodepool.alicloud.dev,managednodepools',
      '-o',
      'name',
    ]);
    expect(category).toContain('managednodepool.nodepool.alicloud.dev/example-elastic');
  });

  test("the status subresource takes the operator's status, and the columns show it", async () => {
    const status = {
      observedGeneration: 1,
      phase: 'Active',
      scalingGroupId: 'asg-bp1example',
      scalingConfigurationId: 'asc-bp1example',
      desiredSize: 3,
      currentSize: 3,
      readySize: 2,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          observedGeneration: 1,
          lastTransitionTime: '2026-01-01T00:00:00Z',
          reason: 'AllNodesReady',
          message: 'all 3 nodes are Ready',
        },
        {
          type: 'Degraded',
          status: 'False',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          reason: 'Reconciled',
          message: '',
        },
      ],
    };
    expect(PoolStatus.safeParse(status).success).toBe(true);
    await kubectlOk([
      'patch',
      'np',
      'example-manual',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
    const row = (await kubectlOk(['get', 'np', 'example-manual', '-o', 'wide', '--no-headers']))
      .trim()
      .split(/\s+/);
    expect(row.slice(0, 8)).toEqual([
      'example-manual',
      'Manual',
      '3',
      '3',
      '2',
      'asg-bp1example',
      'True',
      'Active',
    ]);
    const stored = await getJson<Doc & { status: typeof status }>(['np', 'example-manual']);
    expect(stored.status.readySize).toBe(2);
  });

  test('`kubectl explain` teaches the API', async () => {
    const scaling = await kubectlOk(['explain', 'nodepool.spec.scaling']);
    expect(scaling).toContain('How many nodes the pool has');
    expect(scaling).toContain('desiredSize');
    expect(scaling).toContain('Manual only');
    const windows = await kubectlOk(['explain', 'managednodepool.spec.maintenance.windows']);
    expect(windows).toContain('A weekly window in which automation may disrupt nodes');
    const ref = await kubectlOk(['explain', 'nodepool.spec.login.passwordSecretRef']);
    expect(ref).toContain("operator's own namespace");
  });
});
