import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { $Ecs, ecsClient, rpcClient, sdkError } from './clients.js';

// Resource groups through the real SDK: ECS JoinResourceGroup (ecs20140526 JoinResourceGroupRequest) and ESS
// ChangeResourceGroup (2014-08-28), what DescribeInstances / DescribeScalingGroups report, and the documented
// errors (sources beside src/sim/cloud/ecs/resource-groups.ts and in docs/simulator.md).

let sim: Simulator;
const IMAGE = 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd';
const REGION = 'cn-hangzhou';

beforeAll(async () => {
  sim = await startSimulator({ log: createLogger({ level: 'silent' }), timeScale: 200 });
});
afterAll(async () => {
  await sim.stop();
});

const ecs = () => ecsClient(sim);
const join = (resourceId: string, resourceGroupId: string, resourceType = 'instance') =>
  ecs().joinResourceGroup(
    new $Ecs.JoinResourceGroupRequest({ regionId: REGION, resourceType, resourceId, resourceGroupId }),
  );
async function groupOf(id: string): Promise<string | undefined> {
  const res = await ecs().describeInstances(
    new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([id]) }),
  );
  return res.body?.instances?.instance?.[0]?.resourceGroupId;
}

/** RunInstances of one instance, in `resourceGroupId` when given. */
function run(resourceGroupId?: string) {
  const region = sim.world.regions[0]!;
  return ecs().runInstances(
    new $Ecs.RunInstancesRequest({
      regionId: REGION,
      imageId: IMAGE,
      instanceType: 'ecs.g7.large',
      vSwitchId: region.vpcs[0]!.vSwitches[1]!.vSwitchId,
      securityGroupIds: [region.securityGroups[0]!.securityGroupId],
      resourceGroupId,
    }),
  );
}

it('JoinResourceGroup moves an instance (DescribeInstances shows it); one created without a group is in the default', async () => {
  const res = await run();
  const id = res.body!.instanceIdSets!.instanceIdSet![0]!;
  expect(await groupOf(id)).toBe('rg-default');
  await join(id, 'rg-team1');
  expect(await groupOf(id)).toBe('rg-team1');
  await join(id, 'rg-team1'); // again: nothing changes, no error
  expect(await groupOf(id)).toBe('rg-team1');

  const unknownGroup = await sdkError(join(id, 'rg-nosuch'));
  expect([unknownGroup.statusCode, unknownGroup.code]).toEqual([404, 'InvalidResourceGroup.NotFound']);
  const unknownInstance = await sdkError(join('i-nosuch', 'rg-team1'));
  expect([unknownInstance.statusCode, unknownInstance.code]).toEqual([404, 'InvalidResourceId.NotFound']);
  const unknownType = await sdkError(join(id, 'rg-team1', 'Instance'));
  expect([unknownType.statusCode, unknownType.code]).toEqual([404, 'InvalidResourceType.NotFound']);
  const missing = await sdkError(
    ecs().joinResourceGroup(
      new $Ecs.JoinResourceGroupRequest({ regionId: REGION, resourceType: 'instance', resourceId: id }),
    ),
  );
  expect([missing.statusCode, missing.code]).toEqual([403, 'MissingParameter']);
  expect(await groupOf(id)).toBe('rg-team1');

  const badCreate = await sdkError(run('rg-nosuch'));
  expect([badCreate.statusCode, badCreate.code]).toEqual([404, 'InvalidResourceGroup.NotFound']);
});

it('ChangeResourceGroup moves a scaling group only (DescribeScalingGroups shows it); an unknown one is refused', async () => {
  const ess = rpcClient(sim, 'ess');
  const vsw = sim.world.regions[0]!.vpcs[0]!.vSwitches[0]!.vSwitchId;
  const created = await ess('CreateScalingGroup', {
    MinSize: 0,
    MaxSize: 1,
    VSwitchIds: [vsw],
    ResourceGroupId: 'rg-platform',
  });
  const id = created.ScalingGroupId as string;
  const groupOf = async () => {
    const b = await ess('DescribeScalingGroups', { ScalingGroupId: [id] });
    return (b.ScalingGroups as { ScalingGroup: { ResourceGroupId: string }[] }).ScalingGroup[0]!
      .ResourceGroupId;
  };
  expect(await groupOf()).toBe('rg-platform');
  await ess('ChangeResourceGroup', {
    ResourceType: 'scalinggroup',
    ResourceId: id,
    NewResourceGroupId: 'rg-team1',
  });
  expect(await groupOf()).toBe('rg-team1');
  const unknown = await sdkError(
    ess('ChangeResourceGroup', {
      ResourceType: 'scalinggroup',
      ResourceId: id,
      NewResourceGroupId: 'rg-nosuch',
    }),
  );
  expect([unknown.statusCode, unknown.code]).toEqual([404, 'InvalidResourceGroup.NotFound']);
  const noGroup = await sdkError(
    ess('ChangeResourceGroup', {
      ResourceType: 'scalinggroup',
      ResourceId: 'asg-nosuch',
      NewResourceGroupId: 'rg-team1',
    }),
  );
  expect(noGroup.code).toBe('InvalidScalingGroupId.NotFound');
  expect(await groupOf()).toBe('rg-team1');
});
