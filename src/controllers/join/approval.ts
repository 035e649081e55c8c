import type { CsrContent } from './csr.js';
import { poolOfGroups } from './token.js';

/**
 * Which kubelet certificate requests the operator approves — the pure half of the CSR approver (approver.ts
 * reads the world and carries the decision out).
 *
 * A pool's bootstrap token is in its user data, so anyone who can read that (a process on the node, the
 * metadata service, `ess:DescribeScalingConfigurations`) holds it. What it buys must be no more than what the
 * instance it was meant for needs: one client certificate, `system:node:<n>`, where `n` is the node name of a
 * member instance of the token's pool (its private IP in the pool's naming) that has no Node yet. An existing
 * node's name is never granted (that would be a takeover of a live node). A kubelet's serving certificate is
 * approved only for the names and addresses of the node's own instance. Requests of other signers, or made
 * with tokens that are not the operator's (kubeadm's, an External pool's), are left alone for whoever
 * approves them.
 */

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const NODE_PREFIX = 'system:node:';
const CLIENT_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);
const SERVING_USAGES = new Set(['digital signature', 'key encipherment', 'server auth']);

/** A request as the approver sees it (from the CertificateSigningRequest object and its parsed `request`). */
export interface CsrFacts {
  signerName: string;
  username: string;
  groups: readonly string[];
  usages: readonly string[];
  /** The parsed request, or why it could not be parsed. */
  content: CsrContent | { error: string };
}

/** What a request claims, once it is found to be one the operator decides on. */
export type Claim =
  | { kind: 'client'; pool: string; nodeName: string }
  | { kind: 'serving'; nodeName: string; dnsNames: readonly string[]; ipAddresses: readonly string[] };

export type Classified = Claim | { kind: 'ignore'; why: string } | { kind: 'deny'; message: string };

function subjectProblem(c: CsrContent, nodeName: string | undefined): string | undefined {
  if (!c.commonName?.startsWith(NODE_PREFIX))
    return `the subject's common name ${JSON.stringify(c.commonName ?? '')} is not system:node:<name>`;
  if (nodeName !== undefined && c.commonName !== `${NODE_PREFIX}${nodeName}`)
    return `the subject ${c.commonName} is not the requester system:node:${nodeName}`;
  if (c.organizations.length !== 1 || c.organizations[0] !== 'system:nodes')
    return `the subject's organizations ${JSON.stringify(c.organizations)} are not exactly ["system:nodes"]`;
  if (c.otherSubject.length > 0) return `the subject carries other attributes (${c.otherSubject.join(', ')})`;
  return undefined;
}

function usageProblem(usages: readonly string[], allowed: Set<string>, needed: string): string | undefined {
  const extra = usages.filter((u) => !allowed.has(u));
  if (extra.length > 0) return `usages ${extra.join(', ')} are not a kubelet's`;
  if (!usages.includes(needed)) return `the usages lack ${needed}`;
  return undefined;
}

function classifyClient(csr: CsrFacts): Classified {
  const pool = poolOfGroups(csr.groups);
  if (pool === undefined || !csr.username.startsWith('system:bootstrap:'))
    return { kind: 'ignore', why: 'not made with a pool bootstrap token' };
  if ('error' in csr.content)
    return { kind: 'deny', message: `the request cannot be read: ${csr.content.error}` };
  const c = csr.content;
  const problem =
    subjectProblem(c, undefined) ??
    usageProblem(csr.usages, CLIENT_USAGES, 'client auth') ??
    (c.dnsNames.length + c.ipAddresses.length + c.otherNames > 0
      ? 'a client certificate request carries subject alternative names'
      : undefined);
  if (problem) return { kind: 'deny', message: problem };
  return { kind: 'client', pool, nodeName: c.commonName!.slice(NODE_PREFIX.length) };
}

function classifyServing(csr: CsrFacts): Classified {
  if (!csr.username.startsWith(NODE_PREFIX) || !csr.groups.includes('system:nodes'))
    return { kind: 'ignore', why: 'not requested by a node' };
  const nodeName = csr.username.slice(NODE_PREFIX.length);
  if ('error' in csr.content)
    return { kind: 'deny', message: `the request cannot be read: ${csr.content.error}` };
  const c = csr.content;
  const problem =
    subjectProblem(c, nodeName) ??
    usageProblem(csr.usages, SERVING_USAGES, 'server auth') ??
    (c.otherNames > 0 ? 'subject alternative names other than DNS names and IP addresses' : undefined) ??
    (c.dnsNames.length + c.ipAddresses.length === 0 ? 'no DNS name or IP address to serve' : undefined);
  if (problem) return { kind: 'deny', message: problem };
  return { kind: 'serving', nodeName, dnsNames: c.dnsNames, ipAddresses: c.ipAddresses };
}

/** Step 1: is this a request the operator decides, and what does it claim? (No I/O.) */
export function classify(csr: CsrFacts): Classified {
  if (csr.signerName === KUBELET_CLIENT_SIGNER) return classifyClient(csr);
  if (csr.signerName === KUBELET_SERVING_SIGNER) return classifyServing(csr);
  return { kind: 'ignore', why: `signer ${csr.signerName}` };
}

/** A member instance of a pool, as the cloud reports it. */
export interface MemberInstance {
  instanceId: string;
  status: string | undefined;
  /** The ESS lifecycle state of a group member (absent for an instance not attached yet). */
  lifecycleState?: string | undefined;
  privateIp: string | undefined;
  hostName?: string | undefined;
}

/** The node name a pool's instance registers with (bootstrap/scripts/lib.sh: npo_identity). */
export function nodeNameOf(
  pool: { region: string; customNodeName?: { prefix: string; suffix?: string | undefined } | undefined },
  privateIp: string,
): string {
  const c = pool.customNodeName;
  return c ? `${c.prefix}${privateIp}${c.suffix ?? ''}`.toLowerCase() : `${pool.region}.${privateIp}`;
}

/** What the approver found for a claim. */
export interface ClaimFacts {
  /** The pool the token belongs to (client) or the Node's pool (serving); undefined: none this operator manages. */
  pool?:
    | {
        name: string;
        region: string;
        customNodeName?: { prefix: string; suffix?: string | undefined } | undefined;
        deleting: boolean;
        members: readonly MemberInstance[];
      }
    | undefined;
  /** Whether the pool exists at all (for any operator): a token of a deleted pool is refused, another shard's is left alone. */
  poolExists: boolean;
  /** The Node of the claimed name, if one exists: its providerID and pool label. */
  node?: { providerID?: string | undefined; pool?: string | undefined } | undefined;
  /** Another Node already registered for the matching instance (by providerID), if any. */
  nodeOfInstance?: (instanceId: string) => string | undefined;
  /** How long the request has been waiting (a booting instance may not be listed as a member at once). */
  ageMs: number;
}

export type Decision =
  | { kind: 'ignore'; why: string }
  | { kind: 'approve'; message: string }
  | { kind: 'deny'; message: string }
  | { kind: 'wait'; message: string };

/** How long an unknown node name is given to show up as a member (a Subscription instance is attached after it boots). */
export const MEMBER_GRACE_MS = 3 * 60_000;
const LIVE = new Set(['Pending', 'Starting', 'Running']);

/** Step 2: the decision for a claim, from what the cloud and the API server say. (No I/O.) */
export function decide(claim: Claim, f: ClaimFacts): Decision {
  if (!f.pool) {
    if (f.poolExists) return { kind: 'ignore', why: 'the pool is not managed by this operator' };
    return claim.kind === 'client'
      ? { kind: 'deny', message: `pool ${claim.pool} does not exist` }
      : { kind: 'ignore', why: 'the node belongs to no pool' };
  }
  const pool = f.pool;
  if (claim.kind === 'client') {
    if (pool.deleting) return { kind: 'deny', message: `pool ${pool.name} is being deleted` };
    if (f.node)
      return {
        kind: 'deny',
        message: `a Node named ${claim.nodeName} exists already: a bootstrap token never gets the identity of an existing node`,
      };
  } else if (!f.node) return { kind: 'deny', message: `there is no Node ${claim.nodeName}` };
  const member = pool.members.find((m) => m.privateIp && nodeNameOf(pool, m.privateIp) === claim.nodeName);
  if (!member) {
    const message = `no instance of pool ${pool.name} has the node name ${claim.nodeName}`;
    return f.ageMs < MEMBER_GRACE_MS ? { kind: 'wait', message } : { kind: 'deny', message };
  }
  if (!LIVE.has(member.status ?? ''))
    return { kind: 'deny', message: `instance ${member.instanceId} is ${member.status ?? 'gone'}` };
  // a member ESS is removing (a scale-in, its hook wait) never gets a Node: it would outlive its instance
  if (member.lifecycleState?.startsWith('Removing'))
    return {
      kind: 'deny',
      message: `instance ${member.instanceId} is being removed from the scaling group (${member.lifecycleState})`,
    };
  const other = f.nodeOfInstance?.(member.instanceId);
  if (other !== undefined && other !== claim.nodeName)
    return { kind: 'deny', message: `instance ${member.instanceId} is registered as Node ${other} already` };
  if (claim.kind === 'client')
    return {
      kind: 'approve',
      message: `instance ${member.instanceId} (${member.privateIp}) of pool ${pool.name}, no Node yet`,
    };
  return decideServing(claim, member, f.node!, pool);
}

function decideServing(
  claim: Extract<Claim, { kind: 'serving' }>,
  member: MemberInstance,
  node: NonNullable<ClaimFacts['node']>,
  pool: NonNullable<ClaimFacts['pool']>,
): Decision {
  if (!node.providerID?.endsWith(`.${member.instanceId}`))
    return {
      kind: 'deny',
      message: `Node ${claim.nodeName}'s providerID ${node.providerID ?? '(none)'} is not instance ${member.instanceId}`,
    };
  const ips = claim.ipAddresses.filter((a) => a !== member.privateIp);
  if (ips.length > 0)
    return {
      kind: 'deny',
      message: `IP addresses ${ips.join(', ')} are not instance ${member.instanceId}'s`,
    };
  const names = new Set([claim.nodeName, ...(member.hostName ? [member.hostName.toLowerCase()] : [])]);
  const dns = claim.dnsNames.filter((d) => !names.has(d.toLowerCase()));
  if (dns.length > 0)
    return { kind: 'deny', message: `DNS names ${dns.join(', ')} are not Node ${claim.nodeName}'s` };
  return {
    kind: 'approve',
    message: `serving certificate of instance ${member.instanceId} (${member.privateIp}) of pool ${pool.name}`,
  };
}
