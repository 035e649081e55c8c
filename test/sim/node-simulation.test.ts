import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { caCertHash } from '../../src/bootstrap/ca-hash.js';
import { renderUserData } from '../../src/bootstrap/render.js';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { NodeSimulation, type BootOutcome } from '../../src/sim/nodes/index.js';
import { testCluster } from '../support/access.js';
import { createBootstrapToken, eventually, getJson, kubectl, uniqueName } from '../support/kube.js';
import { $Ecs, ecsClient } from './clients.js';

const log = createLogger({ level: 'silent' });
let sim: Simulator;
let nodes: NodeSimulation;
let token: string;
let removeToken: () => Promise<void> = async () => undefined;
const cleanup: string[][] = [];

beforeAll(async () => {
  sim = await startSimulator({ log, timeScale: 100 });
  nodes = new NodeSimulation(sim, { apiServer: testCluster().server, log });
  nodes.start();
  const t = await createBootstrapToken();
  removeToken = t.remove;
  token = t.token;
});

afterAll(async () => {
  await nodes.stop();
  await sim.stop();
  for (const args of cleanup) await kubectl(args);
  await removeToken();
});

function userData(pool: string, tokenToUse = token): Promise<string> {
  return readFile(testCluster().caFile).then(
    (ca) =>
      renderUserData({
        pool,
        clusterId: 'c-local',
        image: 'AliyunLinux3ContainerOptimized',
        runtime: { name: 'containerd', version: '1.7.20' },
        dataDisks: 1,
        labels: { workload: 'sim' },
        mode: 'Managed',
        managed: {
          apiServer: testCluster().server,
          caCertHash: caCertHash(ca),
          token: tokenToUse,
          kubernetesVersion: 'v1.34.4',
        },
      }).base64,
  );
}

async function launch(amount: number, data: string | undefined): Promise<string[]> {
  const region = sim.world.regions[0];
  const res = await ecsClient(sim).runInstances(
    new $Ecs.RunInstancesRequest({
      regionId: 'cn-hangzhou',
      imageId: 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd',
      instanceType: 'ecs.g7.xlarge',
      vSwitchId: region?.vpcs[0]?.vSwitches[1]?.vSwitchId,
      securityGroupIds: [region?.securityGroups[0]?.securityGroupId ?? ''],
      dataDisk: [new $Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 100 })],
      amount,
      ...(data === undefined ? {} : { userData: data }),
    }),
  );
  return res.body?.instanceIdSets?.instanceIdSet ?? [];
}

function outcome(id: string): Promise<BootOutcome> {
  return eventually(`instance ${id} to boot`, async () => nodes.outcomes().get(id), { timeoutMs: 120_000 });
}

describe('the node simulation follows the simulator', () => {
  test('instances launched through the real ECS SDK boot from their user data and join as Ready Nodes', async () => {
    const pool = uniqueName('simpool');
    const ids = await launch(2, await userData(pool));
    expect(ids.length).toBe(2);
    for (const id of ids) {
      const o = await outcome(id);
      expect(o.error).toBeUndefined();
      const name = o.node?.nodeName ?? '';
      cleanup.push(['delete', 'node', name, '--wait=false']);
      const instance = sim.cloud.instances.get(id);
      expect(name).toBe(`cn-hangzhou.${instance?.privateIp ?? ''}`);
      await eventually(`${name} Ready`, async () => {
        const n = await getJson<{
          spec: { providerID: string };
          metadata: { labels: Record<string, string> };
          status: { conditions?: { type: string; status: string }[] };
        }>(['node', name]);
        expect(n.spec.providerID).toBe(`cn-hangzhou.${id}`);
        expect(n.metadata.labels).toMatchObject({
          'nodepool.alicloud.dev/pool': pool,
          workload: 'sim',
          'topology.kubernetes.io/zone': instance?.zoneId ?? '',
        });
        return n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
      });
      // the boot formatted the instance's data disk
      expect(o.node?.log).toContain('formatting data disk /dev/vdb');
    }
  });

  test("instances of one pool and zone: two boots verify the script's output, the rest replay it, and every Node still carries its own identity; the console is readable through GetInstanceConsoleOutput", async () => {
    const pool = uniqueName('cachepool');
    const before = nodes.cacheStats()!;
    const ids = await launch(6, await userData(pool));
    for (const id of ids) {
      const o = await outcome(id);
      expect(o.error).toBeUndefined();
      const name = o.node?.nodeName ?? '';
      cleanup.push(['delete', 'node', name, '--wait=false']);
      const instance = sim.cloud.instances.get(id)!;
      expect(name).toBe(`cn-hangzhou.${instance.privateIp}`);
      const n = await getJson<{
        spec: { providerID: string };
        metadata: { labels: Record<string, string> };
        status: { addresses?: { type: string; address: string }[] };
      }>(['node', name]);
      expect(n.spec.providerID).toBe(`cn-hangzhou.${id}`);
      expect(n.metadata.labels).toMatchObject({
        'nodepool.alicloud.dev/pool': pool,
        'topology.kubernetes.io/zone': instance.zoneId,
      });
      expect(n.status.addresses?.find((a) => a.type === 'InternalIP')?.address).toBe(instance.privateIp);
    }
    const after = nodes.cacheStats()!;
    expect(after.hits - before.hits).toBeGreaterThanOrEqual(3);
    expect(after.verified - before.verified).toBe(1);
    const last = ids[ids.length - 1]!;
    // the console is cached, not a live tail: the boot shows once the console has been quiet for a while
    const text = await eventually('the boot in the console output', async () => {
      const req = new $Ecs.GetInstanceConsoleOutputRequest({
        regionId: 'cn-hangzhou',
        instanceId: last,
        removeSymbols: true,
      });
      const out = (await ecsClient(sim).getInstanceConsoleOutput(req)).body?.consoleOutput;
      const t = Buffer.from(out ?? '', 'base64').toString('utf8');
      return t === '' ? undefined : t;
    });
    expect(text).toContain('[nodepool-bootstrap] bootstrap finished');
  });

  test('an instance whose bootstrap cannot join is reported with its error; one without user data is never booted', async () => {
    const bad = await launch(
      1,
      await userData(
        uniqueName('badpool'),
        `${randomBytes(3).toString('hex')}.${randomBytes(8).toString('hex')}`,
      ),
    );
    const o = await outcome(bad[0] ?? '');
    expect(o.node).toBeUndefined();
    expect(o.error?.message).toMatch(/bootstrap token was rejected/);

    const bare = await launch(1, undefined);
    const id = bare[0] ?? '';
    await eventually('the bare instance to be Running', async () =>
      sim.cloud.instances.get(id)?.status === 'Running' ? true : undefined,
    );
    await nodes.idle();
    expect(nodes.outcomes().has(id)).toBe(false);
  });
});

describe('equal boot (registerAfterLaunchMs, for the peer benchmark)', () => {
  test('a Node registers the fixed boot time after its instance was launched, not as soon as its boot is done', async () => {
    const after = 8_000;
    const sim2 = await startSimulator({ log, timeScale: 100 });
    const equal = new NodeSimulation(sim2, {
      apiServer: testCluster().server,
      log,
      registerAfterLaunchMs: after,
    });
    equal.start();
    const launchedAt = new Map<string, number>();
    const registeredAt = new Map<string, number>();
    const offLaunch = sim2.onLifecycle((e) => {
      if (e.type === 'launched') launchedAt.set(e.instance.instanceId, Date.now());
    });
    const offBoot = equal.onBoot((o) => registeredAt.set(o.instanceId, Date.now()));
    try {
      const pool = uniqueName('equalpool');
      const res = await ecsClient(sim2).runInstances(
        new $Ecs.RunInstancesRequest({
          regionId: 'cn-hangzhou',
          imageId: 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd',
          instanceType: 'ecs.g7.xlarge',
          vSwitchId: sim2.world.regions[0]?.vpcs[0]?.vSwitches[1]?.vSwitchId,
          securityGroupIds: [sim2.world.regions[0]?.securityGroups[0]?.securityGroupId ?? ''],
          dataDisk: [new $Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 100 })],
          amount: 3,
          userData: await userData(pool),
        }),
      );
      const ids = res.body?.instanceIdSets?.instanceIdSet ?? [];
      expect(ids.length).toBe(3);
      // the cloud runs them within ~0.3 s (time scale 100) and a boot takes a few seconds: only the knob holds them to 8 s
      await eventually('three boots', async () => (registeredAt.size === 3 ? true : undefined), {
        timeoutMs: 60_000,
      });
      for (const id of ids) {
        const o = equal.outcomes().get(id);
        expect(o?.error).toBeUndefined();
        cleanup.push(['delete', 'node', o?.node?.nodeName ?? '', '--wait=false']);
        const took = registeredAt.get(id)! - launchedAt.get(id)!;
        expect(took).toBeGreaterThanOrEqual(after);
        expect(took).toBeLessThan(after + 10_000);
      }
    } finally {
      offLaunch();
      offBoot();
      await equal.stop();
      await sim2.stop();
    }
  });
});
