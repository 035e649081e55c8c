/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access */
// The invalid-manifest corpus: one or more cases per rule of API.md, each a small edit of a valid base spec,
// with where the apiserver and `validate` must report it and in which words.
import { API_VERSION, type Kind } from '../../src/apis/v1beta1/constants.js';

export type Spec = Record<string, any>;

export function baseNodePoolSpec(): Spec {
  return {
    region: 'cn-hangzhou',
    vpcId: 'vpc-bp1example',
    vSwitchIds: ['vsw-bp1zonea', 'vsw-bp1zoneb'],
    scaling: { mode: 'Manual', desiredSize: 2 },
    instanceTypes: ['ecs.g7.xlarge', 'ecs.g6.xlarge'],
    image: { type: 'AliyunLinux3ContainerOptimized' },
    ramRoleName: 'k8s-worker-role',
    securityGroup: { ids: ['sg-bp1example'] },
  };
}

export function baseManagedSpec(): Spec {
  return {
    region: 'cn-hangzhou',
    vpcId: 'vpc-bp1example',
    vSwitchIds: ['vsw-bp1zonea', 'vsw-bp1zoneb'],
    instanceTypes: ['ecs.g7.xlarge', 'ecs.c7.2xlarge'],
    ramRoleName: 'k8s-worker-role',
    securityGroup: { ids: ['sg-bp1example'] },
  };
}

export function manifest(kind: Kind, name: string, spec: Spec): Spec {
  return { apiVersion: API_VERSION, kind, metadata: { name }, spec };
}

export interface Case {
  id: string;
  kind: Kind;
  mutate: (s: Spec) => void;
  /** The field both must name (the apiserver's cause field; zod's issue path). */
  path: string;
  /** Words the apiserver's message for that field contains. */
  api: string;
  /** Words `validate` prints for that field (default: the same as `api`, for rules written once for both). */
  zod?: string;
  /** An unknown field: the apiserver refuses the request as a whole, naming this full path. */
  unknown?: string;
}

const SHOULD_MATCH = 'should match';
const np = (id: string, c: Omit<Case, 'id' | 'kind'>): Case => ({ id, kind: 'NodePool', ...c });
const mnp = (id: string, c: Omit<Case, 'id' | 'kind'>): Case => ({ id, kind: 'ManagedNodePool', ...c });
const auto = (s: Spec, max = 10): void => {
  s.scaling = { mode: 'Auto', maxSize: max };
};
const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

export const CASES: Case[] = [
  // placement
  np('region-pattern', {
    mutate: (s) => (s.region = 'Hangzhou'),
    path: 'spec.region',
    api: SHOULD_MATCH,
    zod: 'must be a region id',
  }),
  np('region-required', {
    mutate: (s) => delete s.region,
    path: 'spec.region',
    api: 'Required value',
    zod: 'required value',
  }),
  np('vpc-pattern', {
    mutate: (s) => (s.vpcId = 'vpc_1'),
    path: 'spec.vpcId',
    api: SHOULD_MATCH,
    zod: 'must be a VPC id',
  }),
  np('vswitch-none', {
    mutate: (s) => (s.vSwitchIds = []),
    path: 'spec.vSwitchIds',
    api: 'at least 1',
    zod: '>=1',
  }),
  np('vswitch-too-many', {
    mutate: (s) => (s.vSwitchIds = range(9, (i) => `vsw-z${i}`)),
    path: 'spec.vSwitchIds',
    api: 'at most 8',
    zod: '<=8',
  }),
  np('vswitch-duplicate', {
    mutate: (s) => (s.vSwitchIds = ['vsw-a', 'vsw-a']),
    path: 'spec.vSwitchIds[1]',
    api: 'Duplicate value',
    zod: 'duplicate vSwitch id',
  }),
  np('vswitch-pattern', {
    mutate: (s) => (s.vSwitchIds = ['subnet-1']),
    path: 'spec.vSwitchIds[0]',
    api: SHOULD_MATCH,
    zod: 'must be a vSwitch id',
  }),
  // scaling
  np('mode-enum', {
    mutate: (s) => (s.scaling.mode = 'Fixed'),
    path: 'spec.scaling.mode',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('desired-in-auto', {
    mutate: (s) => (s.scaling = { mode: 'Auto', maxSize: 5, desiredSize: 3 }),
    path: 'spec.scaling.desiredSize',
    api: 'desiredSize is for Manual mode only',
  }),
  np('desired-required-manual', {
    mutate: (s) => delete s.scaling.desiredSize,
    path: 'spec.scaling.desiredSize',
    api: 'desiredSize is required in Manual mode',
  }),
  np('desired-defaults-to-manual', {
    mutate: (s) => (s.scaling = { maxSize: 3 }),
    path: 'spec.scaling.mode',
    api: 'minSize and maxSize are for Auto mode only',
  }),
  np('min-in-manual', {
    mutate: (s) => (s.scaling.minSize = 1),
    path: 'spec.scaling.mode',
    api: 'minSize and maxSize are for Auto mode only',
  }),
  np('max-required-auto', {
    mutate: (s) => (s.scaling = { mode: 'Auto', minSize: 1 }),
    path: 'spec.scaling.maxSize',
    api: 'maxSize is required in Auto mode',
  }),
  np('min-above-max', {
    mutate: (s) => (s.scaling = { mode: 'Auto', minSize: 6, maxSize: 5 }),
    path: 'spec.scaling.minSize',
    api: 'minSize must not exceed maxSize',
  }),
  np('priority-in-manual', {
    mutate: (s) => (s.scaling.priority = 10),
    path: 'spec.scaling.priority',
    api: 'priority is for Auto mode only',
  }),
  np('max-above-2000', {
    mutate: (s) => (s.scaling = { mode: 'Auto', maxSize: 2001 }),
    path: 'spec.scaling.maxSize',
    api: 'less than or equal to 2000',
    zod: '<=2000',
  }),
  np('desired-negative', {
    mutate: (s) => (s.scaling.desiredSize = -1),
    path: 'spec.scaling.desiredSize',
    api: 'greater than or equal to 0',
    zod: '>=0',
  }),
  np('desired-fraction', {
    mutate: (s) => (s.scaling.desiredSize = 1.5),
    path: 'spec.scaling.desiredSize',
    api: 'must be of type integer',
    zod: 'expected int',
  }),
  np('economical-manual', {
    mutate: (s) => (s.scaling.economical = true),
    path: 'spec.scaling.economical',
    api: 'economical applies to Auto mode only',
  }),
  np('economical-local-disk', {
    mutate: (s) => {
      s.scaling = { mode: 'Auto', maxSize: 5, economical: true };
      s.instanceTypes = ['ecs.i4.xlarge'];
    },
    path: 'spec.scaling.economical',
    api: 'not available with local-disk instance families',
  }),
  np('balance-one-vswitch', {
    mutate: (s) => {
      s.vSwitchIds = ['vsw-a'];
      s.scaling.multiAZPolicy = 'Balance';
    },
    path: 'spec.scaling.multiAZPolicy',
    api: 'Balance needs at least 2 vSwitches',
  }),
  np('policy-enum', {
    mutate: (s) => (s.scaling.multiAZPolicy = 'Random'),
    path: 'spec.scaling.multiAZPolicy',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  // instance types
  np('types-none', {
    mutate: (s) => (s.instanceTypes = []),
    path: 'spec.instanceTypes',
    api: 'at least 1',
    zod: '>=1',
  }),
  np('types-too-many', {
    mutate: (s) => (s.instanceTypes = range(11, (i) => `ecs.g${i}.xlarge`)),
    path: 'spec.instanceTypes',
    api: 'at most 10',
    zod: '<=10',
  }),
  np('type-pattern', {
    mutate: (s) => (s.instanceTypes = ['g7.xlarge']),
    path: 'spec.instanceTypes[0]',
    api: SHOULD_MATCH,
    zod: 'must be an ECS instance type',
  }),
  // billing
  np('charge-enum', {
    mutate: (s) => (s.billing = { chargeType: 'Prepaid' }),
    path: 'spec.billing.chargeType',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('subscription-without-type', {
    mutate: (s) => (s.billing = { subscription: { period: 1 } }),
    path: 'spec.billing.subscription',
    api: 'subscription settings need chargeType Subscription',
  }),
  np('subscription-missing', {
    mutate: (s) => (s.billing = { chargeType: 'Subscription' }),
    path: 'spec.billing.subscription',
    api: 'chargeType Subscription needs billing.subscription',
  }),
  np('subscription-period', {
    mutate: (s) =>
      (s.billing = { chargeType: 'Subscription', subscription: { period: 5, periodUnit: 'Week' } }),
    path: 'spec.billing.subscription.period',
    api: 'period must be 1-4 with periodUnit Week',
  }),
  np('subscription-renew-period', {
    mutate: (s) =>
      (s.billing = { chargeType: 'Subscription', subscription: { period: 1, autoRenewPeriod: 2 } }),
    path: 'spec.billing.subscription.autoRenewPeriod',
    api: 'autoRenewPeriod needs autoRenew: true',
  }),
  np('spot-without-type', {
    mutate: (s) => (s.billing = { spot: { strategy: 'SpotAsPriceGo' } }),
    path: 'spec.billing.spot',
    api: 'spot settings need chargeType Spot',
  }),
  np('spot-limit-missing', {
    mutate: (s) => (s.billing = { chargeType: 'Spot', spot: { strategy: 'SpotWithPriceLimit' } }),
    path: 'spec.billing.spot.priceLimits',
    api: 'priceLimits is required with strategy SpotWithPriceLimit',
  }),
  np('spot-limit-wrong-strategy', {
    mutate: (s) =>
      (s.billing = {
        chargeType: 'Spot',
        spot: { priceLimits: [{ instanceType: 'ecs.g7.xlarge', maxPricePerHour: '0.5' }] },
      }),
    path: 'spec.billing.spot.priceLimits',
    api: 'priceLimits applies to strategy SpotWithPriceLimit only',
  }),
  np('spot-limit-unknown-type', {
    mutate: (s) =>
      (s.billing = {
        chargeType: 'Spot',
        spot: {
          strategy: 'SpotWithPriceLimit',
          priceLimits: [{ instanceType: 'ecs.c7.large', maxPricePerHour: '0.5' }],
        },
      }),
    path: 'spec.billing.spot.priceLimits',
    api: 'must be one of instanceTypes',
  }),
  np('spot-price-pattern', {
    mutate: (s) =>
      (s.billing = {
        chargeType: 'Spot',
        spot: {
          strategy: 'SpotWithPriceLimit',
          priceLimits: [{ instanceType: 'ecs.g7.xlarge', maxPricePerHour: '$1' }],
        },
      }),
    path: 'spec.billing.spot.priceLimits[0].maxPricePerHour',
    api: SHOULD_MATCH,
    zod: 'must be a price',
  }),
  np('spot-fallback-policy', {
    mutate: (s) => (s.billing = { chargeType: 'Spot', spot: { onDemandFallback: true } }),
    path: 'spec.billing.spot.onDemandFallback',
    api: 'onDemandFallback needs scaling.multiAZPolicy CostOptimized',
  }),
  // image, hardening, login
  np('image-enum', {
    mutate: (s) => (s.image = { type: 'CentOS' }),
    path: 'spec.image.type',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('custom-without-id', {
    mutate: (s) => (s.image = { type: 'Custom' }),
    path: 'spec.image.id',
    api: 'image type Custom needs image.id',
  }),
  np('id-without-custom', {
    mutate: (s) => (s.image = { type: 'Ubuntu', id: 'm-abc' }),
    path: 'spec.image.id',
    api: 'image.id applies to image type Custom only',
  }),
  np('hardening-enum', {
    mutate: (s) => (s.securityHardening = 'CIS'),
    path: 'spec.securityHardening',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('hardening-image', {
    mutate: (s) => {
      s.image = { type: 'Ubuntu' };
      s.securityHardening = 'OS';
    },
    path: 'spec.securityHardening',
    api: 'needs an Alibaba Cloud Linux image',
  }),
  np('mlps-keypair', {
    mutate: (s) => {
      s.securityHardening = 'MLPS';
      s.login = { keyPairName: 'ops' };
    },
    path: 'spec.login',
    api: 'MLPS allows password login only',
  }),
  np('login-both', {
    mutate: (s) => (s.login = { keyPairName: 'ops', passwordSecretRef: { name: 'pw', key: 'p' } }),
    path: 'spec.login',
    api: 'set exactly one of keyPairName or passwordSecretRef',
  }),
  np('login-neither', {
    mutate: (s) => (s.login = { user: 'root' }),
    path: 'spec.login',
    api: 'set exactly one of keyPairName or passwordSecretRef',
  }),
  np('login-user-enum', {
    mutate: (s) => (s.login = { user: 'admin', keyPairName: 'ops' }),
    path: 'spec.login.user',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('secret-ref-namespace', {
    mutate: (s) => (s.login = { passwordSecretRef: { name: 'pw', key: 'p', namespace: 'default' } }),
    path: 'spec.login.passwordSecretRef',
    api: '',
    zod: 'unknown field "namespace"',
    unknown: 'spec.login.passwordSecretRef.namespace',
  }),
  np('secret-ref-name', {
    mutate: (s) => (s.login = { passwordSecretRef: { name: 'Bad_Name', key: 'p' } }),
    path: 'spec.login.passwordSecretRef.name',
    api: SHOULD_MATCH,
    zod: 'must be a Kubernetes object name',
  }),
  np('ram-role-required', {
    mutate: (s) => delete s.ramRoleName,
    path: 'spec.ramRoleName',
    api: 'Required value',
    zod: 'required value',
  }),
  np('ram-role-pattern', {
    mutate: (s) => (s.ramRoleName = 'role with spaces'),
    path: 'spec.ramRoleName',
    api: SHOULD_MATCH,
    zod: 'must be a RAM role name',
  }),
  np('http-tokens-enum', {
    mutate: (s) => (s.instanceMetadataOptions = { httpTokens: 'always' }),
    path: 'spec.instanceMetadataOptions.httpTokens',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('runtime-name', {
    mutate: (s) => (s.runtime = { name: 'docker' }),
    path: 'spec.runtime.name',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  // storage
  np('system-pl2-small', {
    mutate: (s) => (s.systemDisk = { category: 'cloud_essd', sizeGiB: 460, performanceLevel: 'PL2' }),
    path: 'spec.systemDisk.sizeGiB',
    api: 'PL2 needs a disk larger than 460 GiB',
  }),
  np('system-pl3-small', {
    mutate: (s) => (s.systemDisk = { sizeGiB: 1260, performanceLevel: 'PL3' }),
    path: 'spec.systemDisk.sizeGiB',
    api: 'PL3 needs a disk larger than 1260 GiB',
  }),
  np('data-pl2-small', {
    mutate: (s) => (s.dataDisks = [{ sizeGiB: 100, performanceLevel: 'PL2' }]),
    path: 'spec.dataDisks[0].sizeGiB',
    api: 'PL2 needs a disk larger than 460 GiB',
  }),
  np('pl-non-essd', {
    mutate: (s) => (s.dataDisks = [{ category: 'cloud_ssd', sizeGiB: 100, performanceLevel: 'PL1' }]),
    path: 'spec.dataDisks[0].performanceLevel',
    api: 'performanceLevel applies to the cloud_essd category only',
  }),
  np('system-encrypted-ssd', {
    mutate: (s) => (s.systemDisk = { category: 'cloud_ssd', encrypted: true }),
    path: 'spec.systemDisk.encrypted',
    api: 'an encrypted system disk must be an ESSD',
  }),
  np('kms-without-encrypted', {
    mutate: (s) => (s.dataDisks = [{ sizeGiB: 100, kmsKeyId: 'key-1' }]),
    path: 'spec.dataDisks[0].kmsKeyId',
    api: 'kmsKeyId needs encrypted: true',
  }),
  np('system-too-small', {
    mutate: (s) => (s.systemDisk = { sizeGiB: 10 }),
    path: 'spec.systemDisk.sizeGiB',
    api: 'greater than or equal to 20',
    zod: '>=20',
  }),
  np('disk-category-enum', {
    mutate: (s) => (s.systemDisk = { category: 'cloud_hdd' }),
    path: 'spec.systemDisk.category',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('data-disks-too-many', {
    mutate: (s) => (s.dataDisks = range(17, () => 'x').map(() => ({ sizeGiB: 40 }))),
    path: 'spec.dataDisks',
    api: 'at most 16',
    zod: '<=16',
  }),
  // network
  np('sg-too-many', {
    mutate: (s) => (s.securityGroup = { ids: range(6, (i) => `sg-${i}`) }),
    path: 'spec.securityGroup.ids',
    api: 'at most 5',
    zod: '<=5',
  }),
  np('sg-none', {
    mutate: (s) => (s.securityGroup = { ids: [] }),
    path: 'spec.securityGroup.ids',
    api: 'at least 1',
    zod: '>=1',
  }),
  np('sg-type-enum', {
    mutate: (s) => (s.securityGroup.type = 'Enterprise'),
    path: 'spec.securityGroup.type',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('sg-pattern', {
    mutate: (s) => (s.securityGroup = { ids: ['sg_1'] }),
    path: 'spec.securityGroup.ids[0]',
    api: SHOULD_MATCH,
    zod: 'must be a security group id',
  }),
  np('public-ip-disabled-bandwidth', {
    mutate: (s) => (s.publicIp = { maxBandwidthOutMbps: 10 }),
    path: 'spec.publicIp',
    api: 'chargeType and maxBandwidthOutMbps need enabled: true',
  }),
  np('public-ip-bandwidth', {
    mutate: (s) => (s.publicIp = { enabled: true, maxBandwidthOutMbps: 200 }),
    path: 'spec.publicIp.maxBandwidthOutMbps',
    api: 'less than or equal to 100',
    zod: '<=100',
  }),
  np('deployment-set-manual', {
    mutate: (s) => {
      s.deploymentSetId = 'ds-1';
      s.scaling.desiredSize = 41;
    },
    path: 'spec.deploymentSetId',
    api: 'at most 20 per zone',
  }),
  np('deployment-set-auto', {
    mutate: (s) => {
      s.deploymentSetId = 'ds-1';
      s.vSwitchIds = ['vsw-a'];
      auto(s, 21);
    },
    path: 'spec.deploymentSetId',
    api: 'at most 20 per zone',
  }),
  np('private-pool-target', {
    mutate: (s) => (s.privatePool = { matchCriteria: 'Target' }),
    path: 'spec.privatePool.id',
    api: 'id is required with matchCriteria Target',
  }),
  np('private-pool-open-id', {
    mutate: (s) => (s.privatePool = { matchCriteria: 'Open', id: 'eap-1' }),
    path: 'spec.privatePool.id',
    api: 'id is required with matchCriteria Target and only allowed with it',
  }),
  np('resource-group-pattern', {
    mutate: (s) => (s.resourceGroupId = 'group-1'),
    path: 'spec.resourceGroupId',
    api: SHOULD_MATCH,
    zod: 'must be a resource group id',
  }),
  // labels
  np('label-reserved', {
    mutate: (s) => (s.labels = { 'kubernetes.io/role': 'x' }),
    path: 'spec.labels',
    api: 'key "kubernetes.io/role" uses a reserved prefix',
  }),
  np('label-reserved-k8s', {
    mutate: (s) => (s.labels = { 'k8s.io/x': 'y' }),
    path: 'spec.labels',
    api: 'key "k8s.io/x" uses a reserved prefix',
  }),
  np('label-reserved-subdomain', {
    mutate: (s) => (s.labels = { 'foo.kubernetes.io/x': 'y' }),
    path: 'spec.labels',
    api: 'key "foo.kubernetes.io/x" uses a reserved prefix',
  }),
  np('label-key-syntax', {
    mutate: (s) => (s.labels = { '-bad': 'x' }),
    path: 'spec.labels',
    api: 'key "-bad" is not a valid label key',
  }),
  np('label-key-long', {
    mutate: (s) => (s.labels = { ['a'.repeat(64)]: 'x' }),
    path: 'spec.labels',
    api: 'is not a valid label key',
  }),
  np('label-prefix-uppercase', {
    mutate: (s) => (s.labels = { 'Example.com/x': 'y' }),
    path: 'spec.labels',
    api: 'key "Example.com/x" is not a valid label key',
  }),
  np('label-value-long', {
    mutate: (s) => (s.labels = { a: 'v'.repeat(64) }),
    path: 'spec.labels.a',
    api: 'Too long',
    zod: '<=63',
  }),
  np('label-value-syntax', {
    mutate: (s) => (s.labels = { a: 'has space' }),
    path: 'spec.labels.a',
    api: SHOULD_MATCH,
    zod: 'must be a label value',
  }),
  np('labels-too-many', {
    mutate: (s) => (s.labels = Object.fromEntries(range(65, (i) => `k${i}`).map((k) => [k, 'v']))),
    path: 'spec.labels',
    api: 'at most 64',
    zod: 'at most 64 labels',
  }),
  // taints
  np('taint-key-syntax', {
    mutate: (s) => (s.taints = [{ key: 'bad key', effect: 'NoSchedule' }]),
    path: 'spec.taints[0].key',
    api: 'must be a valid key',
  }),
  np('taint-key-reserved', {
    mutate: (s) => (s.taints = [{ key: 'kubernetes.io/x', effect: 'NoSchedule' }]),
    path: 'spec.taints[0].key',
    api: 'uses a reserved prefix',
  }),
  np('taint-effect', {
    mutate: (s) => (s.taints = [{ key: 'a', effect: 'NoRun' }]),
    path: 'spec.taints[0].effect',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('taint-value-long', {
    mutate: (s) => (s.taints = [{ key: 'a', value: 'v'.repeat(64), effect: 'NoSchedule' }]),
    path: 'spec.taints[0].value',
    api: 'Too long',
    zod: '<=63',
  }),
  np('taint-duplicate', {
    mutate: (s) =>
      (s.taints = [
        { key: 'a', value: '1', effect: 'NoSchedule' },
        { key: 'a', value: '2', effect: 'NoSchedule' },
      ]),
    path: 'spec.taints[1]',
    api: 'Duplicate value',
    zod: 'duplicate taint a:NoSchedule',
  }),
  // tags
  np('tags-too-many', {
    mutate: (s) => (s.tags = Object.fromEntries(range(18, (i) => `t${i}`).map((k) => [k, 'v']))),
    path: 'spec.tags',
    api: 'at most 17',
    zod: 'at most 17 tags',
  }),
  np('tag-key-aliyun', {
    mutate: (s) => (s.tags = { aliyunTeam: 'x' }),
    path: 'spec.tags',
    api: 'tag key "aliyunTeam" may not start with aliyun or acs:',
  }),
  np('tag-key-acs', {
    mutate: (s) => (s.tags = { 'ACS:x': 'x' }),
    path: 'spec.tags',
    api: 'tag key "ACS:x" may not start with aliyun or acs:',
  }),
  np('tag-key-url', {
    mutate: (s) => (s.tags = { 'see-https://x': 'x' }),
    path: 'spec.tags',
    api: 'may not start with aliyun or acs: nor contain http:// or https://',
  }),
  np('tag-value-url', {
    mutate: (s) => (s.tags = { team: 'http://x' }),
    path: 'spec.tags',
    api: 'the value of tag "team" may not start with aliyun or acs:',
  }),
  np('tag-reserved', {
    mutate: (s) => (s.tags = { 'ack.aliyun.com': 'c1' }),
    path: 'spec.tags',
    api: 'tag key "ack.aliyun.com" is reserved',
  }),
  np('tag-reserved-operator', {
    mutate: (s) => (s.tags = { 'nodepool.alicloud.dev/pool': 'p' }),
    path: 'spec.tags',
    api: 'tag key "nodepool.alicloud.dev/pool" is reserved',
  }),
  np('tag-key-long', {
    mutate: (s) => (s.tags = { ['k'.repeat(65)]: 'v' }),
    path: 'spec.tags',
    api: 'must be 1-64 characters',
  }),
  np('tag-value-long', {
    mutate: (s) => (s.tags = { k: 'v'.repeat(129) }),
    path: 'spec.tags.k',
    api: 'Too long',
    zod: '<=128',
  }),
  // custom node name
  np('node-name-start', {
    mutate: (s) => (s.customNodeName = { prefix: '1web' }),
    path: 'spec.customNodeName.prefix',
    api: SHOULD_MATCH,
    zod: 'starting with a letter',
  }),
  np('node-name-trailing', {
    mutate: (s) => (s.customNodeName = { prefix: 'web-' }),
    path: 'spec.customNodeName.prefix',
    api: SHOULD_MATCH,
    zod: 'starting with a letter',
  }),
  np('node-name-double-dash', {
    mutate: (s) => (s.customNodeName = { prefix: 'we--b' }),
    path: 'spec.customNodeName.prefix',
    api: 'may not contain "--" or ".."',
  }),
  np('node-name-double-dot', {
    mutate: (s) => (s.customNodeName = { prefix: 'web', suffix: 'h..z' }),
    path: 'spec.customNodeName.suffix',
    api: 'may not contain "--" or ".."',
  }),
  np('node-name-long', {
    mutate: (s) => (s.customNodeName = { prefix: 'a'.repeat(30), suffix: 'b'.repeat(30) }),
    path: 'spec.customNodeName',
    api: 'prefix and suffix together may have at most 49 characters',
  }),
  np('node-name-prefix-required', {
    mutate: (s) => (s.customNodeName = { suffix: 'hz' }),
    path: 'spec.customNodeName.prefix',
    api: 'Required value',
    zod: 'required value',
  }),
  // kubelet, OS
  np('kubelet-max-pods', {
    mutate: (s) => (s.kubelet = { maxPods: 300 }),
    path: 'spec.kubelet.maxPods',
    api: 'less than or equal to 256',
    zod: '<=256',
  }),
  np('kubelet-reserved-quantity', {
    mutate: (s) => (s.kubelet = { systemReserved: { cpu: 'lots' } }),
    path: 'spec.kubelet.systemReserved.cpu',
    api: SHOULD_MATCH,
    zod: 'must be a quantity',
  }),
  np('kubelet-eviction', {
    mutate: (s) => (s.kubelet = { evictionHard: { 'memory.available': '200 MB' } }),
    path: 'spec.kubelet.evictionHard.memory.available',
    api: SHOULD_MATCH,
    zod: 'a quantity (200Mi) or a percentage',
  }),
  np('kubelet-cpu-manager', {
    mutate: (s) => (s.kubelet = { cpuManagerPolicy: 'dynamic' }),
    path: 'spec.kubelet.cpuManagerPolicy',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('sysctl-key', {
    mutate: (s) => (s.osConfig = { sysctls: { somaxconn: '4096' } }),
    path: 'spec.osConfig.sysctls',
    api: '"somaxconn" is not a sysctl name',
  }),
  // user data, bootstrap
  np('pre-user-data-both', {
    mutate: (s) => {
      s.preUserData = 'echo hi';
      s.preUserDataFrom = { configMapKeyRef: { name: 'pre', key: 'sh' } };
    },
    path: 'spec.preUserDataFrom',
    api: 'set preUserData or preUserDataFrom, not both',
  }),
  np('user-data-both', {
    mutate: (s) => {
      s.userData = 'echo hi';
      s.userDataFrom = { secretKeyRef: { name: 'ud', key: 'sh' } };
    },
    path: 'spec.userDataFrom',
    api: 'set userData or userDataFrom, not both',
  }),
  np('user-data-from-two-sources', {
    mutate: (s) =>
      (s.userDataFrom = { secretKeyRef: { name: 'a', key: 'b' }, configMapKeyRef: { name: 'a', key: 'b' } }),
    path: 'spec.userDataFrom',
    api: 'set exactly one of secretKeyRef or configMapKeyRef',
  }),
  np('user-data-from-namespace', {
    mutate: (s) => (s.userDataFrom = { configMapKeyRef: { name: 'a', key: 'b', namespace: 'x' } }),
    path: 'spec.userDataFrom.configMapKeyRef',
    api: '',
    zod: 'unknown field "namespace"',
    unknown: 'spec.userDataFrom.configMapKeyRef.namespace',
  }),
  np('user-data-too-long', {
    mutate: (s) => (s.userData = 'x'.repeat(16385)),
    path: 'spec.userData',
    api: 'Too long',
    zod: '<=16384',
  }),
  np('external-missing', {
    mutate: (s) => (s.bootstrap = { mode: 'External' }),
    path: 'spec.bootstrap.external',
    api: 'bootstrap mode External needs bootstrap.external',
  }),
  np('external-in-managed', {
    mutate: (s) => (s.bootstrap = { external: { joinCommandSecretRef: { name: 'j', key: 'c' } } }),
    path: 'spec.bootstrap.external',
    api: 'bootstrap.external applies to mode External only',
  }),
  np('external-join-required', {
    mutate: (s) => (s.bootstrap = { mode: 'External', external: { kubeVersion: '1.34.1' } }),
    path: 'spec.bootstrap.external.joinCommandSecretRef',
    api: 'Required value',
    zod: 'required value',
  }),
  np('external-script-url', {
    mutate: (s) =>
      (s.bootstrap = {
        mode: 'External',
        external: { scriptURL: 'ftp://x/y.sh', joinCommandSecretRef: { name: 'j', key: 'c' } },
      }),
    path: 'spec.bootstrap.external.scriptURL',
    api: SHOULD_MATCH,
    zod: 'an http(s) URL',
  }),
  np('external-kube-version', {
    mutate: (s) =>
      (s.bootstrap = {
        mode: 'External',
        external: { kubeVersion: 'v1.34', joinCommandSecretRef: { name: 'j', key: 'c' } },
      }),
    path: 'spec.bootstrap.external.kubeVersion',
    api: SHOULD_MATCH,
    zod: 'a Kubernetes version',
  }),
  np('external-runtime', {
    mutate: (s) =>
      (s.bootstrap = {
        mode: 'External',
        external: { runtime: 'cri-o', joinCommandSecretRef: { name: 'j', key: 'c' } },
      }),
    path: 'spec.bootstrap.external.runtime',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('bootstrap-mode-enum', {
    mutate: (s) => (s.bootstrap = { mode: 'Script' }),
    path: 'spec.bootstrap.mode',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  // lifecycle
  np('budget-percent', {
    mutate: (s) => (s.disruption = { budget: '150%' }),
    path: 'spec.disruption.budget',
    api: 'must be a count (0-2000) or a percentage (0%-100%)',
    zod: 'must be a percentage',
  }),
  np('budget-negative', {
    mutate: (s) => (s.disruption = { budget: -1 }),
    path: 'spec.disruption.budget',
    api: 'must be a count (0-2000) or a percentage (0%-100%)',
    zod: '>=0',
  }),
  np('drain-timeout', {
    mutate: (s) => (s.disruption = { drainTimeout: '15 minutes' }),
    path: 'spec.disruption.drainTimeout',
    api: SHOULD_MATCH,
    zod: 'must be a duration',
  }),
  np('consolidation-manual', {
    mutate: (s) => (s.disruption = { consolidation: { policy: 'WhenEmpty' } }),
    path: 'spec.disruption.consolidation',
    api: 'disruption.consolidation is for Auto mode only',
  }),
  np('consolidation-policy-required', {
    mutate: (s) => {
      auto(s);
      s.disruption = { consolidation: { after: '5m' } };
    },
    path: 'spec.disruption.consolidation.policy',
    api: 'disruption.consolidation.policy is required on a NodePool',
  }),
  np('consolidation-subscription', {
    mutate: (s) => {
      auto(s);
      s.billing = { chargeType: 'Subscription' };
      s.disruption = { consolidation: { policy: 'WhenEmpty' } };
    },
    path: 'spec.disruption.consolidation.policy',
    api: 'not available with billing.chargeType Subscription',
  }),
  np('consolidation-policy-enum', {
    mutate: (s) => {
      auto(s);
      s.disruption = { consolidation: { policy: 'Always' } };
    },
    path: 'spec.disruption.consolidation.policy',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  np('consolidation-threshold', {
    mutate: (s) => {
      auto(s);
      s.disruption = { consolidation: { policy: 'WhenEmptyOrUnderutilized', utilizationThreshold: 0 } };
    },
    path: 'spec.disruption.consolidation.utilizationThreshold',
    api: 'greater than or equal to 1',
    zod: '>=1',
  }),
  np('consolidation-after', {
    mutate: (s) => {
      auto(s);
      s.disruption = { consolidation: { policy: 'WhenEmpty', after: '10 minutes' } };
    },
    path: 'spec.disruption.consolidation.after',
    api: SHOULD_MATCH,
    zod: 'must be a duration',
  }),
  np('registration-timeout', {
    mutate: (s) => (s.registrationTimeout = '10'),
    path: 'spec.registrationTimeout',
    api: SHOULD_MATCH,
    zod: 'must be a duration',
  }),
  np('existing-instance-id', {
    mutate: (s) => (s.existingInstances = ['vm-1']),
    path: 'spec.existingInstances[0]',
    api: SHOULD_MATCH,
    zod: 'must be an ECS instance id',
  }),
  np('unknown-field', {
    mutate: (s) => (s.autoscaler = { enabled: true }),
    path: 'spec',
    api: '',
    zod: 'unknown field "autoscaler"',
    unknown: 'spec.autoscaler',
  }),
  // ManagedNodePool
  mnp('managed-mode', {
    mutate: (s) => (s.scaling = { mode: 'Manual' }),
    path: 'spec.scaling.mode',
    api: 'supports Auto mode only',
  }),
  mnp('managed-desired', {
    mutate: (s) => (s.scaling = { desiredSize: 3 }),
    path: 'spec.scaling',
    api: '',
    zod: 'desiredSize is not available on a ManagedNodePool',
    unknown: 'spec.scaling.desiredSize',
  }),
  mnp('managed-min-above-default-max', {
    mutate: (s) => (s.scaling = { minSize: 60 }),
    path: 'spec.scaling.minSize',
    api: 'minSize must not exceed maxSize',
  }),
  mnp('managed-max-2000', {
    mutate: (s) => (s.scaling = { maxSize: 2001 }),
    path: 'spec.scaling.maxSize',
    api: 'less than or equal to 2000',
    zod: '<=2000',
  }),
  mnp('managed-spot', {
    mutate: (s) => (s.billing = { chargeType: 'Spot' }),
    path: 'spec.billing.chargeType',
    api: 'billed PayAsYouGo only',
  }),
  mnp('managed-subscription', {
    mutate: (s) => (s.billing = { chargeType: 'Subscription' }),
    path: 'spec.billing.chargeType',
    api: 'billed PayAsYouGo only',
  }),
  mnp('managed-image', {
    mutate: (s) => (s.image = { type: 'AliyunLinux3' }),
    path: 'spec.image.type',
    api: 'runs ContainerOS only',
  }),
  mnp('managed-login', {
    mutate: (s) => (s.login = { keyPairName: 'ops' }),
    path: 'spec',
    api: '',
    zod: 'login is not available on a ManagedNodePool',
    unknown: 'spec.login',
  }),
  mnp('managed-hardening', {
    mutate: (s) => (s.securityHardening = 'OS'),
    path: 'spec',
    api: '',
    zod: 'securityHardening is not available',
    unknown: 'spec.securityHardening',
  }),
  mnp('managed-external', {
    mutate: (s) => (s.bootstrap = { mode: 'External' }),
    path: 'spec',
    api: '',
    zod: 'bootstrap is not available',
    unknown: 'spec.bootstrap',
  }),
  mnp('managed-arm', {
    mutate: (s) => (s.instanceTypes = ['ecs.g7.xlarge', 'ecs.g8y.xlarge']),
    path: 'spec.instanceTypes',
    api: 'instance type ecs.g8y.xlarge is an Arm family',
  }),
  mnp('managed-local-disk', {
    mutate: (s) => (s.instanceTypes = ['ecs.d3s.4xlarge']),
    path: 'spec.instanceTypes',
    api: 'instance type ecs.d3s.4xlarge is a local-disk family',
  }),
  mnp('managed-data-disks', {
    mutate: (s) => (s.dataDisks = [{ sizeGiB: 40 }, { sizeGiB: 40 }]),
    path: 'spec.dataDisks',
    api: 'at most 1',
    zod: '<=1',
  }),
  mnp('managed-window-start', {
    mutate: (s) => (s.maintenance = { windows: [{ days: ['Sat'], start: '25:00', duration: '4h' }] }),
    path: 'spec.maintenance.windows[0].start',
    api: SHOULD_MATCH,
    zod: 'a time like 02:00',
  }),
  mnp('managed-window-duration', {
    mutate: (s) => (s.maintenance = { windows: [{ days: ['Sat'], start: '02:00', duration: '30m' }] }),
    path: 'spec.maintenance.windows[0].duration',
    api: 'a maintenance window lasts 1h to 24h',
  }),
  mnp('managed-window-days', {
    mutate: (s) => (s.maintenance = { windows: [{ days: [], start: '02:00', duration: '4h' }] }),
    path: 'spec.maintenance.windows[0].days',
    api: 'at least 1',
    zod: '>=1',
  }),
  mnp('managed-window-day', {
    mutate: (s) => (s.maintenance = { windows: [{ days: ['Funday'], start: '02:00', duration: '4h' }] }),
    path: 'spec.maintenance.windows[0].days[0]',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  mnp('managed-window-zone', {
    mutate: (s) =>
      (s.maintenance = {
        windows: [{ days: ['Sun'], start: '02:00', duration: '4h', timeZone: 'UTC+8 hours' }],
      }),
    path: 'spec.maintenance.windows[0].timeZone',
    api: SHOULD_MATCH,
    zod: 'an IANA time zone',
  }),
  mnp('managed-max-unhealthy', {
    mutate: (s) => (s.autoRepair = { maxUnhealthy: '120%' }),
    path: 'spec.autoRepair.maxUnhealthy',
    api: 'must be a count (0-2000) or a percentage (0%-100%)',
    zod: 'must be a percentage',
  }),
  np('management-surge-zero', {
    mutate: (s) => (s.management = { autoUpgrade: { enabled: true, maxSurge: 0, maxUnavailable: 0 } }),
    path: 'spec.management.autoUpgrade.maxSurge',
    api: 'maxSurge and maxUnavailable cannot both be 0',
  }),
  np('management-window', {
    mutate: (s) =>
      (s.management = { maintenance: { windows: [{ days: ['Sat'], start: '02:00', duration: '25h' }] } }),
    path: 'spec.management.maintenance.windows[0].duration',
    api: 'a maintenance window lasts 1h to 24h',
  }),
  np('management-patch-custom', {
    mutate: (s) => {
      s.image = { type: 'Custom', id: 'm-bp1example' };
      s.management = { autoPatch: { enabled: true } };
    },
    path: 'spec.management.autoPatch.enabled',
    api: 'management.autoPatch needs an image family, and a Custom image has none',
  }),
  np('management-upgrade-subscription', {
    mutate: (s) => {
      s.billing = { chargeType: 'Subscription', subscription: { period: 1 } };
      s.management = { autoUpgrade: { enabled: true } };
    },
    path: 'spec.management.autoUpgrade.enabled',
    api: 'management.autoUpgrade replaces nodes by rotation, and Subscription instances are never released',
  }),
  np('management-patch-subscription', {
    mutate: (s) => {
      s.billing = { chargeType: 'Subscription', subscription: { period: 1 } };
      s.management = { autoPatch: { enabled: true } };
    },
    path: 'spec.management.autoPatch.enabled',
    api: 'management.autoPatch replaces nodes by rotation, and Subscription instances are never released',
  }),
  mnp('managed-repair-max-unhealthy-zero', {
    mutate: (s) => (s.autoRepair = { maxUnhealthy: '0%' }),
    path: 'spec.autoRepair.maxUnhealthy',
    api: 'maxUnhealthy 0 would never repair anything',
  }),
  np('management-repair-max-unhealthy-zero', {
    mutate: (s) => (s.management = { autoRepair: { enabled: true, maxUnhealthy: 0 } }),
    path: 'spec.management.autoRepair.maxUnhealthy',
    api: 'maxUnhealthy 0 would never repair anything',
  }),
  mnp('managed-repair-timeout', {
    mutate: (s) => (s.autoRepair = { notReadyTimeout: 'soon' }),
    path: 'spec.autoRepair.notReadyTimeout',
    api: SHOULD_MATCH,
    zod: 'a duration like 10m',
  }),
  mnp('managed-surge-zero', {
    mutate: (s) => (s.autoUpgrade = { maxSurge: 0, maxUnavailable: '0%' }),
    path: 'spec.autoUpgrade.maxSurge',
    api: 'maxSurge and maxUnavailable cannot both be 0',
  }),
  mnp('managed-patch-severity', {
    mutate: (s) => (s.autoPatch = { severities: ['Critical'] }),
    path: 'spec.autoPatch.severities[0]',
    api: 'Unsupported value',
    zod: 'must be one of',
  }),
  mnp('managed-budget', {
    mutate: (s) => (s.disruption = { budget: 'half' }),
    path: 'spec.disruption.budget',
    api: 'must be a count (0-2000) or a percentage (0%-100%)',
    zod: 'must be a percentage',
  }),
  mnp('managed-consolidation-threshold', {
    mutate: (s) => (s.disruption = { consolidation: { utilizationThreshold: 101 } }),
    path: 'spec.disruption.consolidation.utilizationThreshold',
    api: 'less than or equal to 100',
    zod: '<=100',
  }),
  mnp('managed-labels-reserved', {
    mutate: (s) => (s.labels = { 'node-role.kubernetes.io/worker': '' }),
    path: 'spec.labels',
    api: 'key "node-role.kubernetes.io/worker" uses a reserved prefix',
  }),
];
