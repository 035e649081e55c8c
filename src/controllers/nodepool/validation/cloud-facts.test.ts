import { describe, expect, it } from '@jest/globals';
import type { ImageInfo, InstanceTypeInfo, VSwitchInfo } from '../../../cloud/types.js';
import {
  armPool,
  CLOUD_CHECK_FAILED,
  factsProblem,
  isAlibabaCloudLinux,
  zonesOf,
  type CloudFacts,
} from './cloud-facts.js';

const vsw = (id: string, zoneId: string, vpcId = 'vpc-k8s'): VSwitchInfo => ({
  id,
  vpcId,
  zoneId,
  cidr: '10.0.0.0/20',
  availableIps: 100,
  status: 'Available',
});
const type = (id: string, o: { arm?: boolean; local?: boolean } = {}): InstanceTypeInfo => ({
  id,
  family: id.split('.').slice(0, 2).join('.'),
  vCpus: 4,
  memoryGiB: 16,
  gpus: 0,
  architecture: o.arm ? 'ARM' : 'X86',
  localStorage: o.local ?? false,
  eniQuantity: 4,
});
const image = (osName: string, platform: string): ImageInfo => ({
  id: 'm-custom',
  osType: 'linux',
  platform,
  osName,
  architecture: 'x86_64',
});

type Spec = Parameters<typeof factsProblem>[1];
const base = (): Spec => ({
  vpcId: 'vpc-k8s',
  vSwitchIds: ['vsw-h', 'vsw-i'],
  scaling: { mode: 'Auto', minSize: 0, maxSize: 30, multiAZPolicy: 'Priority' },
  instanceTypes: ['ecs.g7.xlarge'],
  securityHardening: 'Disabled',
  image: { type: 'AliyunLinux3ContainerOptimized' },
  securityGroup: { type: 'Basic', ids: ['sg-k8s'] },
});
const world: CloudFacts = {
  vSwitches: [
    vsw('vsw-h', 'cn-hangzhou-h'),
    vsw('vsw-h2', 'cn-hangzhou-h'),
    vsw('vsw-i', 'cn-hangzhou-i'),
    vsw('vsw-other', 'cn-hangzhou-h', 'vpc-other'),
  ],
  securityGroups: [
    { id: 'sg-k8s', vpcId: 'vpc-k8s', type: 'normal' },
    { id: 'sg-other', vpcId: 'vpc-other', type: 'normal' },
  ],
  instanceTypes: [
    type('ecs.g7.xlarge'),
    type('ecs.i2ne.xlarge', { local: true }),
    type('ecs.g8m.xlarge', { arm: true }),
  ],
};

describe('factsProblem', () => {
  const cases: [string, (s: Spec) => Spec, CloudFacts, { reason: string; message: string } | undefined][] = [
    ['a pool the facts allow', (s) => s, world, undefined],
    [
      'a vSwitch that does not exist',
      (s) => ({ ...s, vSwitchIds: ['vsw-h', 'vsw-gone'] }),
      world,
      {
        reason: 'InvalidReference',
        message: 'spec.vSwitchIds: vSwitch vsw-gone does not exist in cn-hangzhou',
      },
    ],
    [
      'a vSwitch in another VPC',
      (s) => ({ ...s, vSwitchIds: ['vsw-h', 'vsw-other'] }),
      world,
      {
        reason: 'VpcMismatch',
        message: "spec.vSwitchIds: vSwitch vsw-other is in VPC vpc-other, not the pool's VPC vpc-k8s",
      },
    ],
    [
      'a security group in another VPC',
      (s) => ({ ...s, securityGroup: { type: 'Basic', ids: ['sg-k8s', 'sg-other'] } }),
      world,
      {
        reason: 'VpcMismatch',
        message:
          "spec.securityGroup.ids: security group sg-other is in VPC vpc-other, not the pool's VPC vpc-k8s",
      },
    ],
    [
      'Balance over two vSwitches of one zone',
      (s) => ({ ...s, vSwitchIds: ['vsw-h', 'vsw-h2'], scaling: { ...s.scaling, multiAZPolicy: 'Balance' } }),
      world,
      {
        reason: CLOUD_CHECK_FAILED,
        message:
          'spec.scaling.multiAZPolicy: Balance spreads instances evenly over zones and needs vSwitches in at least 2 zones, but the vSwitches vsw-h, vsw-h2 are in 1 zone (cn-hangzhou-h)',
      },
    ],
    [
      'Balance over two zones',
      (s) => ({ ...s, scaling: { ...s.scaling, multiAZPolicy: 'Balance' } }),
      world,
      undefined,
    ],
    [
      'a deployment set over two vSwitches of one zone and maxSize 30',
      (s) => ({ ...s, vSwitchIds: ['vsw-h', 'vsw-h2'], deploymentSetId: 'ds-1' }),
      world,
      {
        reason: CLOUD_CHECK_FAILED,
        message:
          "spec.deploymentSetId: a deployment set holds at most 20 instances per zone and the vSwitches vsw-h, vsw-h2 are in 1 zone (cn-hangzhou-h), so the pool's size may be at most 20; spec.scaling.maxSize is 30",
      },
    ],
    [
      'a deployment set over two zones and maxSize 30',
      (s) => ({ ...s, deploymentSetId: 'ds-1' }),
      world,
      undefined,
    ],
    [
      'a deployment set and a Manual desiredSize of 21 in one zone',
      (s) => ({
        ...s,
        vSwitchIds: ['vsw-h'],
        deploymentSetId: 'ds-1',
        scaling: { mode: 'Manual', desiredSize: 21, multiAZPolicy: 'Priority' },
      }),
      world,
      {
        reason: CLOUD_CHECK_FAILED,
        message:
          "spec.deploymentSetId: a deployment set holds at most 20 instances per zone and the vSwitches vsw-h are in 1 zone (cn-hangzhou-h), so the pool's size may be at most 20; spec.scaling.desiredSize is 21",
      },
    ],
    [
      'economical with a local-disk family the names do not list',
      (s) => ({
        ...s,
        instanceTypes: ['ecs.g7.xlarge', 'ecs.i2ne.xlarge'],
        scaling: { ...s.scaling, economical: true },
      }),
      world,
      {
        reason: CLOUD_CHECK_FAILED,
        message:
          'spec.scaling.economical: not available with local-disk instance families, and ecs.i2ne.xlarge (family ecs.i2ne) has local disks (DescribeInstanceTypes) whose data does not survive a stop',
      },
    ],
    [
      'a local-disk family without economical (a NodePool)',
      (s) => ({ ...s, instanceTypes: ['ecs.i2ne.xlarge'] }),
      world,
      undefined,
    ],
    [
      'Arm and x86 types together',
      (s) => ({ ...s, instanceTypes: ['ecs.g8m.xlarge', 'ecs.g7.xlarge'] }),
      world,
      {
        reason: CLOUD_CHECK_FAILED,
        message:
          "spec.instanceTypes: ecs.g8m.xlarge (family ecs.g8m) is Arm and ecs.g7.xlarge (family ecs.g7) is x86 (DescribeInstanceTypes): one scaling configuration launches one image, so a pool's types must share one architecture",
      },
    ],
    [
      'OS hardening on a Custom Ubuntu image',
      (s) => ({ ...s, securityHardening: 'OS', image: { type: 'Custom', id: 'm-custom' } }),
      { ...world, customImage: image('Ubuntu  22.04 64 bit', 'Ubuntu') },
      {
        reason: CLOUD_CHECK_FAILED,
        message:
          'spec.securityHardening: OS needs an Alibaba Cloud Linux image, and the Custom image m-custom runs Ubuntu  22.04 64 bit, platform Ubuntu (DescribeImages)',
      },
    ],
    [
      'OS hardening on a Custom Alibaba Cloud Linux image',
      (s) => ({ ...s, securityHardening: 'OS', image: { type: 'Custom', id: 'm-custom' } }),
      { ...world, customImage: image('Alibaba Cloud Linux 3.2104 LTS 64 bit', 'Aliyun') },
      undefined,
    ],
  ];
  it.each(cases)('%s', (_what, edit, facts, want) => {
    expect(factsProblem('NodePool', edit(base()), facts, 'cn-hangzhou')).toEqual(want);
  });

  it('refuses Arm and local-disk families on a ManagedNodePool by what DescribeInstanceTypes says', () => {
    const arm = factsProblem('ManagedNodePool', { ...base(), instanceTypes: ['ecs.g8m.xlarge'] }, world, 'r');
    expect(arm?.message).toBe(
      'spec.instanceTypes: instance type ecs.g8m.xlarge (family ecs.g8m) is an Arm family (DescribeInstanceTypes): a ManagedNodePool runs x86 ContainerOS images only',
    );
    const local = factsProblem(
      'ManagedNodePool',
      { ...base(), instanceTypes: ['ecs.i2ne.xlarge'] },
      world,
      'r',
    );
    expect(local?.message).toContain('ecs.i2ne.xlarge (family ecs.i2ne) is a local-disk family');
    expect(
      factsProblem('NodePool', { ...base(), instanceTypes: ['ecs.g8m.xlarge'] }, world, 'r'),
    ).toBeUndefined();
  });
});

describe('helpers', () => {
  it('counts distinct zones', () => {
    expect(zonesOf(world.vSwitches)).toEqual(['cn-hangzhou-h', 'cn-hangzhou-i']);
  });
  it('knows an Arm pool by the cloud, not the name', () => {
    expect(armPool({ instanceTypes: ['ecs.g8m.xlarge'] }, world.instanceTypes)).toBe(true);
    expect(armPool({ instanceTypes: ['ecs.g7.xlarge'] }, world.instanceTypes)).toBe(false);
    expect(armPool({ instanceTypes: ['ecs.unknown.large'] }, world.instanceTypes)).toBeUndefined();
  });
  it('knows Alibaba Cloud Linux by platform or OS name', () => {
    expect(isAlibabaCloudLinux({ platform: 'Aliyun', osName: '' })).toBe(true);
    expect(isAlibabaCloudLinux({ platform: '', osName: 'Alibaba Cloud Linux 3.2104 LTS 64 bit' })).toBe(true);
    expect(isAlibabaCloudLinux({ platform: 'Ubuntu', osName: 'Ubuntu 22.04 64 bit' })).toBe(false);
  });
});
