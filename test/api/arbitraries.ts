// Random NodePool / ManagedNodePool specs for the agreement property: each field drawn from a small domain that
// mixes valid values, edge values and invalid ones (mostly valid), and only a few fields edited per spec, so that
// a good share of the specs are valid and the invalid ones fail for one or two reasons — the places where the
// apiserver and zod could disagree.
import fc from 'fast-check';
import type { Kind } from '../../src/apis/v1beta1/constants.js';
import { baseManagedSpec, baseNodePoolSpec, type Spec } from './corpus.js';

/** Mostly one of `valid`, sometimes one of `invalid`. */
function v<T>(valid: readonly T[], invalid: readonly T[] = [], weightValid = 8): fc.Arbitrary<T> {
  const good = fc.constantFrom(...valid);
  return invalid.length === 0
    ? good
    : fc.oneof(
        { arbitrary: good, weight: weightValid },
        { arbitrary: fc.constantFrom(...invalid), weight: 1 },
      );
}
function mostly<T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>, weightValid = 8): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: valid, weight: weightValid }, { arbitrary: invalid, weight: 1 });
}
/** A record whose keys are each present or absent at random. */
function partial(shape: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Spec> {
  return fc
    .record(shape, { requiredKeys: [] })
    .map((o) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)));
}
const list = (xs: string[]): string[] => xs;

const instanceType = v(
  ['ecs.g7.xlarge', 'ecs.g6.xlarge', 'ecs.c7.2xlarge', 'ecs.g8i.xlarge'],
  ['ecs.i4.xlarge', 'ecs.g8y.large', 'ecs.d3s.4xlarge', 'g7.xlarge', 'ecs.G7.xlarge', ''],
);
const vSwitchIds = mostly(
  fc.uniqueArray(v(['vsw-a', 'vsw-b', 'vsw-c', 'vsw-d', 'vsw-e', 'vsw-f', 'vsw-g', 'vsw-h', 'vsw-i']), {
    minLength: 1,
    maxLength: 8,
  }),
  v([
    list([]),
    list(['vsw-a', 'vsw-a']),
    list(['subnet-1']),
    list(['vsw-1', 'vsw-2', 'vsw-3', 'vsw-4', 'vsw-5', 'vsw-6', 'vsw-7', 'vsw-8', 'vsw-9']),
  ]),
);
const labelKey = v(
  [
    'team',
    'app.example.com/tier',
    'node.kubernetes.io/pool',
    'kubelet.kubernetes.io/x',
    'a',
    'A_b.c-d',
    'x'.repeat(63),
    `${'s'.repeat(253)}/x`,
  ],
  [
    'kubernetes.io/role',
    'k8s.io/x',
    'foo.k8s.io/y',
    'node-role.kubernetes.io/worker',
    '-bad',
    'bad-',
    'x'.repeat(64),
    'Example.com/x',
    'a/b/c',
    '',
    `${'s'.repeat(254)}/x`,
  ],
);
const labelValue = v(
  ['', 'v', 'gold', 'a.b_c-d', 'x'.repeat(63)],
  ['x'.repeat(64), 'has space', '-v', 'ünï'],
);
const tagKey = v(
  ['team', 'cost-center', 'k'.repeat(64), 'app:tier', 'Aliyu'],
  [
    'aliyunX',
    'ALIYUN',
    'acs:x',
    'Acs:y',
    'see http://x',
    'k'.repeat(65),
    'ack.aliyun.com',
    'nodepool.alicloud.dev/pool',
    'ack.alibabacloud.com/nodepool-id',
  ],
);
const tagValue = v<string | null>(
  ['', 'infra', 'v'.repeat(128), '日本語'.repeat(40), 'ftp://x', '🙂'.repeat(100), null],
  ['https://x', 'aliyun', 'v'.repeat(129), '🙂'.repeat(129)],
);
const duration = v(['10m', '90s', '1h30m', '15m', '500ms'], ['10', '15 minutes', '1d', '-5m']);
const countOrPercent = mostly(
  fc.oneof(fc.integer({ min: 0, max: 2000 }), v(['0%', '10%', '100%', '99%'])),
  fc.oneof(fc.integer({ min: -3, max: -1 }), v<number | string>(['101%', '10', 'half', '5.5%', 2001])),
);
const secretRef = mostly(
  fc.record({ name: v(['pw', 'a.b-c']), key: v(['password', 'p.w_d-1']) }),
  v<Spec>([{ name: 'Bad_Name', key: 'k' }, { name: 'a', key: 'b', namespace: 'x' }, { name: 'a' }]),
);
const disk = (sizeMax: number): fc.Arbitrary<Spec> =>
  partial({
    category: v(
      ['cloud_essd', 'cloud_ssd', 'cloud_auto', 'cloud_efficiency', 'cloud_essd_entry'],
      ['cloud_hdd'],
    ),
    sizeGiB: fc.oneof(
      v([20, 40, 120, 460, 461, 1260, 1261, sizeMax], [19, sizeMax + 1]),
      fc.integer({ min: 20, max: sizeMax }),
    ),
    performanceLevel: v(['PL0', 'PL1', 'PL2', 'PL3'], ['PL4']),
    encrypted: fc.boolean(),
    kmsKeyId: v(['key-1'], ['bad key']),
  });

const common: Record<string, fc.Arbitrary<unknown>> = {
  vSwitchIds,
  instanceTypes: mostly(
    fc.uniqueArray(instanceType, { minLength: 1, maxLength: 10 }),
    v([list([]), list(Array.from({ length: 11 }, (_, i) => `ecs.g${i}.large`))]),
  ),
  labels: fc.dictionary(labelKey, labelValue, { maxKeys: 4 }),
  taints: fc.array(
    fc
      .record({
        key: v(['dedicated', 'spot', 'example.com/gpu'], ['kubernetes.io/x', 'bad key']),
        value: fc.option(labelValue, { nil: undefined }),
        effect: v(['NoSchedule', 'NoExecute', 'PreferNoSchedule'], ['NoRun']),
      })
      .map((t) => Object.fromEntries(Object.entries(t).filter(([, x]) => x !== undefined))),
    { maxLength: 3 },
  ),
  tags: fc.dictionary(tagKey, tagValue, { maxKeys: 4 }),
  customNodeName: fc
    .record({
      prefix: v(['web', 'a', 'w.e-b', 'p'.repeat(30)], ['1web', 'web-', 'we--b', 'Web']),
      suffix: fc.option(v(['hz', 's'.repeat(19)], ['h..z', 's'.repeat(20), 'x-']), { nil: undefined }),
    })
    .map((c) => Object.fromEntries(Object.entries(c).filter(([, x]) => x !== undefined))),
  kubelet: partial({
    maxPods: v([16, 110, 256], [15, 257]),
    cpuManagerPolicy: v(['none', 'static'], ['dynamic']),
    systemReserved: partial({ cpu: v(['100m', '1'], ['lots']), memory: v(['512Mi', '1.5Gi'], ['1GB']) }),
    evictionHard: partial({ 'memory.available': v(['200Mi', '10%', '100%'], ['101%', '200 MB']) }),
  }),
  osConfig: fc.record({
    sysctls: fc.dictionary(
      v(['net.core.somaxconn', 'vm.max_map_count'], ['somaxconn', 'Net.core.x']),
      v(['4096', '1']),
    ),
  }),
  systemDisk: disk(2048),
  dataDisks: fc.array(
    disk(65536).map((d) => ({ sizeGiB: 40, ...d })),
    { maxLength: 2 },
  ),
  securityGroup: fc.record({
    type: v(['Basic', 'Advanced'], ['Enterprise']),
    ids: mostly(
      fc.uniqueArray(v(['sg-a', 'sg-b', 'sg-c', 'sg-d', 'sg-e']), { minLength: 1, maxLength: 5 }),
      v([list([]), list(['sg_1']), list(['sg-1', 'sg-2', 'sg-3', 'sg-4', 'sg-5', 'sg-6'])]),
    ),
  }),
  publicIp: partial({
    enabled: fc.boolean(),
    chargeType: v(['PayByTraffic', 'PayByBandwidth']),
    maxBandwidthOutMbps: v([1, 100], [0, 101]),
  }),
  privatePool: partial({
    matchCriteria: v(['Open', 'None', 'Target'], ['Any']),
    id: v(['eap-1'], ['pool-1']),
  }),
  disruption: partial({ budget: countOrPercent, drainTimeout: duration }),
  registrationTimeout: duration,
  userData: v(['echo hi', '']),
  userDataFrom: partial({ secretKeyRef: secretRef, configMapKeyRef: secretRef }),
  preUserData: v(['echo pre']),
  preUserDataFrom: fc.record({ configMapKeyRef: secretRef }),
  instanceMetadataOptions: partial({ httpTokens: v(['optional', 'required'], ['always']) }),
  runtime: partial({ name: v(['containerd'], ['docker']), version: v(['1.7.20'], ['1.7']) }),
};

/** The automation blocks: a ManagedNodePool's top-level fields, a NodePool's `management`. */
const automation: Record<string, fc.Arbitrary<unknown>> = {
  maintenance: partial({
    windows: fc.array(
      partial({
        days: mostly(
          fc.uniqueArray(v(['Mon', 'Tue', 'Sat', 'Sun']), { minLength: 1, maxLength: 4 }),
          v([list([]), list(['Funday'])]),
        ),
        start: v(['02:00', '23:59', '00:00'], ['24:00', '2:00']),
        duration: v(['4h', '1h', '24h', '90m'], ['30m', '25h']),
        timeZone: v(['Asia/Shanghai', 'UTC'], ['UTC+8 hours']),
      }).map((w) => ({ days: ['Sat'], start: '02:00', duration: '4h', ...w })),
      { maxLength: 2 },
    ),
    allowReboot: fc.boolean(),
  }),
  autoRepair: partial({ enabled: fc.boolean(), notReadyTimeout: duration, maxUnhealthy: countOrPercent }),
  autoUpgrade: partial({ enabled: fc.boolean(), maxSurge: countOrPercent, maxUnavailable: countOrPercent }),
  autoPatch: partial({
    enabled: fc.boolean(),
    severities: mostly(
      fc.uniqueArray(v(['High', 'Medium', 'Low']), { minLength: 1, maxLength: 3 }),
      v([list([]), list(['Critical'])]),
    ),
  }),
};

const nodePoolOnly: Record<string, fc.Arbitrary<unknown>> = {
  scaling: fc.oneof(
    partial({
      mode: v(['Manual']),
      desiredSize: fc.oneof(fc.integer({ min: 0, max: 60 }), v([2000], [-1, 2001])),
      multiAZPolicy: v(['Priority', 'CostOptimized', 'Balance'], ['Random']),
      economical: v([false], [true]),
      minSize: v([undefined], [1]),
    }),
    partial({
      mode: v(['Auto'], ['Fixed']),
      minSize: fc.oneof(fc.integer({ min: 0, max: 30 }), v([0], [-1])),
      maxSize: fc.oneof(fc.integer({ min: 0, max: 60 }), v([2000], [2001])),
      multiAZPolicy: v(['Priority', 'CostOptimized', 'Balance']),
      economical: fc.boolean(),
      desiredSize: v([undefined], [3]),
    }),
  ),
  billing: fc.oneof(
    partial({ chargeType: v(['PayAsYouGo'], ['Prepaid']) }),
    fc.record({
      chargeType: v(['Subscription'], ['PayAsYouGo']),
      subscription: partial({
        period: v([1, 3, 4, 12, 60], [5, 13, 61]),
        periodUnit: v(['Week', 'Month'], ['Year']),
        autoRenew: fc.boolean(),
        autoRenewPeriod: v([1, 12], [13]),
      }),
    }),
    fc.record({
      chargeType: v(['Spot'], ['PayAsYouGo']),
      spot: partial({
        strategy: v(['SpotAsPriceGo', 'SpotWithPriceLimit'], ['Cheapest']),
        priceLimits: fc.array(
          fc.record({
            instanceType: v(['ecs.g7.xlarge', 'ecs.g6.xlarge'], ['ecs.c7.large']),
            maxPricePerHour: v(['0.5', '0.4500'], ['$1', '1.23456']),
          }),
          { minLength: 1, maxLength: 2 },
        ),
        onDemandFallback: fc.boolean(),
        replaceBeforeReclaim: fc.boolean(),
      }),
    }),
  ),
  image: fc.oneof(
    fc.record({
      type: v(
        ['AliyunLinux3ContainerOptimized', 'ContainerOS', 'AliyunLinux3', 'Ubuntu'],
        ['CentOS', 'Custom'],
      ),
    }),
    fc.record({ type: v(['Custom']), id: v(['m-abc'], ['img-1']) }),
  ),
  securityHardening: v(['Disabled', 'MLPS', 'OS'], ['CIS']),
  login: fc.oneof(
    fc.record({ user: v(['root', 'ecs-user'], ['admin']), keyPairName: v(['ops-key'], ['1bad key']) }),
    fc.record({ passwordSecretRef: secretRef }),
  ),
  deploymentSetId: v(['ds-1'], ['deploy-1']),
  resourceGroupId: v(['rg-1'], ['group-1']),
  cloudMonitor: fc.boolean(),
  bootstrap: fc.oneof(
    partial({
      mode: v(['Managed'], ['Script']),
      skip: partial({ autoFdisk: fc.boolean(), yum: fc.boolean() }),
    }),
    fc.record({
      mode: v(['External'], ['Managed']),
      external: partial({
        scriptURL: v(['https://x/join.sh'], ['ftp://x']),
        joinCommandSecretRef: secretRef,
        kubeVersion: v(['1.34.1'], ['v1.34']),
        runtime: v(['containerd', 'docker'], ['cri-o']),
      }).map((e) => ({ joinCommandSecretRef: { name: 'j', key: 'c' }, ...e })),
    }),
  ),
  existingInstances: fc.uniqueArray(v(['i-a', 'i-b'], ['vm-1']), { maxLength: 2 }),
  management: partial(automation),
};

const managedOnly: Record<string, fc.Arbitrary<unknown>> = {
  scaling: partial({
    mode: v(['Auto'], ['Manual']),
    minSize: fc.oneof(fc.integer({ min: 0, max: 60 }), v([0], [-1])),
    maxSize: fc.oneof(fc.integer({ min: 0, max: 60 }), v([2000], [2001])),
    multiAZPolicy: v(['Priority', 'Balance']),
  }),
  billing: partial({ chargeType: v(['PayAsYouGo'], ['Spot']) }),
  image: partial({ type: v(['ContainerOS'], ['Ubuntu']) }),
  dataDisks: fc.array(
    disk(65536).map((d) => ({ sizeGiB: 40, ...d })),
    { maxLength: 2 },
  ),
  ...automation,
  systemEvents: partial({ enabled: fc.boolean() }),
  login: v<unknown>([undefined], [{ keyPairName: 'ops' }]),
};

/** A spec: the valid base with 0-3 fields replaced by random values (and now and then a required one removed). */
export function specArbitrary(kind: Kind): fc.Arbitrary<Spec> {
  const fields = kind === 'NodePool' ? { ...common, ...nodePoolOnly } : { ...common, ...managedOnly };
  const names = Object.keys(fields);
  // now and then a field is null: the apiserver prunes it, zod must see it as absent
  const edit = fc
    .constantFrom(...names)
    .chain((name) =>
      fc
        .oneof({ arbitrary: fields[name]!, weight: 12 }, { arbitrary: fc.constant(null), weight: 1 })
        .map((value) => [name, value] as const),
    );
  return fc
    .record({
      edits: fc.array(edit, { minLength: 0, maxLength: 3 }),
      drop: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 19 },
        { arbitrary: v(['region', 'ramRoleName', 'securityGroup', 'instanceTypes']), weight: 1 },
      ),
    })
    .map(({ edits, drop }) => {
      const spec = kind === 'NodePool' ? baseNodePoolSpec() : baseManagedSpec();
      for (const [name, value] of edits) {
        if (value === undefined) delete spec[name];
        else spec[name] = value;
      }
      if (drop) delete spec[drop];
      return spec;
    });
}
