import { readFile } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { caCertHash } from '../../src/bootstrap/ca-hash.js';
import { createCloud, type Cloud } from '../../src/cloud/index.js';
import type { JoinSource } from '../../src/controllers/deps.js';
import { newCsrApprover } from '../../src/controllers/join/approver.js';
import { newClusterJoinProvider } from '../../src/controllers/join/index.js';
import {
  newNodePoolController,
  NodePools,
  PoolObjectSchema,
  type NodePoolControllerDeps,
} from '../../src/controllers/nodepool/controller.js';
import { newNodeTerminationController } from '../../src/controllers/node/termination/controller.js';
import { KubeClient, TypedResource, loadKubeConfig } from '../../src/kube/index.js';
import { resolveSettings, type Settings } from '../../src/operator/settings.js';
import { systemClock } from '../../src/runtime/clock.js';
import type { Controller } from '../../src/runtime/controller.js';
import { EventRecorder } from '../../src/runtime/events.js';
import { InformerFactory } from '../../src/runtime/informer-factory.js';
import { RuntimeMetrics } from '../../src/runtime/metrics.js';
import { runtimeClockOf, startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { defaultWorld, type World } from '../../src/sim/cloud/world.js';
import { NodeSimulation } from '../../src/sim/nodes/index.js';
import { testCluster } from '../support/access.js';
import { createBootstrapToken, kubectlOk } from '../support/kube.js';
import { quietLogger } from '../disruption/support.js';
import { simSettings } from '../cloud/support.js';
import { ensureCrds } from '../api/support/crds.js';

export interface Harness {
  sim: Simulator;
  cloud: Cloud;
  client: KubeClient;
  settings: Settings;
  pools: TypedResource<typeof PoolObjectSchema>;
  world: { region: string; vpcId: string; vSwitchIds: string[]; zones: string[]; securityGroupId: string };
  metrics: RuntimeMetrics;
  stop(): Promise<void>;
}

/**
 * The NodePool controller as the operator runs it — real informers, API client, Events, the real cloud client
 * over HTTP to the simulator — with the node simulation booting each instance's user data and registering its
 * Node through the TLS bootstrap. Join material: a real bootstrap token and the cluster CA's hash.
 */
export async function startHarness(opts: {
  clusterId: string;
  timeScale?: number;
  /** Also run the ManagedNodePool controller (the same implementation, for the other kind). */
  managed?: boolean;
  beforeStart?: (cloud: Cloud, world: Harness['world']) => Promise<void>;
  /** Answers for URLs the nodes' boots fetch (an External pool's join script). */
  nodeHttp?: Record<string, string>;
  /** More controllers to run with the same deps (e.g. provisioning). */
  more?: (deps: NodePoolControllerDeps) => Controller[];
  /** More operator settings, as environment variables (e.g. NODEPOOL_CREDENTIALS_SECRET), or made from the world. */
  env?: Record<string, string> | ((world: Harness['world']) => Record<string, string>);
  /**
   * Join as the operator does: each pool gets its own bootstrap token (ClusterJoinProvider) and the operator's
   * CSR approver approves its nodes. Otherwise every pool shares one kubeadm-style token, which the control
   * plane approves by itself (as a kubeadm cluster does for its own tokens).
   */
  operatorJoin?: boolean;
  /** Nodes follow their machines' power (stopped, failed, released: NotReady/Unknown; running again: Ready). */
  nodePower?: boolean;
  /** The operator on the simulator's clock (`runtimeClockOf`): cloud deadlines line up at any time scale. */
  simClock?: boolean;
  /** Adds to the simulator's default world before it starts (another VPC, a Custom image). */
  world?: (w: World) => void;
}): Promise<Harness> {
  // prettier-ignore
  const access = testCluster();
  await ensureCrds();
  const startWorld = opts.world ? defaultWorld() : undefined;
  if (startWorld) opts.world!(startWorld);
  const sim = await startSimulator({
    log: quietLogger,
    timeScale: opts.timeScale ?? 200,
    ...(startWorld ? { world: startWorld } : {}),
  });
  const region = sim.world.regions[0]!;
  const vpc = region.vpcs[0]!;
  const nodesVsw = vpc.vSwitches.filter((v) => v.name.startsWith('nodes-'));
  const world = {
    region: region.regionId,
    vpcId: vpc.vpcId,
    vSwitchIds: nodesVsw.map((v) => v.vSwitchId),
    zones: nodesVsw.map((v) => v.zoneId),
    securityGroupId: region.securityGroups[0]!.securityGroupId,
  };
  const nodeSim = new NodeSimulation(sim, { apiServer: access.server, log: quietLogger, ...(opts.nodeHttp ? { http: opts.nodeHttp } : {}), ...(opts.nodePower ? { kubeconfig: access.kubeconfig } : {}) }); // prettier-ignore
  nodeSim.start();
  const token = await createBootstrapToken({ expiresInMs: 3 * 3600_000 });
  const ca = await readFile(access.caFile);
  let join: JoinSource = {
    forPool: () => Promise.resolve({ clusterId: opts.clusterId, apiServer: access.server, caCertHash: caCertHash(ca), token: token.token, kubernetesVersion: 'v1.34.4' }), // prettier-ignore
    forget: () => Promise.resolve(),
  };
  const settings = resolveSettings(
    {},
    {
      NODEPOOL_CLUSTER_ID: opts.clusterId,
      ALIBABA_CLOUD_REGION_ID: world.region,
      NODEPOOL_VPC_ID: world.vpcId,
      NODEPOOL_OPERATOR_NAMESPACE: 'kube-system',
      NODEPOOL_OPERATOR_IDENTITY: `e2e-${opts.clusterId}`,
      // Test files share one API server: each controller manages only its own file's pools.
      NODEPOOL_POOL_SELECTOR: `nodepool-e2e=${opts.clusterId}`,
      ...(typeof opts.env === 'function' ? opts.env(world) : opts.env),
    },
  );
  const client = new KubeClient(loadKubeConfig({ kubeconfig: access.kubeconfig }));
  if (opts.operatorJoin)
    join = newClusterJoinProvider({ client, clock: systemClock, logger: quietLogger, settings });
  const metrics = new RuntimeMetrics();
  const cloud = createCloud(simSettings(sim), { registry: new Registry(), log: quietLogger });
  await opts.beforeStart?.(cloud, world);
  const informers = new InformerFactory({ client, logger: quietLogger, clock: systemClock, metrics });
  const events = new EventRecorder({ client, controller: 'nodepool.alicloud.dev/operator', instance: settings.identity, logger: quietLogger }); // prettier-ignore
  const deps = {
    client,
    informers,
    events,
    settings,
    logger: quietLogger,
    clock: opts.simClock ? runtimeClockOf(sim.clock) : systemClock,
    metrics,
    identity: settings.identity,
    cloud: cloud.provider,
    join,
  };
  const controllers: Controller[] = [newNodePoolController(deps), newNodeTerminationController(deps)];
  if (opts.managed) controllers.push(newNodePoolController(deps, 'ManagedNodePool'));
  if (opts.operatorJoin) controllers.push(newCsrApprover(deps));
  controllers.push(...(opts.more?.(deps) ?? []));
  informers.start();
  for (const c of controllers) await c.start();
  return {
    sim,
    cloud,
    client,
    settings,
    pools: new TypedResource(client, NodePools, PoolObjectSchema),
    world,
    metrics,
    async stop() {
      for (const c of controllers) await c.stop(5_000);
      await informers.stop();
      await nodeSim.stop();
      await sim.stop();
      await token.remove();
    },
  };
}

/** A NodePool manifest placed in the simulator's world. */
export function poolManifest(
  h: Harness,
  name: string,
  spec: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'nodepool.alicloud.dev/v1beta1',
    kind: 'NodePool',
    metadata: { name, labels: { 'nodepool-e2e': h.settings.clusterId ?? '' } },
    spec: {
      region: h.world.region,
      vpcId: h.world.vpcId,
      vSwitchIds: h.world.vSwitchIds.slice(0, 2),
      scaling: { mode: 'Manual', desiredSize: 2 },
      instanceTypes: ['ecs.g7.xlarge', 'ecs.c7.xlarge'],
      image: { type: 'AliyunLinux3ContainerOptimized' },
      ramRoleName: 'k8s-worker-role',
      securityGroup: { ids: [h.world.securityGroupId] },
      // Every test file has its own simulator, whose IPs repeat: a per-file prefix keeps Node names apart.
      customNodeName: { prefix: (h.settings.clusterId ?? 'x').replace(/[^a-z0-9]/g, '') },
      ...spec,
    },
  };
}

export async function applyPool(manifest: Record<string, unknown>): Promise<void> {
  await kubectlOk(['apply', '--server-side', '--field-manager=e2e-user', '-f', '-'], { input: JSON.stringify(manifest) }); // prettier-ignore
}
