import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KubeClient, loadKubeConfig } from '../../kube/index.js';
import { ClusterJoinError, readClusterCa } from './cluster.js';

function clientFor(cluster: Record<string, unknown>): KubeClient {
  const file = join(mkdtempSync(join(tmpdir(), 'cluster-ca-')), 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:9', ...cluster } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    }),
  );
  return new KubeClient(loadKubeConfig({ kubeconfig: file }));
}

describe('the cluster CA pinned into nodes', () => {
  test('is never read from the API server over a connection that skips TLS verification', async () => {
    const client = clientFor({ 'insecure-skip-tls-verify': true });
    try {
      const err = await readClusterCa(client).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterJoinError);
      // refused before any request (the server at 127.0.0.1:9 is not there: a request would fail otherwise)
      expect((err as Error).message).toMatch(/^the kubeconfig skips TLS verification/);
    } finally {
      await client.close();
    }
  });

  test('an explicit CA is used as given', async () => {
    const client = clientFor({ 'insecure-skip-tls-verify': true });
    try {
      expect(await readClusterCa(client, 'PEM')).toBe('PEM');
    } finally {
      await client.close();
    }
  });
});
