// npm run bench:sim: the cloud simulator's throughput, latency and memory over loopback. The simulator runs in its
// own process (`nodepool-operator sim`), as with `npm start`. DescribeInstances is measured twice: with lean
// signed requests (the server's figure: V3-signed by the SDK's own signing function, full body read, not
// parsed) and with the typed SDK client (what an SDK user sees: its JSON parsing and model casting cost about
// as much CPU as the server's answer, on the same 2 cores).
import EcsModule, * as $Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { rpc, type Target } from './rpc.js';
import { SignedClient } from './signed-client.js';
import { admin, startSim } from './sim-process.js';

const Ecs = EcsModule.default;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const IMAGE = 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd';

interface Stats {
  latencyMs: { count: number; p50: number; p99: number; max: number };
  instances: number;
  memory: { rss: number; heapUsed: number };
  cpuMs: { user: number; system: number };
}

/** Runs `call` from CONCURRENCY loops for SECONDS; prints the rate, the server's latency and CPU per request. */
async function measure(name: string, t: Target, call: () => Promise<unknown>): Promise<void> {
  // BENCH_ONLY=text: run only the measures whose name contains it
  if (process.env.BENCH_ONLY && !name.includes(process.env.BENCH_ONLY)) return;
  await admin(t, 'POST', '/stats/reset');
  let done = 0;
  let failed = 0;
  let bytes = 0;
  let firstError: unknown;
  const end = Date.now() + SECONDS * 1000;
  const started = performance.now();
  const clientCpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        try {
          const r = await call();
          if (typeof r === 'number') bytes += r;
          done++;
        } catch (err) {
          firstError ??= err;
          failed++;
        }
      }
    }),
  );
  const secs = (performance.now() - started) / 1000;
  const clientUsed = process.cpuUsage(clientCpu);
  const clientPerReq = (clientUsed.user + clientUsed.system) / 1000 / Math.max(1, done + failed);
  const s = await admin<Stats>(t, 'GET', '/stats');
  const cpuPerReq = (s.cpuMs.user + s.cpuMs.system) / Math.max(1, s.latencyMs.count);
  process.stdout.write(
    `${name}: ${(done / secs).toFixed(0)} req/s (${done} ok, ${failed} failed, concurrency ${CONCURRENCY}, ${SECONDS} s${bytes > 0 ? `, ${(bytes / done / 1024).toFixed(0)} KB/answer, ${(bytes / secs / 1048576).toFixed(0)} MB/s` : ''}); server-side p50 ${s.latencyMs.p50.toFixed(2)} ms, p99 ${s.latencyMs.p99.toFixed(2)} ms, max ${s.latencyMs.max.toFixed(1)} ms; CPU per request: server ${cpuPerReq.toFixed(3)} ms (${(s.cpuMs.system / Math.max(1, s.latencyMs.count)).toFixed(3)} of it in the kernel; ≈ ${(1000 / cpuPerReq).toFixed(0)} req/s per core), client ${clientPerReq.toFixed(3)} ms (${(clientUsed.system / 1000 / Math.max(1, done + failed)).toFixed(3)} in the kernel)\n`,
  );
  if (firstError !== undefined)
    process.stdout.write(
      `  first failure: ${firstError instanceof Error ? firstError.message : JSON.stringify(firstError)}\n`,
    );
}

async function main(): Promise<void> {
  const sim = await startSim();
  const t = sim.target;
  try {
    const world = await admin<{
      regions: {
        zones: { zoneId: string }[];
        vpcs: { vSwitches: { vSwitchId: string }[] }[];
        securityGroups: { securityGroupId: string }[];
      }[];
    }>(t, 'GET', '/world');
    const region = world.regions[0];
    const vsw = region?.vpcs[0]?.vSwitches.slice(0, 3).map((v) => v.vSwitchId) ?? [];
    const sg = region?.securityGroups[0]?.securityGroupId ?? '';
    for (const z of region?.zones ?? []) {
      for (const instanceType of ['ecs.g7.large', 'ecs.c7.large'])
        await admin(t, 'PUT', '/stock', { zoneId: z.zoneId, instanceType, onDemand: 100_000 });
    }
    const t0 = performance.now();
    for (let g = 0; g < 200; g++) {
      const group = await rpc(t, 'CreateScalingGroup', {
        ScalingGroupName: `bench-${g}`,
        MinSize: 0,
        MaxSize: 25,
        DesiredCapacity: 25,
        VSwitchIds: vsw,
      });
      const groupId = group.ScalingGroupId as string;
      const config = await rpc(t, 'CreateScalingConfiguration', {
        ScalingGroupId: groupId,
        ImageId: IMAGE,
        InstanceTypes: ['ecs.g7.large', 'ecs.c7.large'],
        SecurityGroupIds: [sg],
      });
      await rpc(t, 'EnableScalingGroup', {
        ScalingGroupId: groupId,
        ActiveScalingConfigurationId: config.ScalingConfigurationId,
      });
    }
    const deadline = Date.now() + 180_000;
    for (;;) {
      const page = await rpc(t, 'DescribeScalingInstances', { LifecycleState: 'InService', PageSize: 1 });
      if ((page.TotalCount as number) >= 5000) break;
      if (Date.now() > deadline)
        throw new Error('the groups did not reach 5,000 InService instances in 180 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    // from here on real time: the ESS engine passes every 5 s, as in production
    await admin(t, 'PUT', '/clock', { scale: 1 });
    const s = await admin<Stats>(t, 'GET', '/stats');
    process.stdout.write(
      `5,000 instances in 200 scaling groups (created by the ESS engine): ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; simulator RSS ${(s.memory.rss / 1048576).toFixed(0)} MB, heap used ${(s.memory.heapUsed / 1048576).toFixed(0)} MB\n`,
    );
    const ecs = new Ecs(
      new $OpenApiUtil.Config({
        accessKeyId: t.accessKeyId,
        accessKeySecret: t.accessKeySecret,
        endpoint: t.endpoint,
        protocol: 'http',
        regionId: t.regionId,
      }),
    );
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await ecs.describeInstances(
        new $Ecs.DescribeInstancesRequest({
          regionId: t.regionId,
          maxResults: 100,
          ...(token ? { nextToken: token } : {}),
        }),
      );
      ids.push(...(page.body?.instances?.instance ?? []).map((i) => i.instanceId ?? ''));
      token = page.body?.nextToken || undefined;
    } while (token);
    const pageOf = (k: number): string[] => ids.slice((k % 50) * 100, (k % 50) * 100 + 100);
    const raw = new SignedClient(t);
    // the lean client's answer is the typed client's answer: same 100 instances, in order
    const check = await raw.call(
      'DescribeInstances',
      '2014-05-26',
      { InstanceIds: JSON.stringify(pageOf(7)), MaxResults: '100' },
      { keepText: true },
    );
    const checked = JSON.parse(check.text ?? '{}') as { Instances?: { Instance?: { InstanceId: string }[] } };
    const got = (checked.Instances?.Instance ?? []).map((i) => i.InstanceId);
    if (check.status !== 200 || got.join() !== pageOf(7).join())
      throw new Error(
        `the signed client's DescribeInstances answered ${check.status}: ${check.text?.slice(0, 300)}`,
      );
    let k = 0;
    await measure(
      'DescribeInstances (100-id page, signed requests over keep-alive, body read not parsed, V3)',
      t,
      async () => {
        const r = await raw.call('DescribeInstances', '2014-05-26', {
          InstanceIds: JSON.stringify(pageOf(k++)),
          MaxResults: '100',
        });
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        return r.bytes;
      },
    );
    raw.close();
    await measure('DescribeInstances (100-id page, typed SDK client: parsing + model casting, V3)', t, () =>
      ecs.describeInstances(
        new $Ecs.DescribeInstancesRequest({
          regionId: t.regionId,
          instanceIds: JSON.stringify(pageOf(k++)),
          maxResults: 100,
        }),
      ),
    );
    await measure(
      'DescribeInstances (100-id page, SDK generic callApi: parsing, no model casting, V3)',
      t,
      () =>
        rpc(
          t,
          'DescribeInstances',
          { InstanceIds: JSON.stringify(pageOf(k++)), MaxResults: 100 },
          '2014-05-26',
        ),
    );
    await measure('DescribeInstances (1-id page, typed client, V3)', t, () => {
      k++;
      return ecs.describeInstances(
        new $Ecs.DescribeInstancesRequest({
          regionId: t.regionId,
          instanceIds: JSON.stringify([ids[k % ids.length]]),
        }),
      );
    });
    // RunInstances in the other region: its three /20 vSwitches have 12,276 free addresses
    const sh = world.regions[1];
    const shVsw = sh?.vpcs[0]?.vSwitches.slice(0, 3).map((v) => v.vSwitchId) ?? [];
    for (const z of sh?.zones ?? [])
      await admin(t, 'PUT', '/stock', { zoneId: z.zoneId, instanceType: 'ecs.g7.large', onDemand: 100_000 });
    const shEcs = new Ecs(
      new $OpenApiUtil.Config({
        accessKeyId: t.accessKeyId,
        accessKeySecret: t.accessKeySecret,
        endpoint: t.endpoint,
        protocol: 'http',
        regionId: 'cn-shanghai',
      }),
    );
    let n = 0;
    await measure('RunInstances (Amount=1, typed client, V3)', t, () =>
      shEcs.runInstances(
        new $Ecs.RunInstancesRequest({
          regionId: 'cn-shanghai',
          imageId: IMAGE,
          instanceType: 'ecs.g7.large',
          vSwitchId: shVsw[n++ % 3],
          securityGroupIds: [sh?.securityGroups[0]?.securityGroupId ?? ''],
        }),
      ),
    );
  } finally {
    await sim.stop();
  }
}

await main();
