import { caCertHash } from '../../bootstrap/ca-hash.js';
import type { ClusterJoin } from '../../bootstrap/from-pool.js';
import type { KubeClient } from '../../kube/index.js';
import type { Logger } from '../../log.js';
import type { Settings } from '../../operator/settings.js';
import type { Clock } from '../../runtime/clock.js';
import { ClusterJoinError, readClusterCa, readKubernetesVersion } from './cluster.js';
import { PoolTokenStore } from './pool-tokens.js';

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

/**
 * The ClusterJoinProvider over the API server: one bootstrap token Secret per pool in kube-system, in the pool's
 * own group (`system:bootstrappers:nodepool:<pool>`), reused while more than 2 h of its 4 h are left, then replaced by a new one (the old one is left to expire: nodes booting
 * now may still hold it; the controller manager's token cleaner deletes it after expiry). Each Secret is owned
 * by its pool (ownerReference), so the garbage collector deletes it with the pool even if `forget` is never
 * called. The Secrets are the truth: a restarted operator finds and reuses a valid token; memory only saves
 * reads.
 */
export function newClusterJoinProvider(deps: ClusterJoinDeps): ClusterJoinProvider {
  const tokens = new PoolTokenStore({
    client: deps.client,
    clock: deps.clock,
    log: deps.logger.child({ component: 'cluster-join' }),
    recheckMs: deps.recheckMs ?? 5 * 60_000,
  });
  const clusterCaHash = remembered(() => readClusterCa(deps.client, deps.caCertPem).then(caCertHash));
  const kubernetesVersion = refreshed(
    () => readKubernetesVersion(deps.client),
    deps.versionTtlMs ?? 10 * 60_000,
    deps.clock,
  );
  return {
    async forPool(poolName, poolUid) {
      const clusterId = deps.settings.clusterId;
      if (!clusterId)
        throw new ClusterJoinError('--cluster-id (NODEPOOL_CLUSTER_ID) is not set: nodes cannot be joined');
      const apiServer = deps.settings.apiserverEndpoint ?? deps.client.server;
      const [t, hash, version] = await Promise.all([
        tokens.token(poolName, poolUid),
        clusterCaHash(),
        kubernetesVersion(),
      ]);
      return {
        clusterId,
        apiServer,
        caCertHash: hash,
        token: `${t.id}.${t.secret}`,
        kubernetesVersion: version,
      };
    },
    forget: (poolName) => tokens.forget(poolName),
  };
}

/** A value read once and kept; a failure is not remembered (the next call tries again). */
function remembered<T>(read: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= read();
    value.catch(() => (value = undefined));
    return value;
  };
}

/** A value read again once it is `ttlMs` old (monotonic clock). */
function refreshed<T>(read: () => Promise<T>, ttlMs: number, clock: Clock): () => Promise<T> {
  let kept: { value: T; at: number } | undefined;
  return async () => {
    if (kept && clock.monotonic() - kept.at < ttlMs) return kept.value;
    const value = await read();
    kept = { value, at: clock.monotonic() };
    return value;
  };
}
