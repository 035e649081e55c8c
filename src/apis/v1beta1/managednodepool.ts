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
  SecurityGroup,
  Tags,
  Taints,
  UserData,
  VSwitchIds,
  VpcId,
  ManagedSystemDisk,
} from './common.js';
import {
  ARM_FAMILIES,
  ARM_TYPE,
  CHARGE_TYPES,
  LOCAL_DISK_FAMILIES,
  LOCAL_DISK_TYPE,
  MAX_POOL_SIZE,
  SCALING_PRIORITY,
  MULTI_AZ_POLICIES,
  SCALING_MODES,
} from './nodepool.js';
import { automationBlocks } from './automation.js';
import { re } from './patterns.js';
import { api, celString, type Rule } from './rules.js';

export const MANAGED_DEFAULT_MAX_SIZE = 50;
export const MANAGED_SYSTEM_DISK_GIB = 20;
export { PATCH_SEVERITIES, WEEKDAYS, goDurationMs, MaintenanceWindow } from './automation.js';

/** Why fields a NodePool has are missing here: the text of the error when someone sets one. */
export const NOT_ON_MANAGED: Record<string, string> = {
  login: 'login is not available on a ManagedNodePool: ContainerOS has no SSH login',
  securityHardening:
    'securityHardening is not available on a ManagedNodePool (ContainerOS is hardened by design)',
  bootstrap:
    'bootstrap is not available on a ManagedNodePool: the operator always joins its nodes (no External mode)',
  desiredSize:
    'desiredSize is not available on a ManagedNodePool: it always scales automatically between minSize and maxSize',
  economical: 'economical is not available on a ManagedNodePool',
};

function strictWithReasons<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code !== 'unrecognized_keys') return undefined;
      const keys = iss.keys;
      const known = keys.map((k) => NOT_ON_MANAGED[k]).filter((m): m is string => m !== undefined);
      return known.length > 0 ? known.join('; ') : undefined;
    },
  });
}

const Size = (what: string) => api(z.int().min(0).max(MAX_POOL_SIZE), what);

export const ManagedScaling = api(
  strictWithReasons({
    mode: api(z.enum(SCALING_MODES).default('Auto'), 'Always Auto: a ManagedNodePool scales automatically.'),
    minSize: Size('The fewest nodes (default 0).').default(0),
    maxSize: Size(`The most nodes (default ${MANAGED_DEFAULT_MAX_SIZE}, at most ${MAX_POOL_SIZE}).`).default(
      MANAGED_DEFAULT_MAX_SIZE,
    ),
    multiAZPolicy: api(
      z.enum(MULTI_AZ_POLICIES).default('Priority'),
      'Priority, CostOptimized or Balance (needs 2 or more vSwitches).',
    ),
    priority: SCALING_PRIORITY.optional(),
  }),
  'Scaling bounds. Instant elasticity scales out from pending pods within seconds.',
  [
    {
      cel: "self.mode == 'Auto'",
      message: 'a ManagedNodePool supports Auto mode only: use a NodePool for a fixed size',
      fieldPath: '.mode',
      check: (s) => s.mode === 'Auto',
    },
    {
      cel: 'self.minSize <= self.maxSize',
      message: 'minSize must not exceed maxSize',
      fieldPath: '.minSize',
      check: (s) => s.minSize <= s.maxSize,
    },
  ],
);

const ManagedInstanceTypes = api(
  InstanceTypes,
  '1 to 10 ECS instance types, in order of preference. Arm families (' +
    ARM_FAMILIES.join(', ') +
    ') and local-disk families (' +
    LOCAL_DISK_FAMILIES.join(', ') +
    ') are refused: ContainerOS managed nodes are x86 and replaceable.',
  [
    {
      cel: `!self.exists(t, t.matches(${celString(ARM_TYPE)}))`,
      message: 'Arm instance families are not available on a ManagedNodePool',
      messageExpression: `'instance type ' + self.filter(t, t.matches(${celString(ARM_TYPE)}))[0] + ' is an Arm family: a ManagedNodePool runs x86 ContainerOS images only'`,
      check: (ts) => {
        const bad = ts.find((t) => re(ARM_TYPE).test(t));
        return bad === undefined
          ? true
          : `instance type ${bad} is an Arm family: a ManagedNodePool runs x86 ContainerOS images only`;
      },
    },
    {
      cel: `!self.exists(t, t.matches(${celString(LOCAL_DISK_TYPE)}))`,
      message: 'local-disk instance families are not available on a ManagedNodePool',
      messageExpression: `'instance type ' + self.filter(t, t.matches(${celString(LOCAL_DISK_TYPE)}))[0] + ' is a local-disk family: managed nodes are replaced freely, and local disks would lose their data'`,
      check: (ts) => {
        const bad = ts.find((t) => re(LOCAL_DISK_TYPE).test(t));
        return bad === undefined
          ? true
          : `instance type ${bad} is a local-disk family: managed nodes are replaced freely, and local disks would lose their data`;
      },
    },
  ],
  { 'x-kubernetes-list-type': 'set' },
);

const ManagedBilling = api(
  z.strictObject({
    chargeType: api(z.enum(CHARGE_TYPES).default('PayAsYouGo'), 'PayAsYouGo only on a ManagedNodePool.'),
  }),
  'Billing: PayAsYouGo only (Subscription and Spot need a NodePool).',
  [
    {
      cel: "self.chargeType == 'PayAsYouGo'",
      message: 'a ManagedNodePool is billed PayAsYouGo only: use a NodePool for Subscription or Spot',
      fieldPath: '.chargeType',
      check: (b) => b.chargeType === 'PayAsYouGo',
    },
  ],
);

const ManagedImage = api(
  z.strictObject({
    type: api(z.enum(IMAGE_TYPES).default('ContainerOS'), 'ContainerOS only on a ManagedNodePool.'),
  }),
  'The OS image: ContainerOS only, pinned in status.image; a newer ContainerOS image is adopted by autoUpgrade / autoPatch (rotation), otherwise reported by the condition UpgradeAvailable.',
  [
    {
      cel: "self.type == 'ContainerOS'",
      message: 'a ManagedNodePool runs ContainerOS only: use a NodePool for other images',
      fieldPath: '.type',
      check: (i) => i.type === 'ContainerOS',
    },
  ],
);

const { Maintenance, AutoRepair, AutoUpgrade, AutoPatch, SystemEvents } = automationBlocks(true);

const ManagedSpecShape = strictWithReasons({
  region: Region,
  vpcId: VpcId,
  vSwitchIds: VSwitchIds,
  scaling: ManagedScaling.prefault({}),
  instanceTypes: ManagedInstanceTypes,
  billing: ManagedBilling.prefault({}),
  image: ManagedImage.prefault({}),
  runtime: Runtime.optional(),
  ramRoleName: RamRoleName,
  instanceMetadataOptions: InstanceMetadataOptions.prefault({}),
  systemDisk: ManagedSystemDisk.prefault({}),
  dataDisks: api(z.array(DataDisk).max(1), 'At most one data disk (temporary storage).').optional(),
  securityGroup: SecurityGroup,
  publicIp: PublicIp.optional(),
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
  userData: UserData('A script run on new nodes after they join (inline; or userDataFrom).'),
  userDataFrom: api(ScriptSource, 'userData from a Secret or ConfigMap key.').optional(),
  maintenance: Maintenance.prefault({}),
  autoRepair: AutoRepair.prefault({}),
  autoUpgrade: AutoUpgrade.prefault({}),
  autoPatch: AutoPatch.prefault({}),
  systemEvents: SystemEvents.prefault({}),
  disruption: Disruption.optional(),
  registrationTimeout: Duration(
    'An instance that is not a Ready node this long after launch is replaced (default 10m).',
  ).default('10m'),
});

type ManagedSpec = z.output<typeof ManagedSpecShape>;

const managedRules: Rule<ManagedSpec>[] = [
  resourceGroupFixed(),
  {
    cel: "self.scaling.multiAZPolicy != 'Balance' || size(self.vSwitchIds) >= 2",
    message: 'multiAZPolicy Balance needs at least 2 vSwitches',
    fieldPath: '.scaling.multiAZPolicy',
    check: (s) => s.scaling.multiAZPolicy !== 'Balance' || s.vSwitchIds.length >= 2,
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
];

export const ManagedNodePoolSpec = api(
  ManagedSpecShape,
  'The desired state of a ManagedNodePool: an automatically scaled ContainerOS pool with self-healing, OS upgrades, CVE patching and system-event handling on.',
  managedRules,
);
export type ManagedNodePoolSpec = z.output<typeof ManagedNodePoolSpec>;
export type ManagedNodePoolSpecInput = z.input<typeof ManagedNodePoolSpec>;
