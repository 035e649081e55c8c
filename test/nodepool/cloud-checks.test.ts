import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { eventually, getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from './harness.js';
import type { PoolJson } from './poll.js';

// Issue 21, item 4: what only the cloud's facts decide, checked by the controller through the real SDK against
// the simulator before anything is created — vSwitches' real zones (Balance; a deployment set's 20 per zone),
// VPCs of vSwitches and security groups (VpcMismatch), instance families by DescribeInstanceTypes (a local-disk
// family admission's name list does not know), a Custom image's OS for hardening.

const OTHER_VPC = 'vpc-bp1othervpc0000000001';
const OTHER_VSW = 'vsw-bp1othervsw0000000001';
const OTHER_SG = 'sg-bp1othersg00000000001';
const UBUNTU_IMAGE = 'm-bp1customubuntu000001';

let h: Harness;
let sameZone: string[] = [];
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  h = await startHarness({
    clusterId: 'c-cloudfacts',
    managed: true,
    world: (w) => {
      const r = w.regions[0]!;
      r.vpcs.push({
        vpcId: OTHER_VPC,
        name: 'another-team',
        cidrBlock: '172.16.0.0/16',
        isDefault: false,
        vSwitches: [
          {
            vSwitchId: OTHER_VSW,
            name: 'another-team-h',
            zoneId: r.zones[0]!.zoneId,
            cidrBlock: '172.16.0.0/20',
          },
        ],
      });
      r.securityGroups.push({
        securityGroupId: OTHER_SG,
        name: 'another-team',
        vpcId: OTHER_VPC,
        type: 'normal',
      });
      r.images.push({
        imageId: UBUNTU_IMAGE,
        imageName: 'team-ubuntu-node',
        imageFamily: '',
        osName: 'Ubuntu  22.04 64位',
        osNameEn: 'Ubuntu  22.04 64 bit',
        osType: 'linux',
        platform: 'Ubuntu',
        architecture: 'x86_64',
        ownerAlias: 'self',
        sizeGiB: 40,
        creationTime: '2025-11-01T00:00:00Z',
        imageVersion: '',
        fixedCves: [],
      });
    },
  });
  // two vSwitches of the first zone: the nodes' one and the small one
  const vpc = h.sim.world.regions[0]!.vpcs[0]!;
  const first = vpc.vSwitches[0]!.zoneId;
  sameZone = vpc.vSwitches.filter((v) => v.zoneId === first).map((v) => v.vSwitchId);
  expect(sameZone).toHaveLength(2);
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await h.stop();
});

const groupsOf = (name: string) =>
  [...h.sim.ess.state.groups.values()].filter((g) =>
    g.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === name),
  );

async function degraded(kind: string, name: string, text: string) {
  return eventually(
    `${kind} ${name} Degraded saying ${JSON.stringify(text)}`,
    async () => {
      const p = await getJson<PoolJson>([kind, name]);
      const c = p.status?.conditions?.find((x) => x.type === 'Degraded');
      return p.status?.phase === 'Degraded' && c?.status === 'True' && c.message.includes(text)
        ? { pool: p, condition: c }
        : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

async function createPool(prefix: string, spec: Record<string, unknown>): Promise<string> {
  const name = uniqueName(prefix);
  await applyPool(poolManifest(h, name, spec));
  cleanup.push(() => kubectl(['delete', 'nodepool', name, '--wait=false', '--ignore-not-found']));
  return name;
}

const auto = (maxSize: number, more: Record<string, unknown> = {}) => ({
  mode: 'Auto',
  minSize: 0,
  maxSize,
  ...more,
});

test('a vSwitch or a security group of another VPC: VpcMismatch naming it, nothing created', async () => {
  const [vsw, sg] = await Promise.all([
    createPool('np-vpcvsw', { vSwitchIds: [h.world.vSwitchIds[0]!, OTHER_VSW] }),
    createPool('np-vpcsg', { securityGroup: { type: 'Basic', ids: [OTHER_SG] } }),
  ]);
  const a = await degraded('nodepool', vsw, `vSwitch ${OTHER_VSW} is in VPC ${OTHER_VPC}`);
  expect(a.condition.reason).toBe('VpcMismatch');
  expect(a.condition.message).toBe(
    `spec.vSwitchIds: vSwitch ${OTHER_VSW} is in VPC ${OTHER_VPC}, not the pool's VPC ${h.world.vpcId}`,
  );
  const b = await degraded('nodepool', sg, `security group ${OTHER_SG} is in VPC ${OTHER_VPC}`);
  expect(b.condition.reason).toBe('VpcMismatch');
  expect(b.condition.message).toContain('spec.securityGroup.ids:');
  expect(groupsOf(vsw)).toEqual([]);
  expect(groupsOf(sg)).toEqual([]);
});

test("the vSwitches' real zones: Balance in one zone and a deployment set over 20 per zone are refused; fixed, the pool proceeds", async () => {
  const ds = h.sim.world.regions[0]!.deploymentSets[0]!.deploymentSetId;
  // admission counts vSwitches (2 → Balance allowed, 40 allowed in a deployment set); both are in one zone
  const [balance, spread] = await Promise.all([
    createPool('np-balance', { vSwitchIds: sameZone, scaling: auto(4, { multiAZPolicy: 'Balance' }) }),
    createPool('np-dset', { vSwitchIds: sameZone, deploymentSetId: ds, scaling: auto(30) }),
  ]);
  const a = await degraded('nodepool', balance, 'needs vSwitches in at least 2 zones');
  expect(a.condition.reason).toBe('CloudCheckFailed');
  expect(a.condition.message).toMatch(
    /^spec\.scaling\.multiAZPolicy: Balance .* are in 1 zone \(cn-hangzhou-h\)$/,
  );
  const b = await degraded('nodepool', spread, 'a deployment set holds at most 20 instances per zone');
  expect(b.condition.reason).toBe('CloudCheckFailed');
  expect(b.condition.message).toMatch(/so the pool's size may be at most 20; spec\.scaling\.maxSize is 30$/);
  expect(groupsOf(balance)).toEqual([]);
  expect(groupsOf(spread)).toEqual([]);
  // within the real limit the same pool creates its group
  await applyPool(poolManifest(h, spread, { vSwitchIds: sameZone, deploymentSetId: ds, scaling: auto(20) }));
  await eventually(
    `${spread} with a scaling group, not Degraded`,
    async () => {
      const p = await getJson<PoolJson>(['nodepool', spread]);
      const d = p.status?.conditions?.find((x) => x.type === 'Degraded');
      return p.status?.scalingGroupId && d?.status === 'False' ? p : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect(groupsOf(spread)).toHaveLength(1);
});

test('a local-disk family only DescribeInstanceTypes knows: refused for economical and on a ManagedNodePool', async () => {
  const economical = await createPool('np-econ', {
    instanceTypes: ['ecs.g7.xlarge', 'ecs.i2ne.xlarge'],
    scaling: auto(4, { economical: true }),
  });
  const ex = parse(await readFile('examples/managednodepool.yaml', 'utf8')) as {
    spec: Record<string, unknown>;
  };
  const managed = uniqueName('mnp-local');
  await kubectlOk(['apply', '--server-side', '--field-manager=e2e-user', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'nodepool.alicloud.dev/v1beta1',
      kind: 'ManagedNodePool',
      metadata: { name: managed, labels: { 'nodepool-e2e': h.settings.clusterId ?? '' } },
      spec: {
        ...ex.spec,
        region: h.world.region,
        vpcId: h.world.vpcId,
        vSwitchIds: h.world.vSwitchIds.slice(0, 2),
        securityGroup: { type: 'Basic', ids: [h.world.securityGroupId] },
        instanceTypes: ['ecs.i2ne.xlarge'],
        scaling: { minSize: 0, maxSize: 3 },
        customNodeName: { prefix: 'cfacts' },
      },
    }),
  });
  cleanup.push(() => kubectl(['delete', 'managednodepool', managed, '--wait=false', '--ignore-not-found']));
  const a = await degraded('nodepool', economical, 'spec.scaling.economical: not available with local-disk');
  expect(a.condition.message).toContain(
    'ecs.i2ne.xlarge (family ecs.i2ne) has local disks (DescribeInstanceTypes)',
  );
  const b = await degraded(
    'managednodepool',
    managed,
    'ecs.i2ne.xlarge (family ecs.i2ne) is a local-disk family',
  );
  expect(b.condition.reason).toBe('CloudCheckFailed');
  expect(groupsOf(economical)).toEqual([]);
  expect(groupsOf(managed)).toEqual([]);
});

test("OS hardening on a Custom image that is not Alibaba Cloud Linux: refused from the image's OS (DescribeImages)", async () => {
  const name = await createPool('np-harden', {
    securityHardening: 'OS',
    image: { type: 'Custom', id: UBUNTU_IMAGE },
  });
  const a = await degraded('nodepool', name, 'spec.securityHardening: OS needs an Alibaba Cloud Linux image');
  expect(a.condition.reason).toBe('CloudCheckFailed');
  expect(a.condition.message).toContain(
    `the Custom image ${UBUNTU_IMAGE} runs Ubuntu  22.04 64 bit, platform Ubuntu`,
  );
  expect(groupsOf(name)).toEqual([]);
});
