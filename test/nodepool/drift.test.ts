import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { eventually, getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from './harness.js';
import { activeWith, instanceOf, pool, poolNodes } from './poll.js';
import { ensureScalingGroup } from '../../src/controllers/nodepool/scalinggroup/ensure.js';

// Out-of-band operations (seed 004), done the way a user or another tool does them: kubectl, the real SDK.

let h: Harness;
beforeAll(async () => {
  // A scaling group tagged with the cluster whose pool does not exist: reported at start-up, left alone.
  h = await startHarness({
    clusterId: 'c-drift',
    beforeStart: async (cloud, world) => {
      await ensureScalingGroup(cloud.provider, {
        group: { name: 'np-c-drift-ghost', minSize: 0, maxSize: 1, desiredCapacity: 0, vSwitchIds: world.vSwitchIds.slice(0, 1), multiAZPolicy: 'PRIORITY', scalingPolicy: 'release', tags: { 'nodepool.alicloud.dev/cluster': 'c-drift', 'nodepool.alicloud.dev/pool': 'ghost' } }, // prettier-ignore
        launch: { imageId: 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd', instanceTypes: ['ecs.g7.large'], securityGroupIds: [world.securityGroupId], systemDisk: { category: 'cloud_essd', sizeGiB: 40 }, dataDisks: [], userData: '', tags: {} }, // prettier-ignore
        operationId: 'ghost',
      });
    },
  });
});
afterAll(async () => {
  await h.stop();
});

const activeWithout = async (name: string, n: number, without: string[] = []) => (await activeWith(name, n, { without })).nodes; // prettier-ignore

const name = uniqueName('np-drift');

test('kubectl delete node: drained, its instance released, a replacement launched (the spec is the truth)', async () => {
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 } }));
  const nodes = await activeWithout(name, 2);
  await eventually('the operator finalizer on the nodes', async () => ((await poolNodes(name)).every((n) => n.metadata.finalizers?.includes('nodepool.alicloud.dev/instance')) ? true : undefined)); // prettier-ignore
  const victim = nodes[0]!;
  const id = instanceOf(victim);
  await kubectlOk(['delete', 'node', victim.metadata.name, '--wait=false']);
  await activeWithout(name, 2, [id]);
  await eventually('the instance released', async () => (h.sim.cloud.instances.get(id)?.status === 'Running' ? undefined : true)); // prettier-ignore
  expect((await kubectl(['get', 'node', victim.metadata.name])).code).not.toBe(0);
  // The orphan group was reported at start-up (the first reconcile) and not touched.
  expect(await h.metrics.registry.getSingleMetricAsString('nodepool_orphan_scaling_groups')).toMatch(/nodepool_orphan_scaling_groups 1$/m); // prettier-ignore
  expect((await h.cloud.provider.findScalingGroup({ name: 'np-c-drift-ghost' }))?.state).toBe('Active');
});

test('an instance released directly in ECS: its Node cleaned up and a replacement launched', async () => {
  const [victim] = await poolNodes(name);
  const id = instanceOf(victim!);
  const t0 = Date.now();
  await h.cloud.provider.releaseInstances([id], { force: true, operationId: `oob-${id}` });
  await eventually(`Node ${victim!.metadata.name} cleaned up`, async () => ((await kubectl(['get', 'node', victim!.metadata.name])).code !== 0 ? true : undefined), { timeoutMs: 90_000 }); // prettier-ignore
  const cleanedMs = Date.now() - t0;
  await activeWithout(name, 2, [id]);
  // the figure of #10: out-of-band release → Node cleaned up → replacement Ready (the simulator runs at 200×)
  process.stderr.write(`[drift] instance released in ECS: its Node cleaned up after ${cleanedMs} ms, the pool Active with a Ready replacement after ${Date.now() - t0} ms\n`); // prettier-ignore
});

test('the scaling group deleted by hand: Degraded (ScalingGroupMissing) and a Warning Event, then recreated from the spec', async () => {
  const before = (await pool(name)).status!.scalingGroupId!;
  expect(await h.cloud.provider.deleteScalingGroup(before)).toMatch(/deleting|gone/);
  // Degraded while the operator makes sure the group is gone (GROUP_MISSING_CONFIRM_MS), until it is recreated
  const missing = await eventually(
    'the pool Degraded: ScalingGroupMissing',
    async () => {
      const p = await pool(name);
      const d = p.status?.conditions?.find((c) => c.type === 'Degraded');
      const isMissing = d?.status === 'True' && d.reason === 'ScalingGroupMissing';
      return p.status?.phase === 'Degraded' && isMissing ? d : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect(missing.message).toContain(`scaling group ${before} (status.scalingGroupId) was not found`);
  await eventually('a new group, Active with 2 Ready nodes', async () => {
    const p = await pool(name);
    const nodes = await poolNodes(name);
    return p.status?.scalingGroupId && p.status.scalingGroupId !== before && p.status.phase === 'Active' && p.status.readySize === 2 && nodes.length === 2 ? true : undefined; // prettier-ignore
  }, { timeoutMs: 120_000 }); // prettier-ignore
  const events = await getJson<{ items: { reason?: string; note?: string; regarding?: { name?: string } }[] }>(['events.v1.events.k8s.io', '-n', 'default']); // prettier-ignore
  expect(events.items.find((e) => e.regarding?.name === name && e.reason === 'ScalingGroupMissing')?.note).toContain(before); // prettier-ignore
  expect((await pool(name)).status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
    status: 'False',
  });
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await eventually('the pool gone', async () => ((await kubectl(['get', 'nodepool', name])).code !== 0 ? true : undefined), { timeoutMs: 90_000 }); // prettier-ignore
  expect(await poolNodes(name)).toHaveLength(0);
});

test('a cloud-side invalid configuration (unknown image, unknown vSwitch, security group of the other type): Degraded naming the field, no scaling group left behind; fixed, the pool proceeds', async () => {
  const region = h.sim.world.regions[0]!;
  const advanced = region.securityGroups.find((g) => g.type === 'enterprise')!.securityGroupId;
  const cases = [
    { pool: uniqueName('np-badimg'), spec: { image: { type: 'Custom', id: 'm-bp1doesnotexist' } }, message: /spec\.image\.id.*m-bp1doesnotexist/ }, // prettier-ignore
    {
      pool: uniqueName('np-badvsw'),
      spec: { vSwitchIds: ['vsw-bp1doesnotexist'] },
      message: /vsw-bp1doesnotexist/,
    },
    { pool: uniqueName('np-badsg'), spec: { securityGroup: { type: 'Basic', ids: [advanced] } }, message: new RegExp(`spec\\.securityGroup.*${advanced}`) }, // prettier-ignore
  ];
  for (const c of cases) await applyPool(poolManifest(h, c.pool, { scaling: { mode: 'Manual', desiredSize: 1 }, ...c.spec })); // prettier-ignore
  for (const c of cases) {
    const p = await eventually(`${c.pool} Degraded`, async () => {
      const x = await pool(c.pool);
      const d = x.status?.conditions?.find((k) => k.type === 'Degraded');
      return x.status?.phase === 'Degraded' && d?.status === 'True' ? { x, d } : undefined;
    }, { timeoutMs: 60_000 }); // prettier-ignore
    expect(p.d.message).toMatch(c.message);
    expect(p.x.status?.scalingGroupId).toBeUndefined();
    const groups = [...h.sim.ess.state.groups.values()].filter((g) => g.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === c.pool)); // prettier-ignore
    expect(groups).toHaveLength(0);
  }
  // the image fixed: the pool goes on from there
  await applyPool(poolManifest(h, cases[0]!.pool, { scaling: { mode: 'Manual', desiredSize: 1 } }));
  await activeWith(cases[0]!.pool, 1);
  for (const c of cases) await kubectlOk(['delete', 'nodepool', c.pool, '--wait=false']);
  for (const c of cases) await eventually(`${c.pool} gone`, async () => ((await kubectl(['get', 'nodepool', c.pool])).code !== 0 ? true : undefined), { timeoutMs: 90_000 }); // prettier-ignore
}, 240_000);
