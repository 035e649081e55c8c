import { describe, expect, test } from '@jest/globals';
import type { ScalingGroup, ScalingGroupSpec } from '../../../cloud/types.js';
import {
  configurationName,
  describeAction,
  planScalingGroup,
  type EnsureKnown,
  type GroupPlan,
  type ObservedGroup,
} from './plan.js';

const TAGS = { 'nodepool.alicloud.dev/cluster': 'c1', 'nodepool.alicloud.dev/pool': 'web' };
const spec: ScalingGroupSpec = {
  name: 'np-c1-web',
  minSize: 0,
  maxSize: 2000,
  desiredCapacity: 3,
  vSwitchIds: ['vsw-a', 'vsw-b'],
  multiAZPolicy: 'PRIORITY',
  scalingPolicy: 'release',
  tags: TAGS,
  scaleInHook: { name: 'drain', heartbeatTimeoutSeconds: 3600, defaultResult: 'CONTINUE' },
};
const group = (over: Partial<ScalingGroup> = {}): ScalingGroup => ({
  id: 'asg-1',
  name: spec.name,
  state: 'Active',
  minSize: 0,
  maxSize: 2000,
  desiredCapacity: 3,
  activeConfigurationId: 'asc-1',
  vSwitchIds: ['vsw-a', 'vsw-b'],
  vpcId: 'vpc-1',
  multiAZPolicy: 'PRIORITY',
  scalingPolicy: 'release',
  tags: TAGS,
  deletionProtection: true,
  counts: { total: 3, pending: 0, removing: 0, protected: 0, standby: 0, stopped: 0 },
  ...over,
});
const known: EnsureKnown = {
  groupId: 'asg-1',
  configurationId: 'asc-1',
  configurationName: 'np-digest',
  hook: true,
};
const desired = { group: spec, configurationName: 'np-digest' };
const configs = [{ id: 'asc-1', name: 'np-digest', active: true }];

const lines = (p: GroupPlan): string[] | string =>
  p.kind === 'act'
    ? p.actions.map(describeAction)
    : p.kind === 'read'
      ? `read ${p.reads.join('+')}`
      : `refuse ${p.code}`;

describe('planScalingGroup', () => {
  const cases: [string, ObservedGroup, typeof desired, string[] | string][] = [
    [
      'no group: create, configure, enable, hook (nothing read)',
      { group: undefined },
      desired,
      [
        'created scaling group',
        'created scaling configuration',
        'enabled scaling group',
        'created SCALE_IN lifecycle hook',
      ],
    ],
    ['in step and known: nothing, nothing read', { group: group(), known }, desired, []],
    [
      'known for another group: read configurations and hooks',
      { group: group(), known: { ...known, groupId: 'asg-9' } },
      desired,
      'read configurations+hooks',
    ],
    [
      'launch spec changed: read the configurations',
      { group: group(), known },
      { ...desired, configurationName: 'np-new' },
      'read configurations',
    ],
    [
      'launch spec changed, read: modify in place',
      { group: group(), known, configurations: configs },
      { ...desired, configurationName: 'np-new' },
      ['modified scaling configuration'],
    ],
    [
      'a configuration left by a crash with the right name is re-used',
      {
        group: group({ state: 'Inactive', activeConfigurationId: undefined }),
        configurations: [{ id: 'asc-7', name: 'np-digest', active: false }],
        hookNames: ['drain'],
      },
      desired,
      ['enabled scaling group'],
    ],
    [
      'no configuration at all: create and enable',
      {
        group: group({ state: 'Inactive', activeConfigurationId: undefined }),
        configurations: [],
        hookNames: [],
      },
      desired,
      ['created scaling configuration', 'enabled scaling group', 'created SCALE_IN lifecycle hook'],
    ],
    [
      'hand-changed sizes and vSwitches restored',
      { group: group({ maxSize: 7, minSize: 1, vSwitchIds: ['vsw-a'] }), known },
      desired,
      ['modified scaling group: MinSize, MaxSize, VSwitchIds'],
    ],
    [
      'desired capacity, multi-AZ and scaling policy drift',
      { group: group({ desiredCapacity: 5, multiAZPolicy: 'BALANCE', scalingPolicy: 'recycle' }), known },
      desired,
      ['modified scaling group: DesiredCapacity, MultiAZPolicy, ScalingPolicy'],
    ],
    [
      'a max size lowered below the desired takes the desired along (ESS refuses bounds that exclude it)',
      { group: group({ desiredCapacity: 4, maxSize: 10 }), known },
      { ...desired, group: { ...spec, maxSize: 2, desiredCapacity: 4 } },
      ['modified scaling group: MaxSize, DesiredCapacity'],
    ],
    [
      'resourceGroupId edited: the group is moved (ChangeResourceGroup), the configuration modified',
      { group: group({ resourceGroupId: 'rg-old' }), known, configurations: configs },
      { group: { ...spec, resourceGroupId: 'rg-new' }, configurationName: 'np-new' },
      ['modified scaling configuration', 'moved scaling group to resource group rg-new'],
    ],
    [
      'the group moved by hand to another resource group: moved back',
      { group: group({ resourceGroupId: 'rg-other' }), known },
      { ...desired, group: { ...spec, resourceGroupId: 'rg-new' } },
      ['moved scaling group to resource group rg-new'],
    ],
    [
      'already in the resource group: nothing',
      { group: group({ resourceGroupId: 'rg-new' }), known },
      { ...desired, group: { ...spec, resourceGroupId: 'rg-new' } },
      [],
    ],
    [
      'no resourceGroupId in the spec: the group is left where it is',
      { group: group({ resourceGroupId: 'rg-other' }), known },
      desired,
      [],
    ],
    [
      'ESS did not report the resource group: nothing is guessed',
      { group: group(), known },
      { ...desired, group: { ...spec, resourceGroupId: 'rg-new' } },
      [],
    ],
    [
      'hook missing after a read',
      { group: group(), known: { ...known, hook: false }, hookNames: ['other'] },
      desired,
      ['created SCALE_IN lifecycle hook'],
    ],
    [
      'hook present after a read',
      { group: group(), known: { ...known, hook: false }, hookNames: ['drain'] },
      desired,
      [],
    ],
    [
      'a group being deleted is refused',
      { group: group({ state: 'Deleting' }) },
      desired,
      'refuse IncorrectScalingGroupStatus',
    ],
    [
      "another pool's group is refused",
      { group: group({ tags: { ...TAGS, 'nodepool.alicloud.dev/pool': 'db' } }) },
      desired,
      'refuse ScalingGroupNotOwned',
    ],
    [
      "a group without the cluster's tag is refused",
      { group: group({ tags: {} }) },
      desired,
      'refuse ScalingGroupNotOwned',
    ],
  ];
  test.each(cases)('%s', (_name, observed, want, expected) => {
    expect(lines(planScalingGroup(observed, want))).toEqual(expected);
  });

  test('the active configuration is the one kept, the one re-used, or the one the plan creates', () => {
    expect(planScalingGroup({ group: group(), known }, desired)).toMatchObject({ configuration: 'asc-1' });
    expect(planScalingGroup({ group: undefined }, desired)).toMatchObject({ configuration: 'new' });
  });
});

describe('configurationName', () => {
  const launch = {
    imageId: 'm-1',
    instanceTypes: ['ecs.g7.large'],
    securityGroupIds: ['sg-1'],
    systemDisk: { category: 'cloud_essd', sizeGiB: 40 },
    dataDisks: [],
    userData: 'x',
    tags: {},
  };
  test('a digest of the launch spec; the password stands in by its revision, never by its value', () => {
    expect(configurationName(launch)).toMatch(/^np-[0-9a-f]{24}$/);
    expect(configurationName({ ...launch, instanceTypes: ['ecs.c7.large'] })).not.toBe(
      configurationName(launch),
    );
    expect(configurationName({ ...launch, password: 'a' }, '1')).toBe(
      configurationName({ ...launch, password: 'b' }, '1'),
    );
    expect(configurationName({ ...launch, password: 'a' }, '1')).not.toBe(
      configurationName({ ...launch, password: 'a' }, '2'),
    );
  });
});
