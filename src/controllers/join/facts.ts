import { z } from 'zod';
import { POOL_LABEL } from '../../bootstrap/labels.js';
import { TypedResource, type KubeClient, type Node } from '../../kube/index.js';
import type { Informer } from '../../runtime/informer.js';
import type { DeepReadonly } from '../../util/readonly.js';
import { PoolObjectSchema, type CachedPool } from '../nodepool/context.js';
import { POOL_KINDS, type PoolKindName } from '../nodepool/kinds.js';
import type { Claim, ClaimFacts } from './approval.js';
import type { MemberPool, PoolMemberCache } from './members.js';

/** What the approver reads of a pool object (either kind: both carry these fields). */
const PoolFieldsSchema = z.object({
  spec: z.looseObject({
    region: z.string(),
    customNodeName: z.object({ prefix: z.string(), suffix: z.string().optional() }).optional(),
  }),
  status: z.looseObject({ scalingGroupId: z.string().optional() }).optional(),
});

/** The approver's view of a pool object: the fields the decision and the member lookup read. */
export function poolFields(
  o: DeepReadonly<{ metadata: { name: string; deletionTimestamp?: string | undefined } }> & {
    readonly spec?: unknown;
    readonly status?: unknown;
  },
): MemberPool & { deleting: boolean } {
  const f = PoolFieldsSchema.safeParse({ spec: o.spec, status: o.status });
  if (!f.success)
    throw new Error(`pool ${o.metadata.name}: ${f.error.issues.map((i) => i.message).join('; ')}`);
  return {
    name: o.metadata.name,
    region: f.data.spec.region,
    customNodeName: f.data.spec.customNodeName,
    scalingGroupId: f.data.status?.scalingGroupId,
    deleting: o.metadata.deletionTimestamp !== undefined,
  };
}

/** Where the fact reader reads: the operator's informers (pools of both kinds, Nodes), the API, the cloud. */
export interface FactSources {
  client: KubeClient;
  /** The pools this operator manages (its --pool-selector), by kind: the NodePool controllers' informers. */
  pools: Record<PoolKindName, Informer<PoolObject>>;
  /** Every Node (by name): a claimed name is refused whenever any Node has it, pool label or not. */
  allNodes: Informer<Node>;
  /** The Node registered for a providerID, if any. */
  nodeByProvider: (providerID: string) => string | undefined;
  members: PoolMemberCache;
  poolSelector: string | undefined;
}
type PoolObject = z.output<typeof PoolObjectSchema>;
const KINDS: PoolKindName[] = ['NodePool', 'ManagedNodePool'];

/**
 * Reads what decide() needs from the informer caches — the pool as this operator manages it, the Node of the
 * claimed name — and the pool's members from the short-lived member cache. Only a pool the caches do not hold
 * is asked of the API server (a pool of another shard, a deleted one, or one created an instant ago).
 */
export class FactReader {
  constructor(private readonly s: FactSources) {}

  private async pool(name: string): Promise<{ pool?: CachedPool | PoolObject; exists: boolean }> {
    for (const k of KINDS) {
      const cached = this.s.pools[k].get(name);
      if (cached) return { pool: cached, exists: true };
    }
    return this.poolFromApi(name);
  }

  /** The API server's answer, for a name the caches lack: managed (by the selector), someone else's, or none. */
  private async poolFromApi(name: string): Promise<{ pool?: PoolObject; exists: boolean }> {
    const selector = this.s.poolSelector;
    for (const k of KINDS) {
      const api = new TypedResource(this.s.client, POOL_KINDS[k].ref, PoolObjectSchema);
      const fieldSelector = `metadata.name=${name}`;
      const { items } = await api.list({ fieldSelector, ...(selector ? { labelSelector: selector } : {}) });
      if (items[0]) return { pool: items[0], exists: true };
      if (selector && (await api.list({ fieldSelector })).items.length > 0) return { exists: true };
    }
    return { exists: false };
  }

  async read(claim: Claim, ageMs: number): Promise<ClaimFacts> {
    const node = this.s.allNodes.get(claim.nodeName);
    const poolName = claim.kind === 'client' ? claim.pool : node?.metadata.labels?.[POOL_LABEL];
    const found = poolName ? await this.pool(poolName) : { exists: false };
    const p = found.pool && poolFields(found.pool);
    const facts: ClaimFacts = {
      poolExists: found.exists,
      ageMs,
      node: node && { providerID: node.spec?.providerID, pool: node.metadata.labels?.[POOL_LABEL] },
      nodeOfInstance: (id) => this.s.nodeByProvider(`${p?.region ?? ''}.${id}`),
    };
    if (p) {
      const members = p.deleting ? [] : await this.s.members.members(p, claim.nodeName);
      facts.pool = { ...p, members };
    }
    return facts;
  }
}
