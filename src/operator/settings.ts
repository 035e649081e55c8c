import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';

/** `15s`, `500ms`, `2m`, `1h` → milliseconds. */
export const Duration = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'must be a duration such as 500ms, 15s, 2m or 1h')
  .transform((s) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    return Math.round(Number(m[1]) * unit);
  });

/** `:8080`, `127.0.0.1:8080`, `[::1]:8080`, or `0` (disabled) → {host, port} | undefined. */
export const BindAddress = z
  .string()
  .trim()
  .refine(
    (s) => s === '0' || /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/.test(s),
    'must be host:port, :port, or 0 to disable',
  )
  .transform((s) => {
    if (s === '0') return undefined;
    const i = s.lastIndexOf(':');
    return { host: s.slice(0, i).replace(/^\[|\]$/g, '') || undefined, port: Number(s.slice(i + 1)) };
  })
  .refine((a) => a === undefined || a.port <= 65535, 'the port must be 0-65535');

const Bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ['true', 'false', '1', '0', 'yes', 'no'].includes(s), 'must be true or false')
  .transform((s) => ['true', '1', 'yes'].includes(s));

const Name = z
  .string()
  .trim()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS-1123 name (lowercase letters, digits, - and .)')
  .max(253);

const Endpoint = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be host or host:port, without a scheme');

/** A comma-separated list, each item matching `item`; empty → []. */
function List(item: RegExp, message: string) {
  return z
    .string()
    .trim()
    .transform((v) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .refine((items) => items.every((x) => item.test(x)), message);
}

interface Setting {
  flag: string;
  env?: readonly string[];
  description: string;
  default?: string;
  schema: z.ZodType;
  secret?: boolean;
}

/** Every setting of `run`: its flag, the environment variables that can set it, its rule and its default. */
export const SETTINGS = {
  kubeconfig: {
    flag: 'kubeconfig',
    env: ['KUBECONFIG'],
    description:
      'kubeconfig file (default: in-cluster when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config)',
    schema: z.string().min(1).optional(),
  },
  namespace: {
    flag: 'namespace',
    env: ['NODEPOOL_OPERATOR_NAMESPACE', 'POD_NAMESPACE'],
    description: "the operator's own namespace (Secrets and ConfigMaps it reads live here)",
    default: 'kube-system',
    schema: Name,
  },
  identity: {
    flag: 'identity',
    env: ['NODEPOOL_OPERATOR_IDENTITY', 'POD_NAME'],
    description: "this replica's leader-election identity (default: hostname_random)",
    schema: z.string().trim().min(1).max(128).optional(),
  },
  leaderElect: {
    flag: 'leader-elect',
    env: ['NODEPOOL_LEADER_ELECT'],
    description: 'run controllers only while holding the Lease (true|false)',
    default: 'true',
    schema: Bool,
  },
  leaderElectionNamespace: {
    flag: 'leader-election-namespace',
    env: ['NODEPOOL_LEADER_ELECTION_NAMESPACE'],
    description: 'namespace of the Lease (default: --namespace)',
    schema: Name.optional(),
  },
  leaderElectionId: {
    flag: 'leader-election-id',
    env: ['NODEPOOL_LEADER_ELECTION_ID'],
    description: 'name of the Lease',
    default: 'alicloud-nodepool-operator',
    schema: Name,
  },
  leaseDuration: {
    flag: 'leader-election-lease-duration',
    env: ['NODEPOOL_LEADER_ELECTION_LEASE_DURATION'],
    description: 'how long a lease lasts unrenewed',
    default: '15s',
    schema: Duration,
  },
  renewDeadline: {
    flag: 'leader-election-renew-deadline',
    env: ['NODEPOOL_LEADER_ELECTION_RENEW_DEADLINE'],
    description: 'the leader gives up when it cannot renew for this long',
    default: '10s',
    schema: Duration,
  },
  retryPeriod: {
    flag: 'leader-election-retry-period',
    env: ['NODEPOOL_LEADER_ELECTION_RETRY_PERIOD'],
    description: 'time between lease attempts',
    default: '2s',
    schema: Duration,
  },
  healthProbeBindAddress: {
    flag: 'health-probe-bind-address',
    env: ['NODEPOOL_HEALTH_PROBE_BIND_ADDRESS'],
    description: '/healthz and /readyz (0 disables)',
    default: ':8081',
    schema: BindAddress,
  },
  metricsBindAddress: {
    flag: 'metrics-bind-address',
    env: ['NODEPOOL_METRICS_BIND_ADDRESS'],
    description: '/metrics (0 disables)',
    default: ':8080',
    schema: BindAddress,
  },
  gracefulShutdownTimeout: {
    flag: 'graceful-shutdown-timeout',
    env: ['NODEPOOL_GRACEFUL_SHUTDOWN_TIMEOUT'],
    description: 'on SIGTERM, how long in-flight reconciles may take to finish',
    default: '30s',
    schema: Duration,
  },
  logLevel: {
    flag: 'log-level',
    env: ['LOG_LEVEL'],
    description: 'trace|debug|info|warn|error',
    default: 'info',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
  },
  logFormat: {
    flag: 'log-format',
    env: ['NODEPOOL_LOG_FORMAT'],
    description: 'json|pretty',
    default: 'json',
    schema: z.enum(['json', 'pretty']),
  },
  controllers: {
    flag: 'controllers',
    env: ['NODEPOOL_CONTROLLERS'],
    description: "controllers to run: '*' or a comma-separated list of names",
    default: '*',
    schema: z
      .string()
      .trim()
      .min(1)
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
  },
  runtimeProbe: {
    flag: 'enable-runtime-probe',
    env: ['NODEPOOL_RUNTIME_PROBE'],
    description: 'answer runtime-probe ConfigMaps (a diagnostic; see docs/runtime.md)',
    default: 'false',
    schema: Bool,
  },
  poolSelector: {
    flag: 'pool-selector',
    env: ['NODEPOOL_POOL_SELECTOR'],
    description: 'manage only the pools whose labels match this selector (e.g. shard=a); default: every pool',
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9./_=!,() -]*$/, 'must be a label selector such as shard=a or team in (x,y)')
      .optional(),
  },
  clusterId: {
    flag: 'cluster-id',
    env: ['NODEPOOL_CLUSTER_ID'],
    description: "the cluster's id (tags cloud resources)",
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'must be 1-63 letters, digits, _ . -')
      .optional(),
  },
  region: {
    flag: 'region',
    env: ['ALIBABA_CLOUD_REGION_ID'],
    description: "the cluster's region (e.g. cn-hangzhou)",
    schema: z
      .string()
      .trim()
      .regex(/^[a-z]{2,}(-[a-z0-9]+)+$/, 'must be a region id such as cn-hangzhou')
      .optional(),
  },
  vpcId: {
    flag: 'vpc-id',
    env: ['NODEPOOL_VPC_ID'],
    description: "the cluster's VPC",
    schema: z
      .string()
      .trim()
      .regex(/^vpc-[a-z0-9]+$/, 'must be a VPC id such as vpc-bp1example')
      .optional(),
  },
  apiserverEndpoint: {
    flag: 'apiserver-endpoint',
    env: ['NODEPOOL_APISERVER_ENDPOINT'],
    description: 'the API server URL nodes join (https://host:port)',
    schema: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
  },
  accessKeyId: {
    flag: 'access-key-id',
    env: ['ALIBABA_CLOUD_ACCESS_KEY_ID'],
    description: 'Alibaba Cloud AccessKey id (prefer the environment)',
    schema: z.string().trim().min(1).optional(),
    secret: true,
  },
  accessKeySecret: {
    flag: 'access-key-secret',
    env: ['ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
    description: 'Alibaba Cloud AccessKey secret (prefer the environment)',
    schema: z.string().trim().min(1).optional(),
    secret: true,
  },
  ecsEndpoint: {
    flag: 'ecs-endpoint',
    env: ['ALIBABA_CLOUD_ECS_ENDPOINT'],
    description: 'ECS endpoint override (host:port; the simulator in dev)',
    schema: Endpoint.optional(),
  },
  essEndpoint: {
    flag: 'ess-endpoint',
    env: ['ALIBABA_CLOUD_ESS_ENDPOINT'],
    description: 'ESS endpoint override',
    schema: Endpoint.optional(),
  },
  vpcEndpoint: {
    flag: 'vpc-endpoint',
    env: ['ALIBABA_CLOUD_VPC_ENDPOINT'],
    description: 'VPC endpoint override',
    schema: Endpoint.optional(),
  },
  stsEndpoint: {
    flag: 'sts-endpoint',
    env: ['ALIBABA_CLOUD_STS_ENDPOINT'],
    description: 'STS endpoint override',
    schema: Endpoint.optional(),
  },
  securityToken: {
    flag: 'security-token',
    env: ['ALIBABA_CLOUD_SECURITY_TOKEN'],
    description: 'STS token that goes with the AccessKey pair (temporary credentials)',
    schema: z.string().trim().min(1).optional(),
    secret: true,
  },
  credentialsFile: {
    flag: 'credentials-file',
    env: ['ALIBABA_CLOUD_CREDENTIALS_FILE'],
    description:
      'JSON file {"accessKeyId","accessKeySecret","securityToken"?} (a mounted Secret), re-read when it changes; wins over the AccessKey settings',
    schema: z.string().trim().min(1).optional(),
  },
  credentialsSecret: {
    flag: 'credentials-secret',
    env: ['NODEPOOL_CREDENTIALS_SECRET'],
    description:
      "the name of the Secret (in --namespace) holding the operator's cloud credentials: never followed by a pool's references, even labelled referenceable",
    schema: Name.optional(),
  },
  allowedRamRoles: {
    flag: 'allowed-ram-roles',
    env: ['NODEPOOL_ALLOWED_RAM_ROLES'],
    description:
      "RAM roles a pool's ramRoleName may name (names, or prefixes ending in *; * allows any); empty: KubernetesWorkerRole*,k8s-worker-role",
    default: '',
    schema: List(
      /^[A-Za-z0-9.-]+\*?$|^\*$/,
      'must be RAM role names or prefixes ending in * (letters, digits, - and .)',
    ),
  },
  allowedSecurityGroups: {
    flag: 'allowed-security-groups',
    env: ['NODEPOOL_ALLOWED_SECURITY_GROUPS'],
    description: "security groups a pool may use (ids); empty: any of the cluster's VPC",
    default: '',
    schema: List(/^sg-[a-z0-9]+$/, 'must be security group ids such as sg-bp1example'),
  },
  roleArn: {
    flag: 'role-arn',
    env: ['ALIBABA_CLOUD_ROLE_ARN'],
    description: "RRSA: the RAM role to assume with the pod's OIDC token",
    schema: z
      .string()
      .trim()
      .regex(/^acs:ram::\d+:role\/.+$/, 'must be a RAM role ARN such as acs:ram::123456789012:role/name')
      .optional(),
  },
  oidcProviderArn: {
    flag: 'oidc-provider-arn',
    env: ['ALIBABA_CLOUD_OIDC_PROVIDER_ARN'],
    description: 'RRSA: the OIDC provider ARN',
    schema: z.string().trim().min(1).optional(),
  },
  oidcTokenFile: {
    flag: 'oidc-token-file',
    env: ['ALIBABA_CLOUD_OIDC_TOKEN_FILE'],
    description: 'RRSA: the projected service account token file',
    schema: z.string().trim().min(1).optional(),
  },
  cloudQps: {
    flag: 'cloud-qps',
    env: ['NODEPOOL_CLOUD_QPS'],
    description: 'cloud API calls per second, all actions together',
    default: '40',
    schema: z.coerce.number().positive('must be a number above 0').max(10_000),
  },
  cloudBurst: {
    flag: 'cloud-burst',
    env: ['NODEPOOL_CLOUD_BURST'],
    description: 'cloud API calls allowed at once after a quiet period',
    default: '40',
    schema: z.coerce.number().int('must be a whole number').min(1).max(10_000),
  },
  cloudActionDefaultQps: {
    flag: 'cloud-action-default-qps',
    env: ['NODEPOOL_CLOUD_ACTION_DEFAULT_QPS'],
    description:
      'cloud API calls per second of any one action (Alibaba Cloud throttles each API operation separately); --cloud-action-qps overrides it per action',
    default: '10',
    schema: z.coerce.number().positive('must be a number above 0').max(10_000),
  },
  cloudActionQps: {
    flag: 'cloud-action-qps',
    env: ['NODEPOOL_CLOUD_ACTION_QPS'],
    description: 'per-action limits, e.g. RunInstances=5,DescribeInstances=20',
    default: '',
    schema: z
      .string()
      .trim()
      .refine(
        (s) => s === '' || s.split(',').every((kv) => /^[A-Za-z]+=\d+(\.\d+)?$/.test(kv.trim())),
        'must be Action=qps pairs separated by commas',
      )
      .transform((s) =>
        Object.fromEntries(
          s === ''
            ? []
            : s.split(',').map((kv) => {
                const [k, v] = kv.trim().split('=');
                return [k!, Number(v)];
              }),
        ),
      ),
  },
  cloudMaxConcurrency: {
    flag: 'cloud-max-concurrency',
    env: ['NODEPOOL_CLOUD_MAX_CONCURRENCY'],
    description: 'cloud API calls in flight at once',
    default: '8',
    schema: z.coerce.number().int('must be a whole number').min(1).max(256),
  },
  cloudTimeout: {
    flag: 'cloud-timeout',
    env: ['NODEPOOL_CLOUD_TIMEOUT'],
    description: 'timeout of one cloud API attempt',
    default: '15s',
    schema: Duration,
  },
  cloudMaxAttempts: {
    flag: 'cloud-max-attempts',
    env: ['NODEPOOL_CLOUD_MAX_ATTEMPTS'],
    description: 'attempts per cloud call on throttling, 5xx and network errors (never on 4xx)',
    default: '6',
    schema: z.coerce.number().int('must be a whole number').min(1).max(20),
  },
  batchIdleDuration: {
    flag: 'batch-idle-duration',
    env: ['NODEPOOL_BATCH_IDLE_DURATION'],
    description: 'instant elasticity: a batch of pending pods closes after this long without a new one',
    default: '200ms',
    schema: Duration,
  },
  batchMaxDuration: {
    flag: 'batch-max-duration',
    env: ['NODEPOOL_BATCH_MAX_DURATION'],
    description:
      'instant elasticity: a batch of pending pods closes this long after its first pod at the latest',
    default: '700ms',
    schema: Duration,
  },
  imageCheckInterval: {
    flag: 'image-check-interval',
    env: ['NODEPOOL_IMAGE_CHECK_INTERVAL'],
    description:
      "how often a pool's image family is listed for newer images (autoUpgrade, autoPatch, UpgradeAvailable)",
    default: '5m',
    schema: Duration,
  },
  cloudProtocol: {
    flag: 'cloud-protocol',
    env: ['ALIBABA_CLOUD_PROTOCOL'],
    description: 'https|http (http only for the simulator)',
    default: 'https',
    schema: z.enum(['https', 'http']),
  },
} as const satisfies Record<string, Setting>;

type Settings0 = { [K in keyof typeof SETTINGS]: z.output<(typeof SETTINGS)[K]['schema']> };

/** The operator's settings, resolved: flag, else environment, else default. */
export interface Settings extends Omit<Settings0, 'identity' | 'leaderElectionNamespace'> {
  identity: string;
  leaderElectionNamespace: string;
}

/** Bad settings: every problem, each naming its flag, its environment variable and the rule. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n  ${problems.join('\n  ')}`);
    this.name = 'SettingsError';
  }
}

/** The camelCase key commander gives a flag (`metrics-bind-address` → `metricsBindAddress`). */
export function flagKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Resolve settings from parsed flags (commander's camelCase keys) and the environment, with zod. Throws a
 * SettingsError listing every invalid value.
 */
export function resolveSettings(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
  random: () => string = () => randomBytes(4).toString('hex'),
): Settings {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(SETTINGS) as [string, Setting][]) {
    const flag = flags[flagKey(s.flag)];
    const fromFlag =
      typeof flag === 'string' || typeof flag === 'number' || typeof flag === 'boolean'
        ? String(flag)
        : undefined;
    const envName = s.env?.find((e) => env[e] !== undefined && env[e] !== '');
    const raw = fromFlag !== undefined ? fromFlag : envName ? env[envName] : s.default;
    const source =
      fromFlag !== undefined ? `--${s.flag}` : envName ? `${envName} (--${s.flag})` : `--${s.flag}`;
    const r = s.schema.safeParse(raw);
    if (r.success) out[key] = r.data;
    else {
      const shown = s.secret ? '(hidden)' : JSON.stringify(raw);
      problems.push(`${source}=${shown}: ${r.error.issues.map((i) => i.message).join('; ')}`);
    }
  }
  if (problems.length > 0) throw new SettingsError(problems);
  const settings = out as unknown as Settings0;
  const result: Settings = {
    ...settings,
    identity: settings.identity ?? `${hostname()}_${random()}`,
    leaderElectionNamespace: settings.leaderElectionNamespace ?? settings.namespace,
  };
  if (result.leaseDuration <= result.renewDeadline)
    problems.push(`--leader-election-lease-duration must be greater than --leader-election-renew-deadline`);
  if (result.renewDeadline <= result.retryPeriod * 1.2)
    problems.push(
      `--leader-election-renew-deadline must be greater than 1.2 × --leader-election-retry-period`,
    );
  if (result.batchIdleDuration > result.batchMaxDuration)
    problems.push('--batch-idle-duration must not exceed --batch-max-duration');
  if ((result.accessKeyId === undefined) !== (result.accessKeySecret === undefined))
    problems.push(
      'ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are set together or not at all',
    );
  const rrsa = [result.roleArn, result.oidcProviderArn, result.oidcTokenFile].filter(
    (v) => v !== undefined,
  ).length;
  if (rrsa !== 0 && rrsa !== 3)
    problems.push(
      'ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE are set together or not at all',
    );
  if (problems.length > 0) throw new SettingsError(problems);
  return result;
}

/** The settings as they may be logged: secrets redacted. */
export function redactedSettings(s: Settings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    const def = (SETTINGS as Record<string, Setting>)[k];
    out[k] = def?.secret && v !== undefined ? '(redacted)' : v;
  }
  return out;
}
