import type { KubeClient } from './client.js';
import { resourcePath, Resources } from './resources.js';

/**
 * Evict a pod through the Eviction API, which honours PodDisruptionBudgets: a budget that blocks answers 429
 * (TooManyRequestsError), a pod already gone 404 (NotFoundError).
 */
export async function evictPod(
  client: KubeClient,
  namespace: string,
  name: string,
  opts: { gracePeriodSeconds?: number; dryRun?: boolean } = {},
): Promise<void> {
  await client.request({
    method: 'POST',
    path: resourcePath(Resources.pods, { namespace, name, subresource: 'eviction' }),
    body: {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace },
      deleteOptions: {
        ...(opts.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: opts.gracePeriodSeconds }),
        ...(opts.dryRun ? { dryRun: ['All'] } : {}),
      },
    },
  });
}
