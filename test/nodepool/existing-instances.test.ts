import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { POOL_LABEL } from '../../src/bootstrap/labels.js';
import { REINITIALIZED_TAG } from '../../src/controllers/nodepool/existing/plan.js';
import { eventually, getJson, kubectl, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from './harness.js';
import { condition, gone, instanceOf, pool, poolNodes, ready } from './poll.js';

// Issue 21, item 1: an instance listed in spec.existingInstances joins the pool for real — stopped, re-imaged with
// the pool's image, given the pool's user data, started and attached — and becomes a Ready Node of the pool that
// stays; a step the cloud refuses makes the pool Degraded naming the instance, with no loop of re-images.
let h: Harness;
const cleanup: (() => Promise<unknown>)[] = [];
const ATTACHABLE = { 'nodepool.alicloud.dev/attachable': 'true' };
const OWN_IMAGE = 'ubuntu_22_04_x64_20G_alibase_20250625.vhd';
const ARM_IMAGE = 'aliyun_3_arm64_20G_alibase_20250629.vhd';
const OWN_SCRIPT = Buffer.from("#!/bin/sh\necho the owner's own boot script\n").toString('base64');

beforeAll(async () => {
  // the operator's own join: per-pool bootstrap tokens and its CSR approver (approver.ts)
  h = await startHarness({ clusterId: 'c-existing', operatorJoin: true });
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await h.stop();
});

/** An instance made outside any pool (its own image and user data), tagged attachable by its owner. */
async function ownInstance(
  instanceType: string,
  vSwitchId: string,
  op: string,
  imageId = OWN_IMAGE,
): Promise<string> {
  const [id] = await h.cloud.provider.runInstances(
    {
      imageId,
      instanceType,
      vSwitchId,
      securityGroupIds: [h.world.securityGroupId],
      amount: 1,
      chargeType: 'PostPaid',
      systemDisk: { category: 'cloud_essd', sizeGiB: 40 },
      dataDisks: [],
      userData: OWN_SCRIPT,
      tags: ATTACHABLE,
    },
    { operationId: op },
  );
  await eventually('the owner instance running', async () =>
    h.sim.cloud.instances.get(id!)?.status === 'Running' ? true : undefined,
  );
  return id!;
}

type EventsJson = {
  items: { reason?: string; note?: string; type?: string; regarding?: { name?: string } }[];
};
const eventsOf = async (name: string, reason: string) =>
  (await getJson<EventsJson>(['events.v1.events.k8s.io', '-n', 'default'])).items.filter(
    (e) => e.regarding?.name === name && e.reason === reason,
  );

test('a tagged instance listed in a Manual pool is re-imaged with its user data, joins as a Ready Node and stays', async () => {
  const name = uniqueName('np-exist');
  const own = await ownInstance('ecs.g7.xlarge', h.world.vSwitchIds[0]!, `${name}-own`);
  const manifest = (labels: Record<string, string>) =>
    poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 }, labels, existingInstances: [own] });
  await applyPool(manifest({ workload: 'web' }));
  cleanup.push(() => kubectl(['delete', 'nodepool', name, '--wait=false', '--ignore-not-found']));

  // a Ready Node of the pool for the instance, with the pool's label (the normal join path, CSR approver included)
  const node = await eventually(
    `a Ready Node of ${name} for ${own}`,
    async () => {
      const n = (await poolNodes(name)).find((x) => instanceOf(x) === own);
      if (n && ready(n)) return n;
      const p = await pool(name);
      const i = h.sim.cloud.instances.get(own);
      throw new Error(`not yet: instance ${i?.status} ${i?.imageId}; pool ${p.status?.phase} ${JSON.stringify(p.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.message}`))}`); // prettier-ignore
    },
    { timeoutMs: 240_000 },
  );
  expect(node.metadata.labels).toMatchObject({ workload: 'web', [POOL_LABEL]: name });

  // re-imaged with the pool's image, carrying the pool's user data (its scaling configuration's), tagged as done
  const p = await pool(name);
  const group = h.sim.ess.state.groups.get(p.status!.scalingGroupId!)!;
  const config = h.sim.ess.state.configurations.get(group.activeConfigurationId!)!;
  const inst = h.sim.cloud.instances.get(own)!;
  expect(inst.imageId).not.toBe(OWN_IMAGE);
  expect(inst.imageId).toBe(config.imageId);
  expect(inst.userData).toBe(config.userData);
  expect(inst.systemDisk.diskId).toMatch(/^d-/);
  expect(inst.tags).toContainEqual({ key: REINITIALIZED_TAG, value: p.metadata.uid });
  expect(h.sim.ess.state.instances.get(own)).toMatchObject({ groupId: group.id, creationType: 'Attached', entrusted: false }); // prettier-ignore

  // the data-loss Warning, once, before the re-image
  const warned = await eventsOf(name, 'ExistingInstanceReinitialized');
  expect(warned).toHaveLength(1);
  expect(warned[0]).toMatchObject({ type: 'Warning' });
  expect(warned[0]!.note).toContain(`existing instance ${own}`);
  expect(warned[0]!.note).toContain('the data on its system disk is lost');

  // it counts toward desiredSize: the pool settles at 2 Ready nodes, the attached instance one of them
  await eventually(
    'the pool Active with 2 Ready nodes, one of them the existing instance',
    async () => {
      const q = await pool(name);
      const nodes = await poolNodes(name);
      const ok = q.status?.phase === 'Active' && q.status.currentSize === 2 && q.status.readySize === 2 && nodes.length === 2 && nodes.every(ready) && nodes.some((n) => instanceOf(n) === own); // prettier-ignore
      if (ok) return q;
      const members = [...h.sim.ess.state.instances.values()].filter((m) => m.groupId === group.id).map((m) => `${m.instanceId}:${m.state}:${m.creationType}`); // prettier-ignore
      throw new Error(`not yet: pool ${q.status?.phase} ${q.status?.currentSize}/${q.status?.readySize} desired ${group.desiredCapacity}; members ${members.join(' ')}; nodes ${nodes.map((n) => `${instanceOf(n)}:${ready(n)}:ecs=${h.sim.cloud.instances.get(instanceOf(n) ?? '')?.status ?? 'gone'}`).join(' ')}; ${JSON.stringify(q.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.message}`))}`); // prettier-ignore
    },
    { timeoutMs: 240_000 },
  );

  // one more full reconcile (a spec change, seen through to the Nodes): still a member, still its Node
  await applyPool(manifest({ workload: 'api' }));
  await eventually(
    'the new label on the existing instance Node',
    async () => {
      const n = (await poolNodes(name)).find((x) => instanceOf(x) === own);
      const q = await pool(name);
      const seen = q.status?.observedGeneration === (await getJson<{ metadata: { generation: number } }>(['nodepool', name])).metadata.generation; // prettier-ignore
      return seen && n && ready(n) && n.metadata.labels?.workload === 'api' ? true : undefined;
    },
    { timeoutMs: 120_000 },
  );
  expect(h.sim.ess.state.instances.get(own)).toMatchObject({ groupId: group.id, state: 'InService' });
  expect(h.sim.cloud.instances.get(own)?.status).toBe('Running');
  // never detached, never re-imaged twice
  expect((await pool(name)).status?.retainedInstances ?? []).toEqual([]);
  expect(await eventsOf(name, 'ExistingInstanceReinitialized')).toHaveLength(1);

  // the pool deleted: the instance is the user's again (detached, kept running)
  await kubectl(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
  expect(h.sim.ess.state.instances.get(own)).toBeUndefined();
  expect(h.sim.cloud.instances.get(own)?.status).toBe('Running');
}, 600_000);

test('an Arm instance in an x86 pool: Degraded naming the instance and the cloud message, nothing re-imaged', async () => {
  const name = uniqueName('np-exarm');
  const armZone = h.world.vSwitchIds[1]!; // the first zone sells no Arm types
  const own = await ownInstance('ecs.g8y.xlarge', armZone, `${name}-own`, ARM_IMAGE);
  await applyPool(
    poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 0 }, existingInstances: [own] }),
  );
  cleanup.push(() => kubectl(['delete', 'nodepool', name, '--wait=false', '--ignore-not-found']));
  const c = await eventually(
    `pool ${name} Degraded naming ${own}`,
    async () => {
      const x = condition(await pool(name), 'Degraded');
      return x?.status === 'True' && x.message.includes(own) ? x : undefined;
    },
    { timeoutMs: 120_000 },
  );
  expect(c.reason).toBe('ExistingInstanceFailed');
  expect(c.message).toContain(`could not re-image instance ${own}: InvalidInstanceType.NotSupported`);
  const inst = h.sim.cloud.instances.get(own)!;
  expect(inst.imageId).toBe(ARM_IMAGE);
  expect(inst.userData).toBe(OWN_SCRIPT);
  expect(inst.tags.some((t) => t.key === REINITIALIZED_TAG)).toBe(false);
  expect(h.sim.ess.state.instances.get(own)).toBeUndefined();
  // not tried again for the same spec: two more looks at the pool (the only one left: each looks its group up)
  // and no other ReplaceSystemDisk, no other Warning; it stays Degraded
  const calls = () => h.sim.calls.snapshot();
  const [looks, reimages] = [calls().DescribeScalingGroups ?? 0, calls().ReplaceSystemDisk ?? 0];
  await eventually('two more looks at the pool', async () => ((calls().DescribeScalingGroups ?? 0) >= looks + 2 ? true : undefined), { timeoutMs: 120_000 }); // prettier-ignore
  expect(calls().ReplaceSystemDisk ?? 0).toBe(reimages);
  expect(condition(await pool(name), 'Degraded')).toMatchObject({
    status: 'True',
    reason: 'ExistingInstanceFailed',
  });
  expect(await eventsOf(name, 'ExistingInstanceReinitialized')).toHaveLength(1);
  expect(h.sim.cloud.instances.get(own)?.status).toBe('Stopped'); // stopped for the re-image, left as the owner finds it
}, 300_000);
