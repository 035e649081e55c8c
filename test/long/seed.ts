import type { KubeClient } from '../../src/kube/index.js';
import { Resources, resourcePath } from '../../src/kube/index.js';

/** Run `fn` over `items` with at most `concurrency` requests in flight. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export const nodeNames = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-node-${i}`);

/** Nodes that no kubelet runs (nothing schedules there by itself) and pods bound to them by name. */
export async function seed(
  client: KubeClient,
  opts: { prefix: string; namespace: string; nodes: number; pods: number; pools?: number },
): Promise<void> {
  // prettier-ignore
  const nodes = nodeNames(opts.prefix, opts.nodes);
  await pool(nodes, 48, (name) =>
    client.request({
      method: 'POST',
      path: resourcePath(Resources.nodes),
      body: {
        metadata: {
          name,
          labels: {
            'nodepool.alicloud.dev/pool': `pool-${Number(name.split('-').pop()) % (opts.pools ?? 10)}`,
            'kubernetes.io/hostname': name,
          },
        },
        spec: {
          providerID: `cn-hangzhou.i-${name}`,
          taints: [{ key: 'bench', value: 'true', effect: 'NoSchedule' }],
        },
        status: {
          capacity: { cpu: '32', memory: '128Gi', pods: '110' },
          allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
        },
      },
    }),
  );
  const pods = Array.from({ length: opts.pods }, (_, i) => i);
  await pool(pods, 48, (i) =>
    client.request({
      method: 'POST',
      path: resourcePath(Resources.pods, { namespace: opts.namespace }),
      body: {
        metadata: {
          name: `${opts.prefix}-pod-${i}`,
          labels: { app: `app-${i % 50}` },
          annotations: { 'bench/padding': 'x'.repeat(200) },
        },
        spec: {
          nodeName: i % 20 === 0 ? undefined : nodes[i % nodes.length],
          schedulerName: 'none', // nobody schedules the unbound ones: they stay pending
          tolerations: [{ key: 'bench', operator: 'Exists' }],
          containers: [
            {
              name: 'app',
              image: 'registry.example/app:1',
              resources: { requests: { cpu: '100m', memory: '128Mi' } },
              env: [{ name: 'A', value: 'b' }],
            },
          ],
        },
      },
    }),
  );
}
