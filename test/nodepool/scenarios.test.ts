import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eventually, getJson, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from './harness.js';
import { condition, gone, instanceOf, pool, poolNodes, ready } from './poll.js';
import { activeWith as active } from './poll.js';

const activeWith = async (name: string, n: number) => (await active(name, n)).pool;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-scn' });
});
afterAll(async () => {
  await h.stop();
});

test('a pool whose billing changed: the Subscription instance is launched by RunInstances + attach, and on delete it is retained while the pay-as-you-go one is released', async () => {
  const name = uniqueName('np-bill');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 1 } }));
  await activeWith(name, 1);
  const payg = instanceOf((await poolNodes(name))[0]!);
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 }, billing: { chargeType: 'Subscription', subscription: { period: 1, periodUnit: 'Month', autoRenew: false } } })); // prettier-ignore
  await activeWith(name, 2);
  const nodes = await poolNodes(name);
  const sub = nodes.map(instanceOf).find((i) => i !== payg)!;
  expect(h.sim.cloud.instances.get(sub)?.chargeType).toBe('PrePaid');
  expect(h.sim.ess.state.instances.get(sub)?.creationType).toBe('Attached');
  expect(h.sim.cloud.instances.get(payg)?.chargeType).toBe('PostPaid');

  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
  expect(h.sim.cloud.instances.get(sub)?.status).toBe('Running');
  expect(h.sim.cloud.instances.get(payg)?.status ?? 'Released').not.toBe('Running');
  const left = await poolNodes(name);
  expect(left.map(instanceOf)).toEqual([sub]);
  // Cleanup: the retained node object (its instance stays in the cloud, as a user would decide).
  await kubectlOk(['delete', 'node', left[0]!.metadata.name]);
});

test('scale-in waits for a PodDisruptionBudget, reports the blocked drain, and finishes once the budget allows', async () => {
  const name = uniqueName('np-pdb');
  const ns = uniqueName('pdb');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 }, disruption: { budget: 1, drainTimeout: '1h' } })); // prettier-ignore
  await activeWith(name, 2);
  const nodes = await poolNodes(name);
  await kubectlOk(['create', 'namespace', ns]);
  for (const [i, n] of nodes.entries()) {
    await kubectlOk(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `app-${i}`, labels: { app: 'guarded' } }, spec: { nodeName: n.metadata.name, terminationGracePeriodSeconds: 0, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'c', image: 'registry.example/app:1' }] } }) }); // prettier-ignore
  }
  await kubectlOk(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guard' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } } }) }); // prettier-ignore
  await eventually('the PDB sees 2 healthy pods', async () => {
    const pdb = await getJson<{ status?: { currentHealthy?: number } }>(['pdb', 'guard', '-n', ns]);
    return pdb.status?.currentHealthy === 2 ? true : undefined;
  }, { timeoutMs: 60_000 }); // prettier-ignore

  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 1 }, disruption: { budget: 1, drainTimeout: '1h' } })); // prettier-ignore
  const blocked = await eventually('the drain reported', async () => {
    const p = await pool(name);
    const c = condition(p, 'Progressing');
    if (c?.status === 'True' && /draining/.test(c.message)) return p;
    throw new Error(`phase ${p.status?.phase}, Progressing ${c?.status}: ${c?.message}`);
  }, { timeoutMs: 60_000 }); // prettier-ignore
  expect(blocked.status?.currentSize).toBe(2);
  const cordoned = (await poolNodes(name)).filter((n) => n.spec?.unschedulable);
  expect(cordoned).toHaveLength(1);
  // Still two instances a while later: nothing is forced.
  expect((await pool(name)).status?.currentSize).toBe(2);

  await kubectlOk(['patch', 'pdb', 'guard', '-n', ns, '--type=merge', '-p', '{"spec":{"minAvailable":0}}']);
  await activeWith(name, 1);
  expect((await poolNodes(name)).map((n) => n.metadata.name)).not.toContain(cordoned[0]!.metadata.name);
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
});

test('an ESS-started removal (health-check replacement of a stopped instance) is drained through the SCALE_IN hook, then ESS replaces the instance', async () => {
  const name = uniqueName('np-hook');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 } }));
  await activeWith(name, 2);
  const [victim] = await poolNodes(name);
  const id = instanceOf(victim!);
  h.sim.cloud.stop(id, 'KeepCharging'); // not Running: unhealthy to ESS
  await eventually('the stopped instance replaced and released', async () => {
    const nodes = await poolNodes(name);
    const ids = nodes.filter(ready).map(instanceOf);
    return !ids.includes(id) && ids.length === 2 && h.sim.cloud.instances.get(id)?.status !== 'Running' ? true : undefined; // prettier-ignore
  }, { timeoutMs: 120_000 }); // prettier-ignore
  await activeWith(name, 2);
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
});

describe('stock', () => {
  test('stock-out on the first instance type: ESS falls back and the status says so; none at all: Degraded with the reason', async () => {
    const name = uniqueName('np-stock');
    for (const z of h.world.zones) h.sim.setStock({ zoneId: z, instanceType: 'ecs.r7.xlarge', onDemand: 0 });
    await applyPool(poolManifest(h, name, { instanceTypes: ['ecs.r7.xlarge', 'ecs.r7.2xlarge'], scaling: { mode: 'Manual', desiredSize: 1 } })); // prettier-ignore
    const p = await activeWith(name, 1);
    expect(p.status?.lastScalingActivity?.description).toMatch(/OperationDenied.NoStock for ecs.r7.xlarge in .*; created ecs.r7.2xlarge/); // prettier-ignore

    for (const z of h.world.zones) h.sim.setStock({ zoneId: z, instanceType: 'ecs.r7.2xlarge', onDemand: 0 });
    await applyPool(poolManifest(h, name, { instanceTypes: ['ecs.r7.xlarge', 'ecs.r7.2xlarge'], scaling: { mode: 'Manual', desiredSize: 2 } })); // prettier-ignore
    const d = await eventually('Degraded', async () => { const x = await pool(name); return x.status?.phase === 'Degraded' ? x : undefined; }, { timeoutMs: 60_000 }); // prettier-ignore
    expect(condition(d, 'Degraded')).toMatchObject({ status: 'True', reason: 'ScalingActivityFailed' });
    expect(condition(d, 'Degraded')?.message).toMatch(/OperationDenied.NoStock/);
    for (const z of h.world.zones)
      h.sim.setStock({ zoneId: z, instanceType: 'ecs.r7.2xlarge', onDemand: 1000 });
    await activeWith(name, 2);
    await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
    await gone(name);
  });
});

test('Manual → Auto keeps the nodes within min/max; Auto → Manual: min 0, max 2000, desired from the spec; hand-changed ESS sizes are restored', async () => {
  const name = uniqueName('np-mode');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 } }));
  const p = await activeWith(name, 2);
  const gid = p.status!.scalingGroupId!;
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Auto', minSize: 1, maxSize: 5 } }));
  await eventually('ESS min 1 max 5', async () => { const g = h.sim.ess.state.groups.get(gid); return g?.minSize === 1 && g.maxSize === 5 ? true : undefined; }); // prettier-ignore
  expect(h.sim.ess.state.groups.get(gid)?.desiredCapacity).toBe(2);
  // The CRD requires desiredSize in Manual mode (admission), so the switch back names the size: the current count.
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 } }));
  await eventually('ESS min 0 max 2000', async () => { const g = h.sim.ess.state.groups.get(gid); return g?.minSize === 0 && g.maxSize === 2000 ? true : undefined; }); // prettier-ignore
  expect(h.sim.ess.state.groups.get(gid)?.desiredCapacity).toBe(2);
  await activeWith(name, 2);
  // ESS sizes changed by hand are restored from the spec (with an Event).
  await h.cloud.provider.setCapacity(gid, { maxSize: 7 });
  await eventually('max restored', async () => (h.sim.ess.state.groups.get(gid)?.maxSize === 2000 ? true : undefined), { timeoutMs: 90_000 }); // prettier-ignore
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
});

test('existingInstances are attached with a data-loss warning, count toward the size, and are retained on delete', async () => {
  const name = uniqueName('np-exist');
  const [own] = await h.cloud.provider.runInstances(
    {
      imageId: 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd',
      instanceType: 'ecs.g7.xlarge',
      vSwitchId: h.world.vSwitchIds[0]!,
      securityGroupIds: [h.world.securityGroupId],
      amount: 1,
      chargeType: 'PostPaid',
      systemDisk: { category: 'cloud_essd', sizeGiB: 40 },
      dataDisks: [],
      userData: '',
      tags: { 'nodepool.alicloud.dev/attachable': 'true' },
    },
    { operationId: `${name}-own` },
  );
  await eventually('the user instance running', async () => (h.sim.cloud.instances.get(own!)?.status === 'Running' ? true : undefined)); // prettier-ignore
  await applyPool(
    poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 }, existingInstances: [own] }),
  );
  // re-initialized (stop, re-image, start) before it is attached: test/nodepool/existing-instances.test.ts
  await eventually('the instance attached', async () => (h.sim.ess.state.instances.get(own!)?.creationType === 'Attached' ? true : undefined), { timeoutMs: 180_000 }); // prettier-ignore
  const events = await getJson<{ items: { reason?: string; note?: string; regarding?: { name?: string } }[] }>(['events.v1.events.k8s.io', '-n', 'default']); // prettier-ignore
  const warn = events.items.find(
    (e) => e.regarding?.name === name && e.reason === 'ExistingInstanceReinitialized',
  );
  expect(warn?.note).toMatch(/data on its system disk is lost/);
  await eventually('2 members', async () => ((await pool(name)).status?.currentSize === 2 ? true : undefined), { timeoutMs: 120_000 }); // prettier-ignore

  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
  expect(h.sim.cloud.instances.get(own!)?.status).toBe('Running');
}, 420_000);
