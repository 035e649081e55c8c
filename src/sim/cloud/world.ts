import { readFile, rename, writeFile } from 'node:fs/promises';
import { stringify, parse } from 'yaml';
import { z } from 'zod';
import { DEFAULT_INSTANCE_TYPES } from './catalogue.js';
import { stableId } from './ids.js';

/**
 * The world the simulated cloud is made of: regions, zones, networks, security groups, images, the instance
 * type catalogue with per-zone stock and prices, and quotas. It is plain data (YAML on disk) so a person can
 * read and edit it; `--world FILE` replaces the default one.
 */

const instanceTypeSchema = z.object({
  instanceType: z.string().regex(/^ecs\.[a-z0-9-]+\.[a-z0-9]+$/),
  family: z.string(),
  vcpu: z.number().int().positive(),
  memoryGiB: z.number().positive(),
  gpuAmount: z.number().int().nonnegative(),
  gpuSpec: z.string(),
  architecture: z.enum(['X86', 'ARM']),
  maxDataDisks: z.number().int().nonnegative(),
  eniQuantity: z.number().int().positive(),
  eniPrivateIpAddressQuantity: z.number().int().positive(),
  localStorageAmount: z.number().int().nonnegative(),
  localStorageCapacityGiB: z.number().nonnegative(),
  processor: z.string(),
  pricePerHour: z.number().positive(),
});

const offeringSchema = z.object({
  /** Instances of this type that can still be created pay-as-you-go (and PrePaid) in this zone. */
  onDemand: z.number().int().nonnegative(),
  /** … and as spot (preemptible) instances. */
  spot: z.number().int().nonnegative(),
});

const zoneSchema = z.object({
  zoneId: z.string(),
  localName: z.string(),
  /** Multiplies the catalogue's pay-as-you-go price. */
  priceFactor: z.number().positive(),
  /** Spot price = pay-as-you-go price × this (per zone; types vary slightly around it). */
  spotFactor: z.number().positive().max(1),
  /** Types sold in this zone and their stock; a type not listed is not sold here. */
  offerings: z.record(z.string(), offeringSchema),
});

const vSwitchSchema = z.object({
  vSwitchId: z.string(),
  name: z.string(),
  zoneId: z.string(),
  cidrBlock: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/),
});

const vpcSchema = z.object({
  vpcId: z.string(),
  name: z.string(),
  cidrBlock: z.string(),
  isDefault: z.boolean(),
  vSwitches: z.array(vSwitchSchema),
});

const securityGroupSchema = z.object({
  securityGroupId: z.string(),
  name: z.string(),
  vpcId: z.string(),
  /** normal = Basic, enterprise = Advanced. */
  type: z.enum(['normal', 'enterprise']),
});

const imageSchema = z.object({
  imageId: z.string(),
  imageName: z.string(),
  imageFamily: z.string(),
  osName: z.string(),
  osNameEn: z.string(),
  osType: z.enum(['linux', 'windows']),
  platform: z.string(),
  architecture: z.enum(['x86_64', 'arm64']),
  ownerAlias: z.enum(['system', 'self', 'others', 'marketplace']),
  sizeGiB: z.number().int().positive(),
  /** RFC 3339; the newest image of a family is the one created last (DescribeImages `CreationTime`). */
  creationTime: z.string().default('2025-06-29T00:00:00Z'),
  /** DescribeImages `ImageVersion`. */
  imageVersion: z.string().default(''),
  /** What a node booted from the image runs: its Node's `status.nodeInfo` (defaults: the control plane's). */
  kubeletVersion: z.string().optional(),
  containerdVersion: z.string().optional(),
  /** CVEs this image fixes over the family's earlier images (published with it; shown as image tags). */
  fixedCves: z.array(z.object({ id: z.string(), severity: z.enum(['High', 'Medium', 'Low']) })).default([]),
});

const quotasSchema = z.object({
  /** vCPUs of pay-as-you-go (and PrePaid) instances the account may run in the region. */
  onDemandVcpus: z.number().int().nonnegative(),
  spotVcpus: z.number().int().nonnegative(),
  scalingGroups: z.number().int().nonnegative(),
  scalingConfigurationsPerGroup: z.number().int().positive(),
  lifecycleHooksPerGroup: z.number().int().positive(),
});

/**
 * A deployment set: instances launched into it are spread over distinct physical servers; with the Availability
 * strategy a zone holds at most 20 of its instances (ECS docs, deployment sets; over it RunInstances answers 403
 * QuotaExceed.DeploymentSetInstanceQuotaFull).
 */
const deploymentSetSchema = z.object({
  deploymentSetId: z.string(),
  name: z.string(),
  maxInstancesPerZone: z.number().int().positive().default(20),
});

/**
 * A private pool (an elasticity assurance or capacity reservation): capacity of one type in one zone kept for the
 * account. `Open` pools are matched automatically; `Target` ones only when named (PrivatePoolOptions).
 */
const privatePoolSchema = z.object({
  privatePoolId: z.string(),
  zoneId: z.string(),
  instanceType: z.string(),
  matchCriteria: z.enum(['Open', 'Target']),
  capacity: z.number().int().nonnegative(),
});

/** The key pairs and RAM roles of the default world (also what a world file without them gets). */
export const DEFAULT_KEY_PAIRS = ['ops-key', 'ops'];
export const DEFAULT_RAM_ROLES = ['k8s-worker-role', 'KubernetesWorkerRole'];
/** The resource groups of the default world; the first is the account's default resource group. */
export const DEFAULT_RESOURCE_GROUPS = ['rg-default', 'rg-platform', 'rg-team1'];

const regionSchema = z.object({
  regionId: z.string(),
  localName: z.string(),
  zones: z.array(zoneSchema).min(1),
  vpcs: z.array(vpcSchema),
  securityGroups: z.array(securityGroupSchema),
  images: z.array(imageSchema),
  /** ECS key pairs of the region (KeyPairName must name one: InvalidKeyPairName.NotFound). */
  keyPairs: z.array(z.string()).default(DEFAULT_KEY_PAIRS),
  deploymentSets: z.array(deploymentSetSchema).default([]),
  privatePools: z.array(privatePoolSchema).default([]),
  quotas: quotasSchema,
});

export const worldSchema = z.object({
  version: z.literal(1),
  accountId: z.string(),
  /** RAM roles of the account (RamRoleName must name one: InvalidRamRole.NotFound). */
  ramRoles: z.array(z.string()).default(DEFAULT_RAM_ROLES),
  /**
   * Resource groups of the account (a ResourceGroupId must name one: 404 InvalidResourceGroup.NotFound). The first
   * is the default resource group: what a resource created without ResourceGroupId is in, as Resource Management
   * puts it, and what DescribeInstances / DescribeScalingGroups then report.
   */
  resourceGroups: z.array(z.string()).min(1).default(DEFAULT_RESOURCE_GROUPS),
  instanceTypes: z.array(instanceTypeSchema).min(1),
  regions: z.array(regionSchema).min(1),
});

export type World = z.infer<typeof worldSchema>;
export type Region = z.infer<typeof regionSchema>;
export type Zone = z.infer<typeof zoneSchema>;
export type VSwitch = z.infer<typeof vSwitchSchema>;
export type Vpc = z.infer<typeof vpcSchema>;
export type SecurityGroup = z.infer<typeof securityGroupSchema>;
export type Image = z.infer<typeof imageSchema>;
export type DeploymentSet = z.infer<typeof deploymentSetSchema>;
export type PrivatePool = z.infer<typeof privatePoolSchema>;
export type InstanceType = z.infer<typeof instanceTypeSchema>;

function hashUnit(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return ((h >>> 0) % 10_000) / 10_000;
}

function images(regionId: string): Image[] {
  const sys = (
    name: string,
    family: string,
    osName: string,
    osNameEn: string,
    platform: string,
    arch: 'x86_64' | 'arm64',
    size: number,
  ): Image => ({
    imageId: name,
    imageName: name,
    imageFamily: family,
    osName,
    osNameEn,
    osType: 'linux',
    platform,
    architecture: arch,
    ownerAlias: 'system',
    sizeGiB: size,
    creationTime: '2025-06-29T00:00:00Z',
    imageVersion: '',
    fixedCves: [],
  });
  return [
    sys(
      'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd',
      'acs:alibaba_cloud_linux_3_container_optimized_x64',
      'Alibaba Cloud Linux 3.2104 LTS 64位 容器优化版',
      'Alibaba Cloud Linux 3.2104 LTS 64 bit Container Optimized',
      'Aliyun',
      'x86_64',
      20,
    ),
    sys(
      'aliyun_3_arm64_20G_container_optimized_alibase_20250629.vhd',
      'acs:alibaba_cloud_linux_3_container_optimized_arm64',
      'Alibaba Cloud Linux 3.2104 LTS 64位 ARM版 容器优化版',
      'Alibaba Cloud Linux 3.2104 LTS 64 bit ARM Edition Container Optimized',
      'Aliyun',
      'arm64',
      20,
    ),
    sys(
      'lifsea_3_x64_10G_containerd_1_6_38_alibase_20250604.vhd',
      'acs:containeros_3_x64',
      'ContainerOS 3.6 64位',
      'ContainerOS 3.6 64 bit',
      'ContainerOS',
      'x86_64',
      10,
    ),
    sys(
      'aliyun_3_x64_20G_alibase_20250629.vhd',
      'acs:alibaba_cloud_linux_3_2104_lts_x64',
      'Alibaba Cloud Linux 3.2104 LTS 64位',
      'Alibaba Cloud Linux 3.2104 LTS 64 bit',
      'Aliyun',
      'x86_64',
      20,
    ),
    sys(
      'aliyun_3_arm64_20G_alibase_20250629.vhd',
      'acs:alibaba_cloud_linux_3_2104_lts_arm64',
      'Alibaba Cloud Linux 3.2104 LTS 64位 ARM版',
      'Alibaba Cloud Linux 3.2104 LTS 64 bit ARM Edition',
      'Aliyun',
      'arm64',
      20,
    ),
    sys(
      'ubuntu_22_04_x64_20G_alibase_20250625.vhd',
      'acs:ubuntu_22_04_x64',
      'Ubuntu  22.04 64位',
      'Ubuntu  22.04 64 bit',
      'Ubuntu',
      'x86_64',
      20,
    ),
    {
      imageId: stableId('m', regionId, 'custom-node-image'),
      imageName: 'custom-k8s-node-20251101',
      imageFamily: '',
      osName: 'Alibaba Cloud Linux 3.2104 LTS 64位',
      osNameEn: 'Alibaba Cloud Linux 3.2104 LTS 64 bit',
      osType: 'linux',
      platform: 'Aliyun',
      architecture: 'x86_64',
      ownerAlias: 'self',
      sizeGiB: 40,
      creationTime: '2025-11-01T00:00:00Z',
      imageVersion: '',
      fixedCves: [],
    },
  ];
}

function region(regionId: string, localName: string, zoneLetters: string[], octet: number): Region {
  const zones: Zone[] = zoneLetters.map((letter, i) => {
    const zoneId = `${regionId}-${letter}`;
    const offerings: Zone['offerings'] = {};
    for (const t of DEFAULT_INSTANCE_TYPES) {
      // Arm and GPU types are not sold in the first zone (as in real regions, not every zone sells every family)
      if (i === 0 && (t.architecture === 'ARM' || t.gpuAmount > 0)) continue;
      const scarce = t.gpuAmount > 0 || t.localStorageAmount > 0;
      offerings[t.instanceType] = { onDemand: scarce ? 20 : 1000, spot: scarce ? 10 : 500 };
    }
    return {
      zoneId,
      localName: `${localName} 可用区 ${letter.toUpperCase()}`,
      priceFactor: [1, 0.97, 1.03][i % 3] ?? 1,
      spotFactor: [0.2, 0.18, 0.25][i % 3] ?? 0.2,
      offerings,
    };
  });
  const vpcId = stableId('vpc', regionId, 'k8s');
  const vSwitches: VSwitch[] = zones.map((z, i) => ({
    vSwitchId: stableId('vsw', regionId, `nodes-${z.zoneId}`),
    name: `nodes-${z.zoneId}`,
    zoneId: z.zoneId,
    cidrBlock: `10.${octet}.${i * 16}.0/20`,
  }));
  const firstZone = zones[0]?.zoneId ?? `${regionId}-a`;
  // a small vSwitch (12 free addresses) to see what happens when a vSwitch runs out of IPs
  vSwitches.push({
    vSwitchId: stableId('vsw', regionId, 'small'),
    name: `small-${firstZone}`,
    zoneId: firstZone,
    cidrBlock: `10.${octet}.255.0/28`,
  });
  return {
    regionId,
    localName,
    zones,
    vpcs: [{ vpcId, name: 'k8s', cidrBlock: `10.${octet}.0.0/16`, isDefault: false, vSwitches }],
    securityGroups: [
      { securityGroupId: stableId('sg', regionId, 'nodes'), name: 'k8s-nodes', vpcId, type: 'normal' },
      {
        securityGroupId: stableId('sg', regionId, 'nodes-enterprise'),
        name: 'k8s-nodes-enterprise',
        vpcId,
        type: 'enterprise',
      },
    ],
    images: images(regionId),
    keyPairs: [...DEFAULT_KEY_PAIRS],
    deploymentSets: [
      { deploymentSetId: stableId('ds', regionId, 'nodes'), name: 'k8s-nodes', maxInstancesPerZone: 20 },
    ],
    // a targeted elasticity assurance (private pool) of two ecs.g7.xlarge in the second zone
    privatePools: [
      {
        privatePoolId: stableId('eap', regionId, 'reserved'),
        zoneId: zones[1]?.zoneId ?? firstZone,
        instanceType: 'ecs.g7.xlarge',
        matchCriteria: 'Target',
        capacity: 2,
      },
    ],
    quotas: {
      onDemandVcpus: 20_000,
      spotVcpus: 10_000,
      scalingGroups: 300,
      scalingConfigurationsPerGroup: 10,
      lifecycleHooksPerGroup: 6,
    },
  };
}

/** The world the simulator starts with when no world file is given (the same every time). */
export function defaultWorld(): World {
  return {
    version: 1,
    accountId: '1234567890123456',
    ramRoles: [...DEFAULT_RAM_ROLES],
    resourceGroups: [...DEFAULT_RESOURCE_GROUPS],
    instanceTypes: DEFAULT_INSTANCE_TYPES.map((t) => ({ ...t })),
    regions: [
      region('cn-hangzhou', '华东1（杭州）', ['h', 'i', 'j'], 0),
      region('cn-shanghai', '华东2（上海）', ['l', 'm', 'n'], 1),
    ],
  };
}

/** Pay-as-you-go and spot prices (CNY/hour) of a type in a zone. */
export function priceOf(world: World, zone: Zone, instanceType: string): { onDemand: number; spot: number } {
  const t = world.instanceTypes.find((x) => x.instanceType === instanceType);
  if (!t) return { onDemand: 0, spot: 0 };
  const onDemand = Math.round(t.pricePerHour * zone.priceFactor * 1000) / 1000;
  const jitter = 0.85 + 0.3 * hashUnit(`${zone.zoneId}/${instanceType}`);
  const spot = Math.round(onDemand * Math.min(1, zone.spotFactor * jitter) * 1000) / 1000;
  return { onDemand, spot };
}

export class WorldFileError extends Error {
  constructor(file: string, detail: string) {
    super(`world file ${file}: ${detail}`);
    this.name = 'WorldFileError';
  }
}

/** Checks references inside a world (vSwitch zones exist, security groups' VPCs exist, offerings name real types). */
export function validateWorld(w: World): string[] {
  const problems: string[] = [];
  const types = new Set(w.instanceTypes.map((t) => t.instanceType));
  for (const r of w.regions) {
    const zones = new Set(r.zones.map((z) => z.zoneId));
    const vpcs = new Set(r.vpcs.map((v) => v.vpcId));
    for (const z of r.zones) {
      for (const t of Object.keys(z.offerings)) {
        if (!types.has(t))
          problems.push(`regions.${r.regionId}.zones.${z.zoneId}.offerings: unknown type ${t}`);
      }
    }
    for (const v of r.vpcs) {
      for (const s of v.vSwitches) {
        if (!zones.has(s.zoneId))
          problems.push(`vSwitch ${s.vSwitchId}: zone ${s.zoneId} is not in ${r.regionId}`);
      }
    }
    for (const g of r.securityGroups) {
      if (!vpcs.has(g.vpcId)) problems.push(`security group ${g.securityGroupId}: VPC ${g.vpcId} not found`);
    }
  }
  return problems;
}

export function parseWorld(text: string, source: string): World {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new WorldFileError(source, `not YAML/JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const r = worldSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new WorldFileError(source, `${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  const problems = validateWorld(r.data);
  if (problems.length > 0) throw new WorldFileError(source, problems.join('; '));
  return r.data;
}

export async function loadWorld(file: string): Promise<World> {
  return parseWorld(await readFile(file, 'utf8'), file);
}

export function worldToYaml(w: World): string {
  return `# The simulated Alibaba Cloud (nodepool-operator sim). Edit and pass with --world FILE.\n${stringify(w)}`;
}

/** Writes the world readable (YAML), atomically. */
export async function saveWorld(file: string, w: World): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, worldToYaml(w));
  await rename(tmp, file);
}
