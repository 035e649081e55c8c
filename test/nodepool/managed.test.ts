import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { eventually, getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from './harness.js';
import { instanceOf, poolNodes, ready, type PoolJson } from './poll.js';

// A ManagedNodePool from examples/ shares the NodePool lifecycle: an Auto pool at its minSize with the managed
// defaults (ContainerOS, PayAsYouGo), labelled nodes, edits reaching existing nodes, delete; its status says
// which automation runs and which is not active yet; a NodePool of the same name waits, Degraded, with nothing
// created.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-mnp', managed: true });
});
afterAll(async () => {
  await h.stop();
});

const mnp = (name: string): Promise<PoolJson> => getJson<PoolJson>(['managednodepool', name]);
const cond = (p: PoolJson, type: string) => p.status?.conditions?.find((c) => c.type === type);

async function manifest(
  name: string,
  edit: (spec: Record<string, unknown>) => void,
): Promise<Record<string, unknown>> {
  const ex = parse(await readFile('examples/managednodepool.yaml', 'utf8')) as {
    spec: Record<string, unknown>;
  };
  const spec: Record<string, unknown> = {
    ...ex.spec,
    region: h.world.region,
    vpcId: h.world.vpcId,
    vSwitchIds: h.world.vSwitchIds.slice(0, 2),
    securityGroup: { type: 'Basic', ids: [h.world.securityGroupId] },
    scaling: { minSize: 2, maxSize: 5 },
    // test files share the API server and each simulator repeats its IPs: a per-file node name prefix
    customNodeName: { prefix: 'cmnp' },
  };
  edit(spec);
  return { apiVersion: 'nodepool.alicloud.dev/v1beta1', kind: 'ManagedNodePool', metadata: { name, labels: { 'nodepool-e2e': h.settings.clusterId ?? '' } }, spec }; // prettier-ignore
}

async function activeWith(name: string, n: number): Promise<PoolJson> {
  return eventually(`ManagedNodePool ${name} Active with ${n} Ready nodes`, async () => {
    const p = await mnp(name);
    const nodes = await poolNodes(name);
    const ok = p.status?.phase === 'Active' && p.status.readySize === n && p.status.currentSize === n && nodes.length === n && nodes.every(ready); // prettier-ignore
    return ok ? p : undefined;
  }, { timeoutMs: 150_000 }); // prettier-ignore
}

test('the example ManagedNodePool: created at minSize with managed defaults, AutomationActive listing what runs, edited, deleted; a NodePool of the same name waits', async () => {
  const name = uniqueName('mnp');
  await applyPool(await manifest(name, () => undefined));
  const p = await activeWith(name, 2);
  expect(p.status?.desiredSize).toBe(2);
  const automation = cond(p, 'AutomationActive');
  expect(automation).toMatchObject({ status: 'True', reason: 'AutomationActive' });
  expect(automation?.message).toMatch(
    /^active: instant elasticity \(scale-out on pending pods\); autoRepair \(notReadyTimeout 10m, maxUnhealthy 20%, .*\); systemEvents \(.*\); autoUpgrade \(rotation, maxSurge .*\); autoPatch \(severities High, Medium, Low, [^;]*\); consolidation \(WhenEmptyOrUnderutilized after 10m, [^;]*\)$/,
  );
  const group = h.sim.ess.state.groups.get(p.status!.scalingGroupId!);
  expect(group).toMatchObject({ minSize: 2, maxSize: 5 });
  const nodes = await poolNodes(name);
  expect(nodes.every((n) => n.metadata.labels?.workload === 'elastic')).toBe(true);
  for (const n of nodes) {
    const inst = h.sim.cloud.instances.get(instanceOf(n))!;
    expect(inst.chargeType).toBe('PostPaid');
    expect(h.sim.world.regions[0]!.images.find((i) => i.imageId === inst.imageId)?.imageFamily).toBe('acs:containeros_3_x64'); // prettier-ignore
    expect(inst.systemDisk.size).toBe(20);
  }

  // a NodePool with the same name (created later): Degraded, nothing created for it
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 1 } }));
  const clash = await eventually('the NodePool in conflict', async () => {
    const np = await getJson<PoolJson>(['nodepool', name]);
    return cond(np, 'Degraded')?.reason === 'NameConflict' ? np : undefined;
  }); // prettier-ignore
  expect(cond(clash, 'Degraded')?.message).toMatch(new RegExp(`^the name ${name} is already used by ManagedNodePool ${name}: pool names must be unique`)); // prettier-ignore
  expect(clash.status?.scalingGroupId).toBeUndefined();
  expect(clash.metadata.finalizers ?? []).toEqual([]);
  await kubectlOk(['delete', 'nodepool', name]);

  // edits: labels reach the existing nodes; minSize 2 → 3
  await applyPool(await manifest(name, (s) => { s.labels = { workload: 'batch' }; s.scaling = { minSize: 3, maxSize: 5 }; })); // prettier-ignore
  await activeWith(name, 3);
  await eventually('the new label on every node', async () => {
    const ns = await poolNodes(name);
    return ns.length === 3 && ns.every((n) => n.metadata.labels?.workload === 'batch') ? true : undefined;
  }); // prettier-ignore

  // delete: the group and its instances go
  const ids = (await poolNodes(name)).map(instanceOf);
  await kubectlOk(['delete', 'managednodepool', name, '--wait=false']);
  await eventually('the ManagedNodePool gone', async () => ((await kubectl(['get', 'managednodepool', name])).code !== 0 ? true : undefined), { timeoutMs: 120_000 }); // prettier-ignore
  expect(h.sim.ess.state.groups.has(p.status!.scalingGroupId!)).toBe(false);
  for (const id of ids) expect(h.sim.cloud.instances.get(id)?.status ?? 'Released').not.toBe('Running');
  expect(await poolNodes(name)).toHaveLength(0);
}, 420_000);
