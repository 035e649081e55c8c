import { describe, expect, test } from '@jest/globals';
import { eventually } from '../support/kube.js';
import { startDev } from './support.js';

interface PoolJson {
  metadata: { uid: string };
  status?: { phase?: string; desiredSize?: number; readySize?: number };
}
interface NodeList {
  items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}
interface SecretList {
  items: { metadata: { ownerReferences?: { kind: string; uid: string }[] } }[];
}

// End to end: needs the NodePool controller (src/controllers/nodepool/) and its use of the ClusterJoinProvider.
describe('npm start end to end', () => {
  test('nodepool-operator dev brings the sample pool to Active with 2 Ready nodes, joined with the pool’s bootstrap token', async () => {
    const dev = await startDev();
    try {
      await dev.env();
      await eventually(
        'npm start to report the sample pool Active with its nodes Ready',
        async () =>
          /the sample pool sample is Active with its nodes Ready/.test(dev.stderr()) ? true : undefined,
        { timeoutMs: 300_000, intervalMs: 1000 },
      ).catch((err: unknown) => {
        const last = dev.stdout().trim().split('\n').at(-1) ?? '(no progress line)';
        throw new Error(
          `${err instanceof Error ? err.message : String(err)}; the last progress line: ${last}`,
        );
      });
      const lines = dev.stdout().trim().split('\n');
      expect(lines[0]).toMatch(/^\[\+[\d.]+s\] pool sample: /);
      expect(lines.at(-1)).toMatch(
        /pool sample: Active · desired 2 current 2 ready 2 · nodes 2\/2 Ready .* · done$/,
      );

      const pool = JSON.parse((await dev.sh('"$KUBECTL" get nodepool sample -o json')).stdout) as PoolJson;
      expect(pool.status).toMatchObject({ phase: 'Active', desiredSize: 2, readySize: 2 });
      const nodes = JSON.parse(
        (await dev.sh('"$KUBECTL" get nodes -l nodepool.alicloud.dev/pool=sample -o json')).stdout,
      ) as NodeList;
      expect(nodes.items.length).toBe(2);
      for (const n of nodes.items) {
        expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      }
      // the nodes joined with the token the operator keeps for the pool
      const tokens = JSON.parse(
        (await dev.sh('"$KUBECTL" get secrets -n kube-system -l nodepool.alicloud.dev/pool=sample -o json'))
          .stdout,
      ) as SecretList;
      expect(tokens.items.length).toBe(1);
      expect(tokens.items[0]?.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'NodePool', uid: pool.metadata.uid }),
      ]);

      dev.child.kill('SIGTERM');
      expect(await dev.exited).toBe(0);
    } finally {
      await dev.dispose();
    }
  }, 420_000);
});
