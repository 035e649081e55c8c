import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { eventually, kubectl, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from '../nodepool/harness.js';
import { condition, pool } from '../nodepool/poll.js';

// Issue 17, finding 5: a pool author borrowed the operator's cloud privileges — any RAM role attached to the
// nodes (ram:PassRole), any security group, any running instance of the VPC pulled in (and re-initialized)
// with existingInstances. Now: --allowed-ram-roles (default KubernetesWorkerRole* and k8s-worker-role),
// --allowed-security-groups, and an opt-in ECS tag nodepool.alicloud.dev/attachable=true on attachable
// instances. Refusals are Degraded / InvalidReference before the cloud is asked for anything.
let h: Harness;
let enterpriseSg = '';
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  // only the Basic group the harness uses is allowed; the region's Advanced group exists but is not
  h = await startHarness({
    clusterId: 'c-cloudpriv',
    env: (w) => ({ NODEPOOL_ALLOWED_SECURITY_GROUPS: w.securityGroupId }),
  });
  enterpriseSg = h.sim.world.regions[0]!.securityGroups.find((g) => g.type === 'enterprise')!.securityGroupId;
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await h.stop();
});

async function create(spec: Record<string, unknown>): Promise<string> {
  const name = uniqueName('np-priv');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 0 }, ...spec }));
  cleanup.push(() => kubectl(['delete', 'nodepool', name, '--wait=false', '--ignore-not-found']));
  return name;
}

const refused = (name: string, text: string) =>
  eventually(
    `pool ${name} Degraded saying ${JSON.stringify(text)}`,
    async () => {
      const p = await pool(name);
      if (p.status?.phase === 'Active') throw new Error(`pool ${name} went Active`);
      const c = condition(p, 'Degraded');
      return c?.status === 'True' && c.message.includes(text) ? c : undefined;
    },
    { timeoutMs: 60_000 },
  );

const groupsOf = (name: string) =>
  [...h.sim.ess.state.groups.values()].filter((g) =>
    g.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === name),
  );

test('a RAM role or a security group the operator does not allow is refused before anything is created', async () => {
  const [role, sg] = await Promise.all([
    create({ ramRoleName: 'AdministratorRole' }),
    create({ securityGroup: { type: 'Advanced', ids: [enterpriseSg] } }),
  ]);
  const r = await refused(role, 'RAM role AdministratorRole is not one the operator may attach');
  expect(r.reason).toBe('InvalidReference');
  expect(r.message).toContain('--allowed-ram-roles: KubernetesWorkerRole*, k8s-worker-role');
  const s = await refused(sg, `security group(s) ${enterpriseSg} are not allowed by the operator`);
  expect(s.reason).toBe('InvalidReference');
  expect(groupsOf(role)).toEqual([]);
  expect(groupsOf(sg)).toEqual([]);
});

test('existingInstances attaches only instances tagged nodepool.alicloud.dev/attachable=true', async () => {
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
      tags: {},
    },
    { operationId: uniqueName('own') },
  );
  await eventually('the instance running', async () =>
    h.sim.cloud.instances.get(own!)?.status === 'Running' ? true : undefined,
  );
  const name = await create({ scaling: { mode: 'Manual', desiredSize: 1 }, existingInstances: [own] });
  const c = await refused(
    name,
    `instance(s) ${own} do not carry the tag nodepool.alicloud.dev/attachable=true`,
  );
  expect(c.reason).toBe('InvalidReference');
  expect(h.sim.ess.state.instances.get(own!)).toBeUndefined();
  // its owner opts in: the pool attaches it at its next look
  await h.cloud.provider.tagInstances([own!], { 'nodepool.alicloud.dev/attachable': 'true' });
  await eventually(
    'the instance attached',
    async () => {
      if (h.sim.ess.state.instances.get(own!)?.creationType === 'Attached') return true;
      const p = await pool(name);
      throw new Error(`not yet; the pool: ${p.status?.phase ?? ''} ${JSON.stringify(p.status?.conditions?.map((x) => `${x.type}=${x.status} ${x.message}`))}`); // prettier-ignore
    },
    { timeoutMs: 120_000 },
  );
}, 180_000);
