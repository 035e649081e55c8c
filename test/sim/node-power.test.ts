import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { caCertHash } from '../../src/bootstrap/ca-hash.js';
import { bootstrapProgress } from '../../src/bootstrap/progress.js';
import { renderUserData } from '../../src/bootstrap/render.js';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { NodeSimulation, type BootOutcome } from '../../src/sim/nodes/index.js';
import { testCluster } from '../support/access.js';
import {
  createBootstrapToken,
  eventually,
  getJson,
  kubectl,
  kubectlOk,
  uniqueName,
} from '../support/kube.js';
import { $Ecs, ecsClient, rpcClient } from './clients.js';

// Stopped / failed / released instances take their Node NotReady; injected machine failures (a bootstrap that
// exits non-zero, a node that never gets Ready) — against the real API server, kube-controller-manager and kwok.
// The instances are in cn-shanghai, so their Node names (`cn-shanghai.<ip>`) never meet other files' Nodes.

const REGION = 'cn-shanghai';
const log = createLogger({ level: 'silent' });
let sim: Simulator;
let nodes: NodeSimulation;
let token: string;
let removeToken: () => Promise<void> = async () => undefined;
const nodeNames = new Set<string>();

beforeAll(async () => {
  sim = await startSimulator({ log, timeScale: 100, regionId: REGION });
  nodes = new NodeSimulation(sim, {
    apiServer: testCluster().server,
    kubeconfig: testCluster().kubeconfig,
    log,
  });
  nodes.start();
  const t = await createBootstrapToken();
  removeToken = t.remove;
  token = t.token;
});

afterAll(async () => {
  await nodes.stop();
  await sim.stop();
  for (const n of nodeNames) await kubectl(['delete', 'node', n, '--wait=false']);
  await removeToken();
});

async function userData(pool: string): Promise<string> {
  const ca = await readFile(testCluster().caFile);
  return renderUserData({
    pool,
    clusterId: 'c-local',
    image: 'AliyunLinux3ContainerOptimized',
    runtime: { name: 'containerd', version: '1.7.20' },
    dataDisks: 0,
    labels: {},
    mode: 'Managed',
    managed: {
      apiServer: testCluster().server,
      caCertHash: caCertHash(ca),
      token,
      kubernetesVersion: 'v1.34.4',
    },
  }).base64;
}

async function launch(
  amount: number,
  pool: string,
  tags: Record<string, string> = {},
  imageId = 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd',
): Promise<string[]> {
  // prettier-ignore
  const region = sim.world.regions.find((r) => r.regionId === REGION);
  const res = await ecsClient(sim).runInstances(
    new $Ecs.RunInstancesRequest({
      regionId: REGION,
      imageId,
      instanceType: 'ecs.g7.large',
      vSwitchId: region?.vpcs[0]?.vSwitches[0]?.vSwitchId,
      securityGroupIds: [region?.securityGroups[0]?.securityGroupId ?? ''],
      amount,
      userData: await userData(pool),
      tag: Object.entries(tags).map(([key, value]) => new $Ecs.RunInstancesRequestTag({ key, value })),
    }),
  );
  const ids = res.body?.instanceIdSets?.instanceIdSet ?? [];
  expect(ids).toHaveLength(amount);
  return ids;
}

function outcome(id: string): Promise<BootOutcome> {
  return eventually(`instance ${id} to boot`, async () => nodes.outcomes().get(id), { timeoutMs: 120_000 });
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface NodeJson {
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: { providerID?: string; taints?: { key: string; effect: string }[] };
  status: {
    conditions?: Condition[];
    nodeInfo?: { osImage?: string; kubeletVersion?: string; containerRuntimeVersion?: string };
  };
}

const ready = (n: NodeJson): Condition | undefined => n.status.conditions?.find((c) => c.type === 'Ready');
const node = (name: string): Promise<NodeJson> => getJson<NodeJson>(['node', name]);

async function booted(id: string): Promise<string> {
  const o = await outcome(id);
  expect(o.error).toBeUndefined();
  const name = o.node?.nodeName ?? '';
  nodeNames.add(name);
  return name;
}

function readyIs(name: string, status: string): Promise<NodeJson> {
  return eventually(
    `${name} Ready=${status}`,
    async () => {
      const n = await node(name);
      return ready(n)?.status === status ? n : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

/** kwok hears about the Node (a change to it) and kube-controller-manager taints it: neither makes it Ready. */
async function staysNotReady(name: string, taint: string): Promise<NodeJson> {
  await kubectlOk(['label', 'node', name, '--overwrite', `sim-test/poke=${Date.now()}`]);
  const n = await eventually(
    `${name} tainted ${taint}`,
    async () => {
      const cur = await node(name);
      return cur.spec.taints?.some((t) => t.key === taint) ? cur : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect(ready(n)?.status).not.toBe('True');
  return n;
}

async function stopInstance(id: string): Promise<void> {
  await ecsClient(sim).stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
}

describe('a stopped, failed or released instance takes its Node NotReady', () => {
  test('StopInstance: Ready goes Unknown as the node lifecycle controller writes it, and stays; StartInstance: Ready again', async () => {
    const [a, b] = await launch(2, uniqueName('power'));
    const nameA = await booted(a!);
    const nameB = await booted(b!);
    await readyIs(nameA, 'True');
    await readyIs(nameB, 'True');

    await stopInstance(a!);
    const stopped = await readyIs(nameA, 'Unknown');
    expect(ready(stopped)).toMatchObject({
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    });
    for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(stopped.status.conditions?.find((c) => c.type === t)?.status).toBe('Unknown');
    }
    const after = await staysNotReady(nameA, 'node.kubernetes.io/unreachable');
    expect(ready(after)?.status).toBe('Unknown');
    // the other instance kept running: its Node is untouched
    expect(ready(await node(nameB))?.status).toBe('True');

    await ecsClient(sim).startInstance(new $Ecs.StartInstanceRequest({ instanceId: a! }));
    await readyIs(nameA, 'True');
    await eventually(`${nameA} untainted`, async () => {
      const n = await node(nameA);
      return n.spec.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable') ? undefined : true;
    });
  });

  test('an instance that stops responding (failInstance) goes Unknown; a released one keeps its NotReady Node until someone deletes it', async () => {
    const [a, b] = await launch(2, uniqueName('fail'));
    const nameA = await booted(a!);
    const nameB = await booted(b!);
    await readyIs(nameA, 'True');
    await readyIs(nameB, 'True');

    sim.failInstance(a!);
    expect(ready(await readyIs(nameA, 'Unknown'))?.reason).toBe('NodeStatusUnknown');

    await ecsClient(sim).deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: b!, force: true }));
    await eventually(`${b!} released`, async () => (sim.cloud.instances.has(b!) ? undefined : true));
    await readyIs(nameB, 'Unknown');
    const n = await staysNotReady(nameB, 'node.kubernetes.io/unreachable');
    expect(n.metadata.name).toBe(nameB); // still there: only the operator (as a cloud controller) removes it
  });
});

describe('injected machine failures', () => {
  test('bootstrap-fails for one instance: Running, its console shows the failed step, it never registers; its sibling joins', async () => {
    const [bad, good] = await launch(2, uniqueName('brokenboot'));
    sim.addNodeFault({ kind: 'bootstrap-fails', instanceId: bad!, command: 'systemctl', exitCode: 5 });
    const o = await outcome(bad!);
    expect(o.node).toBeUndefined();
    expect(o.error).toBeDefined();
    expect(sim.cloud.instances.get(bad!)?.status).toBe('Running');
    // the console is cached, not a live tail: it shows the boot once the console has been quiet for a while
    const text = await eventually('the failed boot in the console output', async () => {
      const consoleB64 = (
        await ecsClient(sim).getInstanceConsoleOutput(
          new $Ecs.GetInstanceConsoleOutputRequest({
            regionId: REGION,
            instanceId: bad!,
            removeSymbols: true,
          }),
        )
      ).body?.consoleOutput;
      const t = Buffer.from(consoleB64 ?? '', 'base64').toString('utf8');
      return /FAILED/.test(t) ? t : undefined;
    });
    const progress = bootstrapProgress(text);
    expect(progress).toMatchObject({ state: 'failed', exitCode: 5 });
    expect(text).toMatch(/FAILED \(exit 5\)/);

    const goodName = await booted(good!);
    await readyIs(goodName, 'True');
    const list = await getJson<{ items: NodeJson[] }>(['nodes']);
    expect(list.items.filter((n) => n.spec.providerID === `${REGION}.${bad!}`)).toEqual([]);
  });

  test('never-ready for the next instance with a tag: it registers and stays NotReady with its kubelet alive; the next one with the tag is unaffected', async () => {
    const value = uniqueName('nr');
    sim.addNodeFault({ kind: 'never-ready', tag: { key: 'sim-test/fault', value }, count: 1 });
    const [first] = await launch(1, uniqueName('neverready'), { 'sim-test/fault': value });
    const [second] = await launch(1, uniqueName('neverready'), { 'sim-test/fault': value });
    expect(sim.nodeFaults.forInstance(first!)).toEqual({ kind: 'never-ready' });
    expect(sim.nodeFaults.forInstance(second!)).toBeUndefined();
    const bad = await booted(first!);
    const good = await booted(second!);
    await readyIs(good, 'True');
    // kwok holds the never-ready node's Lease (the kubelet runs) but leaves its status alone
    await eventually(`${bad}'s Lease`, async () => {
      const r = await kubectl(['get', 'lease', '-n', 'kube-node-lease', bad, '-o', 'name']);
      return r.code === 0 ? true : undefined;
    });
    const n = await staysNotReady(bad, 'node.kubernetes.io/not-ready');
    expect(ready(n)).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
  });

  test('bootstrap-fails for the next 2 instances an ESS scaling group launches: those never register, the third joins', async () => {
    const ess = rpcClient(sim, 'ess');
    const region = sim.world.regions.find((r) => r.regionId === REGION);
    const g = await ess('CreateScalingGroup', {
      RegionId: REGION,
      ScalingGroupName: uniqueName('faultgroup'),
      MinSize: 0,
      MaxSize: 5,
      DesiredCapacity: 0,
      VSwitchIds: [region?.vpcs[0]?.vSwitches[0]?.vSwitchId ?? ''],
    });
    const groupId = g.ScalingGroupId as string;
    const c = await ess('CreateScalingConfiguration', {
      RegionId: REGION,
      ScalingGroupId: groupId,
      ImageId: 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd',
      InstanceTypes: ['ecs.g7.large'],
      SecurityGroupIds: [region?.securityGroups[0]?.securityGroupId ?? ''],
      UserData: await userData(uniqueName('faultgroup')),
    });
    await ess('EnableScalingGroup', {
      RegionId: REGION,
      ScalingGroupId: groupId,
      ActiveScalingConfigurationId: c.ScalingConfigurationId as string,
    });
    sim.addNodeFault({ kind: 'bootstrap-fails', scalingGroupId: groupId, count: 2 });
    await ess('ModifyScalingGroup', { RegionId: REGION, ScalingGroupId: groupId, DesiredCapacity: 3 });
    const members = await eventually('3 instances in the group', async () => {
      const ids = [...sim.cloud.instances.values()]
        .filter((i) => i.tags.some((t) => t.key === 'acs:autoscaling:scalingGroupId' && t.value === groupId))
        .map((i) => i.instanceId);
      return ids.length === 3 ? ids : undefined;
    });
    const outcomes = await Promise.all(members.map((id) => outcome(id)));
    const failed = outcomes.filter((o) => o.error);
    const joined = outcomes.filter((o) => o.node);
    expect(failed).toHaveLength(2);
    expect(joined).toHaveLength(1);
    for (const o of failed) {
      expect(
        bootstrapProgress(sim.cloud.instances.get(o.instanceId)?.consoleOutput?.text ?? ''),
      ).toMatchObject({ state: 'failed', exitCode: 1 });
    }
    const name = joined[0]?.node?.nodeName ?? '';
    nodeNames.add(name);
    await readyIs(name, 'True');
    expect(sim.nodeFaults.list().rules.filter((r) => r.scalingGroupId === groupId)).toEqual([]);
  });

  test('admin API: POST /node-faults is validated (400 names the field), listed and removed', async () => {
    const post = (body: unknown): Promise<Response> =>
      fetch(`${sim.adminUrl}/node-faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    let r = await post({ kind: 'explode', scalingGroupId: 'asg-x' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/^kind: /);
    r = await post({ kind: 'never-ready' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/^instanceId: give exactly one target/);
    r = await post({ kind: 'never-ready', scalingGroupId: 'asg-x', exitCode: 3 });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/^exitCode: /);
    r = await post({ kind: 'never-ready', instanceId: 'i-nothere' });
    expect(r.status).toBe(404);
    r = await post({ kind: 'bootstrap-fails', scalingGroupId: 'asg-admin', count: 3, command: 'kubelet' });
    expect(r.status).toBe(201);
    const created = (await r.json()) as { rule: { id: string; remaining: number } };
    expect(created.rule.remaining).toBe(3);
    const listed = (await (await fetch(`${sim.adminUrl}/node-faults`)).json()) as {
      rules: { id: string; scalingGroupId: string; fault: unknown }[];
    };
    expect(listed.rules.find((x) => x.id === created.rule.id)).toMatchObject({
      scalingGroupId: 'asg-admin',
      fault: { kind: 'bootstrap-fails', command: 'kubelet', exitCode: 1 },
    });
    r = await fetch(`${sim.adminUrl}/node-faults/${created.rule.id}`, { method: 'DELETE' });
    expect(r.status).toBe(200);
    const after = (await (await fetch(`${sim.adminUrl}/node-faults`)).json()) as { rules: { id: string }[] };
    expect(after.rules.some((x) => x.id === created.rule.id)).toBe(false);
  });
});

describe('a newer image published in a family', () => {
  test('DescribeImages lists it as the newest of the family, with its versions and fixed CVEs as tags; a node booted from it reports them', async () => {
    const family = 'acs:alibaba_cloud_linux_3_container_optimized_x64';
    const r = await fetch(`${sim.adminUrl}/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        regionId: REGION,
        family,
        version: '3.2104.9',
        kubeletVersion: 'v1.34.9',
        containerdVersion: '1.7.29',
        fixedCves: [
          { id: 'CVE-2026-12345', severity: 'High' },
          { id: 'CVE-2026-23456', severity: 'Low' },
        ],
      }),
    });
    expect(r.status).toBe(201);
    const published = (await r.json()) as { imageId: string };
    const bad = await fetch(`${sim.adminUrl}/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ family, fixedCves: [{ id: 'CVE-1', severity: 'High' }] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^fixedCves\.0\.id: /);

    const res = await ecsClient(sim).describeImages(
      new $Ecs.DescribeImagesRequest({ regionId: REGION, imageFamily: family }),
    );
    const images = res.body?.images?.image ?? [];
    const newest = [...images].sort(
      (a, b) => Date.parse(b.creationTime ?? '') - Date.parse(a.creationTime ?? ''),
    )[0];
    expect(newest?.imageId).toBe(published.imageId);
    expect(newest?.imageVersion).toBe('3.2104.9');
    const tags: Record<string, string | undefined> = Object.fromEntries(
      (newest?.tags?.tag ?? []).map((t): [string, string | undefined] => [t.tagKey ?? '', t.tagValue]),
    );
    expect(tags).toMatchObject({
      'nodepool.alicloud.dev/kubelet-version': 'v1.34.9',
      'nodepool.alicloud.dev/containerd-version': '1.7.29',
      'nodepool.alicloud.dev/fixes-high': 'CVE-2026-12345',
      'nodepool.alicloud.dev/fixes-low': 'CVE-2026-23456',
    });

    const [id] = await launch(1, 'image-pool', {}, published.imageId);
    const name = await booted(id!);
    const n = await readyIs(name, 'True');
    expect(n.status.nodeInfo).toMatchObject({
      kubeletVersion: 'v1.34.9',
      containerRuntimeVersion: 'containerd://1.7.29',
      osImage: expect.stringContaining('3.2104.9'),
    });
  });
});
