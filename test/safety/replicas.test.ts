import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ensureCrds } from '../api/support/crds.js';
import { pool as readPool, poolNodes, ready } from '../nodepool/poll.js';
import { eventually, getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { CloudProxy, isWrite } from './support/cloud-proxy.js';
import { applyPool, poolManifest, startTestCloud, type TestCloud } from './support/cloud.js';
import { checkPool, count } from './support/invariants.js';
import { OperatorProcess } from './support/operator-process.js';

// Two `nodepool-operator run` replicas with leader election on one Lease (per-file name and namespace), each
// behind its own recording proxy to the simulator, so every cloud call is attributed to the process that made
// it. Exactly one acts; killing it in the middle of a scale-out hands over within the lease without a second
// launch.
const CLUSTER = 'c-replicas';
// a renew deadline of 6 s: a replica that cannot renew in time fences itself and exits (as it must), and on a
// loaded 2-core machine the API server can take seconds to answer one renewal
const LEASE: [string, string, string] = ['8s', '6s', '1s'];
const LEASE_MS = 8_000;
const RETRY_MS = 1_000;
const ns = uniqueName('replicas-lease');
const leaseName = `${CLUSTER}-lease`;
let cloud: TestCloud;
const replicas: { name: string; proxy: CloudProxy; op: OperatorProcess }[] = [];

async function holder(): Promise<string> {
  const r = await kubectl(['get', 'lease', leaseName, '-n', ns, '-o', 'jsonpath={.spec.holderIdentity}']);
  return r.code === 0 ? r.stdout.trim() : '';
}

async function activeWith(pool: string, n: number): Promise<void> {
  await eventually(
    `${pool} Active with ${n} Ready nodes`,
    async () => {
      const s = (await readPool(pool)).status;
      const nodes = await poolNodes(pool);
      return s?.phase === 'Active' &&
        s.currentSize === n &&
        s.readySize === n &&
        nodes.length === n &&
        nodes.every(ready)
        ? true
        : undefined;
    },
    { timeoutMs: 120_000 },
  );
}

/** The identities (reportingInstance) of the Events about the pool. */
async function eventIdentities(pool: string): Promise<string[]> {
  const list = await getJson<{ items: { reportingInstance?: string; regarding?: { name?: string } }[] }>([
    'events.events.k8s.io',
    '-A',
    '--field-selector',
    `regarding.name=${pool}`,
  ]);
  return [...new Set(list.items.map((e) => e.reportingInstance ?? ''))].sort();
}

beforeAll(async () => {
  await ensureCrds();
  await kubectlOk(['create', 'namespace', ns]);
  cloud = await startTestCloud(CLUSTER);
  for (const name of ['a', 'b']) {
    const proxy = new CloudProxy(cloud.sim.endpoint);
    const endpoint = await proxy.start();
    const op = new OperatorProcess({
      identity: `${CLUSTER}-${name}`,
      leaseName,
      leaseNamespace: ns,
      cloudEndpoint: endpoint,
      simEnv: cloud.sim.env(),
      clusterId: CLUSTER,
      vpcId: cloud.world.vpcId,
      lease: LEASE,
      logName: `replicas-${ns}-${name}`,
    });
    replicas.push({ name, proxy, op });
  }
}, 120_000);

afterAll(async () => {
  for (const r of replicas) await r.op.stop();
  for (const r of replicas) await r.proxy.stop();
  await cloud?.stop();
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

test('two replicas: only the Lease holder calls the cloud and writes Events; SIGKILLed in the middle of a scale-out, the other takes over within the lease and the pool converges with no second launch', async () => {
  const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
  await a.op.start();
  await eventually(
    'replica a holds the Lease',
    async () => ((await holder()) === a.op.opts.identity ? true : undefined),
    { timeoutMs: 30_000 },
  );
  await b.op.start();

  // ---- one acts: a pool created and scaled by the leader only
  const pool = uniqueName('np-repl');
  const spec = (n: number) => poolManifest(cloud, pool, { scaling: { mode: 'Manual', desiredSize: n } });
  await applyPool(spec(1));
  await activeWith(pool, 1);
  await applyPool(spec(2));
  await activeWith(pool, 2);
  expect(a.proxy.calls.filter((c) => isWrite(c.action)).length).toBeGreaterThan(0);
  expect(b.proxy.calls).toEqual([]);
  expect(await eventIdentities(pool)).toEqual([a.op.opts.identity]);
  expect(await holder()).toBe(a.op.opts.identity);

  // ---- the leader killed right after the cloud accepted the scale-out (its answer never arrives)
  let killedAt = 0;
  const cut = a.proxy.arm({
    match: (c) => c.action === 'ModifyScalingGroup',
    nth: 1,
    when: 'after',
    onCut: async () => {
      await a.op.kill();
      killedAt = Date.now();
    },
  });
  await applyPool(spec(5));
  const call = await cut;
  expect(call).toMatchObject({ action: 'ModifyScalingGroup', cut: 'after' });
  await eventually(
    'replica b holds the Lease',
    async () => ((await holder()) === b.op.opts.identity ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const takeoverMs = Date.now() - killedAt;
  await activeWith(pool, 5);
  const convergedMs = Date.now() - killedAt;
  process.stderr.write(
    `[replicas] takeover ${takeoverMs} ms after the SIGKILL (lease ${LEASE.join('/')}), pool converged ${convergedMs} ms after it\n`,
  );
  expect(takeoverMs).toBeLessThanOrEqual(LEASE_MS + 2 * RETRY_MS + 1_000);

  // no double action: 5 instances launched in all, by the ESS activities of one group
  const group = [...cloud.sim.ess.state.groups.values()].find((g) =>
    g.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === pool),
  )!;
  const activities = [...cloud.sim.ess.state.activities.values()].filter((x) => x.groupId === group.id);
  const created = activities.flatMap((x) => x.created);
  expect(new Set(created).size).toBe(created.length);
  expect(created).toHaveLength(5);
  expect(cloud.history(pool).launched).toHaveLength(5);
  const runInstances = [...a.proxy.calls, ...b.proxy.calls].filter((c) => c.action === 'RunInstances');
  expect(runInstances).toEqual([]);
  const v = await checkPool(cloud, pool, { desired: 5 }, { PostPaid: 5, PrePaid: 0 }, [
    ...a.proxy.calls,
    ...b.proxy.calls,
  ]);
  expect(v).toEqual({
    leaked: [],
    duplicate: [],
    wronglyReleased: [],
    nodesWithoutInstance: [],
    instancesWithoutNode: [],
  });
  expect(count(v)).toBe(0);

  // ---- the old leader comes back as a follower: the new leader alone scales in and deletes
  const aCalls = a.proxy.nextSeq;
  await a.op.start();
  await applyPool(spec(3));
  await activeWith(pool, 3);
  await kubectlOk(['delete', 'nodepool', pool, '--wait=false']);
  await eventually(
    `${pool} gone`,
    async () => ((await kubectl(['get', 'nodepool', pool])).code !== 0 ? true : undefined),
    { timeoutMs: 90_000 },
  );
  expect(a.proxy.since(aCalls)).toEqual([]);
  expect(await holder()).toBe(b.op.opts.identity);
  expect(await eventIdentities(pool)).toEqual([a.op.opts.identity, b.op.opts.identity].sort());
}, 300_000);
