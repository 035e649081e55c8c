import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { API_VERSION, GROUP } from '../../apis/v1beta1/constants.js';
import { ObjectMetaSchema } from '../../kube/index.js';

/** The Secret type the API server's bootstrap token authenticator reads. */
export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
/** Bootstrap token Secrets must live here (the authenticator reads no other namespace). */
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
/** The label naming the pool a token Secret belongs to. */
export const TOKEN_POOL_LABEL = `${GROUP}/pool`;
/**
 * The group every bootstrap token is in (the authenticator adds it): RBAC lets it create CSRs, nothing more. The
 * chart binds no automatic approval to it; the operator's CSR approver decides for its pools' tokens.
 */
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';

/** The extra group of a pool's tokens: `system:bootstrappers:nodepool:<pool>`. */
export const POOL_GROUP_PREFIX = 'system:bootstrappers:nodepool:';

/**
 * A pool's token group. The authenticator accepts `system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]`: a pool
 * name is a DNS subdomain (`[a-z0-9.-]`), so its dots become colons (a name has no colon: no two pools share a
 * group). Deliberately not kubeadm's `system:bootstrappers:kubeadm:default-node-token`, which kubeadm clusters
 * bind to automatic approval of any node name.
 */
export function poolGroup(pool: string): string {
  return `${POOL_GROUP_PREFIX}${pool.replaceAll('.', ':')}`;
}

/** The pool a token's groups name (the inverse of `poolGroup`), if any. */
export function poolOfGroups(groups: readonly string[]): string | undefined {
  const g = groups.find((x) => x.startsWith(POOL_GROUP_PREFIX));
  return g === undefined ? undefined : g.slice(POOL_GROUP_PREFIX.length).replaceAll(':', '.');
}

/**
 * A new token lives 4 h: it is in the pool's user data, which anyone on the node (and, with `httpTokens:
 * optional`, any process that can reach the metadata service) can read. What it can still do is bounded by the
 * CSR approver (a client certificate only for a member instance of this pool that has no Node yet).
 */
export const TOKEN_TTL_MS = 4 * 3600_000;
/**
 * A token is reused while more than this is left; below it a new one is made and the pool's scaling
 * configuration re-rendered (the old token stays until it expires: instances booting now may hold it).
 */
export const REUSE_MIN_REMAINING_MS = 2 * 3600_000;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `n` random characters of [a-z0-9] (crypto-grade). */
export function randomTokenPart(n: number, pick: (max: number) => number = randomInt): string {
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHABET[pick(ALPHABET.length)];
  return out;
}

/** A fresh token: id [a-z0-9]{6}, secret [a-z0-9]{16}. */
export function generateToken(pick?: (max: number) => number): { id: string; secret: string } {
  return { id: randomTokenPart(6, pick), secret: randomTokenPart(16, pick) };
}

/** `bootstrap-token-<id>`: the only name the authenticator accepts for a token. */
export function tokenSecretName(id: string): string {
  return `bootstrap-token-${id}`;
}

/** RFC 3339 in UTC without fractions, as the authenticator parses `expiration`. */
export function formatExpiration(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The pool object a token Secret is owned by (garbage-collected with it). */
export interface PoolOwner {
  kind: 'NodePool' | 'ManagedNodePool';
  name: string;
  uid: string;
}

/** The bootstrap token Secret of a pool, as created (stringData: the API server stores it base64 in data). */
export function tokenSecretManifest(opts: {
  pool: string;
  owner: PoolOwner | undefined;
  id: string;
  secret: string;
  expiresAt: number;
}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: BOOTSTRAP_TOKEN_TYPE,
    metadata: {
      name: tokenSecretName(opts.id),
      namespace: BOOTSTRAP_TOKEN_NAMESPACE,
      labels: { [TOKEN_POOL_LABEL]: opts.pool },
      ...(opts.owner
        ? {
            ownerReferences: [
              { apiVersion: API_VERSION, kind: opts.owner.kind, name: opts.owner.name, uid: opts.owner.uid },
            ],
          }
        : {}),
    },
    stringData: {
      description: `Joins the nodes of pool ${opts.pool} (alicloud-nodepool-operator)`,
      'token-id': opts.id,
      'token-secret': opts.secret,
      expiration: formatExpiration(opts.expiresAt),
      'usage-bootstrap-authentication': 'true',
      'auth-extra-groups': poolGroup(opts.pool),
    },
  };
}

/** The Secret fields read back (data is base64, as the API server returns it). */
export const TokenSecretSchema = z.object({
  metadata: ObjectMetaSchema,
  type: z.string().optional(),
  data: z.record(z.string(), z.string()).optional(),
});
export type TokenSecret = z.infer<typeof TokenSecretSchema>;

/** A usable pool token read from its Secret. */
export interface PoolToken {
  secretName: string;
  id: string;
  secret: string;
  /** Epoch ms. */
  expiresAt: number;
  /** The uid of the pool the Secret is owned by, when it has that owner. */
  ownerUid: string | undefined;
  deleting: boolean;
  /** Its `auth-extra-groups`. */
  groups: string[];
}

const decode = (v: string | undefined): string | undefined =>
  v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');

/**
 * The token a Secret holds, or undefined when it is not a well-formed, authenticating bootstrap token (wrong
 * type, id/name mismatch, bad characters, no or unparsable expiration, not for authentication).
 */
export function parseTokenSecret(s: TokenSecret): PoolToken | undefined {
  if (s.type !== BOOTSTRAP_TOKEN_TYPE) return undefined;
  const id = decode(s.data?.['token-id']);
  const secret = decode(s.data?.['token-secret']);
  const expiration = decode(s.data?.expiration);
  if (!id || !/^[a-z0-9]{6}$/.test(id) || !secret || !/^[a-z0-9]{16}$/.test(secret)) return undefined;
  if (s.metadata.name !== tokenSecretName(id)) return undefined;
  if (decode(s.data?.['usage-bootstrap-authentication']) !== 'true') return undefined;
  const expiresAt = expiration ? Date.parse(expiration) : NaN;
  if (!Number.isFinite(expiresAt)) return undefined;
  return {
    secretName: s.metadata.name,
    id,
    secret,
    expiresAt,
    ownerUid: s.metadata.ownerReferences?.find((o) => o.apiVersion.startsWith(`${GROUP}/`))?.uid,
    deleting: s.metadata.deletionTimestamp !== undefined,
    groups: (decode(s.data?.['auth-extra-groups']) ?? '').split(',').filter(Boolean),
  };
}

/**
 * The token to hand out among a pool's: one that is not being deleted, belongs to this pool object (a Secret
 * owned by an earlier pool of the same name is never reused), is in exactly the pool's group (a token made by
 * an earlier version, in kubeadm's auto-approved group, is not) and has more than `REUSE_MIN_REMAINING_MS`
 * left; the one that lasts longest. Undefined: a new token is needed.
 */
export function pickReusable(
  tokens: readonly PoolToken[],
  now: number,
  poolUid: string,
  pool: string,
): PoolToken | undefined {
  let best: PoolToken | undefined;
  for (const t of tokens) {
    if (t.deleting || t.ownerUid !== poolUid || !inPoolGroupOnly(t, pool)) continue;
    if (t.expiresAt - now <= REUSE_MIN_REMAINING_MS) continue;
    if (!best || t.expiresAt > best.expiresAt) best = t;
  }
  return best;
}

/** Whether the token's only extra group is its pool's (tokens of earlier versions were in kubeadm's group). */
export function inPoolGroupOnly(t: Pick<PoolToken, 'groups'>, pool: string): boolean {
  return t.groups.length === 1 && t.groups[0] === poolGroup(pool);
}
