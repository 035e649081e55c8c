import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidConfigurationError } from '../../src/cloud/index.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { cloudFor, groupSpec, launchSpec, log, world, type TestCloud } from './support.js';
import { eventually } from '../support/kube.js';
import { ensureScalingGroup } from '../../src/controllers/nodepool/scalinggroup/ensure.js';

let sim: Simulator;
let cloud: TestCloud;

beforeAll(async () => {
  sim = await startSimulator({ log, timeScale: 200 });
  cloud = cloudFor(sim);
});
afterAll(async () => {
  await sim.stop();
});

const inService = (groupId: string, n: number) =>
  eventually(`${n} InService instances in ${groupId}`, async () => {
    const list = await cloud.provider.listPoolInstances(groupId);
    return list.length === n && list.every((i) => i.lifecycleState === 'InService' && i.status === 'Running')
      ? list
      : undefined;
  });

describe('ensureScalingGroup', () => {
  it('creates the group, its configuration and its SCALE_IN hook, enabled, with desired capacity and deletion protection', async () => {
    const r = await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'create-1', { desiredCapacity: 2 }),
      launch: launchSpec(sim),
      operationId: 'op-create-1',
    });
    expect(r.changes).toEqual([
      'created scaling group',
      'created scaling configuration',
      'enabled scaling group',
      'created SCALE_IN lifecycle hook',
    ]);
    expect(r.group).toMatchObject({
      state: 'Active',
      desiredCapacity: 2,
      deletionProtection: true,
      activeConfigurationId: r.configurationId,
    });
    expect(r.group.tags).toMatchObject({ 'nodepool.alicloud.dev/pool': 'create-1' });

    const members = await inService(r.group.id, 2);
    for (const m of members) {
      expect(m.creationType).toBe('AutoCreated');
      expect(m.privateIp).toMatch(/^10\./);
      expect(m.chargeType).toBe('PostPaid');
      expect(m.tags).toMatchObject({
        team: 'infra',
        'nodepool.alicloud.dev/pool': 'create-1',
        'acs:autoscaling:scalingGroupId': r.group.id,
      });
      expect(world(sim).zones).toContain(m.zoneId);
    }
  });

  it('is idempotent: a second call changes nothing, a retry of the create operation finds the group', async () => {
    const spec = { group: groupSpec(sim, 'idem-1'), launch: launchSpec(sim), operationId: 'op-idem-1' };
    const first = await ensureScalingGroup(cloud.provider, spec);
    const again = await ensureScalingGroup(cloud.provider, spec);
    expect(again.changes).toEqual([]);
    expect(again.group.id).toBe(first.group.id);
    expect(again.configurationId).toBe(first.configurationId);
    // The same operation after a crash that lost the group id: found by name, nothing duplicated.
    const afterCrash = await ensureScalingGroup(cloud.provider, { ...spec, groupId: undefined });
    expect(afterCrash.group.id).toBe(first.group.id);
    const all = (await cloud.provider.listClusterScalingGroups('c-test')).filter((g) => g.name === 'idem-1');
    expect(all).toHaveLength(1);
  });

  it('given what the last ensure left (known) and the group as just read, reads neither the group, its configurations nor its hooks again; a launch change still modifies the configuration', async () => {
    const spec = { group: groupSpec(sim, 'known-1'), launch: launchSpec(sim), operationId: 'op-known-1' };
    const first = await ensureScalingGroup(cloud.provider, spec);
    expect(first.known).toMatchObject({
      groupId: first.group.id,
      configurationId: first.configurationId,
      hook: true,
    });
    const current = await cloud.provider.findScalingGroup({ id: first.group.id, name: 'known-1' });
    const before = sim.calls.snapshot();
    const again = await ensureScalingGroup(cloud.provider, {
      ...spec,
      groupId: first.group.id,
      current,
      known: first.known,
    });
    expect(again.changes).toEqual([]);
    expect(again.configurationId).toBe(first.configurationId);
    const after = sim.calls.snapshot();
    const called = Object.keys(after).filter((a) => after[a] !== before[a]);
    expect(called).toEqual([]);

    // the launch spec changed: the configurations are read and the active one modified in place
    const edited = await ensureScalingGroup(cloud.provider, {
      ...spec,
      groupId: first.group.id,
      current,
      known: first.known,
      launch: launchSpec(sim, { instanceTypes: ['ecs.c7.large'] }),
    });
    expect(edited.changes).toEqual(['modified scaling configuration']);
    expect(edited.known.configurationName).not.toBe(first.known.configurationName);
    // known for another group is not used
    const other = await ensureScalingGroup(cloud.provider, {
      ...spec,
      groupId: first.group.id,
      known: { ...first.known, groupId: 'asg-other' },
    });
    expect(other.changes).toEqual(['modified scaling configuration']);
  });

  it('modifies the configuration in place for launch changes (existing instances keep theirs) and the group for vSwitches and sizes', async () => {
    const group = groupSpec(sim, 'edit-1', { desiredCapacity: 1 });
    const first = await ensureScalingGroup(cloud.provider, {
      group,
      launch: launchSpec(sim),
      operationId: 'op-edit-1',
    });
    const [before] = await inService(first.group.id, 1);

    const edited = await ensureScalingGroup(cloud.provider, {
      groupId: first.group.id,
      group: { ...group, vSwitchIds: [...group.vSwitchIds].reverse(), maxSize: 50 },
      launch: launchSpec(sim, { instanceTypes: ['ecs.c7.large', 'ecs.g7.large'] }),
      operationId: 'op-edit-1',
    });
    expect(edited.changes).toEqual([
      'modified scaling configuration',
      'modified scaling group: MaxSize, VSwitchIds',
    ]);
    expect(edited.configurationId).toBe(first.configurationId);
    expect(edited.group.vSwitchIds).toEqual([...group.vSwitchIds].reverse());
    const [still] = await cloud.provider.listPoolInstances(first.group.id);
    expect(still?.instanceId).toBe(before?.instanceId);
    expect(still?.instanceType).toBe('ecs.g7.large');

    await cloud.provider.setCapacity(first.group.id, { desiredCapacity: 2 });
    const members = await inService(first.group.id, 2);
    expect(members.map((m) => m.instanceType).sort()).toEqual(['ecs.c7.large', 'ecs.g7.large']);
    // No change is not an error.
    await cloud.provider.setCapacity(first.group.id, { desiredCapacity: 2 });
  });

  it('refuses a group of the same name that another pool owns', async () => {
    await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'owned-1'),
      launch: launchSpec(sim),
      operationId: 'op-owned-a',
    });
    const other = groupSpec(sim, 'owned-1');
    other.tags['nodepool.alicloud.dev/cluster'] = 'c-other';
    const err = await ensureScalingGroup(cloud.provider, {
      group: other,
      launch: launchSpec(sim),
      operationId: 'op-owned-b',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidConfigurationError);
    expect(String(err)).toMatch(
      /is not this pool's: its tag nodepool.alicloud.dev\/cluster is "c-test", not "c-other"/,
    );
  });

  it('a bad vSwitch is InvalidConfiguration with the cloud message, and nothing is half-created', async () => {
    const err = await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'badvsw-1', { vSwitchIds: ['vsw-doesnotexist'] }),
      launch: launchSpec(sim),
      operationId: 'op-badvsw',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidConfigurationError);
    expect((err as InvalidConfigurationError).code).toBe('InvalidVSwitchId.NotFound');
    expect((err as InvalidConfigurationError).requestId).toBeTruthy();
    expect(await cloud.provider.findScalingGroup({ name: 'badvsw-1' })).toBeUndefined();
  });
});

describe('members', () => {
  it('an ESS-started removal waits in the SCALE_IN hook until completed; tags reach existing instances; delete releases', async () => {
    const r = await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'hook-1', { desiredCapacity: 2 }),
      launch: launchSpec(sim),
      operationId: 'op-hook-1',
    });
    const members = await inService(r.group.id, 2);
    const ids = members.map((m) => m.instanceId);

    await cloud.provider.tagInstances(ids, { team: 'platform', extra: 'yes' });
    await cloud.provider.untagInstances(ids, ['extra']);
    for (const i of await cloud.provider.describeInstances(ids)) {
      expect(i.tags.team).toBe('platform');
      expect(i.tags.extra).toBeUndefined();
    }

    await cloud.provider.setCapacity(r.group.id, { desiredCapacity: 1 });
    const actions = await eventually('a pending SCALE_IN lifecycle action', async () => {
      const a = await cloud.provider.pendingLifecycleActions(r.group.id);
      return a.length > 0 ? a : undefined;
    });
    expect(actions[0]!.instanceIds).toHaveLength(1);
    const held = actions[0]!.instanceIds[0]!;
    const waiting = (await cloud.provider.listPoolInstances(r.group.id)).find((i) => i.instanceId === held);
    expect(waiting?.lifecycleState).toBe('Removing:Wait');
    await cloud.provider.completeLifecycleAction({
      hookId: actions[0]!.hookId,
      token: actions[0]!.token,
      result: 'CONTINUE',
    });
    await inService(r.group.id, 1);
    await eventually('the removed instance released', async () =>
      (await cloud.provider.describeInstances([held])).length === 0 ? true : undefined,
    );

    const activities = await cloud.provider.scalingActivities(r.group.id);
    expect(activities.length).toBeGreaterThan(0);
    expect(activities.some((a) => a.destroyedInstances.includes(held))).toBe(true);

    expect(await cloud.provider.deleteScalingGroup(r.group.id)).toMatch(/deleting|gone/);
    await eventually('the group gone', async () =>
      (await cloud.provider.deleteScalingGroup(r.group.id)) === 'gone' ? true : undefined,
    );
    await eventually('its instances released', async () =>
      (await cloud.provider.describeInstances(ids)).length === 0 ? true : undefined,
    );
  });

  it('Subscription: RunInstances (PrePaid) + attach; release refuses it; detach keeps it', async () => {
    const r = await ensureScalingGroup(cloud.provider, {
      group: groupSpec(sim, 'sub-1'),
      launch: launchSpec(sim),
      operationId: 'op-sub-1',
    });
    const w = world(sim);
    const ids = await cloud.provider.runInstances(
      {
        ...launchSpec(sim),
        instanceType: 'ecs.g7.large',
        vSwitchId: w.vSwitchIds[0]!,
        amount: 2,
        chargeType: 'PrePaid',
        subscription: { period: 1, periodUnit: 'Month', autoRenew: false },
      },
      { operationId: 'op-sub-1-run' },
    );
    expect(ids).toHaveLength(2);
    await eventually('Running', async () =>
      (await cloud.provider.describeInstances(ids)).every((i) => i.status === 'Running') ? true : undefined,
    );
    await cloud.provider.attachInstances(r.group.id, ids, { operationId: 'op-sub-1-attach' });
    const members = await inService(r.group.id, 2);
    expect(
      members.every((m) => m.chargeType === 'PrePaid' && m.creationType === 'Attached' && m.expiredTime),
    ).toBe(true);

    await expect(
      cloud.provider.releaseInstances(ids, { force: true, operationId: 'op-sub-1-rel' }),
    ).rejects.toThrow(/never deletes a Subscription instance/);
    await cloud.provider.detachInstances(r.group.id, ids, {
      decreaseDesired: true,
      operationId: 'op-sub-1-detach',
    });
    await eventually('detached', async () =>
      (await cloud.provider.listPoolInstances(r.group.id)).length === 0 ? true : undefined,
    );
    expect((await cloud.provider.describeInstances(ids)).map((i) => i.status)).toEqual([
      'Running',
      'Running',
    ]);
  });
});

describe('catalogue and network', () => {
  it('answers instance types, stock, vSwitches, security groups, images', async () => {
    const types = await cloud.provider.instanceTypes(['ecs.g7.xlarge', 'ecs.i4.xlarge', 'ecs.g8y.large']);
    const byId = new Map(types.map((t) => [t.id, t]));
    expect(byId.get('ecs.g7.xlarge')).toMatchObject({ vCpus: 4, memoryGiB: 16, localStorage: false });
    expect(byId.get('ecs.i4.xlarge')?.localStorage).toBe(true);
    expect(byId.get('ecs.g8y.large')?.architecture).toMatch(/ARM/i);

    const w = world(sim);
    sim.setStock({ zoneId: w.zones[0]!, instanceType: 'ecs.g7.xlarge', onDemand: 0 });
    const stock = await cloud.provider.stock({
      chargeType: 'PostPaid',
      spot: false,
      instanceType: 'ecs.g7.xlarge',
    });
    expect(stock.find((s) => s.zoneId === w.zones[0])?.available).toBe(false);
    expect(stock.find((s) => s.zoneId === w.zones[1])?.available).toBe(true);

    const vsw = await cloud.provider.vSwitches(w.vSwitchIds);
    expect(vsw.map((v) => v.zoneId).sort()).toEqual([...w.zones].sort());
    expect(vsw[0]!.availableIps).toBeGreaterThan(0);
    const sgs = await cloud.provider.securityGroups([w.securityGroupId]);
    expect(sgs[0]).toMatchObject({ id: w.securityGroupId, type: 'normal' });
    const [img] = await cloud.provider.images([launchSpec(sim).imageId]);
    expect(img?.platform).toMatch(/Aliyun/);
  });
});
