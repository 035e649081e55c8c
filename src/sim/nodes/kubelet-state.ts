import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { SIM_KUBELET_ANNOTATION, type SimKubeletState } from '../../devstack/kwok-stages.js';
import { kubeRequest, type Credentials } from './kube-http.js';

const kubeconfigSchema = z.object({
  clusters: z
    .array(
      z.object({
        name: z.string(),
        cluster: z.object({ server: z.string(), 'certificate-authority-data': z.string() }),
      }),
    )
    .min(1),
  users: z
    .array(
      z.object({
        name: z.string(),
        user: z.object({ 'client-certificate-data': z.string(), 'client-key-data': z.string() }),
      }),
    )
    .min(1),
  contexts: z.array(
    z.object({ name: z.string(), context: z.object({ cluster: z.string(), user: z.string() }) }),
  ),
  'current-context': z.string(),
});

export interface ClusterAdmin {
  server: string;
  ca: string;
  creds: Credentials;
}

/** The cluster and identity of a kubeconfig with embedded certificates (what the dev stack writes). */
export async function readClusterAdmin(kubeconfig: string): Promise<ClusterAdmin> {
  const r = kubeconfigSchema.safeParse(parse(await readFile(kubeconfig, 'utf8')));
  if (!r.success) throw new Error(`${kubeconfig}: ${r.error.issues[0]?.message ?? 'not a kubeconfig'}`);
  const k = r.data;
  const ctx = k.contexts.find((c) => c.name === k['current-context'])?.context;
  const cluster = k.clusters.find((c) => c.name === ctx?.cluster) ?? k.clusters[0];
  const user = k.users.find((u) => u.name === ctx?.user) ?? k.users[0];
  if (!cluster || !user) throw new Error(`${kubeconfig}: no cluster or user`);
  const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
  return {
    server: cluster.cluster.server,
    ca: b64(cluster.cluster['certificate-authority-data']),
    creds: { cert: b64(user.user['client-certificate-data']), key: b64(user.user['client-key-data']) },
  };
}

/** How long a kubelet state write is tried again through transient API server errors. */
export const KUBELET_WRITE_DEADLINE_MS = 60_000;

const nodeListSchema = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string() }),
      spec: z.object({ providerID: z.string().optional() }).optional(),
    }),
  ),
});

/**
 * The simulation's own writes to the cluster (not a kubelet's: the state of the machine under a Node), with
 * admin credentials: whether a Node's kubelet is gone or never gets Ready (SIM_KUBELET_ANNOTATION).
 */
export class KubeletStates {
  constructor(private readonly admin: ClusterAdmin) {}

  static async fromKubeconfig(kubeconfig: string): Promise<KubeletStates> {
    return new KubeletStates(await readClusterAdmin(kubeconfig));
  }

  /** Sets (or, with `undefined`, clears) a Node's kubelet state; false when the Node is gone. */
  async set(nodeName: string, state: SimKubeletState | undefined): Promise<boolean> {
    // a machine that stopped must never leave its Node Ready: a busy API server's 429 / 5xx or a dropped
    // connection is tried again (with backoff, for up to KUBELET_WRITE_DEADLINE_MS), as a kubelet keeps trying
    const deadline = Date.now() + KUBELET_WRITE_DEADLINE_MS;
    for (let attempt = 1; ; attempt++) {
      const r = await this.patchOnce(nodeName, state);
      if (typeof r === 'boolean') return r;
      if (!r.transient || Date.now() >= deadline)
        throw new Error(`patching Node ${nodeName} failed (${attempt} attempts): ${r.failure}`);
      await new Promise((res) => setTimeout(res, Math.min(200 * 2 ** (attempt - 1), 5_000)));
    }
  }

  /** One write: true done, false the Node is gone, else why it failed and whether trying again may help. */
  private async patchOnce(
    nodeName: string,
    state: SimKubeletState | undefined,
  ): Promise<boolean | { failure: string; transient: boolean }> {
    const { server, ca, creds } = this.admin;
    const patch = { metadata: { annotations: { [SIM_KUBELET_ANNOTATION]: state ?? null } } };
    const path = `/api/v1/nodes/${encodeURIComponent(nodeName)}`;
    try {
      const res = await kubeRequest(server, ca, creds, 'PATCH', path, patch, 'application/merge-patch+json');
      if (res.status === 404) return false;
      if (res.status === 200) return true;
      return {
        failure: `${res.status}: ${res.text.slice(0, 200)}`,
        transient: res.status === 429 || res.status >= 500,
      };
    } catch (err) {
      return { failure: err instanceof Error ? err.message : String(err), transient: true };
    }
  }

  /** The Node of an instance (its providerID ends with the instance id), e.g. one registered before a restart. */
  async nodeOf(instanceId: string): Promise<string | undefined> {
    const { server, ca, creds } = this.admin;
    const res = await kubeRequest(server, ca, creds, 'GET', '/api/v1/nodes');
    if (res.status !== 200)
      throw new Error(`listing Nodes failed (${res.status}): ${res.text.slice(0, 200)}`);
    const list = nodeListSchema.parse(res.body);
    return list.items.find((n) => {
      const id = n.spec?.providerID;
      return (
        id !== undefined &&
        (id === instanceId || id.endsWith(`.${instanceId}`) || id.endsWith(`/${instanceId}`))
      );
    })?.metadata.name;
  }
}
