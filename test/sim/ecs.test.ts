import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { $Ecs, ecsClient, sdkError, type SignatureVersion } from './clients.js';
import { until } from './poll.js';

let sim: Simulator;
let vsw: string;
let smallVsw: string;
let sg: string;
let sgEnterprise: string;
const IMAGE = 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd';

beforeAll(async () => {
  sim = await startSimulator({ log: createLogger({ level: 'silent' }), timeScale: 200 });
  const region = sim.world.regions[0];
  const vpc = region?.vpcs[0];
  vsw = vpc?.vSwitches[1]?.vSwitchId ?? '';
  smallVsw = vpc?.vSwitches[3]?.vSwitchId ?? '';
  sg = region?.securityGroups[0]?.securityGroupId ?? '';
  sgEnterprise = region?.securityGroups[1]?.securityGroupId ?? '';
});

afterAll(async () => {
  await sim.stop();
});

function run(extra: Partial<$Ecs.RunInstancesRequest> = {}): $Ecs.RunInstancesRequest {
  return new $Ecs.RunInstancesRequest({
    regionId: 'cn-hangzhou',
    imageId: IMAGE,
    instanceType: 'ecs.g7.xlarge',
    vSwitchId: vsw,
    securityGroupIds: [sg],
    ...extra,
  });
}

describe.each<SignatureVersion>(['v3', 'v1'])('ECS through the typed client, signature %s', (signature) => {
  const ecs = (): ReturnType<typeof ecsClient> => ecsClient(sim, { signature });

  it('RunInstances creates instances that go Pending → Starting → Running with a private IP from the vSwitch', async () => {
    const tags = [new $Ecs.RunInstancesRequestTag({ key: 'ack.aliyun.com', value: 'c1' })];
    const userData = Buffer.from('#!/bin/sh\necho hi\n').toString('base64');
    const res = await ecs().runInstances(
      run({ amount: 3, tag: tags, userData, hostName: 'node', ramRoleName: 'KubernetesWorkerRole' }),
    );
    const ids = res.body?.instanceIdSets?.instanceIdSet ?? [];
    expect(ids).toHaveLength(3);
    expect(ids[0]).toMatch(/^i-bp1[a-z0-9]{17}$/);
    const first = await ecs().describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify(ids) }),
    );
    // under load the first Describe may already see Running: the lifecycle feed shows the timing
    const statuses = first.body?.instances?.instance?.map((i) => i.status ?? '') ?? [];
    expect(statuses.every((st) => ['Pending', 'Starting', 'Running'].includes(st))).toBe(true);
    const running = await until('instances Running', async () => {
      const d = await ecs().describeInstances(
        new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify(ids) }),
      );
      const list = d.body?.instances?.instance ?? [];
      return list.length === 3 && list.every((i) => i.status === 'Running') ? list : undefined;
    });
    for (const i of running) {
      expect(i.vpcAttributes?.vSwitchId).toBe(vsw);
      expect(i.vpcAttributes?.privateIpAddress?.ipAddress?.[0]).toMatch(/^10\.0\.16\.\d+$/);
      expect(i.tags?.tag).toEqual([expect.objectContaining({ tagKey: 'ack.aliyun.com', tagValue: 'c1' })]);
      expect(i.cpu).toBe(4);
      expect(i.memory).toBe(16384);
      expect(i.OSName).toContain('Alibaba Cloud Linux 3');
      expect(i.instanceChargeType).toBe('PostPaid');
    }
    expect(running.map((i) => i.hostName)).toEqual(['node001', 'node002', 'node003']);
    const ips = new Set(running.map((i) => i.vpcAttributes?.privateIpAddress?.ipAddress?.[0]));
    expect(ips.size).toBe(3);
    const launched = sim.cloud.recentEvents.filter(
      (e) => e.type === 'running' && ids.includes(e.instance.instanceId),
    );
    expect(launched).toHaveLength(3);
    expect(launched[0]?.instance.userData).toBe(userData);
    for (const r of launched) {
      const start = sim.cloud.recentEvents.find(
        (e) => e.type === 'launched' && e.instance.instanceId === r.instance.instanceId,
      );
      // Pending 8 s + Starting 20 ± 5 s of simulated time
      expect(r.at - (start?.at ?? 0)).toBeGreaterThanOrEqual(22_000);
    }
    expect(sim.cloud.instances.get(ids[0] ?? '')?.ramRoleName).toBe('KubernetesWorkerRole');
  });

  it('RunInstances with the same ClientToken replays, with other parameters is IdempotentParameterMismatch', async () => {
    const token = `tok-${signature}-${Date.now()}`;
    const a = await ecs().runInstances(run({ clientToken: token, amount: 2 }));
    const b = await ecs().runInstances(run({ clientToken: token, amount: 2 }));
    expect(b.body?.instanceIdSets?.instanceIdSet).toEqual(a.body?.instanceIdSets?.instanceIdSet);
    const err = await sdkError(ecs().runInstances(run({ clientToken: token, amount: 3 })));
    expect(err.code).toBe('IdempotentParameterMismatch');
    expect(err.statusCode).toBe(400);
  });

  it('RunInstances rejects bad input with the real codes', async () => {
    const cases: [Partial<$Ecs.RunInstancesRequest>, string, number][] = [
      [{ amount: 101 }, 'InvalidParameter', 400],
      [{ imageId: 'm-nope' }, 'InvalidImageId.NotFound', 404],
      [{ vSwitchId: 'vsw-nope' }, 'InvalidVSwitchId.NotFound', 404],
      [{ securityGroupIds: ['sg-nope'] }, 'InvalidSecurityGroupId.NotFound', 404],
      [{ securityGroupIds: [sg, sgEnterprise] }, 'InvalidSecurityGroup.IsSame', 400],
      [{ instanceType: 'ecs.nothing.large' }, 'InvalidInstanceType.ValueNotSupported', 400],
      [{ instanceType: 'ecs.g8y.large' }, 'InvalidInstanceType.NotSupported', 403],
      [{ userData: Buffer.alloc(33 * 1024).toString('base64') }, 'InvalidUserData.SizeExceeded', 400],
      [{ userData: 'not base64!' }, 'InvalidUserData.Base64FormatInvalid', 400],
      [
        { tag: [new $Ecs.RunInstancesRequestTag({ key: 'acs:x', value: 'y' })] },
        'InvalidTagKey.Malformed',
        400,
      ],
      [
        {
          tag: Array.from(
            { length: 21 },
            (_, k) => new $Ecs.RunInstancesRequestTag({ key: `k${k}`, value: 'v' }),
          ),
        },
        'InvalidTagCount',
        400,
      ],
      [{ instanceChargeType: 'PrePaid' }, 'MissingParameter', 400],
      [{ amount: 20, minAmount: 20, vSwitchId: smallVsw }, 'InvalidVSwitchId.IpNotEnough', 403],
      [{ dryRun: true }, 'DryRunOperation', 400],
    ];
    for (const [extra, code, status] of cases) {
      const err = await sdkError(ecs().runInstances(run(extra)));
      expect({ extra: Object.keys(extra), code: err.code, status: err.statusCode }).toEqual({
        extra: Object.keys(extra),
        code,
        status,
      });
    }
  });

  it('RunInstances answers OperationDenied.NoStock when the zone has no stock, and MinAmount allows partial success', async () => {
    const zone = sim.world.regions[0]?.zones[1];
    const offering = zone?.offerings['ecs.c7.large'];
    if (!offering) throw new Error('no offering');
    offering.onDemand = 2;
    const err = await sdkError(ecs().runInstances(run({ instanceType: 'ecs.c7.large', amount: 3 })));
    expect(err.code).toBe('OperationDenied.NoStock');
    expect(err.statusCode).toBe(403);
    const partial = await ecs().runInstances(run({ instanceType: 'ecs.c7.large', amount: 3, minAmount: 1 }));
    expect(partial.body?.instanceIdSets?.instanceIdSet).toHaveLength(2);
    expect(offering.onDemand).toBe(0);
    offering.onDemand = 1000;
  });

  it('DescribeInstances pages with MaxResults + NextToken over every instance exactly once', async () => {
    await ecs().runInstances(run({ amount: 25, instanceType: 'ecs.g7.large' }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ecs().describeInstances(
        new $Ecs.DescribeInstancesRequest({
          regionId: 'cn-hangzhou',
          maxResults: 7,
          ...(token ? { nextToken: token } : {}),
        }),
      );
      seen.push(...(page.body?.instances?.instance ?? []).map((i) => i.instanceId ?? ''));
      token = page.body?.nextToken || undefined;
      pages++;
    } while (token);
    const all = [...sim.cloud.instances.values()]
      .filter((i) => i.regionId === 'cn-hangzhou')
      .map((i) => i.instanceId);
    expect(seen.sort()).toEqual(all.sort());
    expect(pages).toBe(Math.ceil(all.length / 7));
    const bad = await sdkError(
      ecs().describeInstances(
        new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', nextToken: 'garbage' }),
      ),
    );
    expect(bad.code).toBe('InvalidParameter.NextToken');
    const tooMany = await sdkError(
      ecs().describeInstances(
        new $Ecs.DescribeInstancesRequest({
          regionId: 'cn-hangzhou',
          instanceIds: JSON.stringify(Array.from({ length: 101 }, (_, k) => `i-${k}`)),
        }),
      ),
    );
    expect(tooMany.code).toBe('InvalidParameter');
    expect(tooMany.data.Message).toContain('"InstanceIds"');
  });

  it('DeleteInstances follows the real rules: Stopped or Force, deletion protection, PrePaid', async () => {
    const [id] =
      (await ecs().runInstances(run({ deletionProtection: false }))).body?.instanceIdSets?.instanceIdSet ??
      [];
    if (!id) throw new Error('no id');
    await until('Running', () => (sim.cloud.instances.get(id)?.status === 'Running' ? true : undefined));
    const notStopped = await sdkError(
      ecs().deleteInstances(new $Ecs.DeleteInstancesRequest({ regionId: 'cn-hangzhou', instanceId: [id] })),
    );
    expect(notStopped.code).toBe('IncorrectInstanceStatus');
    expect(notStopped.statusCode).toBe(403);
    await ecs().stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
    await until('Stopped', () => (sim.cloud.instances.get(id)?.status === 'Stopped' ? true : undefined));
    await ecs().deleteInstances(
      new $Ecs.DeleteInstancesRequest({ regionId: 'cn-hangzhou', instanceId: [id] }),
    );
    expect(sim.cloud.instances.has(id)).toBe(false);
    const gone = await sdkError(
      ecs().deleteInstances(new $Ecs.DeleteInstancesRequest({ regionId: 'cn-hangzhou', instanceId: [id] })),
    );
    expect(gone.code).toBe('InvalidInstanceId.NotFound');
    expect(gone.statusCode).toBe(404);

    const [prot] =
      (await ecs().runInstances(run({ deletionProtection: true }))).body?.instanceIdSets?.instanceIdSet ?? [];
    const protErr = await sdkError(
      ecs().deleteInstances(
        new $Ecs.DeleteInstancesRequest({ regionId: 'cn-hangzhou', instanceId: [prot ?? ''], force: true }),
      ),
    );
    expect(protErr.code).toBe('InvalidOperation.DeletionProtection');

    const [pre] =
      (
        await ecs().runInstances(
          run({ instanceChargeType: 'PrePaid', period: 1, periodUnit: 'Month', autoRenew: true }),
        )
      ).body?.instanceIdSets?.instanceIdSet ?? [];
    const d = await ecs().describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify([pre]) }),
    );
    const inst = d.body?.instances?.instance?.[0];
    expect(inst?.instanceChargeType).toBe('PrePaid');
    expect(Date.parse(inst?.expiredTime ?? '') - Date.parse(inst?.creationTime ?? '')).toBeGreaterThan(
      27 * 86_400_000,
    );
    const preErr = await sdkError(
      ecs().deleteInstances(
        new $Ecs.DeleteInstancesRequest({ regionId: 'cn-hangzhou', instanceId: [pre ?? ''], force: true }),
      ),
    );
    expect(preErr.code).toBe('ChargeTypeViolation');
    expect(preErr.statusCode).toBe(403);
    // converting it to pay-as-you-go makes it deletable
    await until('Running', () =>
      sim.cloud.instances.get(pre ?? '')?.status === 'Running' ? true : undefined,
    );
    await ecs().modifyInstanceChargeType(
      new $Ecs.ModifyInstanceChargeTypeRequest({
        regionId: 'cn-hangzhou',
        instanceIds: JSON.stringify([pre]),
        instanceChargeType: 'PostPaid',
      }),
    );
    await until('Running', () =>
      sim.cloud.instances.get(pre ?? '')?.status === 'Running' ? true : undefined,
    );
    await ecs().deleteInstances(
      new $Ecs.DeleteInstancesRequest({ regionId: 'cn-hangzhou', instanceId: [pre ?? ''], force: true }),
    );
    expect(sim.cloud.instances.has(pre ?? '')).toBe(false);
  });

  it('tags: TagResources / ListTagResources / UntagResources, 20-tag limit and reserved prefixes', async () => {
    const [id = ''] = (await ecs().runInstances(run())).body?.instanceIdSets?.instanceIdSet ?? [];
    const tag = (key: string, value = 'v'): $Ecs.TagResourcesRequestTag =>
      new $Ecs.TagResourcesRequestTag({ key, value });
    await ecs().tagResources(
      new $Ecs.TagResourcesRequest({
        regionId: 'cn-hangzhou',
        resourceType: 'instance',
        resourceId: [id],
        tag: [tag('a', '1'), tag('b', '2')],
      }),
    );
    const listed = await ecs().listTagResources(
      new $Ecs.ListTagResourcesRequest({
        regionId: 'cn-hangzhou',
        resourceType: 'instance',
        resourceId: [id],
      }),
    );
    expect(listed.body?.tagResources?.tagResource?.map((t) => `${t.tagKey}=${t.tagValue}`)).toEqual([
      'a=1',
      'b=2',
    ]);
    const byTag = await ecs().describeInstances(
      new $Ecs.DescribeInstancesRequest({
        regionId: 'cn-hangzhou',
        tag: [new $Ecs.DescribeInstancesRequestTag({ key: 'a', value: '1' })],
      }),
    );
    expect(byTag.body?.instances?.instance?.map((i) => i.instanceId)).toContain(id);
    const reserved = await sdkError(
      ecs().tagResources(
        new $Ecs.TagResourcesRequest({
          regionId: 'cn-hangzhou',
          resourceType: 'instance',
          resourceId: [id],
          tag: [tag('aliyun-x')],
        }),
      ),
    );
    expect(reserved.code).toBe('InvalidTagKey.Malformed');
    const many = Array.from({ length: 19 }, (_, k) => tag(`k${k}`));
    const over = await sdkError(
      ecs().tagResources(
        new $Ecs.TagResourcesRequest({
          regionId: 'cn-hangzhou',
          resourceType: 'instance',
          resourceId: [id],
          tag: many,
        }),
      ),
    );
    expect(over.code).toBe('QuotaExceed.Tags');
    expect(over.statusCode).toBe(403);
    await ecs().untagResources(
      new $Ecs.UntagResourcesRequest({
        regionId: 'cn-hangzhou',
        resourceType: 'instance',
        resourceId: [id],
        tagKey: ['a'],
      }),
    );
    expect(sim.cloud.instances.get(id)?.tags).toEqual([{ key: 'b', value: '2' }]);
  });

  it('catalogue calls: instance types, available resource, images, security groups', async () => {
    const types = await ecs().describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest({}));
    const list = types.body?.instanceTypes?.instanceType ?? [];
    expect(list.length).toBeGreaterThanOrEqual(30);
    const g8y = list.find((t) => t.instanceTypeId === 'ecs.g8y.xlarge');
    expect(g8y).toMatchObject({ cpuCoreCount: 4, memorySize: 16, cpuArchitecture: 'ARM' });
    expect(list.find((t) => t.instanceTypeId === 'ecs.gn7i-c8g1.2xlarge')?.GPUAmount).toBe(1);
    expect(list.find((t) => t.instanceTypeId === 'ecs.i4.xlarge')?.localStorageAmount).toBe(1);
    const one = await ecs().describeInstanceTypes(
      new $Ecs.DescribeInstanceTypesRequest({ instanceTypes: ['ecs.r8i.2xlarge'] }),
    );
    expect(one.body?.instanceTypes?.instanceType?.map((t) => [t.cpuCoreCount, t.memorySize])).toEqual([
      [8, 64],
    ]);

    const avail = await ecs().describeAvailableResource(
      new $Ecs.DescribeAvailableResourceRequest({
        regionId: 'cn-hangzhou',
        destinationResource: 'InstanceType',
        instanceType: 'ecs.g8y.large',
      }),
    );
    const zones = avail.body?.availableZones?.availableZone ?? [];
    expect(zones.map((z) => [z.zoneId, z.statusCategory])).toEqual([
      ['cn-hangzhou-h', 'WithoutStock'],
      ['cn-hangzhou-i', 'WithStock'],
      ['cn-hangzhou-j', 'WithStock'],
    ]);

    const images = await ecs().describeImages(
      new $Ecs.DescribeImagesRequest({ regionId: 'cn-hangzhou', pageSize: 100 }),
    );
    const names = images.body?.images?.image?.map((i) => i.OSNameEn ?? '') ?? [];
    expect(names.some((n) => n.includes('ContainerOS 3.6'))).toBe(true);
    expect(names.some((n) => n.includes('Container Optimized'))).toBe(true);
    expect(names.some((n) => n.includes('Ubuntu'))).toBe(true);
    expect(images.body?.images?.image?.some((i) => i.imageOwnerAlias === 'self')).toBe(true);

    const sgs = await ecs().describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: 'cn-hangzhou' }),
    );
    expect(sgs.body?.securityGroups?.securityGroup?.map((g) => g.securityGroupType).sort()).toEqual([
      'enterprise',
      'normal',
    ]);
  });
});
