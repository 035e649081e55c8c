import type { NodePool } from '../../apis/v1beta1/index.js';
import {
  bootstrapInputFromPool,
  type ClusterJoin,
  type ResolvedReferences,
} from '../../bootstrap/from-pool.js';
import { renderUserData } from '../../bootstrap/render.js';
import type { LookupCloud } from './shared-lookups.js';
import type { SecurityGroupInfo } from '../../cloud/types.js';
import { InvalidConfigurationError } from '../../cloud/errors.js';
import {
  AGENT_CONFIG,
  agentScriptPath,
  joinCommandToken,
  joinTokenProblem,
  type BootstrapTokenSecret,
} from './external.js';
import { nameRefused, referenceable, refusedMessage, type ReferencePolicy } from './referenceable.js';
import { ramRoleProblem, securityGroupsProblem, type CloudPolicy } from './cloud-policy.js';
import type { Settings } from '../../operator/settings.js';
import {
  ConfigMapSchema,
  ForbiddenError,
  NotFoundError,
  Resources,
  TypedResource,
  type KubeClient,
} from '../../kube/index.js';
import { z } from 'zod';
import { IMAGE_FAMILIES } from './launch.js';

/** A reference the controller could not resolve: a Degraded pool with this message (no cloud call). */
export class ReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReferenceError';
  }
}

const SecretSchema = z.object({
  metadata: z.object({
    name: z.string(),
    resourceVersion: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  type: z.string().optional(),
  data: z.record(z.string(), z.string()).optional(),
});

interface KeyRef {
  name: string;
  key: string;
}

/**
 * Reads Secret and ConfigMap keys in the operator's own namespace (the only place pools may point to), and only
 * of the objects that opt in (referenceable.ts): anything else — missing, unlabelled, the operator's
 * credentials, a bootstrap token, or forbidden to the operator — is one ReferenceError that does not say which.
 */
export class References {
  private readonly secrets: TypedResource<typeof SecretSchema>;
  private readonly configMaps: TypedResource<typeof ConfigMapSchema>;

  constructor(
    client: KubeClient,
    private readonly namespace: string,
    readonly policy: ReferencePolicy & CloudPolicy = {},
  ) {
    this.secrets = new TypedResource(client, Resources.secrets, SecretSchema);
    this.configMaps = new TypedResource(client, Resources.configMaps, ConfigMapSchema);
  }

  /** The object, or undefined when it does not exist or the operator may not read it. */
  private async read<T>(get: () => Promise<T>): Promise<T | undefined> {
    try {
      return await get();
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof ForbiddenError) return undefined;
      throw err;
    }
  }

  async secretKey(field: string, ref: KeyRef): Promise<{ value: string; revision: string }> {
    const refused = new ReferenceError(refusedMessage(field, 'Secret', this.namespace, ref.name));
    if (nameRefused('Secret', ref.name, this.policy)) throw refused;
    const s = await this.read(() => this.secrets.get(ref.name, this.namespace));
    const seen = s && { name: s.metadata.name, labels: s.metadata.labels, type: s.type };
    if (!s || !referenceable('Secret', seen, this.policy)) throw refused;
    const v = s.data?.[ref.key];
    if (v === undefined)
      throw new ReferenceError(
        `${field}: Secret ${this.namespace}/${ref.name} has no key ${JSON.stringify(ref.key)}`,
      );
    return { value: Buffer.from(v, 'base64').toString('utf8'), revision: s.metadata.resourceVersion ?? '' };
  }

  /** `kube-system/bootstrap-token-<id>` decoded, or undefined when the cluster has no such token. */
  async bootstrapToken(id: string): Promise<BootstrapTokenSecret | undefined> {
    try {
      const s = await this.secrets.get(`bootstrap-token-${id}`, 'kube-system');
      const field = (k: string) => {
        const v = s.data?.[k];
        return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
      };
      const out: BootstrapTokenSecret = {};
      const secret = field('token-secret');
      const expiration = field('expiration');
      const usage = field('usage-bootstrap-authentication');
      if (secret !== undefined) out.tokenSecret = secret;
      if (expiration !== undefined) out.expiration = expiration;
      if (usage !== undefined) out.usageAuthentication = usage;
      return out;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** The data of ConfigMap `kube-system/ack-agent-config` (where ACK registers the join script), if it exists. */
  async agentConfig(): Promise<Record<string, string> | undefined> {
    try {
      return (await this.configMaps.get(AGENT_CONFIG.name, AGENT_CONFIG.namespace)).data ?? {};
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async configMapKey(field: string, ref: KeyRef): Promise<string> {
    const cm = await this.read(() => this.configMaps.get(ref.name, this.namespace));
    const seen = cm && { name: cm.metadata.name, labels: cm.metadata.labels };
    if (!cm || !referenceable('ConfigMap', seen, this.policy))
      throw new ReferenceError(refusedMessage(field, 'ConfigMap', this.namespace, ref.name));
    const v = cm.data?.[ref.key];
    if (v === undefined)
      throw new ReferenceError(
        `${field}: ConfigMap ${this.namespace}/${ref.name} has no key ${JSON.stringify(ref.key)}`,
      );
    return v;
  }

  /** A script given inline, or from a Secret or ConfigMap key. */
  async script(
    field: string,
    inline: string | undefined,
    from: { secretKeyRef?: KeyRef | undefined; configMapKeyRef?: KeyRef | undefined } | undefined,
  ): Promise<string | undefined> {
    // prettier-ignore
    if (inline !== undefined) return inline;
    if (from?.secretKeyRef) return (await this.secretKey(`${field}.secretKeyRef`, from.secretKeyRef)).value;
    if (from?.configMapKeyRef) return this.configMapKey(`${field}.configMapKeyRef`, from.configMapKeyRef);
    return undefined;
  }
}

/** What the operator's settings allow a pool to reference and borrow (referenceable.ts, cloud-policy.ts). */
export function poolPolicy(
  s: Pick<Settings, 'credentialsSecret' | 'allowedRamRoles' | 'allowedSecurityGroups'>,
): ReferencePolicy & CloudPolicy {
  return {
    credentialsSecret: s.credentialsSecret,
    allowedRamRoles: s.allowedRamRoles,
    allowedSecurityGroups: s.allowedSecurityGroups,
  };
}

/** The password rules of ECS (8–30 characters, three of: upper, lower, digit, special). */
export function passwordProblem(p: string): string | undefined {
  if (p.length < 8 || p.length > 30) return 'must be 8-30 characters';
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[()`~!@#$%^&*_\-+=|{}[\]:;'<>,.?/]/].filter((r) =>
    r.test(p),
  ).length;
  if (classes < 3)
    return 'must contain three of: upper-case letters, lower-case letters, digits, special characters';
  if (/[^A-Za-z0-9()`~!@#$%^&*_\-+=|{}[\]:;'<>,.?/]/.test(p))
    return 'contains a character ECS does not accept';
  return undefined;
}

export interface Resolved {
  imageId: string;
  userData: string;
  password?: { value: string; revision: string } | undefined;
}

/**
 * The pool's instance types include Arm ones by their names (the families API.md lists): what a caller without
 * DescribeInstanceTypes' answer goes by; the pool controller passes the cloud's word (validation/cloud-check.ts).
 */
export function isArmPool(spec: Pick<NodePool['spec'], 'instanceTypes'>): boolean {
  return spec.instanceTypes.some((t) => /^ecs\.(g8y|c8y|r8y|g6r|c6r)\./.test(t));
}

/** Where the pool's image comes from: the image family of its type for the types' CPU, or its Custom id. */
export function imageSourceOf(
  pool: Pick<NodePool, 'spec'>,
  armByCloud?: boolean,
): { kind: 'family'; family: string } | { kind: 'custom'; id: string } {
  const image = pool.spec.image;
  if (image.type === 'Custom') {
    if (!image.id) throw new ReferenceError('spec.image.id: a Custom image needs an id');
    return { kind: 'custom', id: image.id };
  }
  const arm = armByCloud ?? isArmPool(pool.spec);
  const families = IMAGE_FAMILIES[image.type];
  const family = arm ? families?.arm64 : families?.x86_64;
  if (!family) throw new ReferenceError(`spec.image.type: ${image.type} has no ${arm ? 'Arm' : 'x86'} image`);
  return { kind: 'family', family };
}

/**
 * The image a pool launches when nothing is pinned yet: its Custom id (checked to exist), or the newest image
 * of its type's family. Pools pin their image (`image/`): the pool controller passes the pinned id instead.
 */
export async function resolveImage(pool: NodePool, cloud: LookupCloud): Promise<string> {
  const source = imageSourceOf(pool);
  if (source.kind === 'custom') {
    const [found] = await cloud.images([source.id]);
    if (!found)
      throw new ReferenceError(`spec.image.id: image ${source.id} does not exist in ${cloud.region}`);
    return found.id;
  }
  const id = await cloud.latestImage(source.family);
  if (!id)
    throw new InvalidConfigurationError({
      code: 'InvalidImageId.NotFound',
      cloudMessage: `no image of family ${source.family} in ${cloud.region}`,
      action: 'DescribeImages',
    });
  return id;
}

/** Everything a pool's launch needs from outside its spec: image, rendered user data, password. */
const SG_TYPE = { Basic: 'normal', Advanced: 'enterprise' } as const;

/**
 * What is wrong with the pool's security groups as the cloud has them: one missing, in another VPC, or of the
 * other type than `spec.securityGroup.type` (ESS would accept the group and fail every launch later).
 */
export function securityGroupProblem(
  spec: Pick<NodePool['spec'], 'securityGroup' | 'vpcId'>,
  found: readonly SecurityGroupInfo[],
): string | undefined {
  const want = SG_TYPE[spec.securityGroup.type];
  for (const id of spec.securityGroup.ids) {
    const g = found.find((x) => x.id === id);
    if (!g) return `spec.securityGroup.ids: security group ${id} does not exist in the pool's region`;
    if (g.vpcId && g.vpcId !== spec.vpcId)
      return `spec.securityGroup.ids: security group ${id} is in ${g.vpcId}, not the pool's VPC ${spec.vpcId}`;
    if (g.type !== want) {
      const actual = g.type === 'enterprise' ? 'an Advanced (enterprise)' : 'a Basic (normal)';
      return `spec.securityGroup: ${id} is ${actual} security group, but spec.securityGroup.type is ${spec.securityGroup.type}`;
    }
  }
  return undefined;
}

/**
 * An External pool's join material, checked before anything is launched (see external.ts): the join command
 * and its bootstrap token, and the script from `scriptURL` or ack-agent-config.
 */
async function resolveExternal(
  spec: NodePool['spec'],
  refs: References,
  nowMs: number,
): Promise<Pick<ResolvedReferences, 'joinCommand' | 'scriptURL'>> {
  const ext = spec.bootstrap.external;
  const out: Pick<ResolvedReferences, 'joinCommand' | 'scriptURL'> = {};
  if (ext?.joinCommandSecretRef) {
    const field = 'spec.bootstrap.external.joinCommandSecretRef';
    const command = (await refs.secretKey(field, ext.joinCommandSecretRef)).value;
    const token = joinCommandToken(command);
    const problem = joinTokenProblem(
      field,
      command,
      token ? await refs.bootstrapToken(token.id) : undefined,
      nowMs,
    );
    if (problem) throw new ReferenceError(problem);
    out.joinCommand = command;
  }
  if (!ext?.scriptURL) {
    const found = agentScriptPath(await refs.agentConfig(), ext?.scriptSHA256 !== undefined);
    if ('problem' in found) throw new ReferenceError(found.problem);
    out.scriptURL = found.url;
  }
  return out;
}

/** The image id this version of the pool's spec resolved to with its security groups found valid (kept, see CheckCache). */
export interface CloudChecks {
  get(): string | undefined;
  set(imageId: string): void;
}

export async function resolveLaunch(
  pool: NodePool,
  deps: {
    cloud: LookupCloud;
    refs: References;
    join: (pool: NodePool) => Promise<ClusterJoin>;
    /** The clock for token expiry (wall clock by default). */
    now?: () => number;
    checks?: CloudChecks | undefined;
    /** The pool's pinned image (`status.image.id`): launched instead of resolving the family's newest. */
    imageId?: string | undefined;
    /** The pool's last rendered user data by its inputs (kept by the caller per pool). */
    rendered?: { get(key: string): string | undefined; set(key: string, userData: string): void } | undefined;
  },
): Promise<Resolved> {
  const spec = pool.spec;
  // what the pool borrows from the operator's cloud identity: checked before anything is looked up or launched
  const borrowed =
    ramRoleProblem(spec.ramRoleName, deps.refs.policy) ??
    securityGroupsProblem(spec.securityGroup.ids, deps.refs.policy);
  if (borrowed) throw new ReferenceError(borrowed);
  const checked = deps.checks?.get();
  let imageId = deps.imageId ?? checked;
  if (checked === undefined || imageId === undefined) {
    imageId ??= await resolveImage(pool, deps.cloud);
    const sgProblem = securityGroupProblem(spec, await deps.cloud.securityGroups(spec.securityGroup.ids));
    if (sgProblem) throw new ReferenceError(sgProblem);
    deps.checks?.set(imageId);
  }
  const refs: ResolvedReferences = {};
  const pre = await deps.refs.script('spec.preUserDataFrom', spec.preUserData, spec.preUserDataFrom);
  if (pre !== undefined) refs.preUserData = pre;
  const post = await deps.refs.script('spec.userDataFrom', spec.userData, spec.userDataFrom);
  if (post !== undefined) refs.userData = post;
  if (spec.bootstrap.mode === 'External')
    Object.assign(refs, await resolveExternal(spec, deps.refs, deps.now?.() ?? Date.now()));
  const join = await deps.join(pool);
  // the same inputs render the same script: a pool at rest is not rendered again on every reconcile
  const renderKey = JSON.stringify([pool.metadata.name, spec, join, refs]);
  let userData = deps.rendered?.get(renderKey);
  if (userData === undefined) {
    try {
      userData = renderUserData(bootstrapInputFromPool(pool, join, refs)).base64;
    } catch (err) {
      throw new ReferenceError(`user data: ${err instanceof Error ? err.message : String(err)}`);
    }
    deps.rendered?.set(renderKey, userData);
  }
  let password: Resolved['password'];
  if (spec.login?.passwordSecretRef) {
    password = await deps.refs.secretKey('spec.login.passwordSecretRef', spec.login.passwordSecretRef);
    const problem = passwordProblem(password.value);
    if (problem) throw new ReferenceError(`spec.login.passwordSecretRef: the password ${problem}`);
  }
  return { imageId, userData, password };
}
