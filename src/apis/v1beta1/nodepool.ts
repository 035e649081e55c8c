import * as z from 'zod';
import {
  CustomNodeName,
  ResourceGroupId,
  resourceGroupFixed,
  DataDisk,
  Disruption,
  Duration,
  IMAGE_TYPES,
  InstanceMetadataOptions,
  InstanceTypes,
  Kubelet,
  Labels,
  OsConfig,
  PrivatePool,
  PublicIp,
  RamRoleName,
  Region,
  Runtime,
  ScriptSource,
  SecretKeyRef,
  SecurityGroup,
  Tags,
  Taints,
  UserData,
  VSwitchIds,
  VpcId,
  str,
  NodePoolSystemDisk,
  uniqueList,
} from './common.js';
import { Management } from './automation.js';
import { P, re } from './patterns.js';
import { api, celString, type Rule } from './rules.js';

/** Instance types of the local-disk families API.md lists. */
export const LOCAL_DISK_FAMILIES = [
  'i2',
  'i2g',
  'i3',
  'i3g',
  'i4',
  'i4g',
  'i4r',
  'd1',
  'd1ne',
  'd2c',
  'd2s',
  'd3c',
  'd3s',
] as const;
export const ARM_FAMILIES = ['g8y', 'c8y', 'r8y', 'g6r', 'c6r'] as const;
export const LOCAL_DISK_TYPE = `^ecs\\.(${LOCAL_DISK_FAMILIES.join('|')})\\.`;
export const ARM_TYPE = `^ecs\\.(${ARM_FAMILIES.join('|')})\\.`;

export const MAX_POOL_SIZE = 2000;
/** With a deployment set, ECS places at most 20 instances of the set in one zone. */
export const DEPLOYMENT_SET_PER_ZONE = 20;

export const SCALING_MODES = ['Manual', 'Auto'] as const;
export const MULTI_AZ_POLICIES = ['Priority', 'CostOptimized', 'Balance'] as const;
export const CHARGE_TYPES = ['PayAsYouGo', 'Subscription', 'Spot'] as const;
export const HARDENING = ['Disabled', 'MLPS', 'OS'] as const;
export const BOOTSTRAP_MODES = ['Managed', 'External'] as const;

const Size = (what: string) => api(z.int().min(0).max(MAX_POOL_SIZE), what);

/** `spec.scaling.priority`: which Auto pool instant elasticity tries first for a pending pod. */
export const SCALING_PRIORITY = api(
  z.int().min(-1000).max(1000),
  'Auto only: when several Auto pools can host pending pods, new nodes go to the highest priority first (default 0); among equal priorities, the lowest price per packed pod wins. -1000 to 1000.',
);

export const NodePoolScaling = api(
  z.strictObject({
    mode: api(
      z.enum(SCALING_MODES).default('Manual'),
      'Manual: the pool keeps desiredSize nodes. Auto: the pool scales between minSize and maxSize.',
    ),
    desiredSize: Size('Manual only: the number of nodes (0-2000; 2 or more recommended).').optional(),
    minSize: Size('Auto only: the fewest nodes (default 0).').optional(),
    maxSize: Size('Auto only (required there): the most nodes, at most 2000.').optional(),
    multiAZPolicy: api(
      z.enum(MULTI_AZ_POLICIES).default('Priority'),
      'How instances spread over the vSwitches: Priority (in vSwitch order), CostOptimized (cheapest first; needed for spot on-demand fallback), Balance (evenly; needs 2 or more vSwitches).',
    ),
    economical: api(
      z.boolean(),
      'Auto only: scale-in stops instances instead of releasing them, and scale-out restarts stopped ones first (not for local-disk instance families).',
    ).optional(),
    priority: SCALING_PRIORITY.optional(),
  }),
  'How many nodes the pool has, and how they spread over zones.',
  [
    {
      cel: "self.mode == 'Manual' || !has(self.desiredSize)",
      message: 'desiredSize is for Manual mode only: an Auto pool scales between minSize and maxSize',
      fieldPath: '.desiredSize',
      reason: 'FieldValueForbidden',
      check: (s) => s.mode === 'Manual' || s.desiredSize === undefined,
    },
    {
      cel: "self.mode != 'Manual' || has(self.desiredSize)",
      message: 'desiredSize is required in Manual mode',
      fieldPath: '.desiredSize',
      reason: 'FieldValueRequired',
      check: (s) => s.mode !== 'Manual' || s.desiredSize !== undefined,
    },
    {
      cel: "self.mode == 'Auto' || (!has(self.minSize) && !has(self.maxSize))",
      message: 'minSize and maxSize are for Auto mode only: a Manual pool keeps desiredSize nodes',
      fieldPath: '.mode',
      reason: 'FieldValueForbidden',
      check: (s) => s.mode === 'Auto' || (s.minSize === undefined && s.maxSize === undefined),
    },
    {
      cel: "self.mode != 'Auto' || has(self.maxSize)",
      message: 'maxSize is required in Auto mode',
      fieldPath: '.maxSize',
      reason: 'FieldValueRequired',
      check: (s) => s.mode !== 'Auto' || s.maxSize !== undefined,
    },
    {
      cel: '!has(self.minSize) || !has(self.maxSize) || self.minSize <= self.maxSize',
      message: 'minSize must not exceed maxSize',
      fieldPath: '.minSize',
      check: (s) => s.minSize === undefined || s.maxSize === undefined || s.minSize <= s.maxSize,
    },
    {
      cel: "self.mode == 'Auto' || !has(self.priority)",
      message: 'priority is for Auto mode only: it orders the Auto pools instant elasticity scales out',
      fieldPath: '.priority',
      reason: 'FieldValueForbidden',
      check: (s) => s.mode === 'Auto' || s.priority === undefined,
    },
    {
      cel: "!has(self.economical) || !self.economical || self.mode == 'Auto'",
      message: 'economical applies to Auto mode only',
      fieldPath: '.economical',
      reason: 'FieldValueForbidden',
      check: (s) => s.economical !== true || s.mode === 'Auto',
    },
  ],
);

// Period values ECS accepts for subscription instances.
const MONTH_PERIODS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36, 48, 60];
const WEEK_PERIODS = [1, 2, 3, 4];

export const Subscription = api(
  z.strictObject({
    period: api(
      z.int().min(1).max(60).default(1),
      'Subscription length: 1-4 weeks, or 1-9, 12, 24, 36, 48 or 60 months.',
    ),
    periodUnit: api(z.enum(['Week', 'Month']).default('Month'), 'Week or Month.'),
    autoRenew: api(z.boolean().default(false), 'Renew automatically at expiry.'),
    autoRenewPeriod: api(
      z.int().min(1).max(12),
      'Length of each automatic renewal, in periodUnit (1-12).',
    ).optional(),
  }),
  'Subscription (prepaid) settings (chargeType Subscription only). New nodes only; the operator, not ESS, keeps their count.',
  [
    {
      cel: `self.periodUnit == 'Week' ? self.period in [${WEEK_PERIODS.join(', ')}] : self.period in [${MONTH_PERIODS.join(', ')}]`,
      message: 'period must be 1-4 with periodUnit Week, or 1-9, 12, 24, 36, 48 or 60 with periodUnit Month',
      fieldPath: '.period',
      check: (s) => (s.periodUnit === 'Week' ? WEEK_PERIODS : MONTH_PERIODS).includes(s.period),
    },
    {
      cel: '!has(self.autoRenewPeriod) || self.autoRenew',
      message: 'autoRenewPeriod needs autoRenew: true',
      fieldPath: '.autoRenewPeriod',
      check: (s) => s.autoRenewPeriod === undefined || s.autoRenew,
    },
  ],
);

export const Spot = api(
  z.strictObject({
    strategy: api(
      z.enum(['SpotAsPriceGo', 'SpotWithPriceLimit']).default('SpotAsPriceGo'),
      'SpotAsPriceGo: pay the market price up to the pay-as-you-go price; SpotWithPriceLimit: at most priceLimits.',
    ),
    priceLimits: api(
      z
        .array(
          api(
            z.strictObject({
              instanceType: api(
                str(P.instanceType, 64, 'an ECS instance type like ecs.g7.xlarge'),
                'An instance type of the pool.',
              ),
              maxPricePerHour: api(
                str(P.price, 12, 'a price like "0.50"'),
                'The highest hourly price to pay, as a decimal string.',
              ),
            }),
            'The price limit of one instance type.',
          ),
        )
        .min(1)
        .max(10),
      'Per instance type, the highest hourly price (SpotWithPriceLimit only, required there).',
    ).optional(),
    onDemandFallback: api(
      z.boolean(),
      'When no spot instance can be had, supplement with pay-as-you-go instances: ESS does so for its own scale-outs, and instant elasticity buys an offering pay-as-you-go when its spot market has no stock, refused a launch (stock, quota) or is priced above the limit. Requires scaling.multiAZPolicy CostOptimized (the only policy ESS supports it with).',
    ).optional(),
    replaceBeforeReclaim: api(
      z.boolean(),
      'On the 5-minute reclamation notice start a replacement; drain and remove the old node only once the replacement is Ready.',
    ).optional(),
  }),
  'Spot (preemptible) settings (chargeType Spot only).',
  [
    {
      cel: "self.strategy != 'SpotWithPriceLimit' || has(self.priceLimits)",
      message: 'priceLimits is required with strategy SpotWithPriceLimit',
      fieldPath: '.priceLimits',
      reason: 'FieldValueRequired',
      check: (s) => s.strategy !== 'SpotWithPriceLimit' || s.priceLimits !== undefined,
    },
    {
      cel: "self.strategy == 'SpotWithPriceLimit' || !has(self.priceLimits)",
      message: 'priceLimits applies to strategy SpotWithPriceLimit only',
      fieldPath: '.priceLimits',
      reason: 'FieldValueForbidden',
      check: (s) => s.strategy === 'SpotWithPriceLimit' || s.priceLimits === undefined,
    },
  ],
);

export const Billing = api(
  z.strictObject({
    chargeType: api(
      z.enum(CHARGE_TYPES).default('PayAsYouGo'),
      'PayAsYouGo, Subscription or Spot. Spot cannot be changed to or from the other two; PayAsYouGo <-> Subscription can, and applies to new nodes only.',
    ),
    subscription: Subscription.optional(),
    spot: Spot.optional(),
  }),
  'How the instances are billed.',
  [
    {
      cel: "(self.chargeType == 'Spot') == (oldSelf.chargeType == 'Spot')",
      message:
        'billing.chargeType cannot change between Spot and PayAsYouGo or Subscription: create a new pool instead',
      fieldPath: '.chargeType',
      transition: (v, o) => (v.chargeType === 'Spot') === (o.chargeType === 'Spot'),
    },
    {
      cel: "self.chargeType == 'Subscription' || !has(self.subscription)",
      message: 'subscription settings need chargeType Subscription',
      fieldPath: '.subscription',
      reason: 'FieldValueForbidden',
      check: (b) => b.chargeType === 'Subscription' || b.subscription === undefined,
    },
    {
      cel: "self.chargeType != 'Subscription' || has(self.subscription)",
      message: 'chargeType Subscription needs billing.subscription (period, periodUnit)',
      fieldPath: '.subscription',
      reason: 'FieldValueRequired',
      check: (b) => b.chargeType !== 'Subscription' || b.subscription !== undefined,
    },
    {
      cel: "self.chargeType == 'Spot' || !has(self.spot)",
      message: 'spot settings need chargeType Spot',
      fieldPath: '.spot',
      reason: 'FieldValueForbidden',
      check: (b) => b.chargeType === 'Spot' || b.spot === undefined,
    },
  ],
);

export const Image = api(
  z.strictObject({
    type: api(
      z.enum(IMAGE_TYPES),
      'AliyunLinux3ContainerOptimized, ContainerOS, AliyunLinux3, Ubuntu, or Custom (with id).',
    ),
    id: api(
      str(P.imageId, 64, 'an image id like m-bp1example'),
      'The custom image (type Custom only).',
    ).optional(),
  }),
  "The OS image of new nodes: resolved once (the family's newest, or the Custom id) and pinned in status.image. A newer image of the family is adopted only by management.autoUpgrade / autoPatch (nodes replaced by rotation) or by changing this field; otherwise the condition UpgradeAvailable reports it.",
  [
    {
      cel: "self.type != 'Custom' || has(self.id)",
      message: 'image type Custom needs image.id',
      fieldPath: '.id',
      reason: 'FieldValueRequired',
      check: (i) => i.type !== 'Custom' || i.id !== undefined,
    },
    {
      cel: "self.type == 'Custom' || !has(self.id)",
      message: 'image.id applies to image type Custom only',
      fieldPath: '.id',
      reason: 'FieldValueForbidden',
      check: (i) => i.type === 'Custom' || i.id === undefined,
    },
  ],
);

export const Login = api(
  z.strictObject({
    user: api(z.enum(['root', 'ecs-user']).default('root'), 'The login user: root or ecs-user.'),
    keyPairName: api(
      str(P.keyPairName, 128, 'an ECS key pair name'),
      'An ECS key pair (SSH key login).',
    ).optional(),
    passwordSecretRef: SecretKeyRef.optional(),
  }),
  'How to log in to the nodes: exactly one of keyPairName or passwordSecretRef (the password, 8-30 characters with upper, lower, digit and special characters, is checked by the controller).',
  [
    {
      cel: 'has(self.keyPairName) != has(self.passwordSecretRef)',
      message: 'set exactly one of keyPairName or passwordSecretRef',
      check: (l) => (l.keyPairName !== undefined) !== (l.passwordSecretRef !== undefined),
    },
  ],
);

export const ExternalBootstrap = api(
  z.strictObject({
    scriptURL: api(
      str(P.https, 2048, 'an http(s) URL'),
      "The join script's URL; default: addNodeScriptPath of ConfigMap kube-system/ack-agent-config. It runs as root with the join command in its environment: https, or http with scriptSHA256.",
    ).optional(),
    scriptSHA256: api(
      str(P.sha256, 64, '64 lowercase hex digits'),
      'The SHA-256 of the join script (hex), checked on the node after the download and before it runs (a mismatch fails the boot). Required when the script is fetched over plain http (scriptURL or addNodeScriptPath).',
    ).optional(),
    joinCommandSecretRef: api(
      SecretKeyRef,
      'A Secret key (the Secret labelled nodepool.alicloud.dev/referenceable: "true") holding a kubeadm join command (kubeadm token create --print-join-command). A token with an expiry is used while it lasts and refused from 10 minutes before it expires: rotate the command in the Secret before then.',
    ),
    kubeVersion: api(
      str(P.kubeVersion, 16, 'a Kubernetes version like 1.34.1'),
      "The cluster's Kubernetes version, e.g. 1.34.1.",
    ).optional(),
    runtime: api(z.enum(['containerd', 'docker']).default('containerd'), 'containerd or docker.'),
    runtimeVersion: api(str(P.semver, 32, 'a version like 1.7.20'), 'The runtime version.').optional(),
  }),
  'External mode only: the registered (self-managed) cluster join. The node receives ALIBABA_CLOUD_PROVIDER_ID, ALIBABA_CLOUD_NODE_NAME, ALIBABA_CLOUD_LABELS and ALIBABA_CLOUD_TAINTS.',
  [
    {
      cel: "!has(self.scriptURL) || self.scriptURL.startsWith('https://') || has(self.scriptSHA256)",
      message:
        'scriptURL must be https://, or plain http with scriptSHA256 (checked on the node before the script runs)',
      check: (e) =>
        e.scriptURL === undefined || e.scriptURL.startsWith('https://') || e.scriptSHA256 !== undefined,
    },
  ],
);

export const BootstrapSkip = api(
  z.strictObject({
    autoFdisk: api(
      z.boolean().default(false),
      'Do not partition and mount the data disk (/var/.skip-auto-fdisk).',
    ),
    keepContainerData: api(
      z.boolean().default(false),
      'Keep existing container data on the data disk (/var/.keep-container-data).',
    ),
    yum: api(z.boolean().default(false), 'Do not install packages (/var/.skip-yum).'),
    securityFix: api(
      z.boolean().default(false),
      'Skip the minimal security update (/var/.skip-security-fix).',
    ),
  }),
  'Steps of node initialization to skip (new nodes).',
);

export const Bootstrap = api(
  z.strictObject({
    mode: api(
      z.enum(BOOTSTRAP_MODES).default('Managed'),
      "Managed: the operator joins nodes with a bootstrap token (kubelet TLS bootstrap). External: a registered / self-managed cluster's own join script.",
    ),
    skip: BootstrapSkip.optional(),
    external: ExternalBootstrap.optional(),
  }),
  'How new nodes join the cluster.',
  [
    {
      cel: "self.mode != 'External' || has(self.external)",
      message: 'bootstrap mode External needs bootstrap.external (at least joinCommandSecretRef)',
      fieldPath: '.external',
      reason: 'FieldValueRequired',
      check: (b) => b.mode !== 'External' || b.external !== undefined,
    },
    {
      cel: "self.mode == 'External' || !has(self.external)",
      message: 'bootstrap.external applies to mode External only',
      fieldPath: '.external',
      reason: 'FieldValueForbidden',
      check: (b) => b.mode === 'External' || b.external === undefined,
    },
  ],
);

export const Hardening = api(
  z.enum(HARDENING).default('Disabled'),
  'Security hardening: Disabled, MLPS (China classified protection; password login only) or OS (Alibaba Cloud Linux baseline). MLPS and OS need an Alibaba Cloud Linux (AliyunLinux3*) or Custom image. Immutable.',
  [
    {
      cel: 'self == oldSelf',
      message: 'spec.securityHardening is immutable: it cannot be changed after the pool is created',
      transition: (v, o) => v === o,
    },
  ],
);

function poolSize(s: z.output<typeof NodePoolScaling>): number {
  return s.mode === 'Manual' ? (s.desiredSize ?? 0) : (s.maxSize ?? 0);
}

type Spec = z.output<typeof NodePoolSpecShape>;

const NodePoolSpecShape = z.strictObject({
  region: Region,
  vpcId: VpcId,
  vSwitchIds: VSwitchIds,
  scaling: NodePoolScaling,
  instanceTypes: InstanceTypes,
  billing: Billing.prefault({}),
  image: Image,
  runtime: Runtime.optional(),
  securityHardening: Hardening,
  login: Login.optional(),
  ramRoleName: RamRoleName,
  instanceMetadataOptions: InstanceMetadataOptions.prefault({}),
  systemDisk: NodePoolSystemDisk.prefault({}),
  dataDisks: api(
    z.array(DataDisk).max(16),
    'Up to 16 data disks of new nodes; the last one holds /var/lib/container.',
  ).optional(),
  securityGroup: SecurityGroup,
  publicIp: PublicIp.optional(),
  deploymentSetId: api(
    str(P.deploymentSetId, 64, 'a deployment set id like ds-bp1example'),
    "Spread instances over a deployment set; then the pool's size (maxSize, or desiredSize in Manual) may be at most 20 per zone.",
  ).optional(),
  privatePool: PrivatePool.optional(),
  resourceGroupId: ResourceGroupId.optional(),
  cloudMonitor: api(z.boolean().default(false), 'Install the CloudMonitor agent on new nodes.'),
  labels: Labels.optional(),
  taints: Taints.optional(),
  tags: Tags.optional(),
  customNodeName: CustomNodeName.optional(),
  kubelet: Kubelet.optional(),
  osConfig: OsConfig.optional(),
  preUserData: UserData('A script run on new nodes before they join (inline; or preUserDataFrom).'),
  preUserDataFrom: api(ScriptSource, 'preUserData from a Secret or ConfigMap key.').optional(),
  userData: UserData(
    'A script run on new nodes after they join, in parallel with Ready (inline; or userDataFrom).',
  ),
  userDataFrom: api(ScriptSource, 'userData from a Secret or ConfigMap key.').optional(),
  bootstrap: Bootstrap.prefault({}),
  disruption: Disruption.optional(),
  registrationTimeout: Duration(
    'An instance that is not a Ready node this long after launch is removed and replaced (default 10m).',
  ).default('10m'),
  management: Management.optional(),
  existingInstances: api(
    uniqueList(str(P.instanceId, 64, 'an ECS instance id like i-bp1example'), 0, 100, 'instance id'),
    "ECS instances to add to the pool, each tagged nodepool.alicloud.dev/attachable=true by its owner. Each is stopped, re-imaged with the pool's image (ReplaceSystemDisk: the data on its system disk is lost; a Warning Event says so first), given the pool's user data, started and attached to the scaling group, then joins as a Node of the pool. They count toward the pool's size, are never scale-in or registration-timeout victims, and are never released by the operator (detached and kept when the pool is deleted). A step the cloud refuses makes the pool Degraded naming the instance.",
    [],
    { 'x-kubernetes-list-type': 'set' },
  ).optional(),
});

const HARDENED_IMAGES = ['AliyunLinux3ContainerOptimized', 'AliyunLinux3', 'Custom'];

const specRules: Rule<Spec>[] = [
  resourceGroupFixed(),
  {
    cel: "!has(self.disruption) || !has(self.disruption.consolidation) || self.scaling.mode == 'Auto'",
    message:
      'disruption.consolidation is for Auto mode only: a Manual pool keeps desiredSize nodes (lower desiredSize to remove nodes)',
    fieldPath: '.disruption.consolidation',
    reason: 'FieldValueForbidden',
    check: (s) => s.disruption?.consolidation === undefined || s.scaling.mode === 'Auto',
  },
  {
    cel: '!has(self.disruption) || !has(self.disruption.consolidation) || has(self.disruption.consolidation.policy)',
    message:
      'disruption.consolidation.policy is required on a NodePool (WhenEmpty, WhenEmptyOrUnderutilized or Never; without the block it is Never)',
    fieldPath: '.disruption.consolidation.policy',
    reason: 'FieldValueRequired',
    check: (s) =>
      s.disruption?.consolidation === undefined || s.disruption.consolidation.policy !== undefined,
  },
  {
    cel: "!has(self.disruption) || !has(self.disruption.consolidation) || !has(self.disruption.consolidation.policy) || self.disruption.consolidation.policy == 'Never' || self.billing.chargeType != 'Subscription'",
    message:
      'disruption.consolidation is not available with billing.chargeType Subscription: a Subscription instance is never released (use policy Never or remove the block)',
    fieldPath: '.disruption.consolidation.policy',
    reason: 'FieldValueForbidden',
    check: (s) =>
      (s.disruption?.consolidation?.policy ?? 'Never') === 'Never' || s.billing.chargeType !== 'Subscription',
  },
  {
    cel: "self.scaling.multiAZPolicy != 'Balance' || size(self.vSwitchIds) >= 2",
    message: 'multiAZPolicy Balance needs at least 2 vSwitches',
    fieldPath: '.scaling.multiAZPolicy',
    check: (s) => s.scaling.multiAZPolicy !== 'Balance' || s.vSwitchIds.length >= 2,
  },
  {
    cel: "!has(self.billing.spot) || !has(self.billing.spot.onDemandFallback) || !self.billing.spot.onDemandFallback || self.scaling.multiAZPolicy == 'CostOptimized'",
    message:
      'billing.spot.onDemandFallback needs scaling.multiAZPolicy CostOptimized (ESS supports the fallback with that policy only)',
    fieldPath: '.billing.spot.onDemandFallback',
    check: (s) => s.billing.spot?.onDemandFallback !== true || s.scaling.multiAZPolicy === 'CostOptimized',
  },
  {
    cel: '!has(self.billing.spot) || !has(self.billing.spot.priceLimits) || self.billing.spot.priceLimits.all(p, p.instanceType in self.instanceTypes)',
    message: 'every billing.spot.priceLimits instanceType must be one of instanceTypes',
    fieldPath: '.billing.spot.priceLimits',
    check: (s) => (s.billing.spot?.priceLimits ?? []).every((p) => s.instanceTypes.includes(p.instanceType)),
  },
  {
    cel: `self.securityHardening == 'Disabled' || self.image.type in [${HARDENED_IMAGES.map((t) => `'${t}'`).join(', ')}]`,
    message:
      'securityHardening MLPS or OS needs an Alibaba Cloud Linux image (AliyunLinux3ContainerOptimized, AliyunLinux3) or a Custom one',
    fieldPath: '.securityHardening',
    check: (s) => s.securityHardening === 'Disabled' || HARDENED_IMAGES.includes(s.image.type),
  },
  {
    cel: "self.securityHardening != 'MLPS' || (has(self.login) && has(self.login.passwordSecretRef) && !has(self.login.keyPairName))",
    message:
      'securityHardening MLPS allows password login only: set login.passwordSecretRef, not keyPairName',
    fieldPath: '.login',
    check: (s) =>
      s.securityHardening !== 'MLPS' ||
      (s.login?.passwordSecretRef !== undefined && s.login.keyPairName === undefined),
  },
  {
    cel: `!has(self.deploymentSetId) || (self.scaling.mode == 'Manual' ? (has(self.scaling.desiredSize) ? self.scaling.desiredSize : 0) : (has(self.scaling.maxSize) ? self.scaling.maxSize : 0)) <= ${DEPLOYMENT_SET_PER_ZONE} * size(self.vSwitchIds)`,
    message: `with a deploymentSetId the pool's size (maxSize, or desiredSize in Manual) may be at most ${DEPLOYMENT_SET_PER_ZONE} per zone (counted as vSwitches)`,
    fieldPath: '.deploymentSetId',
    check: (s) =>
      s.deploymentSetId === undefined || poolSize(s.scaling) <= DEPLOYMENT_SET_PER_ZONE * s.vSwitchIds.length,
  },
  {
    cel: '!has(self.preUserData) || !has(self.preUserDataFrom)',
    message: 'set preUserData or preUserDataFrom, not both',
    fieldPath: '.preUserDataFrom',
    check: (s) => s.preUserData === undefined || s.preUserDataFrom === undefined,
  },
  {
    cel: '!has(self.userData) || !has(self.userDataFrom)',
    message: 'set userData or userDataFrom, not both',
    fieldPath: '.userDataFrom',
    check: (s) => s.userData === undefined || s.userDataFrom === undefined,
  },
  {
    cel: `!has(self.scaling.economical) || !self.scaling.economical || !self.instanceTypes.exists(t, t.matches(${celString(LOCAL_DISK_TYPE)}))`,
    message:
      'scaling.economical is not available with local-disk instance families (i*, d*): their data does not survive a stop',
    fieldPath: '.scaling.economical',
    check: (s) => s.scaling.economical !== true || !s.instanceTypes.some((t) => re(LOCAL_DISK_TYPE).test(t)),
  },
  {
    cel: "!has(self.management) || !has(self.management.autoPatch) || !self.management.autoPatch.enabled || self.image.type != 'Custom'",
    message:
      'management.autoPatch needs an image family, and a Custom image has none: change spec.image.id to move the pool (management.autoUpgrade rotates the nodes onto it)',
    fieldPath: '.management.autoPatch.enabled',
    check: (s) => s.management?.autoPatch.enabled !== true || s.image.type !== 'Custom',
  },
  ...(['autoUpgrade', 'autoPatch'] as const).map((block): Rule<Spec> => ({
    cel: `self.billing.chargeType != 'Subscription' || !has(self.management) || !has(self.management.${block}) || !self.management.${block}.enabled`,
    message: `management.${block} replaces nodes by rotation, and Subscription instances are never released: not available with billing.chargeType Subscription`,
    fieldPath: `.management.${block}.enabled`,
    check: (s) => s.billing.chargeType !== 'Subscription' || s.management?.[block].enabled !== true,
  })),
];

export const NodePoolSpec = api(
  NodePoolSpecShape,
  'The desired state of a NodePool: one ESS scaling group and scaling configuration.',
  specRules,
);

export type NodePoolSpec = z.output<typeof NodePoolSpec>;
export type NodePoolSpecInput = z.input<typeof NodePoolSpec>;
