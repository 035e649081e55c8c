import { newProvisioningController } from '../../src/controllers/provisioning/controller.js';
import { eventually, getJson, kubectlOk } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from '../nodepool/harness.js';
import { poolNodes, ready, type NodeJson } from '../nodepool/poll.js';

/** The label every pool of a provisioning test carries, and its test pods select (other tests' nodes are not theirs). */
export const TEST_LABEL = 'elasticity-e2e';

/** The NodePool harness with the provisioning controller, acting only for pods in `namespace`. */
export function startElasticity(
  clusterId: string,
  namespace: string,
  opts: { timeScale?: number } = {},
): Promise<Harness> {
  // prettier-ignore
  return startHarness({
    clusterId,
    managed: true,
    ...(opts.timeScale ? { timeScale: opts.timeScale } : {}),
    more: (deps) => [newProvisioningController(deps, (p) => p.metadata.namespace === namespace)],
  });
}

/** An Auto NodePool for elasticity tests: minSize 0, the test label on its nodes. */
export function autoPool(
  h: Harness,
  name: string,
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  const base = poolManifest(h, name, {
    scaling: { mode: 'Auto', minSize: 0, maxSize: 10 },
    labels: { [TEST_LABEL]: h.settings.clusterId },
    ...spec,
  });
  return base;
}

export async function applyAndWaitActive(
  h: Harness,
  manifest: Record<string, unknown>,
  kind = 'nodepool',
): Promise<void> {
  // prettier-ignore
  await applyPool(manifest);
  const name = (manifest.metadata as { name: string }).name;
  await eventually(`${kind} ${name} Active`, async () => {
    const p = await getJson<{ status?: { phase?: string; scalingGroupId?: string } }>([kind, name]);
    return p.status?.phase === 'Active' && p.status.scalingGroupId ? true : undefined;
  }, { timeoutMs: 90_000 }); // prettier-ignore
}

/** A Deployment of `replicas` pods in `ns` selecting the test label; `spec` goes into the pod spec. */
export async function deploy(
  h: Harness,
  ns: string,
  name: string,
  replicas: number,
  podSpec: Record<string, unknown> = {},
  requests: Record<string, string> = { cpu: '1', memory: '1Gi' },
): Promise<void> {
  // prettier-ignore
  const { nodeSelector, ...rest } = podSpec as { nodeSelector?: Record<string, string> };
  await kubectlOk(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            nodeSelector: { [TEST_LABEL]: h.settings.clusterId ?? '', ...(nodeSelector ?? {}) },
            tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
            // GPUs cannot be overcommitted: their limit must equal the request
            containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests, ...(requests['nvidia.com/gpu'] ? { limits: { 'nvidia.com/gpu': requests['nvidia.com/gpu'] } } : {}) } }], // prettier-ignore
            ...rest,
          },
        },
      },
    }),
  });
}

export interface PodJson {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

export async function podsOf(ns: string, app: string): Promise<PodJson[]> {
  return (await getJson<{ items: PodJson[] }>(['pods', '-n', ns, '-l', `app=${app}`])).items;
}

/** Polls until every pod of the Deployment runs on a Ready node of one of our pools. */
export async function allRunning(
  ns: string,
  app: string,
  n: number,
  timeoutMs = 150_000,
): Promise<PodJson[]> {
  return eventually(`${n} pods of ${app} Running`, async () => {
    const pods = await podsOf(ns, app);
    return pods.length === n && pods.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName) ? pods : undefined; // prettier-ignore
  }, { timeoutMs }); // prettier-ignore
}

export async function readyNodes(pool: string): Promise<NodeJson[]> {
  return (await poolNodes(pool)).filter(ready);
}

export interface EventJson {
  reason?: string;
  note?: string;
  regarding?: { name?: string; kind?: string };
}

export async function podEvents(ns: string, reason: string): Promise<EventJson[]> {
  const all = await getJson<{ items: EventJson[] }>(['events.v1.events.k8s.io', '-n', ns]);
  return all.items.filter((e) => e.reason === reason);
}
