// The autoscalers the bench compares, each started on a fresh control plane with the same catalogue and boot
// time, one at a time: Karpenter's kwok provider and our operator (Auto NodePools over the simulator).
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { installCrds } from '../../src/apis/install.js';
import { GROUP, KINDS, VERSION } from '../../src/apis/v1beta1/constants.js';
import type { DevStack } from '../../src/devstack/index.js';
import { freePort } from '../../src/devstack/ports.js';
import { crd, type KubeClient } from '../../src/kube/index.js';
import type { Logger } from '../../src/log.js';
import { Informer } from '../../src/runtime/informer.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { NodeSimulation } from '../../src/sim/nodes/index.js';
import { startOperator } from '../operator-process.js';
import { spawnLogged, stopChild } from '../process.js';
import type { KarpenterBuild } from './build.js';
import { KARPENTER_VERSION } from './build.js';
import { karpenterInstanceTypes, type Catalogue } from './catalogue.js';
import type { Recorder } from './recorder.js';

export const SYSTEMS = ['karpenter', 'ours'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export interface SystemContext {
  stack: DevStack;
  client: KubeClient;
  catalogue: Catalogue;
  runDir: string;
  /** The node boot time every system is given (seconds). */
  bootSeconds: number;
  /** How long a node must be empty or underused before consolidation removes it (both systems). */
  consolidateAfterSeconds: number;
  recorder: Recorder;
  log: Logger;
  progress: (line: string) => void;
}

export interface RunningSystem {
  /** The controller's pid (its memory and CPU are measured). */
  pid: number;
  logFile: string;
  /** What the harness should know about this system's setup (e.g. a feature it lacks). */
  notes: string[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function kubectl(stack: DevStack, args: string[], input?: string): Promise<string> {
  const res = await stack.kubectl(args, input === undefined ? {} : { input });
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${res.stderr.trim()}`);
  return res.stdout;
}

/** Polls `ok` every 200 ms; throws with `what` after `timeoutMs`, or as soon as the child exits. */
async function waitFor(
  what: string,
  ok: () => Promise<boolean>,
  child: ChildProcess,
  logFile: string,
  timeoutMs = 120_000,
): Promise<void> {
  // prettier-ignore
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what}: the controller exited (${child.exitCode ?? child.signalCode}); see ${logFile}`); // prettier-ignore
    if (await ok().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000} s; see ${logFile}`);
    await sleep(200);
  }
}

const healthy = (url: string) => () => fetch(url).then((r) => r.ok);

// ------------------------------------------------------------------------------------------------ Karpenter

const NODE_CLAIMS = crd('karpenter.sh', 'v1', 'nodeclaims', 'NodeClaim', false);
const NodeClaimView = z.object({ metadata: z.object({ name: z.string(), uid: z.string().optional() }) });

/** Karpenter's NodePool over the whole catalogue (on-demand, every zone) and its KWOKNodeClass (the boot time). */
export function karpenterObjects(
  c: Catalogue,
  bootSeconds: number,
  consolidateAfterSeconds: number,
): unknown[] {
  return [
    {
      apiVersion: 'karpenter.kwok.sh/v1alpha1',
      kind: 'KWOKNodeClass',
      metadata: { name: 'default' },
      spec: { nodeRegistrationDelay: `${bootSeconds}s` },
    },
    {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'default' },
      spec: {
        template: {
          spec: {
            requirements: [
              { key: 'node.kubernetes.io/instance-type', operator: 'In', values: c.types.map((t) => t.name) },
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
              { key: 'topology.kubernetes.io/zone', operator: 'In', values: c.zones },
              { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
              { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
            ],
            nodeClassRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
            expireAfter: 'Never',
          },
        },
        disruption: {
          consolidationPolicy: 'WhenEmptyOrUnderutilized',
          consolidateAfter: `${consolidateAfterSeconds}s`,
        },
        limits: { cpu: '100000' },
      },
    },
  ];
}

export async function startKarpenter(ctx: SystemContext, build: KarpenterBuild): Promise<RunningSystem> {
  const { stack } = ctx;
  await kubectl(stack, ['apply', '--server-side', '-f', build.crds]);
  await kubectl(stack, ['wait', '--for=condition=Established', '--timeout=60s', 'crd/nodepools.karpenter.sh', 'crd/nodeclaims.karpenter.sh', 'crd/kwoknodeclasses.karpenter.kwok.sh']); // prettier-ignore
  const typesFile = join(ctx.runDir, 'karpenter-instance-types.json');
  await writeFile(typesFile, JSON.stringify(karpenterInstanceTypes(ctx.catalogue), null, 1));
  const objects = karpenterObjects(ctx.catalogue, ctx.bootSeconds, ctx.consolidateAfterSeconds);
  await kubectl(
    stack,
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );

  const [metrics, health] = [await freePort(), await freePort()];
  const logFile = join(ctx.runDir, 'karpenter.log');
  const child = spawnLogged(build.binary, [], {
    ...process.env,
    KUBECONFIG: stack.kubeconfig,
    SYSTEM_NAMESPACE: 'kube-system',
    DISABLE_LEADER_ELECTION: 'true',
    METRICS_PORT: String(metrics),
    HEALTH_PROBE_PORT: String(health),
    INSTANCE_TYPES_FILE_PATH: typesFile,
    LOG_LEVEL: process.env.NODEPOOL_PEERS_KARPENTER_LOG_LEVEL ?? 'info',
  }, logFile); // prettier-ignore
  await waitFor('Karpenter ready', healthy(`http://127.0.0.1:${health}/readyz`), child, logFile);

  // every NodeClaim Karpenter creates is a capacity request
  const claims = new Informer({
    client: ctx.client,
    ref: NODE_CLAIMS,
    schema: NodeClaimView,
    logger: ctx.log,
  });
  claims.addEventHandler({
    add: () => {
      ctx.recorder.request();
      ctx.recorder.machine();
    },
  });
  claims.start();
  await claims.waitForSync();
  ctx.progress(`Karpenter ${KARPENTER_VERSION} running (pid ${child.pid}, log ${logFile})`);
  return {
    pid: child.pid!,
    logFile,
    notes: [],
    stop: async () => {
      await claims.stop();
      await stopChild(child);
    },
  };
}

// ------------------------------------------------------------------------------------------------ our operator

const NODE_POOLS = crd(GROUP, VERSION, KINDS.NodePool.plural, KINDS.NodePool.kind, false);
const PoolView = z.object({
  metadata: z.object({ name: z.string() }),
  status: z.object({ phase: z.string().optional() }).loose().optional(),
});

/** Cloud calls that ask for capacity: each one the operator makes is a capacity request. */
const SCALE_OUT_ACTIONS = ['ScaleWithAdjustment', 'ExecuteScalingRule', 'ModifyScalingGroup', 'RunInstances', 'CreateInstance']; // prettier-ignore

/** The simulator's clock runs this much faster: its API and launch latencies shrink to what kwok's cloud has (none). */
const TIME_SCALE = 100;

/** Our pools: one Auto NodePool per shape family (c 1:2, g 1:4, r 1:8), each over its 7th and 8th generation types. */
export function ourPools(
  sim: Simulator,
  c: Catalogue,
  consolidation: Record<string, unknown> | undefined,
): unknown[] {
  const region = sim.world.regions.find((r) => r.regionId === c.region)!;
  const vpc = region.vpcs[0]!;
  const vSwitchIds = vpc.vSwitches.filter((v) => v.name.startsWith('nodes-') && c.zones.includes(v.zoneId)).map((v) => v.vSwitchId); // prettier-ignore
  const shapes = [...new Set(c.types.map((t) => t.family.charAt(0)))];
  return shapes.map((shape) => ({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'NodePool',
    metadata: { name: `auto-${shape}` },
    spec: {
      region: c.region,
      vpcId: vpc.vpcId,
      vSwitchIds,
      scaling: { mode: 'Auto', minSize: 0, maxSize: 1000 },
      billing: { chargeType: 'PayAsYouGo' },
      instanceTypes: c.types.filter((t) => t.family.startsWith(shape)).sort((a, b) => a.vcpu - b.vcpu || (a.name < b.name ? -1 : 1)).map((t) => t.name), // prettier-ignore
      image: { type: 'AliyunLinux3ContainerOptimized' },
      ramRoleName: 'k8s-worker-role',
      securityGroup: { ids: [region.securityGroups[0]!.securityGroupId] },
      registrationTimeout: '60m',
      ...(consolidation ? { disruption: { consolidation } } : {}),
    },
  }));
}

const CrdView = z.object({
  spec: z.object({
    versions: z.array(
      z.object({
        name: z.string(),
        schema: z.object({ openAPIV3Schema: z.looseObject({}) }).optional(),
      }),
    ),
  }),
});

/** Whether the installed NodePool CRD has `spec.disruption.consolidation` (it comes with consolidation). */
async function hasConsolidation(stack: DevStack): Promise<boolean> {
  const out = await kubectl(stack, ['get', 'crd', `${KINDS.NodePool.plural}.${GROUP}`, '-o', 'json']);
  const root = CrdView.parse(JSON.parse(out)).spec.versions.find((v) => v.name === VERSION)?.schema
    ?.openAPIV3Schema;
  let at: unknown = root;
  for (const key of ['spec', 'disruption', 'consolidation']) {
    at = (at as { properties?: Record<string, unknown> } | undefined)?.properties?.[key];
  }
  return at !== undefined;
}

export async function startOurs(ctx: SystemContext): Promise<RunningSystem> {
  const { stack } = ctx;
  await installCrds(stack.binaries.bin.kubectl, stack.kubeconfig);
  const sim = await startSimulator({ log: ctx.log, timeScale: TIME_SCALE });
  const nodeSim = new NodeSimulation(sim, {
    apiServer: stack.server,
    log: ctx.log,
    cacheBoots: true,
    registerAfterLaunchMs: ctx.bootSeconds * 1000,
  });
  nodeSim.start();
  // every instance the simulator launches is a machine asked for (registered as a Node or not)
  const unsubscribe = sim.onLifecycle((e) => {
    if (e.type === 'launched') ctx.recorder.machine();
  });

  const logFile = join(ctx.runDir, 'operator.log');
  let child: ChildProcess | undefined;
  let poll: NodeJS.Timeout | undefined;
  const stopAll = async () => {
    clearInterval(poll);
    unsubscribe();
    if (child) await stopChild(child);
    await nodeSim.stop();
    await sim.stop();
  };
  try {
    // the catalogue is the simulator's first region, which startOperator points the operator at
    child = await startOperator(stack, sim, logFile, { cluster: 'c-peers', identity: 'bench-peers', logLevel: process.env.NODEPOOL_PEERS_OPERATOR_LOG_LEVEL }); // prettier-ignore
    const operator = child;
    const notes: string[] = [];
    const consolidation = (await hasConsolidation(stack))
      ? { policy: 'WhenEmptyOrUnderutilized', after: `${ctx.consolidateAfterSeconds}s` }
      : undefined;
    if (!consolidation)
      notes.push('the NodePool API has no spec.disruption.consolidation yet: no consolidation');
    const pools = ourPools(sim, ctx.catalogue, consolidation);
    await kubectl(
      stack,
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pools }),
    );
    // the pools are ready for pods once the operator made their scaling groups (Active at 0 nodes)
    const views = new Informer({ client: ctx.client, ref: NODE_POOLS, schema: PoolView, logger: ctx.log });
    views.start();
    await views.waitForSync();
    const active = async () =>
      views.list().filter((p) => p.status?.phase === 'Active').length === pools.length;
    await waitFor('our Auto pools Active', active, operator, logFile, 180_000).catch((err: Error) => notes.push(`${err.message.split(';')[0]}: started the workload anyway`)); // prettier-ignore
    await views.stop();

    // each cloud call asking for capacity is a capacity request (polled every 20 ms)
    const seen = new Map<string, number>();
    const count = () => {
      const snap = sim.calls.snapshot();
      let changed = false;
      for (const a of SCALE_OUT_ACTIONS) {
        const n = snap[a] ?? 0;
        if (n > (seen.get(a) ?? 0)) changed = true;
        seen.set(a, n);
      }
      return changed;
    };
    count();
    poll = setInterval(() => {
      if (count()) ctx.recorder.request();
    }, 20);
    ctx.progress(`our operator running (pid ${operator.pid}, log ${logFile}), ${pools.length} Auto pools${notes.length ? `; ${notes.join('; ')}` : ''}`); // prettier-ignore
    return { pid: operator.pid!, logFile, notes, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
