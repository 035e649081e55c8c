import { z } from 'zod';
import { GROUP, KINDS, VERSION } from '../../apis/v1beta1/constants.js';
import { crd, isNotFound, Resources, TypedResource, type KubeClient } from '../../kube/index.js';
import type { Logger } from '../../log.js';
import type { Clock } from '../../runtime/clock.js';
import { ClusterJoinError } from './cluster.js';
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

export interface PoolTokenDeps {
  client: KubeClient;
  clock: Clock;
  log: Logger;
  /** How long a token handed out is trusted from memory before its Secret is read again. */
  recheckMs: number;
}

/**
 * The pools' bootstrap token Secrets (the truth) and what memory keeps of them: one resolution per pool at a
 * time, a remembered token re-read every `recheckMs`, a new token created when none is reusable, the old
 * group's tokens deleted once the pool has its own (provider.ts says the policy).
 */
export class PoolTokenStore {
  private readonly secrets: TypedResource<typeof TokenSecretSchema>;
  private readonly cache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<PoolToken>>();

  constructor(private readonly deps: PoolTokenDeps) {
    this.secrets = new TypedResource(deps.client, Resources.secrets, TokenSecretSchema);
  }

  /** One resolution per pool at a time: concurrent callers share it (never two new tokens at once). */
  token(pool: string, uid: string): Promise<PoolToken> {
    const running = this.inflight.get(pool);
    if (running) return running;
    const p = this.resolve(pool, uid).finally(() => this.inflight.delete(pool));
    this.inflight.set(pool, p);
    return p;
  }

  /** Deletes every token Secret of the pool (after a resolution under way has finished). */
  async forget(pool: string): Promise<void> {
    await this.inflight.get(pool)?.catch(() => undefined);
    this.cache.delete(pool);
    const { items } = await this.secrets.list({
      namespace: BOOTSTRAP_TOKEN_NAMESPACE,
      labelSelector: `${TOKEN_POOL_LABEL}=${pool}`,
    });
    for (const s of items) await this.deleteSecret(s.metadata.name);
    if (items.length > 0)
      this.deps.log.info(
        { pool, action: 'delete-bootstrap-tokens', count: items.length },
        'deleted the bootstrap tokens',
      );
  }

  private async resolve(pool: string, uid: string): Promise<PoolToken> {
    const now = this.deps.clock.now();
    const remembered = await this.remembered(pool, uid, now);
    if (remembered) return remembered;
    this.cache.delete(pool);
    const all = await this.poolTokens(pool);
    const existing = pickReusable(all, now, uid, pool);
    if (existing) {
      this.remember(pool, uid, existing);
      this.deps.log.debug({ pool, secret: existing.secretName }, 'reusing the bootstrap token');
      return existing;
    }
    const created = await this.create(pool, uid, now);
    await this.dropLegacy(pool, all);
    return created;
  }

  /** The remembered token while it has enough time left, re-read from its Secret every `recheckMs`. */
  private async remembered(pool: string, uid: string, now: number): Promise<PoolToken | undefined> {
    const cached = this.cache.get(pool);
    if (!cached || cached.uid !== uid || cached.token.expiresAt - now <= REUSE_MIN_REMAINING_MS)
      return undefined;
    if (this.deps.clock.monotonic() - cached.checkedAt < this.deps.recheckMs) return cached.token;
    if (!(await this.stillValid(cached))) return undefined;
    cached.checkedAt = this.deps.clock.monotonic();
    return cached.token;
  }

  private remember(pool: string, uid: string, token: PoolToken): void {
    this.cache.set(pool, { token, uid, checkedAt: this.deps.clock.monotonic() });
  }

  private async create(pool: string, uid: string, now: number): Promise<PoolToken> {
    const ownerRef = await this.owner(pool, uid);
    const { id, secret } = generateToken();
    const expiresAt = now + TOKEN_TTL_MS;
    const created = parseTokenSecret(
      await this.secrets.create(
        tokenSecretManifest({ pool, owner: ownerRef, id, secret, expiresAt }),
        BOOTSTRAP_TOKEN_NAMESPACE,
      ),
    );
    if (!created)
      throw new ClusterJoinError(`the bootstrap token Secret of pool ${pool} was not read back as created`);
    this.deps.log.info(
      {
        pool,
        action: 'create-bootstrap-token',
        secret: created.secretName,
        expiresAt: new Date(expiresAt).toISOString(),
      },
      'created a bootstrap token',
    );
    this.remember(pool, uid, created);
    return created;
  }

  /** The pool object the token is for: its kind decides the ownerReference (a wrong kind would be GC'd). */
  private async owner(name: string, uid: string): Promise<PoolOwner> {
    for (const ref of [NODE_POOLS, MANAGED_NODE_POOLS]) {
      try {
        const got = await new TypedResource(this.deps.client, ref, PoolMetaSchema).get(name);
        if (got.metadata.uid === uid) return { kind: ref.kind as PoolOwner['kind'], name, uid };
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    throw new ClusterJoinError(
      `no NodePool or ManagedNodePool ${name} with uid ${uid}: no bootstrap token for it`,
    );
  }

  private async poolTokens(pool: string): Promise<PoolToken[]> {
    const { items } = await this.secrets.list({
      namespace: BOOTSTRAP_TOKEN_NAMESPACE,
      labelSelector: `${TOKEN_POOL_LABEL}=${pool}`,
    });
    return items.flatMap((s) => parseTokenSecret(s) ?? []);
  }

  private async stillValid(c: Cached): Promise<boolean> {
    try {
      const s = parseTokenSecret(await this.secrets.get(c.token.secretName, BOOTSTRAP_TOKEN_NAMESPACE));
      return s !== undefined && s.id === c.token.id && s.secret === c.token.secret && !s.deleting;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async deleteSecret(name: string): Promise<void> {
    try {
      await this.secrets.delete(name, { namespace: BOOTSTRAP_TOKEN_NAMESPACE });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Tokens an earlier version made for the pool, in kubeadm's group (automatically approved for any node name
   * in kubeadm clusters), are deleted once the pool has a token of its own: instances still booting with one
   * fail to register and are replaced (registrationTimeout), which beats leaving that token usable for a day.
   */
  private async dropLegacy(pool: string, tokens: readonly PoolToken[]): Promise<void> {
    const legacy = tokens.filter((t) => !t.deleting && !inPoolGroupOnly(t, pool));
    for (const t of legacy) await this.deleteSecret(t.secretName);
    if (legacy.length > 0)
      this.deps.log.info(
        { pool, action: 'delete-legacy-bootstrap-tokens', secrets: legacy.map((t) => t.secretName) },
        'deleted bootstrap tokens in the old group',
      );
  }
}
