import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { eventually, getJson, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from './harness.js';
import { activeWith, condition, gone, instanceOf, pool, poolNodes } from './poll.js';

// Launch fields that used to be passed along and never exercised (issue 21, "fields that do less than they say"),
// now modelled by the simulator and checked through the controller: login.user, publicIp, deploymentSetId,
// privatePool, and the Subscription expiry warning that follows each instance's own renewal.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-launchopts' });
});
afterAll(async () => {
  await h.stop();
});

interface EventJson {
  reason: string;
  type: string;
  message: string;
}
const events = async (name: string): Promise<EventJson[]> =>
  (
    await getJson<{ items: EventJson[] }>([
      'events',
      '-A',
      '--field-selector',
      `involvedObject.kind=NodePool,involvedObject.name=${name}`,
    ])
  ).items;

test('login.user ecs-user, publicIp and deploymentSetId reach the instances the pool launches', async () => {
  const name = uniqueName('np-opts');
  const region = h.sim.world.regions[0]!;
  const ds = region.deploymentSets[0]!.deploymentSetId;
  await applyPool(
    poolManifest(h, name, {
      scaling: { mode: 'Manual', desiredSize: 2 },
      login: { user: 'ecs-user', keyPairName: 'ops-key' },
      publicIp: { enabled: true, chargeType: 'PayByBandwidth', maxBandwidthOutMbps: 10 },
      deploymentSetId: ds,
    }),
  );
  const { nodes } = await activeWith(name, 2);
  for (const n of nodes) {
    const i = h.sim.cloud.instances.get(instanceOf(n))!;
    expect(i).toMatchObject({
      loginAsNonRoot: true,
      keyPairName: 'ops-key',
      internetMaxBandwidthOut: 10,
      internetChargeType: 'PayByBandwidth',
      deploymentSetId: ds,
    });
    expect(i.publicIp).toMatch(/^47\.\d+\.\d+\.\d+$/);
  }
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
});

test('a Target private pool gives its capacity and no more: the pool runs what it holds and is Degraded naming the private pool', async () => {
  const name = uniqueName('np-ppool');
  const region = h.sim.world.regions[0]!;
  const reserved = region.privatePools[0]!;
  const vsw = region.vpcs[0]!.vSwitches.find((v) => v.zoneId === reserved.zoneId)!.vSwitchId;
  // no public stock of the type anywhere: what runs comes from the private pool
  for (const z of region.zones)
    h.sim.setStock({ zoneId: z.zoneId, instanceType: reserved.instanceType, onDemand: 0 });
  await applyPool(
    poolManifest(h, name, {
      vSwitchIds: [vsw],
      instanceTypes: [reserved.instanceType],
      scaling: { mode: 'Manual', desiredSize: reserved.capacity + 1 },
      privatePool: { matchCriteria: 'Target', id: reserved.privatePoolId },
    }),
  );
  const degraded = await eventually(
    'the pool Degraded by the exhausted private pool',
    async () => {
      const p = await pool(name);
      const c = condition(p, 'Degraded');
      return p.status?.readySize === reserved.capacity &&
        c?.status === 'True' &&
        c.message?.includes(reserved.privatePoolId)
        ? { p, c }
        : undefined;
    },
    { timeoutMs: 120_000 },
  );
  expect(degraded.c.message).toMatch(/no capacity left/);
  const inPool = [...h.sim.cloud.instances.values()].filter(
    (i) => i.privatePoolId === reserved.privatePoolId,
  );
  expect(inPool).toHaveLength(reserved.capacity);
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
});

test("the Subscription expiry warning follows the instance's own renewal, not the pool's autoRenew", async () => {
  const name = uniqueName('np-expiry');
  // The pool asks for auto-renewal; the instance it launches does not renew (as if turned off in the console)
  // and expires in three days.
  const off = h.sim.onLifecycle((e) => {
    const i = h.sim.cloud.instances.get(e.instance.instanceId);
    if (e.type !== 'launched' || i?.chargeType !== 'PrePaid') return;
    i.autoRenew = false;
    i.expiredTime = Date.now() + 3 * 24 * 3600_000;
  });
  try {
    await applyPool(
      poolManifest(h, name, {
        scaling: { mode: 'Manual', desiredSize: 1 },
        billing: {
          chargeType: 'Subscription',
          subscription: { period: 1, periodUnit: 'Week', autoRenew: true },
        },
      }),
    );
    await activeWith(name, 1);
    const warning = await eventually('a SubscriptionExpiring Event', async () =>
      (await events(name)).find((e) => e.reason === 'SubscriptionExpiring'),
    );
    expect(warning.type).toBe('Warning');
    expect(warning.message).toMatch(/expire within 7 days/);
  } finally {
    off();
  }
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
  // the retained Subscription instance's Node (the operator keeps Subscription instances on delete)
  for (const n of await poolNodes(name)) await kubectlOk(['delete', 'node', n.metadata.name, '--wait=false']);
});
