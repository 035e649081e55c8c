// bench:automation's system-events phase — issue 19's figure "System events announced ≥ 30 min ahead: node
// replaced ≥ 5 min before NotBefore, for 100 % of 50 events". A NodePool of NODES nodes (default 50) with
// `management.systemEvents` on; EVENTS ECS system events (default 50, one per node, the six disruptive types in
// turn: SystemMaintenance / SystemFailure reboots, redeploys and deletions, InstanceFailure.Reboot) are announced
// in waves of ten two simulated minutes apart, each 30 to 50 minutes ahead of its NotBefore (30, 35, 40, 45, 50 in
// turn). A node counts as replaced when its instance leaves the scaling group (removed or on its way out); the
// figure is how many left at least 5 minutes before their event's NotBefore, the lead (min / median / max) and how
// many events found their instance still in the group when they executed. The simulator runs at
// NODEPOOL_BENCH_EVENTS_TIME_SCALE (default 5: a 30-minute notice is 6 min of wall time) and the operator runs in
// this process on the simulator's clock (`runtimeClockOf`, as test/automation/events.test.ts), so its deadlines and
// the simulated cloud's line up; it is the `run` operator (every controller, the CSR approver, no leader election).
// Kubernetes keeps wall time (the replacements' CSRs, registration, the drains, the operator's own API round
// trips), stretched by the time scale: at 20× on the shared 2-core machine 50 replacements joining took over a
// wall minute, 20 simulated ones, so the nodes waited for their drain deadline instead of their replacement;
// at 5× that minute is 5. The pool runs no workload, for the same reason.
import { join } from 'node:path';
import pino from 'pino';
import { z } from 'zod';
import { GROUP, KINDS, VERSION } from '../src/apis/v1beta1/constants.js';
import { POOL_LABEL } from '../src/bootstrap/labels.js';
import type { DevStack } from '../src/devstack/index.js';
import { crd, NodeSchema, Resources, TypedResource, type KubeClient } from '../src/kube/index.js';
import { createLogger } from '../src/log.js';
import { startOperator } from '../src/operator/operator.js';
import { resolveSettings } from '../src/operator/settings.js';
import { runtimeClockOf, startSimulator } from '../src/sim/cloud/index.js';
import type { SystemEvent, SystemEventType } from '../src/sim/cloud/index.js';
import { NodeSimulation } from '../src/sim/nodes/index.js';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}: a number above 0, got ${process.env[name]}`);
  return v;
};
const NODES = num('NODEPOOL_BENCH_EVENTS_NODES', 50);
const EVENTS = num('NODEPOOL_BENCH_EVENTS', 50);
const SCALE = num('NODEPOOL_BENCH_EVENTS_TIME_SCALE', 5);
const WAVE = 10;
const WAVE_GAP_MIN = 2;
const MARGIN_MIN = 5;
const MIN = 60_000;
const TYPES: SystemEventType[] = [
  'SystemMaintenance.Reboot',
  'SystemFailure.Delete',
  'SystemMaintenance.Redeploy',
  'SystemFailure.Reboot',
  'SystemFailure.Redeploy',
  'InstanceFailure.Reboot',
];
const CLUSTER = 'c-bench-sev';
const NODE_POOLS = crd(GROUP, VERSION, KINDS.NodePool.plural, KINDS.NodePool.kind, false);
const PoolView = z.object({
  metadata: z.object({ name: z.string() }),
  status: z
    .object({
      phase: z.string().optional(),
      readySize: z.number().optional(),
      currentSize: z.number().optional(),
    })
    .optional(),
});

export interface EventsRun {
  timeScale: number;
  events: number;
  /** Events whose instance left the scaling group ≥ 5 simulated minutes before NotBefore. */
  onTime: number;
  /** NotBefore − the instance's leaving, simulated minutes. */
  leadMinMin: number;
  leadMedianMin: number;
  leadMaxMin: number;
  /** Events that executed while their instance was still in the group. */
  hitMembers: number;
  /** Wall seconds from the first announcement until the pool had NODES Ready nodes again, none of them hit. */
  wallS: number;
  loadBefore: string;
  loadAfter: string;
}

export interface PhaseContext {
  stack: DevStack;
  client: KubeClient;
  runDir: string;
  run: number;
  timeoutS: number;
  progress: (s: string) => void;
  load: () => string;
  until: (what: string, done: () => Promise<boolean>, status: () => string) => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
export const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** One run of the system-events phase: its own simulator (at SCALE), node simulation and in-process operator. */
export async function systemEventsRun(ctx: PhaseContext): Promise<EventsRun> {
  const { stack, client, run, progress } = ctx;
  const quiet = createLogger({ level: 'silent' });
  const sim = await startSimulator({ log: quiet, timeScale: SCALE });
  const nodeSim = new NodeSimulation(sim, {
    apiServer: stack.server,
    log: quiet,
    cacheBoots: true,
    kubeconfig: stack.kubeconfig,
  });
  nodeSim.start();
  const region = sim.world.regions[0]!;
  const vpc = region.vpcs[0]!;
  const settings = resolveSettings(
    {
      kubeconfig: stack.kubeconfig,
      namespace: 'kube-system',
      identity: `bench-events-${run}`,
      clusterId: CLUSTER,
      region: region.regionId,
      vpcId: vpc.vpcId,
      apiserverEndpoint: stack.server,
      leaderElect: false,
      healthProbeBindAddress: '127.0.0.1:0',
      metricsBindAddress: '127.0.0.1:0',
      logFormat: 'json',
      gracefulShutdownTimeout: '10s',
    },
    { ...sim.env(), LOG_LEVEL: process.env.NODEPOOL_BENCH_OPERATOR_LOG_LEVEL ?? 'info' },
  );
  const logFile = join(ctx.runDir, `operator-events-${run}.log`);
  const destination = pino.destination({ dest: logFile, sync: false });
  const operator = await startOperator(settings, {
    logger: createLogger({ level: settings.logLevel, destination }),
    clock: runtimeClockOf(sim.clock),
  });
  const pools = new TypedResource(client, NODE_POOLS, PoolView);
  const nodes = new TypedResource(client, Resources.nodes, NodeSchema);
  const name = `sev-${run}`;
  try {
    await pools.create({
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'NodePool',
      metadata: { name },
      spec: {
        region: region.regionId,
        vpcId: vpc.vpcId,
        vSwitchIds: vpc.vSwitches.filter((v) => v.name.startsWith('nodes-')).map((v) => v.vSwitchId),
        scaling: { mode: 'Manual', desiredSize: NODES },
        instanceTypes: ['ecs.g7.xlarge', 'ecs.c7.xlarge'],
        image: { type: 'AliyunLinux3ContainerOptimized' },
        ramRoleName: 'k8s-worker-role',
        securityGroup: { ids: [region.securityGroups[0]!.securityGroupId] },
        // this simulator's private IPs repeat the rotation phase's: a prefix keeps the Node names apart
        customNodeName: { prefix: `sev${run}` },
        registrationTimeout: '2h',
        management: { systemEvents: { enabled: true } },
      },
    });
    const poolNodes = async () => (await nodes.list({ labelSelector: `${POOL_LABEL}=${name}` })).items;
    const instanceOf = (providerID: string | undefined): string =>
      /\.(i-[a-z0-9]+)$/.exec(providerID ?? '')?.[1] ?? '';
    const member = (id: string): boolean => {
      const m = sim.ess.state.instances.get(id);
      return m !== undefined && !m.state.startsWith('Removing');
    };
    let ready = 0;
    const whole = async (without: ReadonlySet<string>): Promise<boolean> => {
      const ns = await poolNodes();
      ready = ns.filter(
        (n) =>
          !without.has(instanceOf(n.spec?.providerID)) &&
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
      const s = (await pools.get(name)).status;
      return ready === NODES && s?.phase === 'Active' && s.readySize === NODES && s.currentSize === NODES;
    };
    await ctx.until(
      `events: create ${NODES} nodes`,
      () => whole(new Set()),
      () => `${ready}/${NODES} Ready`,
    );
    const targets = (await poolNodes()).map((n) => instanceOf(n.spec?.providerID)).slice(0, EVENTS);
    progress(
      `run ${run}: ${NODES} nodes Active; announcing ${targets.length} system events (time scale ${SCALE})`,
    );

    const loadBefore = ctx.load();
    const wall0 = performance.now();
    const scheduled: { e: SystemEvent; goneAt?: number; hit?: boolean }[] = [];
    const watch = (): void => {
      for (const s of scheduled) {
        if (s.goneAt !== undefined || s.hit) continue;
        if (!member(s.e.instanceId)) s.goneAt = sim.clock.now();
        else if (s.e.cycleStatus !== 'Scheduled' && s.e.cycleStatus !== 'Inquiring') s.hit = true;
      }
    };
    // the instances are watched every 100 ms of wall time (half a simulated second at 5×)
    const poller = setInterval(watch, 100);
    try {
      for (let i = 0; i < targets.length; i++) {
        if (i > 0 && i % WAVE === 0) await sleep((WAVE_GAP_MIN * MIN) / SCALE);
        const noticeMin = 30 + (i % 5) * 5;
        const e = sim.scheduleSystemEvent(targets[i]!, TYPES[i % TYPES.length]!, noticeMin * 60, {
          reason: 'bench:automation',
        });
        scheduled.push({ e });
      }
      const done = (): number => scheduled.filter((s) => s.goneAt !== undefined || s.hit).length;
      await ctx.until(
        'events: every instance out of its group or hit',
        async () => {
          watch();
          return done() === scheduled.length;
        },
        () =>
          `${done()}/${scheduled.length} out, simulated +${round((sim.clock.now() - scheduled[0]!.e.publishTime) / MIN)} min`,
      );
    } finally {
      clearInterval(poller);
    }
    const without = new Set(scheduled.filter((s) => s.goneAt !== undefined).map((s) => s.e.instanceId));
    await ctx.until(
      `events: ${NODES} Ready nodes again`,
      () => whole(without),
      () => `${ready}/${NODES} Ready`,
    );
    const leads = scheduled.map((s) =>
      s.goneAt === undefined ? -Infinity : (s.e.notBefore - s.goneAt) / MIN,
    );
    const r: EventsRun = {
      timeScale: SCALE,
      events: scheduled.length,
      onTime: leads.filter((l) => l >= MARGIN_MIN).length,
      leadMinMin: round(Math.min(...leads)),
      leadMedianMin: round(median(leads)),
      leadMaxMin: round(Math.max(...leads)),
      hitMembers: scheduled.filter((s) => s.hit).length,
      wallS: round((performance.now() - wall0) / 1000),
      loadBefore,
      loadAfter: ctx.load(),
    };
    console.log(JSON.stringify({ phase: 'events', run, ...r }));
    await pools.delete(name);
    await ctx.until(
      'events: pool deleted',
      async () =>
        pools.get(name).then(
          () => false,
          () => true,
        ),
      () => 'deleting',
    );
    return r;
  } finally {
    await operator.stop();
    destination.flushSync();
    await nodeSim.stop();
    await sim.stop();
  }
}
