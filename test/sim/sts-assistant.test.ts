import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { $Ecs, ecsClient, rpcClient, sdkError, type SignatureVersion } from './clients.js';
import { until } from './poll.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ log: createLogger({ level: 'silent' }), timeScale: 200 });
});

afterAll(async () => {
  await sim.stop();
});

const ROLE = 'acs:ram::1234567890123456:role/nodepool-operator';

describe.each<SignatureVersion>(['v3', 'v1'])('STS AssumeRoleWithOIDC (RRSA), signature %s', (signature) => {
  it('verifies the OIDC token and returns credentials the simulator accepts with the security token', async () => {
    const sts = rpcClient(sim, 'sts', { signature, anonymous: true });
    const token = sim.oidc.sign({ sub: 'system:serviceaccount:kube-system:nodepool-operator' });
    const res = await sts('AssumeRoleWithOIDC', {
      OIDCProviderArn: sim.oidc.provider.arn,
      RoleArn: ROLE,
      OIDCToken: token,
      RoleSessionName: 'operator',
    });
    const creds = res.Credentials as {
      AccessKeyId: string;
      AccessKeySecret: string;
      SecurityToken: string;
      Expiration: string;
    };
    expect(creds.AccessKeyId).toMatch(/^STS\./);
    expect((res.OIDCTokenInfo as { Subject: string }).Subject).toBe(
      'system:serviceaccount:kube-system:nodepool-operator',
    );
    const ecs = ecsClient(sim, {
      signature,
      accessKeyId: creds.AccessKeyId,
      accessKeySecret: creds.AccessKeySecret,
      securityToken: creds.SecurityToken,
    });
    const regions = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
    expect(regions.statusCode).toBe(200);
    const who = await rpcClient(sim, 'sts', {
      signature,
      accessKeyId: creds.AccessKeyId,
      accessKeySecret: creds.AccessKeySecret,
      securityToken: creds.SecurityToken,
    })('GetCallerIdentity');
    expect(who.Arn).toBe('acs:ram::1234567890123456:assumed-role/nodepool-operator/operator');
    // the temporary key without its token, or with another token, is refused
    const wrong = ecsClient(sim, {
      signature,
      accessKeyId: creds.AccessKeyId,
      accessKeySecret: creds.AccessKeySecret,
      securityToken: 'CAISother',
    });
    const err = await sdkError(wrong.describeRegions(new $Ecs.DescribeRegionsRequest({})));
    expect(err.code).toBe('InvalidSecurityToken.MismatchWithAccessKey');
  });

  it('rejects a token signed by another key, an expired token, and an unknown provider', async () => {
    const sts = rpcClient(sim, 'sts', { signature, anonymous: true });
    const base = { OIDCProviderArn: sim.oidc.provider.arn, RoleArn: ROLE, RoleSessionName: 'x1' };
    const good = sim.oidc.sign({ sub: 'a' });
    const [h, p] = good.split('.');
    const forged = `${h}.${p}.${Buffer.from('not a signature').toString('base64url')}`;
    expect((await sdkError(sts('AssumeRoleWithOIDC', { ...base, OIDCToken: forged }))).code).toBe(
      'AuthenticationFail.OIDCToken.Invalid',
    );
    const expired = sim.oidc.sign({ sub: 'a', exp: Math.floor(Date.now() / 1000) - 10 });
    expect((await sdkError(sts('AssumeRoleWithOIDC', { ...base, OIDCToken: expired }))).code).toBe(
      'AuthenticationFail.OIDCToken.Expired',
    );
    const unknown = await sdkError(
      sts('AssumeRoleWithOIDC', {
        ...base,
        OIDCProviderArn: 'acs:ram::1:oidc-provider/none',
        OIDCToken: good,
      }),
    );
    expect([unknown.code, unknown.statusCode]).toEqual(['EntityNotExist.OIDCProvider', 404]);
  });
});

describe('Cloud Assistant', () => {
  it('RunCommand / InvokeCommand / DescribeInvocations with configured results', async () => {
    const region = sim.world.regions[0];
    const ecs = ecsClient(sim);
    const run = await ecs.runInstances(
      new $Ecs.RunInstancesRequest({
        regionId: 'cn-hangzhou',
        imageId: 'aliyun_3_x64_20G_alibase_20250629.vhd',
        instanceType: 'ecs.g7.large',
        vSwitchId: region?.vpcs[0]?.vSwitches[0]?.vSwitchId,
        securityGroupIds: [region?.securityGroups[0]?.securityGroupId ?? ''],
      }),
    );
    const id = run.body?.instanceIdSets?.instanceIdSet?.[0] ?? '';
    const notRunning = await sdkError(
      ecs.runCommand(
        new $Ecs.RunCommandRequest({
          regionId: 'cn-hangzhou',
          type: 'RunShellScript',
          commandContent: 'uptime',
          contentEncoding: 'PlainText',
          instanceId: [id],
        }),
      ),
    );
    expect(notRunning.code).toBe('InstanceIds.NotRunning');
    await until('Running', () => (sim.cloud.instances.get(id)?.status === 'Running' ? true : undefined));
    sim.setCommandResult({
      contains: 'kubeadm',
      result: { exitCode: 1, output: 'join failed', durationS: 5 },
    });
    const ok = await ecs.runCommand(
      new $Ecs.RunCommandRequest({
        regionId: 'cn-hangzhou',
        type: 'RunShellScript',
        commandContent: 'uptime',
        contentEncoding: 'PlainText',
        instanceId: [id],
      }),
    );
    const created = await ecs.createCommand(
      new $Ecs.CreateCommandRequest({
        regionId: 'cn-hangzhou',
        name: 'join',
        type: 'RunShellScript',
        commandContent: Buffer.from('kubeadm join').toString('base64'),
      }),
    );
    const bad = await ecs.invokeCommand(
      new $Ecs.InvokeCommandRequest({
        regionId: 'cn-hangzhou',
        commandId: created.body?.commandId,
        instanceId: [id],
      }),
    );
    const status = async (
      invokeId: string | undefined,
    ): Promise<{ status: string; output: string; exit: number } | undefined> => {
      const d = await ecs.describeInvocations(
        new $Ecs.DescribeInvocationsRequest({ regionId: 'cn-hangzhou', invokeId, includeOutput: true }),
      );
      const inv = d.body?.invocations?.invocation?.[0];
      const target = inv?.invokeInstances?.invokeInstance?.[0];
      if (!inv || inv.invocationStatus === 'Running') return undefined;
      return {
        status: inv.invocationStatus ?? '',
        output: Buffer.from(target?.output ?? '', 'base64').toString(),
        exit: target?.exitCode ?? -1,
      };
    };
    expect(await until('uptime done', () => status(ok.body?.invokeId))).toEqual({
      status: 'Success',
      output: '',
      exit: 0,
    });
    expect(await until('join done', () => status(bad.body?.invokeId))).toEqual({
      status: 'Failed',
      output: 'join failed',
      exit: 1,
    });
  });
});
