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
 * The extra group of the pool tokens: the one `kubeadm token create` uses, which the kubeadm-style RBAC of the
 * control plane binds (through `system:bootstrappers`) to CSR creation and node client auto-approval.
 */
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
/** A new token lives 24 h. */
export const TOKEN_TTL_MS = 24 * 3600_000;
/** A token is reused while more than this is left; below it a new one is made (the old one stays to expire). */
export const REUSE_MIN_REMAINING_MS = 12 * 3600_000;

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
      'auth-extra-groups': BOOTSTRAPPERS_GROUP,
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
  };
}

/**
 * The token to hand out among a pool's: one that is not being deleted, belongs to this pool object (a Secret
 * owned by an earlier pool of the same name is never reused) and has more than `REUSE_MIN_REMAINING_MS` left;
 * the one that lasts longest. Undefined: a new token is needed.
 */
export function pickReusable(
  tokens: readonly PoolToken[],
  now: number,
  poolUid: string,
): PoolToken | undefined {
  let best: PoolToken | undefined;
  for (const t of tokens) {
    if (t.deleting || t.ownerUid !== poolUid) continue;
    if (t.expiresAt - now <= REUSE_MIN_REMAINING_MS) continue;
    if (!best || t.expiresAt > best.expiresAt) best = t;
  }
  return best;
}
