import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { run } from '../../src/devstack/exec.js';
import { ensureCrds } from '../api/support/crds.js';
import { testCluster } from '../support/access.js';
import { eventually, getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';

// `nodepool-operator uninstall --keep-cloud-resources` (the built CLI) against the real API server: pools and
// Nodes holding the operator's finalizers, some already being deleted, as an operator that was removed leaves
// them. The operator's finalizer names are assumed to lie in its API group's domain (nodepool.alicloud.dev/...).
const ns = uniqueName('pkg-uninstall');
const lease = 'alicloud-nodepool-operator';
const pool = uniqueName('np-keep');
const doomedPool = uniqueName('mnp-deleting');
const node = uniqueName('node-deleting');
const FOREIGN = 'example.com/someone-else';

const spec = {
  region: 'cn-hangzhou',
  vpcId: 'vpc-bp1example',
  vSwitchIds: ['vsw-bp1zonea'],
  instanceTypes: ['ecs.g7.xlarge'],
  ramRoleName: 'k8s-worker-role',
  securityGroup: { ids: ['sg-bp1example'] },
};

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = testCluster();
  // Test files share the API server: the selector keeps this uninstall to this file's pools and their Nodes.
  return run(
    process.execPath,
    [
      'bin/nodepool-operator.js',
      'uninstall',
      '--kubeconfig',
      c.kubeconfig,
      '--namespace',
      ns,
      '--selector',
      `pkg-uninstall=${ns}`,
      ...args,
    ],
    { env: { ...process.env, KUBECONFIG: '' } },
  );
}

async function finalizers(what: string[]): Promise<string[] | 'gone'> {
  const r = await kubectl(['get', ...what, '-o', 'jsonpath={.metadata.finalizers}']);
  if (/NotFound/.test(r.stderr)) return 'gone';
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout ? (JSON.parse(r.stdout) as string[]) : [];
}

async function holdLease(holder: string, renewTime: Date): Promise<void> {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=test', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: lease, namespace: ns },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: 15,
        renewTime: renewTime.toISOString().replace('Z', '000Z'),
      },
    }),
  });
}

beforeAll(async () => {
  await ensureCrds();
  await kubectlOk(['create', 'namespace', ns]);
  await kubectlOk(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'nodepool.alicloud.dev/v1beta1',
          kind: 'NodePool',
          metadata: {
            name: pool,
            labels: { 'pkg-uninstall': ns },
            finalizers: ['nodepool.alicloud.dev/cleanup', FOREIGN],
          },
          spec: {
            ...spec,
            scaling: { mode: 'Manual', desiredSize: 2 },
            image: { type: 'AliyunLinux3ContainerOptimized' },
          },
        },
        {
          apiVersion: 'nodepool.alicloud.dev/v1beta1',
          kind: 'ManagedNodePool',
          metadata: {
            name: doomedPool,
            labels: { 'pkg-uninstall': ns },
            finalizers: ['nodepool.alicloud.dev/cleanup'],
          },
          spec: { ...spec, scaling: { minSize: 0, maxSize: 5 }, image: { type: 'ContainerOS' } },
        },
        {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name: node,
            finalizers: ['nodepool.alicloud.dev/node'],
            labels: { 'nodepool.alicloud.dev/pool': doomedPool },
          },
        },
      ],
    }),
  });
  await kubectlOk([
    'patch',
    'nodepool',
    pool,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { scalingGroupId: 'asg-bp1kept' } }),
  ]);
  // deleted while the operator is gone: they wait for finalizers nobody will remove
  await kubectlOk(['delete', 'managednodepool', doomedPool, '--wait=false']);
  await kubectlOk(['delete', 'node', node, '--wait=false']);
});

afterAll(async () => {
  await kubectl(['patch', 'nodepool', pool, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  await kubectl(['delete', 'nodepool', pool, '--wait=false']);
  await kubectl([
    'patch',
    'managednodepool',
    doomedPool,
    '--type=merge',
    '-p',
    '{"metadata":{"finalizers":null}}',
  ]);
  await kubectl(['patch', 'node', node, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('nodepool-operator uninstall', () => {
  test('without a choice about cloud resources it refuses and changes nothing', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--keep-cloud-resources.*--delete-cloud-resources/);
    expect(await finalizers(['nodepool', pool])).toEqual(['nodepool.alicloud.dev/cleanup', FOREIGN]);
  });

  test('while an operator holds its Lease it refuses and changes nothing', async () => {
    await holdLease('operator-pod-a', new Date());
    const r = await cli(['--keep-cloud-resources']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/an operator \(operator-pod-a\) holds the Lease .*Stop it first/);
    expect(await finalizers(['nodepool', pool])).toEqual(['nodepool.alicloud.dev/cleanup', FOREIGN]);
    expect(await finalizers(['node', node])).toEqual(['nodepool.alicloud.dev/node']);
  });

  test('--keep-cloud-resources with the operator gone: no pool or Node stays stuck; other finalizers stay', async () => {
    await holdLease('operator-pod-a', new Date(Date.now() - 60_000)); // expired: the operator is gone
    const r = await cli(['--keep-cloud-resources']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain(
      `NodePool ${pool}: finalizers removed; scaling group asg-bp1kept stays in the cloud`,
    );
    expect(r.stdout).toContain(
      `ManagedNodePool ${doomedPool}: finalizers removed (it was being deleted: now gone)`,
    );
    expect(r.stdout).toContain(`Node ${node}: finalizers removed (it was being deleted: now gone)`);
    await eventually('the deleted pool and Node gone', async () =>
      (await finalizers(['managednodepool', doomedPool])) === 'gone' &&
      (await finalizers(['node', node])) === 'gone'
        ? true
        : undefined,
    );
    expect(await finalizers(['nodepool', pool])).toEqual([FOREIGN]);
    const kept = await getJson<{ status?: { scalingGroupId?: string } }>(['nodepool', pool]);
    expect(kept.status?.scalingGroupId).toBe('asg-bp1kept');
  });

  test('run again, it finds nothing to do', async () => {
    const r = await cli(['--keep-cloud-resources']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/done: finalizers removed from 0 pool\(s\) and 0 Node\(s\)/);
  });
});
