import { z } from 'zod';
import { caCertHash } from '../../bootstrap/ca-hash.js';
import type { ClusterJoin } from '../../bootstrap/from-pool.js';
import { GROUP, KINDS, VERSION } from '../../apis/v1beta1/constants.js';
import { crd, isNotFound, Resources, TypedResource, type KubeClient } from '../../kube/index.js';
import type { Logger } from '../../log.js';
import type { Settings } from '../../operator/settings.js';
import type { Clock } from '../../runtime/clock.js';
import { ClusterJoinError, readClusterCa, readKubernetesVersion } from './cluster.js';
import {
  BOOTSTRAP_TOKEN_NAMESPACE,
  generateToken,
  inPoolGroupOnly,
  parseTokenSecret,
  pickReusable,
  REUSE_MIN_REMAINING_MS,
  TOKEN_POOL_LABEL,
  TOKEN_TTL_MS,
  TokenSecretSchema,
  tokenSecretManifest,
  type PoolOwner,
  type PoolToken,
} from './token.js';

/** What Managed-mode nodes of a pool need to join the cluster. */
export interface ClusterJoinProvider {
  /** The join material for a pool's new nodes: API server, CA hash, a valid bootstrap token, k8s version. */
  forPool(poolName: string, poolUid: string): Promise<ClusterJoin>;
  /** Deletes the pool's bootstrap token Secrets (on pool deletion). */
  forget(poolName: string): Promise<void>;
}

export interface ClusterJoinDeps {
  client: KubeClient;
  clock: Clock;
  logger: Logger;
  /** `clusterId` (required by forPool) and `apiserverEndpoint` (default: the kubeconfig's server). */
  settings: Pick<Settings, 'clusterId' | 'apiserverEndpoint'>;
  /** The cluster CA (PEM); default: the kubeconfig's, else `kube-public/cluster-info`'s. */
  caCertPem?: string | undefined;
  /**
   * How long a token handed out is trusted from memory before its Secret is read again (default 5 min): a
   * Secret deleted behind the operator's back is replaced within this time.
   */
  recheckMs?: number;
  /** How long the API server's version is remembered (default 10 min; a control plane upgrade shows up then). */
  versionTtlMs?: number;
}

interface Cached {
  token: PoolToken;
  uid: string;
  checkedAt: number;
}

const NODE_POOLS = crd(GROUP, VERSION, KINDS.NodePool.plural, KINDS.NodePool.kind, false);
const MANAGED_NODE_POOLS = crd(
  GROUP,
  VERSION,
  KINDS.ManagedNodePool.plural,
  KINDS.ManagedNodePool.kind,
  false,
);
const PoolMetaSchema = z.object({ metadata: z.object({ name: z.string(), uid: z.string() }) });

/**
 * The ClusterJoinProvider over the API server: one bootstrap token Secret per pool in kube-system, in the pool's
 * own group (`system:bootstrappers:nodepool:<pool>`), reused while more than 2 h of its 4 h are left, then replaced by a new one (the old one is left to expire: nodes booting
 * now may still hold it; the controller manager's token cleaner deletes it after expiry). Each Secret is owned
 * by its pool (ownerReference), so the garbage collector deletes it with the pool even if `forget` is never
 * called. The Secrets are the truth: a restarted operator finds and reuses a valid token; memory only saves
 * reads.
 */
export function newClusterJoinProvider(deps: ClusterJoinDeps): ClusterJoinProvider {
  const log = deps.logger.child({ component: 'cluster-join' });
  const secrets = new TypedResource(deps.client, Resources.secrets, TokenSecretSchema);
  const recheckMs = deps.recheckMs ?? 5 * 60_000;
  const versionTtlMs = deps.versionTtlMs ?? 10 * 60_000;
  const cache = new Map<string, Cached>();
  const inflight = new Map<string, Promise<PoolToken>>();
  let caHash: Promise<string> | undefined;
  let version: { value: string; at: number } | undefined;

  const clusterCaHash = (): Promise<string> => {
    caHash ??= readClusterCa(deps.client, deps.caCertPem).then(caCertHash);
    // a failure is not remembered: the next call tries again
    caHash.catch(() => (caHash = undefined));
    return caHash;
  };

  const kubernetesVersion = async (): Promise<string> => {
    if (version && deps.clock.monotonic() - version.at < versionTtlMs) return version.value;
    const value = await readKubernetesVersion(deps.client);
    version = { value, at: deps.clock.monotonic() };
    return value;
  };

  /** The pool object the token is for: its kind decides the ownerReference (a wrong kind would be GC'd). */
  const owner = async (name: string, uid: string): Promise<PoolOwner> => {
    for (const ref of [NODE_POOLS, MANAGED_NODE_POOLS]) {
      try {
        const pool = new TypedResource(deps.client, ref, PoolMetaSchema);
        const got = await pool.get(name);
        if (got.metadata.uid === uid) return { kind: ref.kind as PoolOwner['kind'], name, uid };
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    throw new ClusterJoinError(
      `no NodePool or ManagedNodePool ${name} with uid ${uid}: no bootstrap token for it`,
    );
  };

  const poolTokens = async (pool: string): Promise<PoolToken[]> => {
    const { items } = await secrets.list({
      namespace: BOOTSTRAP_TOKEN_NAMESPACE,
      labelSelector: `${TOKEN_POOL_LABEL}=${pool}`,
    });
    return items.flatMap((s) => parseTokenSecret(s) ?? []);
  };

  const stillValid = async (c: Cached): Promise<boolean> => {
    try {
      const s = parseTokenSecret(await secrets.get(c.token.secretName, BOOTSTRAP_TOKEN_NAMESPACE));
      return s !== undefined && s.id === c.token.id && s.secret === c.token.secret && !s.deleting;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };

  /**
   * Tokens an earlier version made for the pool, in kubeadm's group (automatically approved for any node name
   * in kubeadm clusters), are deleted once the pool has a token of its own: instances still booting with one
   * fail to register and are replaced (registrationTimeout), which beats leaving that token usable for a day.
   */
  const dropLegacy = async (pool: string, tokens: readonly PoolToken[]): Promise<void> => {
    const legacy = tokens.filter((t) => !t.deleting && !inPoolGroupOnly(t, pool));
    for (const t of legacy) {
      try {
        await secrets.delete(t.secretName, { namespace: BOOTSTRAP_TOKEN_NAMESPACE });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (legacy.length > 0)
      log.info(
        { pool, action: 'delete-legacy-bootstrap-tokens', secrets: legacy.map((t) => t.secretName) },
        'deleted bootstrap tokens in the old group',
      );
  };
  const resolve = async (pool: string, uid: string): Promise<PoolToken> => {
    const now = deps.clock.now();
    const cached = cache.get(pool);
    if (cached && cached.uid === uid && cached.token.expiresAt - now > REUSE_MIN_REMAINING_MS) {
      if (deps.clock.monotonic() - cached.checkedAt < recheckMs) return cached.token;
      if (await stillValid(cached)) {
        cached.checkedAt = deps.clock.monotonic();
        return cached.token;
      }
    }
    cache.delete(pool);
    const all = await poolTokens(pool);
    const existing = pickReusable(all, now, uid, pool);
    if (existing) {
      cache.set(pool, { token: existing, uid, checkedAt: deps.clock.monotonic() });
      log.debug({ pool, secret: existing.secretName }, 'reusing the bootstrap token');
      return existing;
    }
    const ownerRef = await owner(pool, uid);
    const { id, secret } = generateToken();
    const expiresAt = now + TOKEN_TTL_MS;
    const created = parseTokenSecret(
      await secrets.create(
        tokenSecretManifest({ pool, owner: ownerRef, id, secret, expiresAt }),
        BOOTSTRAP_TOKEN_NAMESPACE,
      ),
    );
    if (!created)
      throw new ClusterJoinError(`the bootstrap token Secret of pool ${pool} was not read back as created`);
    log.info(
      {
        pool,
        action: 'create-bootstrap-token',
        secret: created.secretName,
        expiresAt: new Date(expiresAt).toISOString(),
      },
      'created a bootstrap token',
    );
    cache.set(pool, { token: created, uid, checkedAt: deps.clock.monotonic() });
    await dropLegacy(pool, all);
    return created;
  };

  /** One resolution per pool at a time: concurrent callers share it (never two new tokens at once). */
  const token = (pool: string, uid: string): Promise<PoolToken> => {
    const running = inflight.get(pool);
    if (running) return running;
    const p = resolve(pool, uid).finally(() => inflight.delete(pool));
    inflight.set(pool, p);
    return p;
  };

  return {
    async forPool(poolName, poolUid) {
      const clusterId = deps.settings.clusterId;
      if (!clusterId)
        throw new ClusterJoinError('--cluster-id (NODEPOOL_CLUSTER_ID) is not set: nodes cannot be joined');
      const apiServer = deps.settings.apiserverEndpoint ?? deps.client.server;
      const [t, hash, kubernetesVersion_] = await Promise.all([
        token(poolName, poolUid),
        clusterCaHash(),
        kubernetesVersion(),
      ]);
      return {
        clusterId,
        apiServer,
        caCertHash: hash,
        token: `${t.id}.${t.secret}`,
        kubernetesVersion: kubernetesVersion_,
      };
    },

    async forget(poolName) {
      await inflight.get(poolName)?.catch(() => undefined);
      cache.delete(poolName);
      const { items } = await secrets.list({
        namespace: BOOTSTRAP_TOKEN_NAMESPACE,
        labelSelector: `${TOKEN_POOL_LABEL}=${poolName}`,
      });
      for (const s of items) {
        try {
          await secrets.delete(s.metadata.name, { namespace: BOOTSTRAP_TOKEN_NAMESPACE });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      if (items.length > 0)
        log.info(
          { pool: poolName, action: 'delete-bootstrap-tokens', count: items.length },
          'deleted the bootstrap tokens',
        );
    },
  };
}
