import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../src/devstack/exec.js';
import { TEST_RUNS_DIR } from '../support/access.js';
import { eventually } from '../support/kube.js';
import { startDev, type DevRun } from './support.js';

interface PoolJson {
  metadata: { uid: string };
  status?: { scalingGroupId?: string };
}
interface SimInstance {
  instanceId: string;
  status: string;
  tags: { key: string; value: string }[];
}
interface NodeList {
  items: { metadata: { name: string } }[];
}

async function poolOf(dev: DevRun): Promise<PoolJson | undefined> {
  const r = await dev.sh('"$KUBECTL" get nodepool sample -o json');
  return r.code === 0 ? (JSON.parse(r.stdout) as PoolJson) : undefined;
}

/** The simulator's instances of the sample pool (tagged by the operator's scaling group), by the admin API. */
async function sampleInstances(dev: DevRun): Promise<SimInstance[]> {
  const r = await dev.sh('curl -sf "$SIM_ADMIN_URL/instances"');
  if (r.code !== 0) throw new Error(`GET /instances: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { instances: SimInstance[] }).instances.filter((i) =>
    i.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === 'sample'),
  );
}

async function sampleNodes(dev: DevRun): Promise<string[]> {
  const r = await dev.sh('"$KUBECTL" get nodes -l nodepool.alicloud.dev/pool=sample -o json');
  if (r.code !== 0) throw new Error(`kubectl get nodes: ${r.stderr}`);
  return (JSON.parse(r.stdout) as NodeList).items.map((n) => n.metadata.name).sort();
}

async function stop(dev: DevRun): Promise<void> {
  dev.child.kill('SIGTERM');
  expect(await dev.exited).toBe(0);
}

describe('npm start keeps its state across a restart', () => {
  test('stopped with SIGTERM and started again: the same pool, scaling group, instances and Nodes, and the old kubeconfig still works; --fresh starts from nothing', async () => {
    await mkdir(TEST_RUNS_DIR, { recursive: true });
    const dir = await mkdtemp(join(TEST_RUNS_DIR, 'dev-restart-'));
    const keptKubeconfig = join(dir, 'kubeconfig-of-the-first-run');
    try {
      // 1. the first run: the sample pool, its scaling group and instances
      // instances boot 5 times faster than in Alibaba Cloud, so that a Node is there within seconds
      const first = await startDev(['--time-scale', '5'], { dir });
      let before: {
        uid: string;
        group: string;
        instances: string[];
        nodes: string[];
        server: string;
        ca: string;
      };
      try {
        const env = await first.env();
        const pool = await eventually(
          'the sample pool to have a scaling group with instances',
          async () => {
            const p = await poolOf(first);
            const group = p?.status?.scalingGroupId;
            if (!p || !group) return undefined;
            const instances = await sampleInstances(first);
            return instances.length > 0 ? { uid: p.metadata.uid, group, instances } : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 1000 },
        );
        await copyFile(env.KUBECONFIG ?? '', keptKubeconfig);
        before = {
          uid: pool.uid,
          group: pool.group,
          instances: pool.instances.map((i) => i.instanceId).sort(),
          // an instance that booted and joined: its Node
          nodes: await eventually(
            'a Node of the sample pool',
            async () => {
              const nodes = await sampleNodes(first);
              return nodes.length > 0 ? nodes : undefined;
            },
            { timeoutMs: 150_000, intervalMs: 1000 },
          ),
          server: env.NODEPOOL_DEV_APISERVER ?? '',
          ca: await readFile(join(dir, 'state', 'pki', 'ca.crt'), 'utf8'),
        };
        await stop(first);
      } finally {
        await first.dispose();
      }
      expect(existsSync(join(dir, 'state', 'sim.json'))).toBe(true);
      expect(existsSync(join(dir, 'state', 'etcd', 'member', 'wal'))).toBe(true);

      // 2. started again (without re-applying the sample): everything is back
      const second = await startDev(['--no-sample'], { dir });
      try {
        const env = await second.env();
        expect(env.NODEPOOL_DEV_APISERVER).toBe(before.server);
        expect(second.stderr()).toMatch(/continuing from the state of the last run/);
        // the kubeconfig of the first run, with the same certificates, still works
        expect(await readFile(join(dir, 'state', 'pki', 'ca.crt'), 'utf8')).toBe(before.ca);
        const kubectl = await run(env.KUBECTL ?? '', [
          '--kubeconfig',
          keptKubeconfig,
          'get',
          'nodepool',
          'sample',
          '-o',
          'jsonpath={.metadata.uid}',
        ]);
        expect(kubectl.stderr).toBe('');
        expect(kubectl.stdout).toBe(before.uid);
        const pool = await poolOf(second);
        expect(pool?.metadata.uid).toBe(before.uid);
        expect(pool?.status?.scalingGroupId).toBe(before.group);
        const instances = (await sampleInstances(second)).map((i) => i.instanceId);
        for (const id of before.instances) expect(instances).toContain(id);
        const nodes = await sampleNodes(second);
        expect(before.nodes.length).toBeGreaterThan(0);
        for (const n of before.nodes) expect(nodes).toContain(n);
        // the operator, back at work, keeps the pool on the scaling group it had
        await eventually('the operator to be ready', async () =>
          (await second.sh('curl -sf "$NODEPOOL_DEV_HEALTH_URL"')).code === 0 ? true : undefined,
        );
        expect((await poolOf(second))?.status?.scalingGroupId).toBe(before.group);
        await stop(second);
      } finally {
        await second.dispose();
      }

      // 3. --fresh: nothing of the earlier runs
      const third = await startDev(['--fresh', '--no-sample'], { dir });
      try {
        await third.env();
        expect(third.stderr()).toMatch(/--fresh: removed the state of earlier runs/);
        expect(third.stderr()).not.toMatch(/continuing from the state of the last run/);
        const pools = await third.sh('"$KUBECTL" get nodepools -o name');
        expect(pools.code).toBe(0);
        expect(pools.stdout).toBe('');
        expect(await sampleInstances(third)).toEqual([]);
        expect(await readFile(join(dir, 'state', 'pki', 'ca.crt'), 'utf8')).not.toBe(before.ca);
        await stop(third);
      } finally {
        await third.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
