import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { POOL_LABEL } from '../../src/bootstrap/labels.js';
import { eventually, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from './harness.js';
import { instanceOf, pool, poolNodes } from './poll.js';
import { activeWith as active } from './poll.js';

const activeWith = async (name: string, n: number) => (await active(name, n)).pool;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-e2e' });
});
afterAll(async () => {
  await h.stop();
});

describe('NodePool lifecycle against the real API server, the simulator and simulated nodes', () => {
  const name = uniqueName('np');

  test('create → Active with Ready nodes carrying the pool labels and taints; status counts and conditions', async () => {
    await applyPool(poolManifest(h, name, { labels: { workload: 'web' }, taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }], tags: { team: 'infra' } })); // prettier-ignore
    const p = await activeWith(name, 2);
    expect(p.metadata.finalizers).toContain('nodepool.alicloud.dev/cloud-resources');
    expect(p.status?.scalingGroupId).toMatch(/^asg-/);
    expect(p.status?.scalingConfigurationId).toMatch(/^asc-/);
    expect(p.status?.desiredSize).toBe(2);
    expect(p.status?.zones?.reduce((a, z) => a + z.currentSize, 0)).toBe(2);
    expect(p.status?.instanceTypes?.[0]?.instanceType).toBe('ecs.g7.xlarge');
    const cond = Object.fromEntries((p.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(cond.Ready).toMatchObject({ status: 'True', reason: 'AllNodesReady' });
    expect(cond.Degraded?.status).toBe('False');
    expect(cond.Progressing?.status).toBe('False');

    const nodes = await poolNodes(name);
    for (const n of nodes) {
      expect(n.metadata.labels).toMatchObject({ workload: 'web', [POOL_LABEL]: name });
      expect(n.spec?.taints).toContainEqual({ key: 'dedicated', value: 'web', effect: 'NoSchedule' });
      const inst = h.sim.cloud.instances.get(instanceOf(n));
      expect(inst?.tags).toEqual(expect.arrayContaining([{ key: 'team', value: 'infra' }, { key: 'nodepool.alicloud.dev/pool', value: name }, { key: 'nodepool.alicloud.dev/cluster', value: 'c-e2e' }])); // prettier-ignore
    }
    // The ESS group: desired capacity, deletion protection, the SCALE_IN hook.
    const g = h.sim.ess.state.groups.get(p.status!.scalingGroupId!);
    expect(g?.desiredCapacity).toBe(2);
    expect(g?.groupDeletionProtection).toBe(true);
  });

  test('label / taint / tag edits reach existing nodes and instances; foreign labels and taints stay', async () => {
    const before = await poolNodes(name);
    const victim = before[0]!.metadata.name;
    await kubectlOk(['label', 'node', victim, 'someone-else=keep']);
    await kubectlOk(['taint', 'node', victim, 'other=x:PreferNoSchedule']);
    await applyPool(poolManifest(h, name, { labels: { workload: 'api', tier: 'b' }, taints: [{ key: 'gpu', value: 'no', effect: 'NoSchedule' }], tags: { team: 'platform' } })); // prettier-ignore
    await eventually(
      'labels, taints and tags applied',
      async () => {
        const nodes = await poolNodes(name);
        const ok = nodes.length === 2 && nodes.every((n) =>
        n.metadata.labels?.workload === 'api' && n.metadata.labels.tier === 'b' &&
        n.spec?.taints?.some((t) => t.key === 'gpu') && !n.spec.taints.some((t) => t.key === 'dedicated') &&
        h.sim.cloud.instances.get(instanceOf(n))?.tags.some((t) => t.key === 'team' && t.value === 'platform'),
      ); // prettier-ignore
        return ok ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const n = (await poolNodes(name)).find((x) => x.metadata.name === victim)!;
    expect(n.metadata.labels?.['someone-else']).toBe('keep');
    expect(n.spec?.taints).toContainEqual({ key: 'other', value: 'x', effect: 'PreferNoSchedule' });
    // Same nodes: an edit of labels, taints and tags does not replace nodes.
    expect((await poolNodes(name)).map((x) => x.metadata.name).sort()).toEqual(before.map((x) => x.metadata.name).sort()); // prettier-ignore
  });

  test('a configuration edit reaches only new nodes; scale 2 → 4 → 1 drains and releases', async () => {
    const before = (await poolNodes(name)).map(instanceOf);
    await applyPool(poolManifest(h, name, { labels: { workload: 'api', tier: 'b' }, taints: [{ key: 'gpu', value: 'no', effect: 'NoSchedule' }], tags: { team: 'platform' }, instanceTypes: ['ecs.c7.xlarge'], scaling: { mode: 'Manual', desiredSize: 4 } })); // prettier-ignore
    const p = await activeWith(name, 4);
    const types = Object.fromEntries(
      (p.status?.instanceTypes ?? []).map((t) => [t.instanceType, t.currentSize]),
    );
    expect(types).toEqual({ 'ecs.g7.xlarge': 2, 'ecs.c7.xlarge': 2 });
    for (const id of before) expect(h.sim.cloud.instances.get(id)?.instanceType).toBe('ecs.g7.xlarge');

    await kubectlOk(['annotate', 'node', (await poolNodes(name)).find((n) => instanceOf(n) === before[0])!.metadata.name, 'nodepool.alicloud.dev/remove-first=true']); // prettier-ignore
    await applyPool(poolManifest(h, name, { labels: { workload: 'api', tier: 'b' }, taints: [{ key: 'gpu', value: 'no', effect: 'NoSchedule' }], tags: { team: 'platform' }, instanceTypes: ['ecs.c7.xlarge'], scaling: { mode: 'Manual', desiredSize: 1 } })); // prettier-ignore
    await activeWith(name, 1);
    await eventually(
      '3 instances released',
      async () => {
        const gone = [...h.sim.cloud.instances.values()].filter((i) => i.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === name) && i.status !== 'Running'); // prettier-ignore
        const alive = [...h.sim.cloud.instances.values()].filter((i) => i.status === 'Running' && i.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === name)); // prettier-ignore
        return alive.length === 1 ? gone : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(h.sim.cloud.instances.get(before[0]!)?.status ?? 'Released').not.toBe('Running');
    expect(await poolNodes(name)).toHaveLength(1);
  });

  test('delete: pay-as-you-go instances released, Nodes removed, the group gone, then the finalizer', async () => {
    const groupId = (await pool(name)).status!.scalingGroupId!;
    await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
    await eventually('the pool gone', async () => ((await kubectl(['get', 'nodepool', name])).code !== 0 ? true : undefined), { timeoutMs: 90_000 }); // prettier-ignore
    expect(h.sim.ess.state.groups.has(groupId)).toBe(false);
    expect(await poolNodes(name)).toHaveLength(0);
    const alive = [...h.sim.cloud.instances.values()].filter((i) => i.status === 'Running' && i.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === name)); // prettier-ignore
    expect(alive).toHaveLength(0);
  });
});

describe('pools that cannot proceed say why', () => {
  test("a pool in another region is Degraded with the cluster's region, and nothing is created", async () => {
    const name = uniqueName('np-region');
    await applyPool(poolManifest(h, name, { region: 'cn-shanghai' }));
    const p = await eventually('Degraded', async () => { const x = await pool(name); return x.status?.phase === 'Degraded' ? x : undefined; }); // prettier-ignore
    const d = p.status?.conditions?.find((c) => c.type === 'Degraded');
    expect(d).toMatchObject({ status: 'True', reason: 'RegionMismatch' });
    expect(d?.message).toBe(`spec.region cn-shanghai is not the cluster's region ${h.world.region}`);
    expect(p.status?.scalingGroupId).toBeUndefined();
    await kubectlOk(['delete', 'nodepool', name]);
  });
});
