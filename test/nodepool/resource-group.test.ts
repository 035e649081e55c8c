import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { eventually, getJson, kubectl, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from './harness.js';
import { activeWith, instanceOf, pool, type PoolJson } from './poll.js';

// spec.resourceGroupId is changeable (API.md): an edit moves the scaling group (ESS ChangeResourceGroup), its
// configuration (new instances) and the pool's instances (ECS JoinResourceGroup) — seen here through the real SDK.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-rg' });
});
afterAll(async () => {
  await kubectl(['delete', 'nodepool', name, '--wait=false', '--ignore-not-found']);
  await h.stop();
});

const name = uniqueName('np-rg');
const spec = (resourceGroupId: string) => ({ scaling: { mode: 'Manual', desiredSize: 2 }, resourceGroupId });

/** What the cloud reports, through the real SDK: the group's resource group and each instance's. */
async function reported(groupId: string, ids: string[]) {
  const group = await h.cloud.provider.findScalingGroup({ id: groupId, name: '' });
  const instances = await h.cloud.provider.describeInstances(ids);
  return {
    group: group?.resourceGroupId,
    instances: Object.fromEntries(instances.map((i) => [i.instanceId, i.resourceGroupId])),
  };
}

test('resourceGroupId edited: the group and both instances report the new one, the pool Active, nothing relaunched', async () => {
  await applyPool(poolManifest(h, name, spec('rg-platform')));
  const before = await activeWith(name, 2);
  const groupId = before.pool.status!.scalingGroupId!;
  const ids = before.nodes.map(instanceOf).sort();
  expect(await reported(groupId, ids)).toEqual({
    group: 'rg-platform',
    instances: { [ids[0]!]: 'rg-platform', [ids[1]!]: 'rg-platform' },
  });

  await applyPool(poolManifest(h, name, spec('rg-team1')));
  await eventually(
    'the group and both instances in rg-team1',
    async () => {
      const r = await reported(groupId, ids);
      if (r.group === 'rg-team1' && ids.every((id) => r.instances[id] === 'rg-team1')) return r;
      throw new Error(`reported ${JSON.stringify(r)}`);
    },
    { timeoutMs: 60_000 },
  );
  const after = await activeWith(name, 2);
  expect(after.pool.status!.scalingGroupId).toBe(groupId);
  expect(after.nodes.map(instanceOf).sort()).toEqual(ids);
  const nodeNames = (x: typeof before) => x.nodes.map((n) => n.metadata.name).sort();
  expect(nodeNames(after)).toEqual(nodeNames(before));
  // the configuration carries it too: new instances launch into it
  const configId = after.pool.status!.scalingConfigurationId;
  const config = h.sim.ess.state.configurationsOf(groupId).find((c) => c.id === configId);
  expect(config?.resourceGroupId).toBe('rg-team1');
  type Events = { items: { reason?: string; note?: string; regarding?: { name?: string } }[] };
  const events = await getJson<Events>(['events.v1.events.k8s.io', '-n', 'default']);
  const notes = events.items
    .filter((e) => e.regarding?.name === name && e.reason === 'ResourceGroupChanged')
    .map((e) => e.note);
  expect(notes).toEqual(
    expect.arrayContaining([
      `moved scaling group to resource group rg-team1 (spec.resourceGroupId)`,
      `moved 2 instances to resource group rg-team1`,
    ]),
  );
});

test("a resource group that does not exist: Degraded with the cloud's answer, nothing moved; fixed, it moves", async () => {
  const groupId = (await pool(name)).status!.scalingGroupId!;
  await applyPool(poolManifest(h, name, spec('rg-nosuch')));
  const degraded = await eventually(
    'the pool Degraded: InvalidResourceGroup.NotFound',
    async () => {
      const p = await getJson<PoolJson>(['nodepool', name]);
      const c = p.status?.conditions?.find((x) => x.type === 'Degraded');
      return c?.status === 'True' && c.message.includes('InvalidResourceGroup.NotFound') ? c : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect(degraded.message).toContain('The ResourceGroup provided does not exist in our records.');
  expect((await reported(groupId, [])).group).toBe('rg-team1');
  await applyPool(poolManifest(h, name, spec('rg-default')));
  const ids = (await activeWith(name, 2)).nodes.map(instanceOf);
  await eventually('the group and both instances in rg-default', async () => {
    const r = await reported(groupId, ids);
    return r.group === 'rg-default' && ids.every((id) => r.instances[id] === 'rg-default') ? r : undefined;
  });
});
