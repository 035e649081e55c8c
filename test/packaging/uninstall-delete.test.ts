import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { run } from '../../src/devstack/exec.js';
import { testCluster } from '../support/access.js';
import { getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from '../nodepool/harness.js';
import { activeWith, instanceOf, poolNodes } from '../nodepool/poll.js';

// `nodepool-operator uninstall --delete-cloud-resources` (the built CLI) while the NodePool controller runs
// against the simulator: the selected pools are deleted, their pay-as-you-go instances released and groups
// deleted, the Subscription instance kept with its Node; pools outside the selector are not touched.
const CLUSTER = 'c-undel';
const ns = uniqueName('pkg-undel');
const lease = 'alicloud-nodepool-operator';
const payg = uniqueName('np-payg');
const sub = uniqueName('np-sub');
const other = uniqueName('np-other');
const stuck = uniqueName('np-stuck');
const FOREIGN = 'example.com/someone-else';

let h: Harness;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = testCluster();
  return run(
    process.execPath,
    ['bin/nodepool-operator.js', 'uninstall', '--kubeconfig', c.kubeconfig, '--namespace', ns, ...args],
    { env: { ...process.env, KUBECONFIG: '' } },
  );
}

/** The running operator's Lease, as its leader election writes it (the harness runs the controller without one). */
async function holdLease(): Promise<void> {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=test', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: lease, namespace: ns },
      spec: {
        holderIdentity: 'operator-pod-a',
        leaseDurationSeconds: 3600,
        renewTime: new Date().toISOString().replace('Z', '000Z'),
      },
    }),
  });
}

const exists = async (kind: string, name: string): Promise<boolean> => {
  const r = await kubectl(['get', kind, name, '-o', 'name']);
  if (r.code === 0) return true;
  if (/NotFound/.test(r.stderr)) return false;
  throw new Error(r.stderr);
};

beforeAll(async () => {
  h = await startHarness({ clusterId: CLUSTER });
  await kubectlOk(['create', 'namespace', ns]);
  await applyPool(poolManifest(h, payg, { scaling: { mode: 'Manual', desiredSize: 2 } }));
  await applyPool(
    poolManifest(h, sub, {
      scaling: { mode: 'Manual', desiredSize: 1 },
      billing: {
        chargeType: 'Subscription',
        subscription: { period: 1, periodUnit: 'Month', autoRenew: false },
      },
    }),
  );
  // a pool outside the selector (no operator manages it here)
  const outside = poolManifest(h, other);
  await applyPool({ ...outside, metadata: { name: other, labels: { 'nodepool-e2e': 'someone-else' } } });
  await Promise.all([activeWith(payg, 2), activeWith(sub, 1)]);
}, 240_000);

afterAll(async () => {
  for (const n of [other, stuck]) {
    await kubectl(['patch', 'nodepool', n, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await kubectl(['delete', 'nodepool', n, '--wait=false']);
  }
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
  await h.stop();
});

describe('nodepool-operator uninstall --delete-cloud-resources', () => {
  test('with no operator running it refuses and deletes nothing', async () => {
    const r = await cli(['--delete-cloud-resources', '--selector', `nodepool-e2e=${CLUSTER}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /no operator is running \(nobody holds the Lease .*\/alicloud-nodepool-operator\)/,
    );
    const p = await getJson<{ metadata: { deletionTimestamp?: string } }>(['nodepool', payg]);
    expect(p.metadata.deletionTimestamp).toBeUndefined();
  });

  test('a bad --timeout is refused naming the flag', async () => {
    const r = await cli(['--delete-cloud-resources', '--timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout: "soon" is not a duration/);
  });

  test('with the operator running: the selected pools go with their groups and pay-as-you-go instances; the Subscription instance and its Node stay', async () => {
    await holdLease();
    const groups = await Promise.all(
      [payg, sub].map(
        async (n) =>
          (await getJson<{ status: { scalingGroupId: string } }>(['nodepool', n])).status.scalingGroupId,
      ),
    );
    const paygInstances = (await poolNodes(payg)).map(instanceOf);
    const subInstance = instanceOf((await poolNodes(sub))[0]!);
    expect(paygInstances).toHaveLength(2);

    const r = await cli([
      '--delete-cloud-resources',
      '--selector',
      `nodepool-e2e=${CLUSTER}`,
      '--timeout',
      '3m',
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain(
      `NodePool ${payg}: deleted (scaling group ${groups[0]}); the operator releases its instances`,
    );
    expect(r.stdout).toMatch(/waiting for \d of 2 pool\(s\)/);
    expect(r.stdout).toContain(
      `done: 2 pool(s) deleted with their scaling groups and pay-as-you-go / spot instances; 1 instance(s) kept in the cloud, with their Nodes: ${subInstance}`,
    );
    expect(r.stdout).not.toContain(other);

    expect(await exists('nodepool', payg)).toBe(false);
    expect(await exists('nodepool', sub)).toBe(false);
    for (const g of groups) expect(h.sim.ess.state.groups.has(g)).toBe(false);
    for (const i of paygInstances)
      expect(h.sim.cloud.instances.get(i)?.status ?? 'Released').not.toBe('Running');
    expect(h.sim.cloud.instances.get(subInstance)?.status).toBe('Running');
    expect(await poolNodes(payg)).toHaveLength(0);
    const kept = await poolNodes(sub);
    expect(kept.map(instanceOf)).toEqual([subInstance]);
    expect(kept[0]!.metadata.finalizers ?? []).not.toContainEqual(
      expect.stringMatching(/^nodepool\.alicloud\.dev\//),
    );
    // the pool outside the selector is untouched
    const untouched = await getJson<{ metadata: { deletionTimestamp?: string } }>(['nodepool', other]);
    expect(untouched.metadata.deletionTimestamp).toBeUndefined();
    await kubectlOk(['delete', 'node', kept[0]!.metadata.name]);
  }, 240_000);

  test('a pool that cannot go: it stops waiting at --timeout, exits 1 and names what is left', async () => {
    await holdLease();
    await applyPool({
      ...poolManifest(h, stuck),
      metadata: { name: stuck, labels: { 'nodepool-e2e': 'stuck-one' }, finalizers: [FOREIGN] },
    });
    const r = await cli([
      '--delete-cloud-resources',
      '--selector',
      'nodepool-e2e=stuck-one',
      '--timeout',
      '3s',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`NodePool ${stuck}: deleted`);
    expect(r.stderr).toMatch(new RegExp(`gave up waiting after \\d+ s; still deleting: NodePool ${stuck}`));
    // the deletion itself goes on: the pool is marked deleted, only the foreign finalizer holds it
    const p = await getJson<{ metadata: { deletionTimestamp?: string; finalizers?: string[] } }>([
      'nodepool',
      stuck,
    ]);
    expect(p.metadata.deletionTimestamp).toBeDefined();
    expect(p.metadata.finalizers).toEqual([FOREIGN]);
  });
});
