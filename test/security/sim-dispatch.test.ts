import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createCloud } from '../../src/cloud/index.js';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { signV1 } from '../../src/sim/cloud/signature.js';
import { simSettings } from '../cloud/support.js';
import { eventually } from '../support/kube.js';

// Issue 17, finding 9 (the simulator): a V1 (HMAC-SHA1) signature covers the request's parameters, not its
// x-acs-* headers. The simulator used to dispatch on the x-acs-action header first, so a request signed for
// StartInstance could be replayed with `x-acs-action: DeleteInstance` and delete the instance. It now
// dispatches V1 requests on the signed Action only and refuses a header that names another.
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ log: createLogger({ level: 'silent' }), timeScale: 100 });
});
afterAll(async () => {
  await sim.stop();
});

async function v1(action: string, params: Record<string, string>, headers: Record<string, string>) {
  const p = new Map<string, string>(
    Object.entries({
      Action: action,
      Version: '2014-05-26',
      Format: 'JSON',
      RegionId: sim.regionId,
      ...params,
      AccessKeyId: sim.credentials.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: randomUUID(),
      Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    }),
  );
  p.set('Signature', signV1(sim.credentials.accessKeySecret, 'POST', p));
  const res = await fetch(`http://${sim.endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams([...p]).toString(),
  });
  return { status: res.status, body: (await res.json()) as { Code?: string; Message?: string } };
}

test('a request signed for StartInstance, sent with x-acs-action: DeleteInstance, fails and deletes nothing', async () => {
  const cloud = createCloud(simSettings(sim), {});
  const world = sim.world.regions[0]!;
  const vsw = world.vpcs[0]!.vSwitches.find((v) => v.name.startsWith('nodes-'))!;
  const [id] = await cloud.provider.runInstances(
    {
      imageId: 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd',
      instanceType: 'ecs.g7.xlarge',
      vSwitchId: vsw.vSwitchId,
      securityGroupIds: [world.securityGroups[0]!.securityGroupId],
      amount: 1,
      chargeType: 'PostPaid',
      systemDisk: { category: 'cloud_essd', sizeGiB: 40 },
      dataDisks: [],
      userData: '',
      tags: {},
    },
    { operationId: randomUUID() },
  );
  await eventually('running', async () =>
    sim.cloud.instances.get(id!)?.status === 'Running' ? true : undefined,
  );

  const forged = await v1(
    'StartInstance',
    { InstanceId: id! },
    { 'x-acs-action': 'DeleteInstance', 'x-acs-version': '2014-05-26' },
  );
  expect(forged.status).toBeGreaterThanOrEqual(400);
  expect(forged.body.Code).toBe('SignatureDoesNotMatch');
  expect(forged.body.Message).toContain(
    'x-acs-action header (DeleteInstance) is not the signed Action (StartInstance)',
  );
  expect(sim.cloud.instances.get(id!)?.status).toBe('Running');

  // the same kind of request, honest, is answered as signed
  const honest = await v1('DescribeInstances', { InstanceIds: JSON.stringify([id]) }, {});
  expect(honest.status).toBe(200);
});
