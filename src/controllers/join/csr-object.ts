import { z } from 'zod';
import { ObjectMetaSchema, TypedResource, type KubeClient, type ResourceRef } from '../../kube/index.js';
import type { Logger } from '../../log.js';
import type { Claim, CsrFacts, Decision } from './approval.js';
import { parseCsr } from './csr.js';

/** The CertificateSigningRequest API (certificates.k8s.io/v1). */
export const CSRS: ResourceRef = {
  group: 'certificates.k8s.io',
  version: 'v1',
  plural: 'certificatesigningrequests',
  kind: 'CertificateSigningRequest',
  namespaced: false,
};

const Condition = z.looseObject({ type: z.string(), status: z.string() });
export const CsrSchema = z.object({
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
export type Csr = z.infer<typeof CsrSchema>;
/** The whole object, for the PUT to /approval (every field kept). */
const FullCsrSchema = z.looseObject({
  metadata: ObjectMetaSchema.loose(),
  status: z.looseObject({ conditions: z.array(Condition).optional() }).optional(),
});

/** Approved, denied or failed already: nothing left to decide. */
export const decided = (csr: Csr): boolean =>
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

export type Verdict = Extract<Decision, { kind: 'approve' | 'deny' }>;

/** The condition a verdict adds to the CSR's status. */
export function verdictCondition(d: Verdict, now: number): Record<string, string> {
  const approve = d.kind === 'approve';
  return {
    type: approve ? 'Approved' : 'Denied',
    status: 'True',
    reason: approve ? 'NodePoolMember' : 'NotANodePoolMember',
    message: `${approve ? 'approved' : 'denied'} by alicloud-nodepool-operator: ${d.message}`,
    lastUpdateTime: new Date(now).toISOString(),
  };
}

/** Writes verdicts: the condition through the CSR's `approval` subresource (every other field kept), then a log line. */
export class VerdictWriter {
  private readonly api: TypedResource<typeof FullCsrSchema>;
  constructor(
    client: KubeClient,
    private readonly now: () => number,
  ) {
    this.api = new TypedResource(client, CSRS, FullCsrSchema);
  }

  async write(csr: Csr, d: Verdict, log: Logger, claim?: Claim): Promise<void> {
    const full = await this.api.get(csr.metadata.name);
    const conditions = [...(full.status?.conditions ?? []), verdictCondition(d, this.now())];
    await this.api.replace(
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
      reason: d.message,
    };
    if (d.kind === 'approve') log.info(fields, 'approved a kubelet certificate');
    else log.warn(fields, 'denied a kubelet certificate');
  }
}
