import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/log.js';
import { CONSOLE_POST_QUIET_S } from '../../src/sim/cloud/ecs/console-output.js';
import { priceOf, startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { $Ecs, ecsClient, rpcClient, sdkError } from './clients.js';
import { until } from './poll.js';

// ECS / VPC behaviours the real API documents and the simulator must show, through the typed SDK client (sources
// beside the simulator code and in docs/simulator.md).

let sim: Simulator;
let vsw: string;
let sg: string;
const IMAGE = 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd';
const ARM_IMAGE = 'aliyun_3_arm64_20G_container_optimized_alibase_20250629.vhd';
const REGION = 'cn-hangzhou';

beforeAll(async () => {
  sim = await startSimulator({ log: createLogger({ level: 'silent' }), timeScale: 200 });
  const region = sim.world.regions[0]!;
  vsw = region.vpcs[0]!.vSwitches[1]!.vSwitchId;
  sg = region.securityGroups[0]!.securityGroupId;
});

afterAll(async () => {
  await sim.stop();
});

const ecs = (): ReturnType<typeof ecsClient> => ecsClient(sim);

async function runOne(extra: Partial<$Ecs.RunInstancesRequest> = {}): Promise<string> {
  const res = await ecs().runInstances(
    new $Ecs.RunInstancesRequest({
      regionId: REGION,
      imageId: IMAGE,
      instanceType: 'ecs.g7.large',
      vSwitchId: vsw,
      securityGroupIds: [sg],
      ...extra,
    }),
  );
  const id = res.body?.instanceIdSets?.instanceIdSet?.[0] ?? '';
  await until(`${id} Running`, () => (sim.cloud.instances.get(id)?.status === 'Running' ? true : undefined));
  return id;
}

describe('DescribeInstanceHistoryEvents', () => {
  it('filters by ResourceId.N + ResourceType, pages by MaxResults / NextToken, lists finished events unless asked, with the documented codes', async () => {
    const [a, b] = [await runOne(), await runOne()];
    for (let k = 0; k < 12; k++) sim.scheduleSystemEvent(a, 'SystemMaintenance.Reboot', 86_400 * (k + 1));
    sim.scheduleSystemEvent(b, 'InstanceExpiration.Stop', 86_400);
    const req = (o: Partial<$Ecs.DescribeInstanceHistoryEventsRequest>) =>
      ecs().describeInstanceHistoryEvents(
        new $Ecs.DescribeInstanceHistoryEventsRequest({ regionId: REGION, ...o }),
      );

    const none = await req({ resourceId: [a, b], resourceType: 'instance' });
    expect(none.body?.instanceSystemEventSet?.instanceSystemEventType ?? []).toEqual([]);

    const first = await req({
      resourceId: [a],
      resourceType: 'instance',
      instanceEventCycleStatus: ['Scheduled'],
      maxResults: 10,
    });
    const page1 = first.body?.instanceSystemEventSet?.instanceSystemEventType ?? [];
    expect(page1).toHaveLength(10);
    expect(page1.every((e) => e.instanceId === a)).toBe(true);
    expect(page1[0]?.eventType).toMatchObject({ code: 1, name: 'SystemMaintenance.Reboot' });
    expect(page1[0]?.eventCycleStatus).toMatchObject({ code: 24, name: 'Scheduled' });
    expect(first.body?.nextToken).toBeTruthy();
    const second = await req({
      resourceId: [a],
      resourceType: 'instance',
      instanceEventCycleStatus: ['Scheduled'],
      maxResults: 10,
      nextToken: first.body?.nextToken,
    });
    expect(second.body?.instanceSystemEventSet?.instanceSystemEventType).toHaveLength(2);
    expect(second.body?.nextToken ?? '').toBe('');

    // EventCycleStatus (singular) is a status filter too; ResourceId.N takes precedence over InstanceId
    const single = await req({ resourceId: [b], instanceId: a, eventCycleStatus: 'Scheduled' });
    const bEvents = single.body?.instanceSystemEventSet?.instanceSystemEventType ?? [];
    expect(bEvents.map((e) => [e.instanceId, e.eventType?.code])).toEqual([[b, 34]]);
    const hosts = await req({ resourceType: 'ddh', instanceEventCycleStatus: ['Scheduled'] });
    expect(hosts.body?.instanceSystemEventSet?.instanceSystemEventType ?? []).toEqual([]);

    // an executed event is listed by default, with code 0
    const c = await runOne();
    sim.scheduleSystemEvent(c, 'SystemMaintenance.Reboot', 1);
    const done = await until('the reboot executed', async () => {
      const r = await req({ resourceId: [c], resourceType: 'instance' });
      return r.body?.instanceSystemEventSet?.instanceSystemEventType?.[0];
    });
    expect(done.eventCycleStatus).toMatchObject({ code: 0, name: 'Executed' });
  });
});

describe('GetInstanceConsoleOutput', () => {
  it('answers what was cached, not a live tail: posted once the console is quiet, and when the instance stops', async () => {
    const id = await runOne();
    const read = async (): Promise<string> => {
      const r = await ecs().getInstanceConsoleOutput(
        new $Ecs.GetInstanceConsoleOutputRequest({ regionId: REGION, instanceId: id }),
      );
      return Buffer.from(r.body?.consoleOutput ?? '', 'base64').toString('utf8');
    };
    const inst = sim.cloud.instances.get(id)!;
    inst.consoleOutput = { text: 'boot: step one\n', updatedAt: sim.clock.now() };
    expect(await read()).toBe('');
    await until('posted', async () => ((await read()) === 'boot: step one\n' ? true : undefined));
    inst.consoleOutput = { text: 'boot: step one\nboot: step two\n', updatedAt: sim.clock.now() };
    expect(await read()).toBe('boot: step one\n');
    expect(CONSOLE_POST_QUIET_S).toBeGreaterThan(0);
    await ecs().stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
    await until('Stopped', () => (inst.status === 'Stopped' ? true : undefined));
    inst.consoleOutput = { ...inst.consoleOutput, updatedAt: sim.clock.now() };
    expect(await read()).toBe('boot: step one\nboot: step two\n');
    const r = await ecs().getInstanceConsoleOutput(
      new $Ecs.GetInstanceConsoleOutputRequest({ regionId: REGION, instanceId: id }),
    );
    expect(r.body?.lastUpdateTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });
});

describe('tags', () => {
  it('the 20-tag limit counts the acs: system tags: QuotaExceed.Tags (403); a group whose instances would carry more fails with OperationDenied.QuotaExceed', async () => {
    const ess = rpcClient(sim, 'ess');
    const tags = Array.from(
      { length: 19 },
      (_, k) => new $Ecs.RunInstancesRequestTag({ key: `k${k}`, value: 'v' }),
    );
    const id = await runOne({ tag: tags });
    const g = await ess('CreateScalingGroup', {
      MinSize: 0,
      MaxSize: 5,
      DesiredCapacity: 0,
      VSwitchIds: [vsw],
    });
    const groupId = g.ScalingGroupId as string;
    const c = await ess('CreateScalingConfiguration', {
      ScalingGroupId: groupId,
      ImageId: IMAGE,
      InstanceTypes: ['ecs.g7.large'],
      SecurityGroupIds: [sg],
    });
    await ess('EnableScalingGroup', {
      ScalingGroupId: groupId,
      ActiveScalingConfigurationId: c.ScalingConfigurationId,
    });
    await ess('AttachInstances', { ScalingGroupId: groupId, InstanceId: [id] });
    expect(sim.cloud.instances.get(id)?.tags).toHaveLength(20);
    const over = await sdkError(
      ecs().tagResources(
        new $Ecs.TagResourcesRequest({
          regionId: REGION,
          resourceType: 'instance',
          resourceId: [id],
          tag: [new $Ecs.TagResourcesRequestTag({ key: 'one-more', value: 'x' })],
        }),
      ),
    );
    expect([over.code, over.statusCode]).toEqual(['QuotaExceed.Tags', 403]);

    const groupTags = Array.from({ length: 10 }, (_, k) => ({ Key: `g${k}`, Value: 'v', Propagate: true }));
    const configTags = Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`c${k}`, 'v']));
    const g2 = await ess('CreateScalingGroup', {
      MinSize: 0,
      MaxSize: 5,
      DesiredCapacity: 1,
      VSwitchIds: [vsw],
      Tag: groupTags,
    });
    const id2 = g2.ScalingGroupId as string;
    const c2 = await ess('CreateScalingConfiguration', {
      ScalingGroupId: id2,
      ImageId: IMAGE,
      InstanceTypes: ['ecs.g7.large'],
      SecurityGroupIds: [sg],
      Tags: JSON.stringify(configTags),
    });
    await ess('EnableScalingGroup', {
      ScalingGroupId: id2,
      ActiveScalingConfigurationId: c2.ScalingConfigurationId,
    });
    const failed = await until('a Failed activity', async () => {
      const a = await ess('DescribeScalingActivities', { ScalingGroupId: id2, StatusCode: 'Failed' });
      return (a.ScalingActivities as { ScalingActivity: { ErrorCode: string }[] }).ScalingActivity[0];
    });
    expect(failed.ErrorCode).toBe('OperationDenied.QuotaExceed');
  });
});

describe('Cloud Assistant, VPC and security groups', () => {
  it('DescribeInvocations answers Base64 by default and plain text with ContentEncoding=PlainText', async () => {
    const id = await runOne();
    sim.setCommandResult({
      contains: 'echo fidelity',
      result: { exitCode: 0, output: 'fidelity ok\n', durationS: 1 },
    });
    const run = await ecs().runCommand(
      new $Ecs.RunCommandRequest({
        regionId: REGION,
        type: 'RunShellScript',
        commandContent: 'echo fidelity',
        contentEncoding: 'PlainText',
        instanceId: [id],
      }),
    );
    const invokeId = run.body?.invokeId ?? '';
    const read = (enc?: string) =>
      ecs().describeInvocations(
        new $Ecs.DescribeInvocationsRequest({
          regionId: REGION,
          invokeId,
          includeOutput: true,
          ...(enc ? { contentEncoding: enc } : {}),
        }),
      );
    await until('finished', async () =>
      (await read()).body?.invocations?.invocation?.[0]?.invocationStatus === 'Success' ? true : undefined,
    );
    const b64 = (await read()).body?.invocations?.invocation?.[0];
    expect(b64?.commandContent).toBe(Buffer.from('echo fidelity').toString('base64'));
    expect(b64?.invokeInstances?.invokeInstance?.[0]?.output).toBe(
      Buffer.from('fidelity ok\n').toString('base64'),
    );
    const plain = (await read('PlainText')).body?.invocations?.invocation?.[0];
    expect(plain?.commandContent).toBe('echo fidelity');
    expect(plain?.invokeInstances?.invokeInstance?.[0]?.output).toBe('fidelity ok\n');
  });

  it('DescribeVSwitches takes one VSwitchId (a comma list matches none); DescribeSecurityGroups pages by MaxResults / NextToken', async () => {
    const vpc = rpcClient(sim, 'vpc');
    const [v1, v2] = sim.world.regions[0]!.vpcs[0]!.vSwitches.map((v) => v.vSwitchId);
    const one = await vpc('DescribeVSwitches', { VSwitchId: v1 });
    expect((one.VSwitches as { VSwitch: { VSwitchId: string }[] }).VSwitch.map((v) => v.VSwitchId)).toEqual([
      v1,
    ]);
    const list = await vpc('DescribeVSwitches', { VSwitchId: `${v1},${v2}` });
    expect((list.VSwitches as { VSwitch: unknown[] }).VSwitch).toEqual([]);

    const all = sim.world.regions[0]!.securityGroups.map((g) => g.securityGroupId);
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const r = await ecs().describeSecurityGroups(
        new $Ecs.DescribeSecurityGroupsRequest({
          regionId: REGION,
          maxResults: 1,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      const page = r.body?.securityGroups?.securityGroup ?? [];
      expect(page.length).toBeLessThanOrEqual(1);
      seen.push(...page.map((g) => g.securityGroupId ?? ''));
      nextToken = r.body?.nextToken || undefined;
    } while (nextToken);
    expect(seen).toEqual(all);
  });

  it('RunInstances with SpotWithPriceLimit below the market price: 400 InvalidSpotPriceLimit.LowerThanPublicPrice', async () => {
    const zone = sim.world.regions[0]!.zones.find(
      (z) => z.zoneId === sim.world.regions[0]!.vpcs[0]!.vSwitches[1]!.zoneId,
    )!;
    const market = priceOf(sim.world, zone, 'ecs.g7.large').spot;
    const err = await sdkError(
      ecs().runInstances(
        new $Ecs.RunInstancesRequest({
          regionId: REGION,
          imageId: IMAGE,
          instanceType: 'ecs.g7.large',
          vSwitchId: vsw,
          securityGroupIds: [sg],
          spotStrategy: 'SpotWithPriceLimit',
          spotPriceLimit: market / 2,
        }),
      ),
    );
    expect([err.code, err.statusCode]).toEqual(['InvalidSpotPriceLimit.LowerThanPublicPrice', 400]);
  });
});

describe('new operations', () => {
  it('DescribeInstancesFullStatus: status, health and Scheduled events with their codes', async () => {
    const id = await runOne();
    const e = sim.scheduleSystemEvent(id, 'SystemFailure.Reboot', 86_400);
    const r = await ecs().describeInstancesFullStatus(
      new $Ecs.DescribeInstancesFullStatusRequest({ regionId: REGION, instanceId: [id] }),
    );
    const s = r.body?.instanceFullStatusSet?.instanceFullStatusType?.[0];
    expect(s?.status).toMatchObject({ code: 1, name: 'Running' });
    expect(s?.healthStatus).toMatchObject({ code: 64, name: 'Warning' });
    const ev = s?.scheduledSystemEventSet?.scheduledSystemEventType?.[0];
    expect(ev).toMatchObject({
      eventId: e.eventId,
      eventType: { code: 65, name: 'SystemFailure.Reboot' },
      eventCycleStatus: { code: 24, name: 'Scheduled' },
    });
    const ids = Array.from({ length: 101 }, (_, k) => `i-${k}`);
    const tooMany = await sdkError(
      ecs().describeInstancesFullStatus(
        new $Ecs.DescribeInstancesFullStatusRequest({ regionId: REGION, instanceId: ids }),
      ),
    );
    expect([tooMany.code, tooMany.statusCode]).toEqual(['InstanceIdLimitExceeded', 403]);
  });

  it('AcceptInquiredSystemEvent runs an Inquiring event at once; a Scheduled one is refused', async () => {
    const id = await runOne();
    const asked = sim.scheduleSystemEvent(id, 'SystemMaintenance.Reboot', 86_400, { inquiring: true });
    const h = await ecs().describeInstanceHistoryEvents(
      new $Ecs.DescribeInstanceHistoryEventsRequest({
        regionId: REGION,
        resourceId: [id],
        instanceEventCycleStatus: ['Inquiring'],
      }),
    );
    expect(h.body?.instanceSystemEventSet?.instanceSystemEventType?.map((x) => x.eventId)).toEqual([
      asked.eventId,
    ]);
    await ecs().acceptInquiredSystemEvent(
      new $Ecs.AcceptInquiredSystemEventRequest({ regionId: REGION, eventId: asked.eventId }),
    );
    await until('executed', () => (asked.cycleStatus === 'Executed' ? true : undefined));
    expect(sim.cloud.recentEvents.some((x) => x.type === 'stopped' && x.instance.instanceId === id)).toBe(
      true,
    );
    const scheduled = sim.scheduleSystemEvent(id, 'SystemMaintenance.Reboot', 86_400);
    const err = await sdkError(
      ecs().acceptInquiredSystemEvent(
        new $Ecs.AcceptInquiredSystemEventRequest({ regionId: REGION, eventId: scheduled.eventId }),
      ),
    );
    expect([err.code, err.statusCode]).toEqual(['IncorrectEventStatus', 403]);
  });

  it('ReplaceSystemDisk re-images a Stopped instance (new DiskId, same id and IP); Running: IncorrectInstanceStatus; replays its ClientToken', async () => {
    const id = await runOne();
    const inst = sim.cloud.instances.get(id)!;
    const ip = inst.privateIp;
    const other = sim.world.regions[0]!.images.find(
      (i) => i.architecture === 'x86_64' && i.imageId !== IMAGE,
    )!;
    const req = new $Ecs.ReplaceSystemDiskRequest({
      instanceId: id,
      imageId: other.imageId,
      clientToken: 'replace-1',
    });
    const running = await sdkError(ecs().replaceSystemDisk(req));
    expect([running.code, running.statusCode]).toEqual(['IncorrectInstanceStatus', 403]);
    await ecs().stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
    await until('Stopped', () => (inst.status === 'Stopped' ? true : undefined));
    const arm = await sdkError(
      ecs().replaceSystemDisk(new $Ecs.ReplaceSystemDiskRequest({ instanceId: id, imageId: ARM_IMAGE })),
    );
    expect(arm.code).toBe('InvalidInstanceType.NotSupported');
    const r = await ecs().replaceSystemDisk(req);
    expect(r.body?.diskId).toMatch(/^d-/);
    const again = await ecs().replaceSystemDisk(req);
    expect(again.body?.diskId).toBe(r.body?.diskId);
    const d = await ecs().describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([id]) }),
    );
    const after = d.body?.instances?.instance?.[0];
    expect(after?.imageId).toBe(other.imageId);
    expect(after?.vpcAttributes?.privateIpAddress?.ipAddress?.[0]).toBe(ip);
  });

  it('DescribeSpotPriceHistory: one row per hour of the range with the zone prices, paged by Offset', async () => {
    const zone = sim.world.regions[0]!.zones[1]!;
    const end = new Date(Math.floor(sim.clock.now() / 3_600_000) * 3_600_000);
    const start = new Date(end.getTime() - 5 * 3_600_000);
    const r = await ecs().describeSpotPriceHistory(
      new $Ecs.DescribeSpotPriceHistoryRequest({
        regionId: REGION,
        zoneId: zone.zoneId,
        instanceType: 'ecs.g7.large',
        networkType: 'vpc',
        startTime: start.toISOString().slice(0, 19) + 'Z',
        endTime: end.toISOString().slice(0, 19) + 'Z',
      }),
    );
    const rows = r.body?.spotPrices?.spotPriceType ?? [];
    expect(rows).toHaveLength(6);
    const p = priceOf(sim.world, zone, 'ecs.g7.large');
    expect(rows[0]).toMatchObject({
      zoneId: zone.zoneId,
      instanceType: 'ecs.g7.large',
      spotPrice: p.spot,
      originPrice: p.onDemand,
    });
    expect(r.body?.currency).toBe('CNY');
    const missing = await sdkError(
      ecs().describeSpotPriceHistory(
        new $Ecs.DescribeSpotPriceHistoryRequest({ regionId: REGION, instanceType: 'ecs.g7.large' }),
      ),
    );
    expect(missing.code).toBe('MissingParameter');
  });

  it('DescribeInstanceAutoRenewAttribute / ModifyInstanceAutoRenewAttribute: per subscription instance; RunInstances refuses an unknown key pair or RAM role (404)', async () => {
    const id = await runOne({
      instanceChargeType: 'PrePaid',
      period: 1,
      periodUnit: 'Week',
      autoRenew: true,
    });
    const read = async () =>
      (
        await ecs().describeInstanceAutoRenewAttribute(
          new $Ecs.DescribeInstanceAutoRenewAttributeRequest({ regionId: REGION, instanceId: id }),
        )
      ).body?.instanceRenewAttributes?.instanceRenewAttribute?.[0];
    expect(await read()).toMatchObject({
      instanceId: id,
      autoRenewEnabled: true,
      renewalStatus: 'AutoRenewal',
    });
    await ecs().modifyInstanceAutoRenewAttribute(
      new $Ecs.ModifyInstanceAutoRenewAttributeRequest({
        regionId: REGION,
        instanceId: id,
        autoRenew: false,
      }),
    );
    expect(await read()).toMatchObject({ autoRenewEnabled: false, renewalStatus: 'Normal' });
    const payg = await runOne();
    const err = await sdkError(
      ecs().modifyInstanceAutoRenewAttribute(
        new $Ecs.ModifyInstanceAutoRenewAttributeRequest({
          regionId: REGION,
          instanceId: payg,
          autoRenew: true,
        }),
      ),
    );
    expect([err.code, err.statusCode]).toEqual(['ChargeTypeViolation', 403]);

    const key = await sdkError(
      ecs().runInstances(
        new $Ecs.RunInstancesRequest({
          regionId: REGION,
          imageId: IMAGE,
          instanceType: 'ecs.g7.large',
          vSwitchId: vsw,
          securityGroupIds: [sg],
          keyPairName: 'nobody-key',
        }),
      ),
    );
    expect([key.code, key.statusCode]).toEqual(['InvalidKeyPairName.NotFound', 404]);
    const role = await sdkError(
      ecs().runInstances(
        new $Ecs.RunInstancesRequest({
          regionId: REGION,
          imageId: IMAGE,
          instanceType: 'ecs.g7.large',
          vSwitchId: vsw,
          securityGroupIds: [sg],
          ramRoleName: 'nobody-role',
        }),
      ),
    );
    expect([role.code, role.statusCode]).toEqual(['InvalidRamRole.NotFound', 404]);
    const nonRoot = await runOne({
      imageOptions: new $Ecs.RunInstancesRequestImageOptions({ loginAsNonRoot: true }),
    });
    const d = await ecs().describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([nonRoot]) }),
    );
    expect(d.body?.instances?.instance?.[0]?.imageOptions?.loginAsNonRoot).toBe(true);
  });

  it('RunInstances: a public IP with bandwidth, DeploymentSetId must exist, a Target private pool gives its capacity and no more', async () => {
    const region = sim.world.regions[0]!;
    const withIp = await runOne({ internetMaxBandwidthOut: 10, internetChargeType: 'PayByTraffic' });
    const d = await ecs().describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([withIp]) }),
    );
    expect(d.body?.instances?.instance?.[0]?.publicIpAddress?.ipAddress?.[0]).toMatch(/^47\./);
    const noSet = await sdkError(
      ecs().runInstances(
        new $Ecs.RunInstancesRequest({
          regionId: REGION,
          imageId: IMAGE,
          instanceType: 'ecs.g7.large',
          vSwitchId: vsw,
          securityGroupIds: [sg],
          deploymentSetId: 'ds-nope',
        }),
      ),
    );
    expect([noSet.code, noSet.statusCode]).toEqual(['InvalidDeploymentSetId.NotFound', 404]);
    const pool = region.privatePools[0]!;
    const poolVsw = region.vpcs[0]!.vSwitches.find((v) => v.zoneId === pool.zoneId)!.vSwitchId;
    const target = new $Ecs.RunInstancesRequestPrivatePoolOptions({
      matchCriteria: 'Target',
      id: pool.privatePoolId,
    });
    const run = (amount: number) =>
      ecs().runInstances(
        new $Ecs.RunInstancesRequest({
          regionId: REGION,
          imageId: IMAGE,
          instanceType: pool.instanceType,
          vSwitchId: poolVsw,
          securityGroupIds: [sg],
          amount,
          privatePoolOptions: target,
        }),
      );
    const tooMany = await sdkError(run(pool.capacity + 1));
    expect(tooMany.code).toBe('OperationDenied.NoStock');
    expect(tooMany.data.Message).toContain(pool.privatePoolId);
    const ok = await run(pool.capacity);
    const ids = ok.body?.instanceIdSets?.instanceIdSet ?? [];
    expect(ids.map((i) => sim.cloud.instances.get(i)?.privatePoolId)).toEqual(
      Array(pool.capacity).fill(pool.privatePoolId),
    );
    const badPool = await sdkError(
      ecs().runInstances(
        new $Ecs.RunInstancesRequest({
          regionId: REGION,
          imageId: IMAGE,
          instanceType: pool.instanceType,
          vSwitchId: poolVsw,
          securityGroupIds: [sg],
          privatePoolOptions: new $Ecs.RunInstancesRequestPrivatePoolOptions({
            matchCriteria: 'Target',
            id: 'crp-nope',
          }),
        }),
      ),
    );
    expect([badPool.code, badPool.statusCode]).toEqual(['InvalidParameter.PrivatePoolOptions.Id', 400]);
  });
});
