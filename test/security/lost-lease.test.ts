import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ensureCrds } from '../api/support/crds.js';
import { pool as readPool } from '../nodepool/poll.js';
import { CloudProxy, isWrite } from '../safety/support/cloud-proxy.js';
import { applyPool, poolManifest, startTestCloud, type TestCloud } from '../safety/support/cloud.js';
import { OperatorProcess } from '../safety/support/operator-process.js';
import { TEST_RUNS_DIR, testCluster } from '../support/access.js';
import { eventually, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { TcpProxy } from './support/tcp-proxy.js';

// Issue 17, finding 6: a leader that loses its Lease must stop changing the cloud at once and exit within 2 s
// (controller-runtime's behaviour), because another replica takes over. The leader here reaches the API server
// through a TCP proxy that the test cuts (a partition: it cannot renew), and the cloud through a recording
// proxy whose answers are slow (there are always calls in flight). Its pools are kept busy. After the loss —
// the moment its renew deadline passed, which it logs — no cloud write of it may start; the standby, which
// reaches everything directly, takes over.
const CLUSTER = 'c-lostlease';
const LEASE: [string, string, string] = ['4s', '3s', '500ms'];
const RENEW_DEADLINE_MS = 3_000;
const ns = uniqueName('lostlease');
const leaseName = `${CLUSTER}-lease`;
let cloud: TestCloud;
let kube: TcpProxy;
const proxies: CloudProxy[] = [];
const ops: OperatorProcess[] = [];

async function holder(): Promise<string> {
  const r = await kubectl(['get', 'lease', leaseName, '-n', ns, '-o', 'jsonpath={.spec.holderIdentity}']);
  return r.code === 0 ? r.stdout.trim() : '';
}

/** The time (ms) of the first log line of `file` with this message. */
async function logged(file: string, msg: string): Promise<number | undefined> {
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line.startsWith('{')) continue;
    const o = JSON.parse(line) as { msg?: string; time?: number };
    if (o.msg === msg) return o.time;
  }
  return undefined;
}

beforeAll(async () => {
  await ensureCrds();
  await kubectlOk(['create', 'namespace', ns]);
  cloud = await startTestCloud(CLUSTER);
  // the leader's kubeconfig: the admin one, with the server behind the cuttable proxy
  const c = testCluster();
  const server = new URL(c.server);
  kube = new TcpProxy(server.hostname, Number(server.port));
  const port = await kube.start();
  const kc = parse(await readFile(c.kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  for (const cl of kc.clusters) cl.cluster.server = `https://${server.hostname}:${port}`;
  const kubeconfig = join(TEST_RUNS_DIR, `${ns}-partitioned.kubeconfig`);
  await writeFile(kubeconfig, stringify(kc), { mode: 0o600 });
  for (const [name, delayMs, kcfg] of [
    ['a', 250, kubeconfig],
    ['b', 0, undefined],
  ] as const) {
    const proxy = new CloudProxy(cloud.sim.endpoint, { delayMs });
    const endpoint = await proxy.start();
    proxies.push(proxy);
    ops.push(
      new OperatorProcess({
        identity: `${CLUSTER}-${name}`,
        leaseName,
        leaseNamespace: ns,
        cloudEndpoint: endpoint,
        simEnv: cloud.sim.env(),
        clusterId: CLUSTER,
        vpcId: cloud.world.vpcId,
        lease: LEASE,
        logName: `lostlease-${ns}-${name}`,
        ...(kcfg ? { kubeconfig: kcfg } : {}),
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  for (const op of ops) await op.stop();
  for (const p of proxies) await p.stop();
  await kube?.stop();
  await cloud?.stop();
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

test('a leader cut off from the API server writes nothing to the cloud after its renew deadline and exits within 2 s; the standby takes over', async () => {
  const [a, b] = ops as [OperatorProcess, OperatorProcess];
  const [cloudA] = proxies as [CloudProxy, CloudProxy];
  await a.start();
  await eventually(
    'a holds the Lease',
    async () => ((await holder()) === a.opts.identity ? true : undefined),
    {
      timeoutMs: 30_000,
    },
  );
  await b.start();

  // busy pools: their sizes keep changing, so the leader always has cloud writes under way
  const pools = [1, 2, 3].map(() => uniqueName('np-lost'));
  for (const p of pools)
    await applyPool(poolManifest(cloud, p, { scaling: { mode: 'Manual', desiredSize: 0 } }));
  await eventually(
    'the pools Active',
    async () => {
      const phases = await Promise.all(pools.map(async (p) => (await readPool(p)).status?.phase));
      return phases.every((x) => x === 'Active') ? true : undefined;
    },
    { timeoutMs: 90_000 },
  );
  let churning = true;
  const churn = (async () => {
    for (let i = 1; churning; i++) {
      for (const p of pools)
        await applyPool(poolManifest(cloud, p, { scaling: { mode: 'Manual', desiredSize: i % 3 } }));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  await eventually(
    'a writing to the cloud',
    async () => {
      const recent = cloudA.calls.filter((c) => isWrite(c.action) && c.at > Date.now() - 1_000);
      return recent.length > 0 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );

  // the partition
  const cutAt = Date.now();
  kube.freeze();
  const exit = await a.exit;
  const lostAt = await logged(a.logFile, 'lost the lease');
  await eventually(
    'b holds the Lease',
    async () => ((await holder()) === b.opts.identity ? true : undefined),
    {
      timeoutMs: 30_000,
    },
  );
  churning = false;
  await churn;
  const acquiredAt = await logged(b.logFile, 'acquired the lease: leading');

  expect(lostAt).toBeDefined();
  const writes = cloudA.calls.filter((c) => isWrite(c.action));
  const after = writes.filter((c) => c.at > lostAt!);
  const report = {
    lossAfterCutMs: lostAt! - cutAt,
    exitAfterLossMs: exit.at - lostAt!,
    exitCode: exit.code,
    writesBeforeLoss: writes.length - after.length,
    writesAfterLoss: after.map((c) => `${c.action} +${c.at - lostAt!} ms`),
    takeoverAfterLossMs: acquiredAt! - lostAt!,
  };
  process.stderr.write(`[lost-lease] ${JSON.stringify(report)}\n`);
  // the loss is the renew deadline after the last renewal (within one retry period before the cut)
  expect(report.lossAfterCutMs).toBeLessThanOrEqual(RENEW_DEADLINE_MS + 500);
  expect(report.writesBeforeLoss).toBeGreaterThan(0);
  // a request handed to the network just before the fence went down may arrive a few ms later; none after that
  expect(after.filter((c) => c.at > lostAt! + 50)).toEqual([]);
  expect(report.exitAfterLossMs).toBeLessThanOrEqual(2_000);
  expect(exit.code).toBe(2);
  expect(report.takeoverAfterLossMs).toBeGreaterThan(0);
}, 300_000);
