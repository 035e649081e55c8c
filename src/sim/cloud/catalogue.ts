/** The instance types the default world sells: real ECS type names and shapes. */
export interface InstanceTypeSpec {
  instanceType: string;
  family: string;
  vcpu: number;
  memoryGiB: number;
  gpuAmount: number;
  gpuSpec: string;
  architecture: 'X86' | 'ARM';
  maxDataDisks: number;
  eniQuantity: number;
  eniPrivateIpAddressQuantity: number;
  localStorageAmount: number;
  localStorageCapacityGiB: number;
  processor: string;
  /** Pay-as-you-go price in cn-hangzhou, CNY per hour; zones and regions vary around it. */
  pricePerHour: number;
}

const SIZES: readonly [string, number][] = [
  ['large', 2],
  ['xlarge', 4],
  ['2xlarge', 8],
  ['4xlarge', 16],
  ['8xlarge', 32],
];

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function eni(vcpu: number): [number, number] {
  if (vcpu <= 2) return [3, 6];
  if (vcpu <= 4) return [4, 15];
  if (vcpu <= 8) return [4, 15];
  if (vcpu <= 16) return [8, 30];
  return [8, 30];
}

function general(
  family: string,
  ratio: number,
  processor: string,
  cpuRate: number,
  memRate: number,
  arch: 'X86' | 'ARM' = 'X86',
  sizes: readonly [string, number][] = SIZES,
): InstanceTypeSpec[] {
  return sizes.map(([size, vcpu]) => {
    const [eniQ, ipQ] = eni(vcpu);
    return {
      instanceType: `ecs.${family}.${size}`,
      family: `ecs.${family}`,
      vcpu,
      memoryGiB: vcpu * ratio,
      gpuAmount: 0,
      gpuSpec: '',
      architecture: arch,
      maxDataDisks: 16,
      eniQuantity: eniQ,
      eniPrivateIpAddressQuantity: ipQ,
      localStorageAmount: 0,
      localStorageCapacityGiB: 0,
      processor,
      pricePerHour: round(vcpu * cpuRate + vcpu * ratio * memRate),
    };
  });
}

/** A local-SSD family (1:8): rows of size, vCPUs, local disks and GiB per disk; priced by CPU, memory and disk. */
function localSsd(
  family: string,
  processor: string,
  [cpuRate, memRate]: readonly [number, number],
  rows: readonly (readonly [string, number, number, number])[],
): InstanceTypeSpec[] {
  return rows.map(([size, vcpu, disks, perDisk]) => ({
    instanceType: `ecs.${family}.${size}`,
    family: `ecs.${family}`,
    vcpu,
    memoryGiB: vcpu * 8,
    gpuAmount: 0,
    gpuSpec: '',
    architecture: 'X86',
    maxDataDisks: 16,
    eniQuantity: eni(vcpu)[0],
    eniPrivateIpAddressQuantity: eni(vcpu)[1],
    localStorageAmount: disks,
    localStorageCapacityGiB: perDisk,
    processor,
    pricePerHour: round(vcpu * cpuRate + vcpu * 8 * memRate + disks * perDisk * 0.0006),
  }));
}

/**
 * g (1:4), c (1:2), r (1:8) of the 7th and 8th generation, large..8xlarge; g8y (Arm); gn7i (GPU); i4 and i2ne
 * (local NVMe SSDs). i2ne is a local-SSD family the names API.md lists at admission do not include (ECS docs,
 * "Local disks": i3, i2, i2g, i2ne, i2gne, i1 carry local NVMe SSDs; https://www.alibabacloud.com/help/doc-detail/63138.htm),
 * so only DescribeInstanceTypes (LocalStorageAmount) tells the controller it has local disks.
 */
export const DEFAULT_INSTANCE_TYPES: readonly InstanceTypeSpec[] = [
  ...general('g7', 4, 'Intel Xeon (Ice Lake) Platinum 8369B', 0.1, 0.025),
  ...general('c7', 2, 'Intel Xeon (Ice Lake) Platinum 8369B', 0.1, 0.025),
  ...general('r7', 8, 'Intel Xeon (Ice Lake) Platinum 8369B', 0.1, 0.02),
  ...general('g8i', 4, 'Intel Xeon (Sapphire Rapids) Platinum 8475B', 0.098, 0.024),
  ...general('c8i', 2, 'Intel Xeon (Sapphire Rapids) Platinum 8475B', 0.098, 0.024),
  ...general('r8i', 8, 'Intel Xeon (Sapphire Rapids) Platinum 8475B', 0.098, 0.019),
  ...general('g8y', 4, 'Yitian 710', 0.08, 0.02, 'ARM', SIZES.slice(0, 4)),
  {
    instanceType: 'ecs.gn7i-c8g1.2xlarge',
    family: 'ecs.gn7i',
    vcpu: 8,
    memoryGiB: 30,
    gpuAmount: 1,
    gpuSpec: 'NVIDIA A10',
    architecture: 'X86',
    maxDataDisks: 16,
    eniQuantity: 4,
    eniPrivateIpAddressQuantity: 10,
    localStorageAmount: 0,
    localStorageCapacityGiB: 0,
    processor: 'Intel Xeon (Ice Lake) Platinum 8369B',
    pricePerHour: 8.8,
  },
  {
    instanceType: 'ecs.gn7i-c16g1.4xlarge',
    family: 'ecs.gn7i',
    vcpu: 16,
    memoryGiB: 60,
    gpuAmount: 1,
    gpuSpec: 'NVIDIA A10',
    architecture: 'X86',
    maxDataDisks: 16,
    eniQuantity: 8,
    eniPrivateIpAddressQuantity: 30,
    localStorageAmount: 0,
    localStorageCapacityGiB: 0,
    processor: 'Intel Xeon (Ice Lake) Platinum 8369B',
    pricePerHour: 10.1,
  },
  ...localSsd(
    'i4',
    'Intel Xeon (Ice Lake) Platinum 8369B',
    [0.1, 0.02],
    [
      ['xlarge', 4, 1, 1788],
      ['2xlarge', 8, 1, 1788],
      ['4xlarge', 16, 2, 1788],
    ],
  ),
  ...localSsd(
    'i2ne',
    'Intel Xeon E5-2682 v4 (Broadwell)',
    [0.09, 0.018],
    [
      ['xlarge', 4, 1, 894],
      ['2xlarge', 8, 1, 1788],
    ],
  ),
];
