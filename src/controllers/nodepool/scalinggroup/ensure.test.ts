import { describe, expect, test } from '@jest/globals';
import { FakeCloudProvider } from '../../../cloud/fake/provider.js';
import type { LaunchSpec, ScalingGroupSpec } from '../../../cloud/types.js';
import { ensureScalingGroup } from './ensure.js';

const TAGS = { 'nodepool.alicloud.dev/cluster': 'c1', 'nodepool.alicloud.dev/pool': 'web' };
const group: ScalingGroupSpec = {
  name: 'np-c1-web',
  minSize: 0,
  maxSize: 2000,
  desiredCapacity: 2,
  vSwitchIds: ['vsw-a'],
  multiAZPolicy: 'PRIORITY',
  scalingPolicy: 'release',
  tags: TAGS,
  scaleInHook: { name: 'drain', heartbeatTimeoutSeconds: 3600, defaultResult: 'CONTINUE' },
};
const launch: LaunchSpec = {
  imageId: 'm-1',
  instanceTypes: ['ecs.g7.large'],
  securityGroupIds: ['sg-1'],
  systemDisk: { category: 'cloud_essd', sizeGiB: 40 },
  dataDisks: [],
  userData: 'x',
  tags: TAGS,
};
const writes = (c: FakeCloudProvider) =>
  c.calls
    .map((x) => x.method)
    .filter((m) => !/^(find|list|scalingConfigurations|lifecycleHookNames)/.test(m));

describe('ensureScalingGroup (the scaling-group sub-reconciler against the fake cloud)', () => {
  test('creates a group with four writes and no read back; a second ensure with what the first left writes and reads nothing', async () => {
    // prettier-ignore
    const cloud = new FakeCloudProvider();
    const first = await ensureScalingGroup(cloud, { group, launch, operationId: 'op-1' });
    expect(writes(cloud)).toEqual([
      'createScalingGroup',
      'createScalingConfiguration',
      'enableScalingGroup',
      'createLifecycleHook',
    ]);
    cloud.calls.length = 0;
    const again = await ensureScalingGroup(cloud, {
      group,
      launch,
      operationId: 'op-1',
      current: first.group,
      known: first.known,
    });
    expect(again.changes).toEqual([]);
    expect(cloud.calls).toEqual([]);
  });
  test('a hand-changed max size and a launch change: the configuration modified in place, the size restored', async () => {
    // prettier-ignore
    const cloud = new FakeCloudProvider();
    const first = await ensureScalingGroup(cloud, { group, launch, operationId: 'op-2' });
    await cloud.setCapacity(first.group.id, { maxSize: 7 });
    const edited = await ensureScalingGroup(cloud, {
      group,
      launch: { ...launch, instanceTypes: ['ecs.c7.large'] },
      operationId: 'op-2',
      known: first.known,
      groupId: first.group.id,
    });
    expect(edited.changes).toEqual(['modified scaling configuration', 'modified scaling group: MaxSize']);
    expect(cloud.groups.get(first.group.id)?.maxSize).toBe(2000);
  });
  test("another pool's group of the same name is refused, nothing written", async () => {
    const cloud = new FakeCloudProvider();
    cloud.addGroup({ name: 'np-c1-web', tags: { ...TAGS, 'nodepool.alicloud.dev/pool': 'db' } });
    await expect(ensureScalingGroup(cloud, { group, launch, operationId: 'op-3' })).rejects.toThrow(
      /is not this pool's/,
    );
    expect(writes(cloud)).toEqual([]);
  });
});
