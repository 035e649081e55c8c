import { z } from 'zod';
import { GROUP, KINDS, VERSION } from '../../apis/v1beta1/constants.js';
import { POOL_LABEL } from '../../bootstrap/labels.js';
import type { CloudProvider } from '../../cloud/provider.js';
import { CLUSTER_TAG, POOL_TAG } from '../../cloud/types.js';
import {
  crd,
  isNotFound,
  NodeSchema,
  ObjectMetaSchema,
  Resources,
  TypedResource,
  type KubeClient,
  type Node,
  type ResourceRef,
} from '../../kube/index.js';
import { Controller, type ReconcileContext, type ReconcileResult } from '../../runtime/controller.js';
import type { ControllerDeps } from '../deps.js';
import {
  classify,
  decide,
  nodeNameOf,
  type Claim,
  type ClaimFacts,
  type CsrFacts,
  type Decision,
  type MemberInstance,
} from './approval.js';
import { parseCsr } from './csr.js';

export const CSR_APPROVER_CONTROLLER = 'csr-approver';

const CSRS: ResourceRef = {
  group: 'certificates.k8s.io',
  version: 'v1',
  plural: 'certificatesigningrequests',
  kind: 'CertificateSigningRequest',
  namespaced: false,
};

const Condition = z.looseObject({ type: z.string(), status: z.string() });
const CsrSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z.object({
    request: z.string(),
    signerName: z.string(),
    username: z.string().optional(),
    groups: z.array(z.string()).optional(),
    usages: z.array(z.string()).optional(),
  }),
  status: z.object({ conditions: z.array(Condition).optional() }).optional(),
});
type Csr = z.infer<typeof CsrSchema>;
/** The whole object, for the PUT to /approval (every field kept). */
const FullCsrSchema = z.looseObject({
  metadata: ObjectMetaSchema.loose(),
  status: z.looseObject({ conditions: z.array(Condition).optional() }).optional(),
});

const PoolSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z.looseObject({
    region: z.string(),
    customNodeName: z.object({ prefix: z.string(), suffix: z.string().optional() }).optional(),
  }),
  status: z.looseObject({ scalingGroupId: z.string().optional() }).optional(),
});
type Pool = z.infer<typeof PoolSchema>;
const POOL_REFS = [KINDS.NodePool, KINDS.ManagedNodePool].map((k) =>
  crd(GROUP, VERSION, k.plural, k.kind, false),
);

const decided = (csr: Csr): boolean =>
  csr.status?.conditions?.some(
    (c) => ['Approved', 'Denied', 'Failed'].includes(c.type) && c.status === 'True',
  ) ?? false;

/** What classify() reads of a request. */
export function csrFacts(csr: Csr): CsrFacts {
  let content: CsrFacts['content'];
  try {
    content = parseCsr(Buffer.from(csr.spec.request, 'base64').toString('latin1'));
  } catch (err) {
    content = { error: err instanceof Error ? err.message : String(err) };
  }
  return {
    signerName: csr.spec.signerName,
    username: csr.spec.username ?? '',
    groups: csr.spec.groups ?? [],
    usages: csr.spec.usages ?? [],
    content,
  };
}

/** Reads what decide() needs: the pool (as this operator manages it), the Node, the pool's member instances. */
class FactReader {
  private readonly nodes: TypedResource<typeof NodeSchema>;
  constructor(
    private readonly client: KubeClient,
    private readonly cloud: CloudProvider,
    private readonly settings: ControllerDeps['settings'],
    private readonly nodeByProvider: (providerID: string) => string | undefined,
  ) {
    this.nodes = new TypedResource(client, Resources.nodes, NodeSchema);
  }

  private async node(name: string): Promise<Node | undefined> {
    try {
      return await this.nodes.get(name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The pool if this operator manages it (its --pool-selector), and whether it exists at all. */
  private async pool(name: string): Promise<{ pool?: Pool; exists: boolean }> {
    for (const ref of POOL_REFS) {
      const api = new TypedResource(this.client, ref, PoolSchema);
      const fieldSelector = `metadata.name=${name}`;
      const selector = this.settings.poolSelector;
      const { items } = await api.list({ fieldSelector, ...(selector ? { labelSelector: selector } : {}) });
      if (items[0]) return { pool: items[0], exists: true };
      if (selector && (await api.list({ fieldSelector })).items.length > 0) return { exists: true };
    }
    return { exists: false };
  }

  /** The scaling group's members, and the instances tagged with the pool (launched, not attached yet). */
  private async members(pool: Pool, want: string): Promise<MemberInstance[]> {
    const groupId = pool.status?.scalingGroupId;
    const inGroup = groupId ? await this.cloud.listPoolInstances(groupId) : [];
    const spec = { region: pool.spec.region, customNodeName: pool.spec.customNodeName };
    if (
      inGroup.some((m) => m.privateIp && nodeNameOf(spec, m.privateIp) === want) ||
      !this.settings.clusterId
    )
      return inGroup;
    const tagged = await this.cloud.findInstancesByTags({
      [CLUSTER_TAG]: this.settings.clusterId,
      [POOL_TAG]: pool.metadata.name,
    });
    return [...inGroup, ...tagged];
  }

  async read(claim: Claim, ageMs: number): Promise<ClaimFacts> {
    const node = await this.node(claim.nodeName);
    const poolName = claim.kind === 'client' ? claim.pool : node?.metadata.labels?.[POOL_LABEL];
    const found = poolName ? await this.pool(poolName) : { exists: false };
    const facts: ClaimFacts = {
      poolExists: found.exists,
      ageMs,
      node: node && { providerID: node.spec?.providerID, pool: node.metadata.labels?.[POOL_LABEL] },
      nodeOfInstance: (id) => this.nodeByProvider(`${found.pool?.spec.region ?? ''}.${id}`),
    };
    const p = found.pool;
    if (p) {
      const members = p.metadata.deletionTimestamp ? [] : await this.members(p, claim.nodeName);
      facts.pool = {
        name: p.metadata.name,
        region: p.spec.region,
        customNodeName: p.spec.customNodeName,
        deleting: p.metadata.deletionTimestamp !== undefined,
        members,
      };
    }
    return facts;
  }
}

/**
 * The CSR approver: approves kubelet client certificates requested with a pool's bootstrap token only for a
 * member instance of that pool without a Node, and kubelet serving certificates only for the node's own
 * instance; denies what such a token asks beyond that (approval.ts). Needs `update` on
 * `certificatesigningrequests/approval` and `approve` on the two kubelet signers (the chart grants exactly
 * that); the controller manager signs what is approved.
 */
export function newCsrApprover(deps: ControllerDeps & { cloud: CloudProvider }): Controller {
  const csrs = deps.informers.informer(CSRS, CsrSchema);
  // the NodePool controller's Node informer (same key: one watch), with an index by providerID
  const nodes = deps.informers.informer(Resources.nodes, NodeSchema, {
    labelSelector: POOL_LABEL,
    indexers: { providerID: (n: Node) => (n.spec?.providerID ? [n.spec.providerID] : []) },
  });
  const byProvider = (id: string) => nodes.byIndex('providerID', id)[0]?.metadata.name;
  const reader = new FactReader(deps.client, deps.cloud, deps.settings, byProvider);
  const api = new TypedResource(deps.client, CSRS, FullCsrSchema);

  const write = async (
    csr: Csr,
    d: Extract<Decision, { kind: 'approve' | 'deny' }>,
    ctx: ReconcileContext,
    claim?: Claim,
  ) => {
    const full = await api.get(csr.metadata.name);
    const condition =
      d.kind === 'approve'
        ? {
            type: 'Approved',
            status: 'True',
            reason: 'NodePoolMember',
            message: `approved by alicloud-nodepool-operator: ${d.message}`,
          }
        : {
            type: 'Denied',
            status: 'True',
            reason: 'NotANodePoolMember',
            message: `denied by alicloud-nodepool-operator: ${d.message}`,
          };
    const conditions = [
      ...(full.status?.conditions ?? []),
      { ...condition, lastUpdateTime: new Date(deps.clock.now()).toISOString() },
    ];
    await api.replace(
      csr.metadata.name,
      { ...full, status: { ...full.status, conditions } },
      undefined,
      'approval',
    );
    const fields = {
      action: d.kind === 'approve' ? 'approve-csr' : 'deny-csr',
      csr: csr.metadata.name,
      node: claim?.nodeName,
      pool: claim?.kind === 'client' ? claim.pool : undefined,
      requester: csr.spec.username,
    };
    if (d.kind === 'approve')
      ctx.log.info({ ...fields, reason: d.message }, 'approved a kubelet certificate');
    else ctx.log.warn({ ...fields, reason: d.message }, 'denied a kubelet certificate');
  };

  const controller = new Controller({
    name: CSR_APPROVER_CONTROLLER,
    logger: deps.logger,
    clock: deps.clock,
    concurrency: 2,
    metrics: {
      controller: deps.metrics.controller(CSR_APPROVER_CONTROLLER),
      queue: deps.metrics.queue(CSR_APPROVER_CONTROLLER),
    },
    reconcile: async (key, ctx): Promise<ReconcileResult> => {
      const csr = csrs.get(key);
      if (!csr || decided(csr)) return {};
      const c = classify(csrFacts(csr));
      if (c.kind === 'ignore') return {};
      if (c.kind === 'deny') {
        await write(csr, c, ctx);
        return {};
      }
      const created = Date.parse(csr.metadata.creationTimestamp ?? '');
      const ageMs = Number.isNaN(created) ? 0 : Math.max(0, deps.clock.now() - created);
      const d = decide(c, await reader.read(c, ageMs));
      if (d.kind === 'ignore') return {};
      if (d.kind === 'wait') {
        ctx.log.debug(
          { csr: key, node: c.nodeName, reason: d.message },
          'waiting for the instance to be listed',
        );
        return { requeueAfter: 5_000 };
      }
      await write(csr, d, ctx, c);
      return {};
    },
  });
  return controller.watch(csrs).watch(nodes, () => undefined);
}
