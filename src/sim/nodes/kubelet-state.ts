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
    const { server, ca, creds } = this.admin;
    const res = await kubeRequest(
      server,
      ca,
      creds,
      'PATCH',
      `/api/v1/nodes/${encodeURIComponent(nodeName)}`,
      { metadata: { annotations: { [SIM_KUBELET_ANNOTATION]: state ?? null } } },
      'application/merge-patch+json',
    );
    if (res.status === 404) return false;
    if (res.status !== 200)
      throw new Error(`patching Node ${nodeName} failed (${res.status}): ${res.text.slice(0, 200)}`);
    return true;
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
