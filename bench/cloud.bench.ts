// npm run bench:cloud — the cloud layer's own cost and its behaviour under faults, against the simulator in its
// own process:
// 1. overhead per call: the same ESS call made with the bare SDK (openapi-core callApi) and through the
//    operator's cloud layer (pipeline + limits + metrics + zod), sequentially; the difference of the medians.
// 2. 1,000 operations (800 reads, 200 writes) with ~20 % of calls failing transiently (503, a dropped
//    connection, or — for writes — an answer lost after the write took effect): success rate, attempts, retries against faults injected, and no duplicate instance.
import { Registry } from 'prom-client';
import { createCloud, type CloudSettings } from '../src/cloud/index.js';
import { createLogger } from '../src/log.js';
import { rpc, type Target } from './rpc.js';
import { admin, startSim } from './sim-process.js';

const CALLS = Number(process.env.BENCH_OVERHEAD_CALLS ?? 2000);
const OPS = Number(process.env.BENCH_FAULT_OPS ?? 1000);
const IMAGE = 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function settings(t: Target): CloudSettings {
  return {
    region: t.regionId,
    accessKeyId: t.accessKeyId,
    accessKeySecret: t.accessKeySecret,
    ecsEndpoint: t.endpoint,
    essEndpoint: t.endpoint,
    vpcEndpoint: t.endpoint,
    stsEndpoint: t.endpoint,
    cloudProtocol: 'http',
    cloudQps: 100_000,
    cloudBurst: 100_000,
    cloudMaxConcurrency: 16,
    cloudTimeout: 10_000,
    cloudMaxAttempts: 6,
  };
}

async function overhead(t: Target): Promise<void> {
  const registry = new Registry();
  const { provider } = createCloud(settings(t), { registry, log: createLogger({ level: 'silent' }) });
  const bare = (): Promise<unknown> =>
    rpc(t, 'DescribeScalingGroups', { ScalingGroupName: 'bench-0', PageSize: 50 });
  const ours = (): Promise<unknown> => provider.ess.describeScalingGroups({ name: 'bench-0' });
  for (let i = 0; i < 200; i++) {
    await bare();
    await ours();
  }
  const a: number[] = [];
  const b: number[] = [];
  // Interleaved, so drift in the machine's load hits both alike.
  for (let i = 0; i < CALLS; i++) {
    let t0 = performance.now();
    await bare();
    a.push(performance.now() - t0);
    t0 = performance.now();
    await ours();
    b.push(performance.now() - t0);
  }
  const ma = median(a);
  const mb = median(b);
  process.stdout.write(
    `cloud overhead: DescribeScalingGroups median ${ma.toFixed(3)} ms bare SDK, ${mb.toFixed(3)} ms through the cloud layer: +${(mb - ma).toFixed(3)} ms per call (goal <= 1 ms; ${CALLS} calls each)\n`,
  );
}

async function faults(t: Target): Promise<void> {
  const registry = new Registry();
  const { provider } = createCloud(settings(t), {
    registry,
    log: createLogger({ level: 'silent' }),
    pipeline: { initialBackoffMs: 20, maxBackoffMs: 1000 },
  });
  const world = await admin<{
    regions: {
      vpcs: { vSwitches: { vSwitchId: string }[] }[];
      securityGroups: { securityGroupId: string }[];
    }[];
  }>(t, 'GET', '/world');
  const vsw = world.regions[0]!.vpcs[0]!.vSwitches[0]!.vSwitchId;
  const sg = world.regions[0]!.securityGroups[0]!.securityGroupId;
  const seed = await provider.runInstances(
    {
      imageId: IMAGE,
      instanceType: 'ecs.g7.large',
      vSwitchId: vsw,
      securityGroupIds: [sg],
      amount: 50,
      chargeType: 'PostPaid',
      systemDisk: { category: 'cloud_essd', sizeGiB: 40 },
      dataDisks: [],
      userData: '',
      tags: { bench: 'seed' },
    },
    { operationId: 'bench-seed' },
  );
  await admin(t, 'DELETE', '/faults');
  const r1 = await admin<{ id: string }>(t, 'POST', '/faults', {
    action: '*',
    code: 'ServiceUnavailable',
    probability: 0.15,
  });
  const r2 = await admin<{ id: string }>(t, 'POST', '/faults', {
    action: '*',
    reset: true,
    probability: 0.04,
  });
  // Lost answers: the write happened, its response did not arrive (the retry must replay, not duplicate).
  const r3 = await admin<{ id: string }>(t, 'POST', '/faults', {
    action: 'RunInstances',
    code: 'ServiceUnavailable',
    after: true,
    probability: 0.1,
  });
  let ok = 0;
  let failed = 0;
  const writes = Math.round(OPS / 5);
  const work = Array.from({ length: OPS }, (_, i) => async () => {
    if (i % 5 === 0) {
      await provider.runInstances(
        {
          imageId: IMAGE,
          instanceType: 'ecs.g7.large',
          vSwitchId: vsw,
          securityGroupIds: [sg],
          amount: 1,
          chargeType: 'PostPaid',
          systemDisk: { category: 'cloud_essd', sizeGiB: 40 },
          dataDisks: [],
          userData: '',
          tags: { bench: 'faults' },
        },
        { operationId: `bench-fault-${i}` },
      );
    } else {
      await provider.describeInstances(seed.slice(i % 40, (i % 40) + 10));
    }
  });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let job = work.shift(); job; job = work.shift()) {
        try {
          await job();
          ok++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const { faults: rules } = await admin<{ faults: { id: string; fired: number }[] }>(t, 'GET', '/faults');
  const fired = rules.filter((r) => [r1.id, r2.id, r3.id].includes(r.id)).reduce((a, r) => a + r.fired, 0);
  await admin(t, 'DELETE', '/faults');
  const metrics = await registry.getMetricsAsJSON();
  const total = (name: string): number =>
    (metrics.find((m) => m.name === name)?.values ?? []).reduce((a, v) => a + v.value, 0);
  const attempts = total('alibabacloud_api_requests_total');
  const retries = total('alibabacloud_api_retries_total');
  const created = (await provider.findInstancesByTags({ bench: 'faults' })).length;
  process.stdout.write(
    `cloud faults: ${OPS} operations (${writes} RunInstances, ${OPS - writes} DescribeInstances) with ~20% transient faults in ${secs.toFixed(1)} s: ` +
      `${((ok / OPS) * 100).toFixed(1)}% succeeded (${failed} failed); ${attempts} attempts, ${fired} faults injected, ${retries} retries = ${(retries / Math.max(1, fired)).toFixed(2)} x faults (goal <= 1.5); ` +
      `${created} instances for ${writes} RunInstances operations (duplicates: ${created - writes})\n`,
  );
}

async function main(): Promise<void> {
  const sim = await startSim();
  try {
    const world = await admin<{ regions: { vpcs: { vSwitches: { vSwitchId: string }[] }[] }[] }>(
      sim.target,
      'GET',
      '/world',
    );
    const vsw = world.regions[0]!.vpcs[0]!.vSwitches[0]!.vSwitchId;
    await rpc(sim.target, 'CreateScalingGroup', {
      ScalingGroupName: 'bench-0',
      MinSize: 0,
      MaxSize: 1,
      DesiredCapacity: 0,
      VSwitchIds: [vsw],
    });
    await overhead(sim.target);
    await faults(sim.target);
  } finally {
    await sim.stop();
  }
}

await main();
