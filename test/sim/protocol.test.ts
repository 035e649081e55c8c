import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { $Ecs, ecsClient, rpcClient, sdkError, type SignatureVersion } from './clients.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ log: createLogger({ level: 'silent' }), timeScale: 100 });
});

afterAll(async () => {
  await sim.stop();
});

describe.each<SignatureVersion>(['v3', 'v1'])('protocol through the real SDK, signature %s', (signature) => {
  it('answers the typed ECS client (query parameters) with wrapped arrays', async () => {
    const ecs = ecsClient(sim, { signature });
    const res = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
    expect(res.statusCode).toBe(200);
    const ids = res.body?.regions?.region?.map((r) => r.regionId);
    expect(ids).toEqual(['cn-hangzhou', 'cn-shanghai']);
    expect(res.body?.requestId).toMatch(/^[0-9A-F-]{36}$/);
    const zones = await ecs.describeZones(new $Ecs.DescribeZonesRequest({ regionId: 'cn-hangzhou' }));
    expect(zones.body?.zones?.zone?.map((z) => z.zoneId)).toEqual([
      'cn-hangzhou-h',
      'cn-hangzhou-i',
      'cn-hangzhou-j',
    ]);
  });

  it('answers generic VPC calls (form body merged with the query)', async () => {
    const vpc = rpcClient(sim, 'vpc', { signature });
    const body = await vpc('DescribeVSwitches', { PageSize: 50 });
    const list = (body.VSwitches as { VSwitch: { VSwitchId: string; AvailableIpAddressCount: number }[] })
      .VSwitch;
    expect(Array.isArray(list)).toBe(true);
    expect(list).toHaveLength(4);
    expect(list.map((s) => s.AvailableIpAddressCount)).toEqual([4092, 4092, 4092, 12]);
    const one = await vpc('DescribeVpcs', {});
    const vpcs = (one.Vpcs as { Vpc: { VSwitchIds: { VSwitchId: string[] } }[] }).Vpc;
    // a one-item list is still an array
    expect(Array.isArray(vpcs)).toBe(true);
    expect(vpcs).toHaveLength(1);
  });

  it('rejects an unknown AccessKey with InvalidAccessKeyId.NotFound', async () => {
    const ecs = ecsClient(sim, { signature, accessKeyId: 'LTAI-nobody' });
    const err = await sdkError(ecs.describeRegions(new $Ecs.DescribeRegionsRequest({})));
    expect(err.code).toBe('InvalidAccessKeyId.NotFound');
    expect(err.statusCode).toBe(404);
    expect(Object.keys(err.data).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
    expect(err.data.HostId).toBe('ecs.aliyuncs.com');
  });

  it('rejects a wrong secret with SignatureDoesNotMatch', async () => {
    const vpc = rpcClient(sim, 'vpc', { signature, accessKeySecret: 'not-the-secret' });
    const err = await sdkError(vpc('DescribeVpcs'));
    expect(err.code).toBe('SignatureDoesNotMatch');
    expect(err.statusCode).toBe(400);
  });

  it('rejects a request time 20 minutes off with InvalidTimeStamp.Expired', async () => {
    const ess = rpcClient(sim, 'vpc', { signature });
    const skewed = new Date(Date.now() - 20 * 60_000).toISOString().slice(0, 19) + 'Z';
    const extra =
      signature === 'v3' ? { headers: { 'x-acs-date': skewed } } : { query: { Timestamp: skewed } };
    const err = await sdkError(ess('DescribeVpcs', {}, extra));
    expect(err.code).toBe('InvalidTimeStamp.Expired');
    expect(err.statusCode).toBe(400);
  });

  it('rejects a reused nonce with SignatureNonceUsed', async () => {
    const vpc = rpcClient(sim, 'vpc', { signature });
    const nonce = `nonce-${signature}-${Date.now()}`;
    const extra =
      signature === 'v3'
        ? { headers: { 'x-acs-signature-nonce': nonce } }
        : { query: { SignatureNonce: nonce } };
    await vpc('DescribeVpcs', {}, extra);
    const err = await sdkError(vpc('DescribeVpcs', {}, extra));
    expect(err.code).toBe('SignatureNonceUsed');
    expect(err.statusCode).toBe(400);
  });

  it('answers an unknown action with InvalidAction.NotFound and a bad parameter naming the field', async () => {
    const vpc = rpcClient(sim, 'vpc', { signature });
    const err = await sdkError(vpc('DescribeNothing'));
    expect(err.code).toBe('InvalidAction.NotFound');
    expect(err.statusCode).toBe(404);
    const bad = await sdkError(vpc('DescribeVSwitches', { PageSize: 51 }));
    expect(bad.code).toBe('InvalidParameter');
    expect(bad.data.Message).toContain('"PageSize"');
    const region = await sdkError(vpc('DescribeVpcs', { RegionId: 'mars-1' }));
    expect(region.code).toBe('InvalidRegionId.NotFound');
    expect(region.statusCode).toBe(404);
  });
});

describe('V3 SignedHeaders', () => {
  it('verifies against the headers the request lists (an extra signed x-acs header is covered)', async () => {
    const vpc = rpcClient(sim, 'vpc');
    const body = await vpc('DescribeVpcs', {}, { headers: { 'x-acs-extra-thing': 'abc' } });
    expect(body.TotalCount).toBe(1);
  });
});
