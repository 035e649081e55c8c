import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { eventually } from '../support/kube.js';
import { startDev } from './support.js';

interface PoolJson {
  metadata: { name: string };
  spec: { region: string; vpcId: string; vSwitchIds: string[]; scaling: { desiredSize: number } };
}

describe('npm start (nodepool-operator dev): the operator and the sample pool', () => {
  test('the operator runs in process, the sample pool is applied from the simulator’s world, progress is shown, SIGTERM stops it all', async () => {
    const dev = await startDev();
    try {
      const env = await dev.env();
      expect(env).toMatchObject({
        NODEPOOL_CLUSTER_ID: 'c-dev',
        NODEPOOL_DEV_OPERATOR_LOG: join(dev.dir, 'operator.log'),
      });
      expect(env.NODEPOOL_VPC_ID).toMatch(/^vpc-/);
      expect(env.NODEPOOL_APISERVER_ENDPOINT).toBe(env.NODEPOOL_DEV_APISERVER);

      // the operator: ready (its informers synced), leading, logging to the file
      const ready = await eventually('the operator to be ready', async () => {
        const r = await dev.sh('curl -sf "$NODEPOOL_DEV_HEALTH_URL"');
        return r.code === 0 ? r.stdout : undefined;
      });
      expect(ready).toBe('ok\n');
      const lease = await dev.sh(
        '"$KUBECTL" get lease -n kube-system alicloud-nodepool-operator -o jsonpath="{.spec.holderIdentity}"',
      );
      expect(lease.stdout).toBe('dev');
      const metrics = await dev.sh('curl -sf "$NODEPOOL_DEV_METRICS_URL"');
      expect(metrics.stdout).toMatch(/^nodepool_leader_election_status\b|nodepool_informer/m);
      expect(await readFile(join(dev.dir, 'operator.log'), 'utf8')).toMatch(
        /"msg":"acquired the lease: leading"/,
      );

      // the sample: written to the folder, applied as it was written, with the simulator's ids
      const file = join(dev.dir, 'sample-nodepool.yaml');
      await eventually('the sample pool to be written', async () => (existsSync(file) ? true : undefined));
      const written = parse(await readFile(file, 'utf8')) as PoolJson;
      expect(written.spec.vpcId).toBe(env.NODEPOOL_VPC_ID);
      expect(written.spec.scaling.desiredSize).toBe(2);
      const live = await eventually('the sample pool in the API server', async () => {
        const r = await dev.sh('"$KUBECTL" get nodepool sample -o json');
        return r.code === 0 ? (JSON.parse(r.stdout) as PoolJson) : undefined;
      });
      expect(live.spec).toMatchObject(written.spec);
      const sims = parse(await readFile(join(dev.dir, 'sim-world.yaml'), 'utf8')) as {
        regions: { regionId: string; vpcs: { vSwitches: { vSwitchId: string }[] }[] }[];
      };
      const allSwitches = sims.regions.flatMap((r) =>
        r.vpcs.flatMap((v) => v.vSwitches.map((s) => s.vSwitchId)),
      );
      for (const v of live.spec.vSwitchIds) expect(allSwitches).toContain(v);

      // progress: plain lines on stdout (not a TTY here), the first one about the sample pool
      await eventually('a progress line', async () =>
        /^\[\+[\d.]+s\] pool sample: /m.test(dev.stdout()) ? true : undefined,
      );
      expect(dev.stderr()).toMatch(/applied the sample NodePool sample \(\S*sample-nodepool\.yaml\)/);

      dev.child.kill('SIGTERM');
      expect(await dev.exited).toBe(0);
      expect(dev.stderr()).toMatch(/\[dev\] stopping the operator\n(.|\n)*\[dev\] stopped/);
      expect(existsSync(join(dev.dir, 'env'))).toBe(false);
    } finally {
      await dev.dispose();
    }
  });

  test('--no-sample: no pool is applied and nothing is printed on stdout', async () => {
    const dev = await startDev(['--no-sample']);
    try {
      await dev.env();
      await eventually('the operator to be ready', async () =>
        (await dev.sh('curl -sf "$NODEPOOL_DEV_HEALTH_URL"')).code === 0 ? true : undefined,
      );
      const pools = await dev.sh('"$KUBECTL" get nodepools -o name');
      expect(pools.code).toBe(0);
      expect(pools.stdout).toBe('');
      expect(existsSync(join(dev.dir, 'sample-nodepool.yaml'))).toBe(false);
      dev.child.kill('SIGTERM');
      expect(await dev.exited).toBe(0);
      expect(dev.stdout()).toBe('');
    } finally {
      await dev.dispose();
    }
  });
});
