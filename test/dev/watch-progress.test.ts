import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { watchPoolProgress } from '../../src/cli/dev/watch-progress.js';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.js';
import { createLogger } from '../../src/log.js';
import { ensureCrds } from '../api/support/crds.js';
import { testCluster } from '../support/access.js';
import { eventually, kubectl, kubectlOk, uniqueName } from '../support/kube.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let client: KubeClient;
const cleanup: string[][] = [];

beforeAll(async () => {
  await ensureCrds();
  client = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().kubeconfig }));
});
afterAll(async () => {
  for (const args of cleanup) await kubectl(['delete', ...args, '--wait=false']);
  await client.close();
});

// The progress display follows a real pool and real Nodes; the pool's status is written here with
// `kubectl --subresource=status`, as the NodePool controller will, and the Nodes' Ready condition likewise.
describe('watchPoolProgress against the API server', () => {
  test('prints a line per change, from no pool to Active with its Nodes Ready, then resolves true', async () => {
    const name = uniqueName('progress');
    const lines: string[] = [];
    const stop = new AbortController();
    const watching = watchPoolProgress({
      client,
      logger: createLogger({ level: 'silent' }),
      pool: name,
      signal: stop.signal,
      onLine: (l) => lines.push(l),
    });
    try {
      await eventually('the first line', async () => (lines.length > 0 ? true : undefined));
      expect(lines).toEqual([`pool ${name}: not created yet · no nodes yet`]);

      const obj = parse(await readFile(join(ROOT, 'examples', 'nodepool-manual.yaml'), 'utf8')) as {
        metadata: { name: string };
      };
      obj.metadata.name = name;
      await kubectlOk(['apply', '-f', '-'], { input: stringify(obj) });
      cleanup.push(['nodepool', name]);
      await eventually('the waiting line', async () =>
        lines.includes(`pool ${name}: waiting for the operator (no status yet) · no nodes yet`)
          ? true
          : undefined,
      );

      const setStatus = (status: object): Promise<string> =>
        kubectlOk([
          'patch',
          'nodepool',
          name,
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify({ status }),
        ]);
      const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      await setStatus({
        phase: 'Scaling',
        desiredSize: 2,
        currentSize: 2,
        readySize: 0,
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'NodesNotReady',
            message: '0 of 2 nodes are Ready',
            lastTransitionTime: t,
          },
        ],
      });
      await eventually('the scaling line', async () =>
        lines.some(
          (l) =>
            l ===
            `pool ${name}: Scaling · desired 2 current 2 ready 0 · no nodes yet · Ready=False: 0 of 2 nodes are Ready`,
        )
          ? true
          : undefined,
      );

      const nodeNames = [`${name}-a`, `${name}-b`];
      for (const n of nodeNames) {
        await kubectlOk(['apply', '-f', '-'], {
          input: stringify({
            apiVersion: 'v1',
            kind: 'Node',
            metadata: { name: n, labels: { 'nodepool.alicloud.dev/pool': name } },
          }),
        });
        cleanup.push(['node', n]);
      }
      await eventually('the joining line', async () =>
        lines.some((l) => l.includes(`nodes 0/2 Ready (${nodeNames[0]} joining, ${nodeNames[1]} joining)`))
          ? true
          : undefined,
      );
      for (const n of nodeNames) {
        const ready = {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          lastHeartbeatTime: t,
          lastTransitionTime: t,
        };
        await kubectlOk([
          'patch',
          'node',
          n,
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify({ status: { conditions: [ready] } }),
        ]);
      }
      await setStatus({
        phase: 'Active',
        readySize: 2,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'AllNodesReady',
            message: '2 of 2 nodes are Ready',
            lastTransitionTime: t,
          },
        ],
      });
      expect(await watching).toBe(true);
      expect(lines.at(-1)).toBe(
        `pool ${name}: Active · desired 2 current 2 ready 2 · nodes 2/2 Ready (${nodeNames[0]} Ready, ${nodeNames[1]} Ready) · done`,
      );
      // a line is printed only when it changes
      expect(new Set(lines).size).toBe(lines.length);
    } finally {
      stop.abort();
      await watching;
    }
  });

  test('resolves false when stopped before the pool is done', async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    const watching = watchPoolProgress({
      client,
      logger: createLogger({ level: 'silent' }),
      pool: uniqueName('never'),
      signal: stop.signal,
      onLine: (l) => lines.push(l),
    });
    await eventually('the first line', async () => (lines.length > 0 ? true : undefined));
    stop.abort();
    expect(await watching).toBe(false);
  });
});
