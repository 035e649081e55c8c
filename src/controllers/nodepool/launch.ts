import { createHash } from 'node:crypto';
import type { NodePool } from '../../apis/v1beta1/index.js';
import { SystemTag } from '../../apis/v1beta1/constants.js';
import type { DiskSpec, LaunchSpec, MultiAZPolicy, ScalingGroupSpec } from '../../cloud/types.js';

/** The SCALE_IN lifecycle hook that holds ESS-started removals until the operator drained the node. */
export const SCALE_IN_HOOK = 'nodepool-operator-drain';

/** The image family (`ImageFamily` of DescribeImages) each image type launches from, by architecture. */
export const IMAGE_FAMILIES: Record<string, { x86_64: string; arm64?: string }> = {
  AliyunLinux3ContainerOptimized: {
    x86_64: 'acs:alibaba_cloud_linux_3_container_optimized_x64',
    arm64: 'acs:alibaba_cloud_linux_3_container_optimized_arm64',
  },
  ContainerOS: { x86_64: 'acs:containeros_3_x64' },
  AliyunLinux3: {
    x86_64: 'acs:alibaba_cloud_linux_3_2104_lts_x64',
    arm64: 'acs:alibaba_cloud_linux_3_2104_lts_arm64',
  },
  Ubuntu: { x86_64: 'acs:ubuntu_22_04_x64', arm64: 'acs:ubuntu_22_04_arm64' },
};

/**
 * The scaling group's name: `np-<cluster>-<pool>` (ESS: 2–64 characters, unique per region), shortened with a
 * hash when too long so two pools never share one.
 */
export function scalingGroupName(cluster: string, pool: string): string {
  const full = `np-${cluster}-${pool}`;
  if (full.length <= 64) return full;
  const h = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 55)}-${h}`;
}

const MULTI_AZ: Record<string, MultiAZPolicy> = {
  Priority: 'PRIORITY',
  CostOptimized: 'COST_OPTIMIZED',
  Balance: 'BALANCE',
};

/** What the pool's size asks ESS for, given the group's current capacity (the switch rules of API.md). */
export function capacityOf(
  spec: NodePool['spec'],
  current: { desired: number | undefined; members: number },
): { minSize: number; maxSize: number; desiredCapacity: number } {
  if (spec.scaling.mode === 'Manual') {
    // Auto → Manual without a desiredSize keeps the current count (min 0, max 2000).
    const desired = spec.scaling.desiredSize ?? current.desired ?? current.members;
    return { minSize: 0, maxSize: 2000, desiredCapacity: desired };
  }
  const min = spec.scaling.minSize ?? 0;
  const max = spec.scaling.maxSize ?? 2000;
  const base = current.desired ?? current.members;
  return { minSize: min, maxSize: max, desiredCapacity: Math.min(max, Math.max(min, base)) };
}

export interface GroupContext {
  cluster: string;
  /** The scaling group's current desired capacity and member count (undefined before it exists). */
  current: { desired: number | undefined; members: number };
}

/** The ESS scaling group a pool asks for. */
export function scalingGroupSpecOf(pool: NodePool, ctx: GroupContext): ScalingGroupSpec {
  const spec = pool.spec;
  const spot = spec.billing.chargeType === 'Spot' ? spec.billing.spot : undefined;
  const economical = spec.scaling.mode === 'Auto' && spec.scaling.economical === true;
  return {
    name: scalingGroupName(ctx.cluster, pool.metadata.name),
    ...capacityOf(spec, ctx.current),
    vSwitchIds: [...spec.vSwitchIds],
    multiAZPolicy: MULTI_AZ[spec.scaling.multiAZPolicy ?? 'Priority'] ?? 'PRIORITY',
    scalingPolicy: economical ? 'recycle' : 'release',
    ...(spot
      ? {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: 0,
          // the operator replaces a spot node on its notice itself (spotInterruption: replacement first, drain
          // when Ready): ESS's own remedy would launch a second replacement and start removing the node at once
          spotInstanceRemedy: false,
          compensateWithOnDemand: spot.onDemandFallback ?? false,
        }
      : {}),
    tags: { ...poolTags(pool, ctx.cluster) },
    resourceGroupId: spec.resourceGroupId,
    scaleInHook: { name: SCALE_IN_HOOK, heartbeatTimeoutSeconds: 3600, defaultResult: 'CONTINUE' },
  };
}

/** The ECS tags of every instance of the pool: the pool's own plus the operator's two. */
export function poolTags(pool: NodePool, cluster: string): Record<string, string> {
  return { ...(pool.spec.tags ?? {}), [SystemTag.cluster]: cluster, [SystemTag.pool]: pool.metadata.name };
}

export interface LaunchContext {
  cluster: string;
  imageId: string;
  /** Base64 user data (gzip when large), from the bootstrap renderer. */
  userData: string;
  /** The login password, read from its Secret; never logged. */
  password?: string | undefined;
}

function disk(d: {
  category: string;
  sizeGiB: number;
  performanceLevel?: string | undefined;
  encrypted?: boolean | undefined;
  kmsKeyId?: string | undefined;
  snapshotId?: string | undefined;
}): DiskSpec {
  return {
    category: d.category,
    sizeGiB: d.sizeGiB,
    performanceLevel: d.performanceLevel,
    encrypted: d.encrypted,
    kmsKeyId: d.kmsKeyId,
    snapshotId: d.snapshotId,
  };
}

/** The scaling configuration a pool asks for (what new instances launch with). */
export function launchSpecOf(pool: NodePool, ctx: LaunchContext): LaunchSpec {
  const spec = pool.spec;
  const spot = spec.billing.chargeType === 'Spot' ? spec.billing.spot : undefined;
  return {
    imageId: ctx.imageId,
    instanceTypes: [...spec.instanceTypes],
    securityGroupIds: [...spec.securityGroup.ids],
    systemDisk: disk(spec.systemDisk),
    systemDiskFallbackCategories: spec.systemDisk.fallbackCategories
      ? [...spec.systemDisk.fallbackCategories]
      : undefined,
    dataDisks: (spec.dataDisks ?? []).map(disk),
    userData: ctx.userData,
    keyPairName: spec.login?.keyPairName,
    password: ctx.password,
    // login.user ecs-user: ECS logs in as ecs-user (ImageOptions.LoginAsNonRoot); root is the default and not sent
    loginAsNonRoot: spec.login?.user === 'ecs-user' ? true : undefined,
    spot: spot
      ? {
          strategy: spot.strategy ?? 'SpotAsPriceGo',
          priceLimits: (spot.priceLimits ?? []).map((p) => ({
            instanceType: p.instanceType,
            maxPricePerHour: Number(p.maxPricePerHour),
          })),
        }
      : undefined,
    tags: poolTags(pool, ctx.cluster),
    publicIp: spec.publicIp?.enabled
      ? {
          chargeType: spec.publicIp.chargeType ?? 'PayByTraffic',
          maxBandwidthOutMbps: spec.publicIp.maxBandwidthOutMbps ?? 5,
        }
      : undefined,
    deploymentSetId: spec.deploymentSetId,
    privatePool: spec.privatePool
      ? { matchCriteria: spec.privatePool.matchCriteria, id: spec.privatePool.id }
      : undefined,
    securityHardening: spec.securityHardening !== 'Disabled',
    ramRoleName: spec.ramRoleName,
    metadataHttpTokens: spec.instanceMetadataOptions?.httpTokens,
    resourceGroupId: spec.resourceGroupId,
  };
}
