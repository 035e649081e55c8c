import { startSimulator, type LifecycleEvent, type Simulator } from '../../../src/sim/cloud/index.js';
import { NodeSimulation } from '../../../src/sim/nodes/index.js';
import { testCluster } from '../../support/access.js';
import { kubectlOk } from '../../support/kube.js';
import { quietLogger } from '../../disruption/support.js';

export const POOL_TAG = 'nodepool.alicloud.dev/pool';
export const CLUSTER_TAG = 'nodepool.alicloud.dev/cluster';

/** Who launched / released what, per pool, as the simulator's lifecycle feed told it. */
export interface PoolHistory {
  launched: { instanceId: string; chargeType: string }[];
  released: { instanceId: string; chargeType: string }[];
}

/**
 * "The cloud" of the safety tests, in the test process: the simulator and the node simulation (instances boot
 * their user data and register as Nodes). It outlives the operator processes the tests kill.
 */
export interface TestCloud {
  sim: Simulator;
  clusterId: string;
  world: { region: string; vpcId: string; vSwitchIds: string[]; securityGroupId: string };
  history(pool: string): PoolHistory;
  stop(): Promise<void>;
}

/**
 * `readLagSeconds`: the simulator's lagging reads (new instances, groups, members and tags invisible to
 * Describe* that long): the trials run with it, so a lost ClientToken idempotency shows as a duplicate.
 */
export async function startTestCloud(
  clusterId: string,
  timeScale = 200,
  readLagSeconds = 0,
): Promise<TestCloud> {
  const sim = await startSimulator({ log: quietLogger, timeScale });
  sim.setReadLag(readLagSeconds);
  const nodeSim = new NodeSimulation(sim, { apiServer: testCluster().server, log: quietLogger });
  nodeSim.start();
  const histories = new Map<string, PoolHistory>();
  const record = (e: LifecycleEvent): void => {
    if (e.type !== 'launched' && e.type !== 'released') return;
    const tag = (k: string) => e.instance.tags.find((t) => t.key === k)?.value;
    const pool = tag(POOL_TAG);
    if (!pool || tag(CLUSTER_TAG) !== clusterId) return;
    let h = histories.get(pool);
    if (!h) histories.set(pool, (h = { launched: [], released: [] }));
    h[e.type].push({ instanceId: e.instance.instanceId, chargeType: e.instance.chargeType });
  };
  const unsubscribe = sim.onLifecycle(record);
  const region = sim.world.regions[0]!;
  const vpc = region.vpcs[0]!;
  return {
    sim,
    clusterId,
    world: {
      region: region.regionId,
      vpcId: vpc.vpcId,
      vSwitchIds: vpc.vSwitches.filter((v) => v.name.startsWith('nodes-')).map((v) => v.vSwitchId),
      securityGroupId: region.securityGroups[0]!.securityGroupId,
    },
    history: (pool) => histories.get(pool) ?? { launched: [], released: [] },
    async stop() {
      unsubscribe();
      await nodeSim.stop();
      await sim.stop();
    },
  };
}

/** A NodePool manifest in this cloud's world, labelled for this file's operator. */
export function poolManifest(
  c: TestCloud,
  name: string,
  spec: Record<string, unknown>,
): Record<string, unknown> {
  return {
    apiVersion: 'nodepool.alicloud.dev/v1beta1',
    kind: 'NodePool',
    metadata: { name, labels: { 'nodepool-e2e': c.clusterId } },
    spec: {
      region: c.world.region,
      vpcId: c.world.vpcId,
      vSwitchIds: c.world.vSwitchIds.slice(0, 2),
      instanceTypes: ['ecs.g7.xlarge', 'ecs.c7.xlarge'],
      image: { type: 'AliyunLinux3ContainerOptimized' },
      ramRoleName: 'k8s-worker-role',
      securityGroup: { ids: [c.world.securityGroupId] },
      // Every test file has its own simulator, whose IPs repeat: a per-file prefix keeps Node names apart.
      customNodeName: { prefix: c.clusterId.replace(/[^a-z0-9]/g, '') },
      ...spec,
    },
  };
}

export async function applyPool(manifest: Record<string, unknown>): Promise<void> {
  await kubectlOk(['apply', '--server-side', '--field-manager=e2e-user', '-f', '-'], {
    input: JSON.stringify(manifest),
  });
}
