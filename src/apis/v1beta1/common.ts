import * as z from 'zod';
import { P, re } from './patterns.js';
import { api, celString, immutable, type Rule } from './rules.js';

// Building blocks shared by NodePool and ManagedNodePool. Every field has a description (the CRD generator
// refuses a field without one) and a bound (maxLength / maxItems / maxProperties keep CEL within its cost budget).

export function str(pattern: string, max: number, what: string): z.ZodString {
  return z.string().max(max).regex(re(pattern), `must be ${what}`);
}

export function uniqueList<T extends z.ZodType>(
  item: T,
  min: number,
  max: number,
  what: string,
): z.ZodArray<T> {
  return z
    .array(item)
    .min(min)
    .max(max)
    .superRefine((xs, ctx) => {
      const seen = new Set<string>();
      xs.forEach((x, i) => {
        const k = JSON.stringify(x);
        if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `duplicate ${what}`, path: [i], input: x });
        seen.add(k);
      });
    });
}

const SET = { 'x-kubernetes-list-type': 'set' };

export const Region = api(
  str(P.region, 32, 'a region id like cn-hangzhou'),
  "The Alibaba Cloud region of the pool, e.g. cn-hangzhou. Must be the cluster's region; immutable.",
  [immutable<string>('spec.region')],
);

export const VpcId = api(
  str(P.vpcId, 64, 'a VPC id like vpc-bp1example'),
  "The VPC the nodes run in. Must be the cluster's VPC; immutable.",
  [immutable<string>('spec.vpcId')],
);

export const VSwitchIds = api(
  uniqueList(str(P.vSwitchId, 64, 'a vSwitch id like vsw-bp1example'), 1, 8, 'vSwitch id'),
  "1 to 8 vSwitches (each in one zone) the pool's instances are placed in; the zones derive from them. Changeable; applies to new nodes.",
  [],
  SET,
);

export const InstanceTypes = api(
  uniqueList(str(P.instanceType, 64, 'an ECS instance type like ecs.g7.xlarge'), 1, 10, 'instance type'),
  '1 to 10 ECS instance types, in order of preference (the ESS limit). More types raise the chance that a scale-out finds stock.',
  [],
  SET,
);

export const SecretKeyRef = api(
  z.strictObject({
    name: api(
      str(P.objectName, 253, 'a Kubernetes object name'),
      "The Secret's name, in the operator's namespace.",
    ),
    key: api(
      str(P.dataKey, 253, 'a data key (letters, digits, "-", "_", ".")'),
      'The key inside the Secret.',
    ),
  }),
  'A key of a Secret in the operator\'s own namespace (kube-system by default) labelled nodepool.alicloud.dev/referenceable: "true"; the operator\'s credentials Secret and bootstrap tokens are never followed. There is no namespace field: pools are cluster-scoped, and a reference into any namespace would let whoever may write a pool read any Secret.',
);

export const ConfigMapKeyRef = api(
  z.strictObject({
    name: api(
      str(P.objectName, 253, 'a Kubernetes object name'),
      "The ConfigMap's name, in the operator's namespace.",
    ),
    key: api(
      str(P.dataKey, 253, 'a data key (letters, digits, "-", "_", ".")'),
      'The key inside the ConfigMap.',
    ),
  }),
  'A key of a ConfigMap in the operator\'s own namespace (kube-system by default) labelled nodepool.alicloud.dev/referenceable: "true"; there is no namespace field.',
);

export const ScriptSource = api(
  z.strictObject({
    secretKeyRef: SecretKeyRef.optional(),
    configMapKeyRef: ConfigMapKeyRef.optional(),
  }),
  "Where a script comes from: exactly one of secretKeyRef or configMapKeyRef, in the operator's namespace.",
  [
    {
      cel: 'has(self.secretKeyRef) != has(self.configMapKeyRef)',
      message: 'set exactly one of secretKeyRef or configMapKeyRef',
      check: (v) => (v.secretKeyRef !== undefined) !== (v.configMapKeyRef !== undefined),
    },
  ],
);

export const IMAGE_TYPES = [
  'AliyunLinux3ContainerOptimized',
  'ContainerOS',
  'AliyunLinux3',
  'Ubuntu',
  'Custom',
] as const;

export const Runtime = api(
  z.strictObject({
    name: api(z.enum(['containerd']).default('containerd'), 'The container runtime: containerd.'),
    version: api(
      str(P.semver, 32, 'a version like 1.7.20'),
      'The containerd version, e.g. 1.7.20.',
    ).optional(),
  }),
  'The container runtime of new nodes.',
);

export const DISK_CATEGORIES = [
  'cloud_auto',
  'cloud_essd',
  'cloud_essd_entry',
  'cloud_ssd',
  'cloud_efficiency',
] as const;
const ESSD = ['cloud_essd', 'cloud_essd_entry', 'cloud_auto'];
export const DiskCategory = z.enum(DISK_CATEGORIES);

interface DiskLike {
  category: string;
  sizeGiB: number;
  performanceLevel?: string | undefined;
  encrypted?: boolean | undefined;
  kmsKeyId?: string | undefined;
}

function diskRules<T extends DiskLike>(encryptedEssdOnly: boolean): Rule<T>[] {
  const rules: Rule<T>[] = [
    {
      cel: "!has(self.performanceLevel) || self.category == 'cloud_essd'",
      message: 'performanceLevel applies to the cloud_essd category only',
      fieldPath: '.performanceLevel',
      check: (d) => d.performanceLevel === undefined || d.category === 'cloud_essd',
    },
    {
      cel: "!has(self.performanceLevel) || self.performanceLevel != 'PL2' || self.sizeGiB > 460",
      message: 'performance level PL2 needs a disk larger than 460 GiB',
      fieldPath: '.sizeGiB',
      check: (d) => d.performanceLevel !== 'PL2' || d.sizeGiB > 460,
    },
    {
      cel: "!has(self.performanceLevel) || self.performanceLevel != 'PL3' || self.sizeGiB > 1260",
      message: 'performance level PL3 needs a disk larger than 1260 GiB',
      fieldPath: '.sizeGiB',
      check: (d) => d.performanceLevel !== 'PL3' || d.sizeGiB > 1260,
    },
    {
      cel: '!has(self.kmsKeyId) || (has(self.encrypted) && self.encrypted)',
      message: 'kmsKeyId needs encrypted: true',
      fieldPath: '.kmsKeyId',
      check: (d) => d.kmsKeyId === undefined || d.encrypted === true,
    },
  ];
  if (encryptedEssdOnly) {
    rules.push({
      cel: `!has(self.encrypted) || !self.encrypted || self.category in [${ESSD.map(celString).join(', ')}]`,
      message: 'an encrypted system disk must be an ESSD (cloud_essd, cloud_essd_entry or cloud_auto)',
      fieldPath: '.encrypted',
      check: (d) => d.encrypted !== true || ESSD.includes(d.category),
    });
  }
  return rules;
}

const diskFields = {
  category: api(
    DiskCategory.default('cloud_essd'),
    'The disk category: cloud_auto, cloud_essd, cloud_essd_entry, cloud_ssd or cloud_efficiency.',
  ),
  performanceLevel: api(
    z.enum(['PL0', 'PL1', 'PL2', 'PL3']),
    'ESSD performance level (cloud_essd only): PL0-PL3. PL2 needs more than 460 GiB, PL3 more than 1260 GiB.',
  ).optional(),
  encrypted: api(z.boolean(), 'Encrypt the disk (with kmsKeyId, else the default service key).').optional(),
  kmsKeyId: api(
    str(P.kmsKeyId, 128, 'a KMS key id'),
    'The KMS key that encrypts the disk (needs encrypted: true).',
  ).optional(),
};

function systemDisk(defaultSize: number) {
  return api(
    z.strictObject({
      ...diskFields,
      sizeGiB: api(z.int().min(20).max(2048).default(defaultSize), 'Size in GiB (20-2048).'),
      fallbackCategories: api(
        uniqueList(DiskCategory, 0, 4, 'category'),
        'Categories to try, in order, when the first is out of stock.',
        [],
        SET,
      ).optional(),
    }),
    `The system disk of new nodes (default ${defaultSize} GiB cloud_essd).`,
    diskRules(true),
  );
}

export const DataDisk = api(
  z.strictObject({
    ...diskFields,
    sizeGiB: api(z.int().min(20).max(65536), 'Size in GiB (20-65536).'),
    snapshotId: api(
      str(P.snapshotId, 64, 'a snapshot id like s-bp1example'),
      'Create the disk from this snapshot.',
    ).optional(),
  }),
  'A data disk of new nodes. The last data disk is formatted; /var/lib/container is mounted on it and /var/lib/kubelet and /var/lib/containerd are bind-mounted into it.',
  diskRules(false),
);

export const SecurityGroup = api(
  z.strictObject({
    type: api(
      z.enum(['Basic', 'Advanced']).default('Basic'),
      'Basic or Advanced; all ids must be of this type. Immutable.',
      [immutable<string>('spec.securityGroup.type')],
    ),
    ids: api(
      uniqueList(
        str(P.securityGroupId, 64, 'a security group id like sg-bp1example'),
        1,
        5,
        'security group id',
      ),
      '1 to 5 security groups of the same type.',
      [],
      SET,
    ),
  }),
  'The security groups of new nodes.',
);

export const PublicIp = api(
  z.strictObject({
    enabled: api(z.boolean().default(false), 'Give new nodes a public IPv4 address.'),
    chargeType: api(
      z.enum(['PayByTraffic', 'PayByBandwidth']),
      'How the public bandwidth is billed.',
    ).optional(),
    maxBandwidthOutMbps: api(z.int().min(1).max(100), 'Outbound public bandwidth, 1-100 Mbit/s.').optional(),
  }),
  'Public IP of new nodes.',
  [
    {
      cel: 'self.enabled || (!has(self.chargeType) && !has(self.maxBandwidthOutMbps))',
      message: 'chargeType and maxBandwidthOutMbps need enabled: true',
      check: (p) => p.enabled || (p.chargeType === undefined && p.maxBandwidthOutMbps === undefined),
    },
  ],
);

export const PrivatePool = api(
  z.strictObject({
    matchCriteria: api(
      z.enum(['Open', 'None', 'Target']),
      'Open: use any open private pool; None: never; Target: only the pool id (fails if it is unavailable).',
    ),
    id: api(
      str(P.privatePoolId, 64, 'a private pool id like eap-bp1example'),
      'The private pool (Target only).',
    ).optional(),
  }),
  'Which capacity reservation / elasticity assurance private pool new instances use.',
  [
    {
      cel: "(self.matchCriteria == 'Target') == has(self.id)",
      message: 'id is required with matchCriteria Target and only allowed with it',
      fieldPath: '.id',
      check: (p) => (p.matchCriteria === 'Target') === (p.id !== undefined),
    },
  ],
);

// ---- labels, taints, tags

function labelKeyProblem(k: string): string | undefined {
  if (!re(P.labelKey).test(k) || (k.includes('/') && k.indexOf('/') > 253)) {
    return `key "${k}" is not a valid label key: an optional DNS subdomain prefix (at most 253 characters) and "/", then 1-63 letters, digits, "-", "_" or ".", beginning and ending with a letter or digit`;
  }
  return undefined;
}
function reservedKey(k: string): boolean {
  return re(P.reservedLabelPrefix).test(k) && !re(P.allowedLabelPrefix).test(k);
}
const CEL_LABEL_KEY_OK = `k.matches(${celString(P.labelKey)}) && (!k.contains('/') || k.indexOf('/') <= 253)`;
const CEL_RESERVED = `(k.matches(${celString(P.reservedLabelPrefix)}) && !k.matches(${celString(P.allowedLabelPrefix)}))`;
const RESERVED_TAIL =
  'uses a reserved prefix: kubernetes.io/ and k8s.io/ (and their subdomains) belong to Kubernetes; of them only kubelet.kubernetes.io/ and node.kubernetes.io/ may be set';

function labelKeyRules(what: 'labels'): Rule<Record<string, string>>[] {
  void what;
  return [
    {
      cel: `self.all(k, ${CEL_LABEL_KEY_OK})`,
      message: 'every key must be a valid label key',
      messageExpression: `'key "' + self.filter(k, !(${CEL_LABEL_KEY_OK}))[0] + '" is not a valid label key: an optional DNS subdomain prefix (at most 253 characters) and "/", then 1-63 letters, digits, "-", "_" or ".", beginning and ending with a letter or digit'`,
      check: (m) => {
        for (const k of Object.keys(m)) {
          const p = labelKeyProblem(k);
          if (p) return p;
        }
        return true;
      },
    },
    {
      cel: `!self.exists(k, ${CEL_RESERVED})`,
      message: `a key ${RESERVED_TAIL}`,
      messageExpression: `'key "' + self.filter(k, ${CEL_RESERVED})[0] + '" ${RESERVED_TAIL}'`,
      check: (m) => {
        for (const k of Object.keys(m)) if (reservedKey(k)) return `key "${k}" ${RESERVED_TAIL}`;
        return true;
      },
    },
  ];
}

export const MAX_LABELS = 64;

export const Labels = api(
  z
    .record(
      z.string(),
      z
        .string()
        .max(63)
        .regex(
          re(P.labelValue),
          'must be a label value: at most 63 letters, digits, "-", "_" or ".", beginning and ending with a letter or digit (may be empty)',
        ),
    )
    .refine((m) => Object.keys(m).length <= MAX_LABELS, { message: `at most ${MAX_LABELS} labels` }),
  'Kubernetes labels of the pool\'s nodes; changes apply to existing nodes too. Keys: optional DNS-subdomain prefix and "/", then 1-63 characters; the kubernetes.io/ and k8s.io/ prefixes are reserved (except kubelet.kubernetes.io/ and node.kubernetes.io/). Values: at most 63 characters.',
  labelKeyRules('labels'),
  { maxProperties: MAX_LABELS },
);

export const TAINT_EFFECTS = ['NoSchedule', 'NoExecute', 'PreferNoSchedule'] as const;

const TaintKey = api(
  z.string().max(317),
  'The taint key: an optional DNS-subdomain prefix and "/", then 1-63 characters; reserved prefixes as for labels.',
  [
    {
      cel: `self.matches(${celString(P.labelKey)}) && (!self.contains('/') || self.indexOf('/') <= 253)`,
      message:
        'must be a valid key: an optional DNS subdomain prefix (at most 253 characters) and "/", then 1-63 letters, digits, "-", "_" or ".", beginning and ending with a letter or digit',
      check: (k) => labelKeyProblem(k) === undefined,
    },
    {
      cel: `!(self.matches(${celString(P.reservedLabelPrefix)}) && !self.matches(${celString(P.allowedLabelPrefix)}))`,
      message: `the key ${RESERVED_TAIL}`,
      check: (k) => !reservedKey(k),
    },
  ],
);

export const Taints = api(
  z
    .array(
      api(
        z.strictObject({
          key: TaintKey,
          value: api(
            z
              .string()
              .max(63)
              .regex(
                re(P.labelValue),
                'must be at most 63 letters, digits, "-", "_" or ".", beginning and ending with a letter or digit (may be empty)',
              ),
            'The taint value (may be empty).',
          ).optional(),
          effect: api(z.enum(TAINT_EFFECTS), 'NoSchedule, NoExecute or PreferNoSchedule.'),
        }),
        "A taint of the pool's nodes.",
      ),
    )
    .max(32)
    .superRefine((ts, ctx) => {
      const seen = new Set<string>();
      ts.forEach((t, i) => {
        const k = `${t.key}\u0000${t.effect}`;
        if (seen.has(k))
          ctx.addIssue({
            code: 'custom',
            message: `duplicate taint ${t.key}:${t.effect}`,
            path: [i],
            input: t,
          });
        seen.add(k);
      });
    }),
  "Taints of the pool's nodes (at most 32, one per key and effect); changes apply to existing nodes too: a new NoExecute taint evicts pods that do not tolerate it.",
  [],
  { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['key', 'effect'] },
);

/** Tag keys the system sets itself, or ACK reserves. */
export const RESERVED_TAG_KEYS = [
  'ack.aliyun.com',
  'ack.alibabacloud.com/nodepool-id',
  'nodepool.alicloud.dev/cluster',
  'nodepool.alicloud.dev/pool',
] as const;
export const MAX_USER_TAGS = 17;

export const Tags = api(
  z.record(z.string(), z.string().max(128)).refine((m) => Object.keys(m).length <= MAX_USER_TAGS, {
    message: `at most ${MAX_USER_TAGS} tags: ECS allows 20 per instance and 3 are the system's`,
  }),
  `ECS tags of the pool's instances (at most ${MAX_USER_TAGS}: ECS allows 20 and 3 are the system's); changes apply to existing instances too. Keys 1-64 characters, values at most 128; neither may start with "aliyun" or "acs:" or contain http:// or https://; ${RESERVED_TAG_KEYS.join(', ')} are reserved.`,
  [
    {
      cel: 'self.all(k, size(k) >= 1 && size(k) <= 64)',
      message: 'tag keys must be 1-64 characters',
      messageExpression: `'tag key "' + self.filter(k, size(k) < 1 || size(k) > 64)[0] + '" must be 1-64 characters'`,
      check: (m) => {
        for (const k of Object.keys(m))
          if (k.length < 1 || k.length > 64) return `tag key "${k}" must be 1-64 characters`;
        return true;
      },
    },
    {
      cel: `self.all(k, !k.matches(${celString(P.reservedTagStart)}) && !k.matches(${celString(P.tagUrl)}))`,
      message: 'tag keys may not start with aliyun or acs: nor contain http:// or https://',
      messageExpression: `'tag key "' + self.filter(k, k.matches(${celString(P.reservedTagStart)}) || k.matches(${celString(P.tagUrl)}))[0] + '" may not start with aliyun or acs: nor contain http:// or https://'`,
      check: (m) => {
        for (const k of Object.keys(m))
          if (re(P.reservedTagStart).test(k) || re(P.tagUrl).test(k))
            return `tag key "${k}" may not start with aliyun or acs: nor contain http:// or https://`;
        return true;
      },
    },
    {
      cel: `self.all(k, !self[k].matches(${celString(P.reservedTagStart)}) && !self[k].matches(${celString(P.tagUrl)}))`,
      message: 'tag values may not start with aliyun or acs: nor contain http:// or https://',
      messageExpression: `'the value of tag "' + self.filter(k, self[k].matches(${celString(P.reservedTagStart)}) || self[k].matches(${celString(P.tagUrl)}))[0] + '" may not start with aliyun or acs: nor contain http:// or https://'`,
      check: (m) => {
        for (const [k, v] of Object.entries(m))
          if (re(P.reservedTagStart).test(v) || re(P.tagUrl).test(v))
            return `the value of tag "${k}" may not start with aliyun or acs: nor contain http:// or https://`;
        return true;
      },
    },
    {
      cel: `!self.exists(k, k in [${RESERVED_TAG_KEYS.map(celString).join(', ')}])`,
      message: 'a tag key is reserved',
      messageExpression: `'tag key "' + self.filter(k, k in [${RESERVED_TAG_KEYS.map(celString).join(', ')}])[0] + '" is reserved: ACK or the operator sets it'`,
      check: (m) => {
        for (const k of Object.keys(m))
          if ((RESERVED_TAG_KEYS as readonly string[]).includes(k))
            return `tag key "${k}" is reserved: ACK or the operator sets it`;
        return true;
      },
    },
  ],
  { maxProperties: MAX_USER_TAGS },
);

const NodeNamePart = (what: string) =>
  api(
    str(
      P.nodeNamePart,
      48,
      'lowercase letters, digits, "-" and ".", starting with a letter and ending with a letter or digit',
    ),
    what,
    [
      {
        cel: "!self.contains('--') && !self.contains('..')",
        message: 'may not contain "--" or ".."',
        check: (s) => !s.includes('--') && !s.includes('..'),
      },
    ],
  );

export const CustomNodeName = api(
  z.strictObject({
    prefix: NodeNamePart(
      'Node name prefix: lowercase letters, digits, "-" and "."; starts with a letter; no trailing "-" or "."; no "--" or "..".',
    ),
    suffix: NodeNamePart('Optional node name suffix, same rules as prefix.').optional(),
  }),
  'Name nodes prefix + private IP + suffix (2-64 characters). Applies to new nodes.',
  [
    {
      cel: 'size(self.prefix) + (has(self.suffix) ? size(self.suffix) : 0) <= 49',
      message:
        'prefix and suffix together may have at most 49 characters, so that prefix + IP (up to 15) + suffix fits in 64',
      check: (c) => c.prefix.length + (c.suffix?.length ?? 0) <= 49,
    },
  ],
);

const Reserved = (what: string) =>
  api(
    z.strictObject({
      cpu: api(str(P.quantity, 16, 'a quantity like 100m'), 'CPU, e.g. 100m.').optional(),
      memory: api(str(P.quantity, 16, 'a quantity like 512Mi'), 'Memory, e.g. 512Mi.').optional(),
      'ephemeral-storage': api(
        str(P.quantity, 16, 'a quantity like 1Gi'),
        'Ephemeral storage, e.g. 1Gi.',
      ).optional(),
      pid: api(str(P.quantity, 16, 'a number'), 'Process ids.').optional(),
    }),
    what,
  );

const Threshold = (what: string) =>
  api(str(P.threshold, 16, 'a quantity (200Mi) or a percentage (10%)'), what).optional();

export const Kubelet = api(
  z.strictObject({
    maxPods: api(z.int().min(16).max(256), 'Maximum pods per node (16-256).').optional(),
    systemReserved: Reserved('Resources reserved for the OS (--system-reserved).').optional(),
    kubeReserved: Reserved('Resources reserved for Kubernetes daemons (--kube-reserved).').optional(),
    evictionHard: api(
      z.strictObject({
        'memory.available': Threshold('Evict when available memory falls below this.'),
        'nodefs.available': Threshold('Evict when the node filesystem has less free space than this.'),
        'nodefs.inodesFree': Threshold('Evict when the node filesystem has fewer free inodes than this.'),
        'imagefs.available': Threshold('Evict when the image filesystem has less free space than this.'),
        'imagefs.inodesFree': Threshold('Evict when the image filesystem has fewer free inodes than this.'),
        'pid.available': Threshold('Evict when fewer process ids than this are free.'),
      }),
      'Hard eviction thresholds (--eviction-hard).',
    ).optional(),
    cpuManagerPolicy: api(
      z.enum(['none', 'static']),
      'none or static (exclusive CPUs for Guaranteed pods).',
    ).optional(),
  }),
  'Kubelet configuration of new nodes; the init script re-applies it last.',
);

export const OsConfig = api(
  z.strictObject({
    sysctls: api(
      z.record(z.string(), z.string().max(256)),
      'Kernel parameters, e.g. net.core.somaxconn: "4096" (at most 64).',
      [
        {
          cel: `self.all(k, k.matches(${celString(P.sysctl)}))`,
          message: 'every key must be a sysctl name like net.core.somaxconn',
          messageExpression: `'"' + self.filter(k, !k.matches(${celString(P.sysctl)}))[0] + '" is not a sysctl name like net.core.somaxconn'`,
          check: (m) => {
            for (const k of Object.keys(m))
              if (!re(P.sysctl).test(k)) return `"${k}" is not a sysctl name like net.core.somaxconn`;
            return true;
          },
        },
      ],
      { maxProperties: 64 },
    )
      .refine((m) => Object.keys(m).length <= 64, { message: 'at most 64 sysctls' })
      .optional(),
  }),
  'OS configuration of new nodes; the init script re-applies it last.',
);

export const UserData = (what: string): z.ZodOptional<z.ZodString> =>
  api(z.string().max(16384), what).optional();

export const Duration = (what: string): z.ZodString =>
  api(str(P.duration, 16, 'a duration like 90s, 15m or 1h30m'), what);

// int-or-string: a count (>= 0) or a percentage "0%".."100%"
export function countOrPercent(what: string): z.ZodUnion<[z.ZodInt, z.ZodString]> {
  return api(
    z.union([
      z.int().min(0).max(2000),
      z.string().max(4).regex(re(P.percent), 'must be a percentage like 10%'),
    ]),
    what,
    [
      {
        cel: `type(self) == int ? (self >= 0 && self <= 2000) : string(self).matches(${celString(P.percent)})`,
        message: 'must be a count (0-2000) or a percentage (0%-100%)',
        check: (v) => (typeof v === 'number' ? v >= 0 && v <= 2000 : re(P.percent).test(v)),
      },
    ],
    { 'x-kubernetes-int-or-string': true },
  );
}

export const InstanceMetadataOptions = api(
  z.strictObject({
    httpTokens: api(
      z.enum(['optional', 'required']).default('required'),
      "required (the default for new pools): the metadata service accepts only tokens (IMDSv2), so a request forged through a server-side request forgery cannot read the instance's user data or RAM role credentials; optional: both modes. Immutable: a pool created with the earlier default keeps optional (stored in the object); a full replace that omits the field is refused rather than switching it.",
      [immutable<string>('spec.instanceMetadataOptions.httpTokens')],
    ),
  }),
  'Instance metadata service options of the instances.',
);

export const RamRoleName = api(
  str(P.ramRoleName, 64, 'a RAM role name (letters, digits, "-" and ".")'),
  "The RAM role of the nodes (the cloud controller, CSI and network plugins use it); one the operator's --allowed-ram-roles allows (default KubernetesWorkerRole* and k8s-worker-role). Immutable.",
  [immutable<string>('spec.ramRoleName')],
);

export const CONSOLIDATION_POLICIES = ['WhenEmpty', 'WhenEmptyOrUnderutilized', 'Never'] as const;
export type ConsolidationPolicy = (typeof CONSOLIDATION_POLICIES)[number];

export const Consolidation = api(
  z.strictObject({
    policy: api(
      z.enum(CONSOLIDATION_POLICIES),
      'WhenEmpty: remove nodes that ran no pods (but DaemonSet, mirror and finished ones) for `after`. WhenEmptyOrUnderutilized: also nodes whose CPU and memory requests both stayed below utilizationThreshold for `after`, when the scheduling simulation places all their pods on the other nodes, or on one cheaper replacement launched and Ready first. Never: off. Default: WhenEmptyOrUnderutilized on a ManagedNodePool, Never on a NodePool (where it must then be set).',
    ).optional(),
    after: Duration(
      'How long a node must stay empty (or underused) before it is removed (default 10m). A node launched for pending pods is never removed sooner.',
    ).default('10m'),
    utilizationThreshold: api(
      z.int().min(1).max(100),
      'Percent (1-100, default 50): a node whose CPU requests and memory requests are both below this share of its allocatable is underused.',
    ).default(50),
  }),
  'Auto pools only: remove empty and underused nodes (the pool\'s own disruption method, held by the budget). Never below minSize; never a node with a pod annotated nodepool.alicloud.dev/do-not-disrupt, karpenter.sh/do-not-disrupt "true" or cluster-autoscaler.kubernetes.io/safe-to-evict "false", nor a node annotated nodepool.alicloud.dev/do-not-disrupt "true"; pods with local storage (emptyDir not in memory, hostPath) or without a controller block it unless annotated cluster-autoscaler.kubernetes.io/safe-to-evict "true". Not available with Subscription billing.',
);

export const Disruption = api(
  z.strictObject({
    budget: countOrPercent(
      'How many nodes (a count) or what share (a percentage) of the pool voluntary operations may disrupt at once.',
    ).optional(),
    drainTimeout: Duration(
      'After this long a drain is reported blocked and waits; pods a PodDisruptionBudget protects are never deleted.',
    ).optional(),
    consolidation: Consolidation.optional(),
  }),
  'Limits for voluntary disruption (scale-in, consolidation, replacement, upgrades).',
);

export const NodePoolSystemDisk = systemDisk(120);
export const ManagedSystemDisk = systemDisk(20);

/** What a user is told when a pool's `resourceGroupId` is set, changed or removed after create. */
export const RESOURCE_GROUP_FIXED =
  'spec.resourceGroupId is immutable: it cannot be set, changed or removed after the pool is created (the operator does not move the scaling group and its instances to another resource group: create a new pool for that)';

export const ResourceGroupId = api(
  str(P.resourceGroupId, 64, 'a resource group id like rg-example'),
  'The resource group of the scaling group, its scaling configuration and its instances. Fixed at create: it cannot be set, changed or removed afterwards (the operator does not move resources between resource groups; create a new pool for another one).',
);

/**
 * `resourceGroupId` stays what the pool was created with, set or not — a spec-level transition rule, since a rule
 * on the optional field itself would not see it added or removed.
 */
export function resourceGroupFixed<T extends { resourceGroupId?: string | undefined }>(): Rule<T> {
  return {
    cel: 'has(self.resourceGroupId) == has(oldSelf.resourceGroupId) && (!has(self.resourceGroupId) || self.resourceGroupId == oldSelf.resourceGroupId)',
    message: RESOURCE_GROUP_FIXED,
    fieldPath: '.resourceGroupId',
    transition: (v, o) => v.resourceGroupId === o.resourceGroupId,
  };
}
