import { DEPLOYMENT_SET_PER_ZONE, Reason, type NodePool } from '../../../apis/v1beta1/index.js';
import type { ImageInfo, InstanceTypeInfo, SecurityGroupInfo, VSwitchInfo } from '../../../cloud/types.js';
import type { PoolKindName } from '../kinds.js';

/**
 * The rules only the cloud's facts decide (API.md: "the controller alone checks … the real zones of the vSwitches,
 * a Custom image's OS, instance families (by DescribeInstanceTypes)"). Pure: the caller reads the facts
 * (cloud-check.ts) and makes a problem a Degraded pool, before anything is created in the cloud.
 */
export interface CloudFacts {
  /** DescribeVSwitches of the pool's vSwitchIds (one id per call). */
  vSwitches: readonly VSwitchInfo[];
  /** DescribeSecurityGroups of the pool's security groups (one missing is resolve.ts's to report). */
  securityGroups: readonly SecurityGroupInfo[];
  /** DescribeInstanceTypes of the pool's instanceTypes. */
  instanceTypes: readonly InstanceTypeInfo[];
  /** DescribeImages of a Custom image, read when the pool asks for hardening. */
  customImage?: ImageInfo | undefined;
}

/** The Degraded reason for a rule the cloud's facts break that is neither a VPC mismatch nor a missing reference. */
export const CLOUD_CHECK_FAILED = 'CloudCheckFailed';

export interface FactsProblem {
  reason: string;
  message: string;
}

type Spec = Pick<
  NodePool['spec'],
  | 'vpcId'
  | 'vSwitchIds'
  | 'scaling'
  | 'instanceTypes'
  | 'deploymentSetId'
  | 'securityHardening'
  | 'image'
  | 'securityGroup'
>;

/** The distinct zones of these vSwitches, in the order first seen. */
export function zonesOf(vSwitches: readonly Pick<VSwitchInfo, 'zoneId'>[]): string[] {
  return [...new Set(vSwitches.map((v) => v.zoneId))];
}

/** DescribeInstanceTypes says Arm (`CpuArchitecture` ARM). */
export const isArmType = (t: Pick<InstanceTypeInfo, 'architecture'>): boolean =>
  t.architecture.toUpperCase() === 'ARM';

/** An image that runs Alibaba Cloud Linux (DescribeImages `Platform` Aliyun, or its OS name says so). */
export function isAlibabaCloudLinux(i: Pick<ImageInfo, 'platform' | 'osName'>): boolean {
  return /^aliyun$/i.test(i.platform) || /alibaba cloud linux|aliyun linux/i.test(i.osName);
}

const poolSize = (s: Spec['scaling']): { size: number; field: string } =>
  s.mode === 'Manual'
    ? { size: s.desiredSize ?? 0, field: 'scaling.desiredSize' }
    : { size: s.maxSize ?? 0, field: 'scaling.maxSize' };

function vSwitchProblem(spec: Spec, facts: CloudFacts, region: string): FactsProblem | undefined {
  for (const id of spec.vSwitchIds) {
    const v = facts.vSwitches.find((x) => x.id === id);
    if (!v)
      return {
        reason: 'InvalidReference',
        message: `spec.vSwitchIds: vSwitch ${id} does not exist in ${region}`,
      };
    if (v.vpcId !== spec.vpcId)
      return {
        reason: Reason.VpcMismatch,
        message: `spec.vSwitchIds: vSwitch ${id} is in VPC ${v.vpcId}, not the pool's VPC ${spec.vpcId}`,
      };
  }
  const sg = facts.securityGroups.find(
    (g) => spec.securityGroup.ids.includes(g.id) && g.vpcId !== spec.vpcId,
  );
  if (sg)
    return {
      reason: Reason.VpcMismatch,
      message: `spec.securityGroup.ids: security group ${sg.id} is in VPC ${sg.vpcId}, not the pool's VPC ${spec.vpcId}`,
    };
  return undefined;
}

function zoneProblem(spec: Spec, zones: readonly string[]): string | undefined {
  const where = `the vSwitches ${spec.vSwitchIds.join(', ')} are in ${zones.length} zone${zones.length === 1 ? '' : 's'} (${zones.join(', ')})`;
  if (spec.scaling.multiAZPolicy === 'Balance' && zones.length < 2)
    return `spec.scaling.multiAZPolicy: Balance spreads instances evenly over zones and needs vSwitches in at least 2 zones, but ${where}`;
  const { size, field } = poolSize(spec.scaling);
  const limit = DEPLOYMENT_SET_PER_ZONE * zones.length;
  if (spec.deploymentSetId !== undefined && size > limit)
    return `spec.deploymentSetId: a deployment set holds at most ${DEPLOYMENT_SET_PER_ZONE} instances per zone and ${where}, so the pool's size may be at most ${limit}; spec.${field} is ${size}`;
  return undefined;
}

function familyProblem(
  kind: PoolKindName,
  spec: Spec,
  types: readonly InstanceTypeInfo[],
): string | undefined {
  const found = spec.instanceTypes.flatMap((id) => types.filter((t) => t.id === id));
  const label = (t: InstanceTypeInfo) => `${t.id} (family ${t.family})`;
  const local = found.find((t) => t.localStorage);
  const arm = found.find(isArmType);
  if (kind === 'ManagedNodePool') {
    if (arm)
      return `spec.instanceTypes: instance type ${label(arm)} is an Arm family (DescribeInstanceTypes): a ManagedNodePool runs x86 ContainerOS images only`;
    if (local)
      return `spec.instanceTypes: instance type ${label(local)} is a local-disk family (DescribeInstanceTypes): managed nodes are replaced freely, and local disks would lose their data`;
  }
  if (spec.scaling.economical === true && local)
    return `spec.scaling.economical: not available with local-disk instance families, and ${label(local)} has local disks (DescribeInstanceTypes) whose data does not survive a stop`;
  const x86 = found.find((t) => !isArmType(t));
  if (arm && x86)
    return `spec.instanceTypes: ${label(arm)} is Arm and ${label(x86)} is x86 (DescribeInstanceTypes): one scaling configuration launches one image, so a pool's types must share one architecture`;
  return undefined;
}

function hardeningProblem(spec: Spec, image: ImageInfo | undefined): string | undefined {
  if (spec.securityHardening === 'Disabled' || spec.image.type !== 'Custom' || !image) return undefined;
  if (isAlibabaCloudLinux(image)) return undefined;
  const os = [image.osName, image.platform && `platform ${image.platform}`].filter(Boolean).join(', ');
  return `spec.securityHardening: ${spec.securityHardening} needs an Alibaba Cloud Linux image, and the Custom image ${image.id} runs ${os || 'an unknown OS'} (DescribeImages)`;
}

/**
 * The first rule the cloud's facts break, or undefined: every vSwitch exists and is in the pool's VPC, and so is
 * every security group (VpcMismatch); Balance needs vSwitches in 2 zones; with a deployment set the size is at most 20 × the real
 * zones; a ManagedNodePool takes no Arm or local-disk family; economical takes no local-disk family; the types
 * share one architecture; hardening on a Custom image needs Alibaba Cloud Linux.
 */
export function factsProblem(
  kind: PoolKindName,
  spec: Spec,
  facts: CloudFacts,
  region: string,
): FactsProblem | undefined {
  const vsw = vSwitchProblem(spec, facts, region);
  if (vsw) return vsw;
  const message =
    zoneProblem(spec, zonesOf(facts.vSwitches.filter((v) => spec.vSwitchIds.includes(v.id)))) ??
    familyProblem(kind, spec, facts.instanceTypes) ??
    hardeningProblem(spec, facts.customImage);
  return message ? { reason: CLOUD_CHECK_FAILED, message } : undefined;
}

/** The pool's types are Arm by DescribeInstanceTypes (undefined when none of them was found). */
export function armPool(
  spec: Pick<Spec, 'instanceTypes'>,
  types: readonly InstanceTypeInfo[],
): boolean | undefined {
  const found = types.filter((t) => spec.instanceTypes.includes(t.id));
  return found.length === 0 ? undefined : found.some(isArmType);
}
