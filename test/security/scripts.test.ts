import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { API_VERSION, KINDS } from '../../src/apis/v1beta1/constants.js';
import { validateObject } from '../../src/apis/v1beta1/validate.js';
import { testCluster } from '../support/access.js';
import { uniqueName } from '../support/kube.js';
import { baseNodePoolSpec, manifest } from '../api/corpus.js';
import { ensureCrds } from '../api/support/crds.js';
import { AdminRest } from '../api/support/rest.js';

// Issue 17, finding 8: an External pool's join script runs as root with the join command in its environment.
// The API admits a plain-http scriptURL only with scriptSHA256 (checked on the node before the script runs:
// src/bootstrap/render.test.ts runs it in the sandbox), and `validate` says the same.
let rest: AdminRest;
beforeAll(async () => {
  await ensureCrds();
  rest = new AdminRest(testCluster());
});
afterAll(() => rest.close());

const external = (ext: Record<string, unknown>) => ({
  ...baseNodePoolSpec(),
  image: { type: 'AliyunLinux3' },
  bootstrap: {
    mode: 'External',
    external: { joinCommandSecretRef: { name: 'kubeadm-join', key: 'command' }, ...ext },
  },
});
const dryRun = (spec: Record<string, unknown>) =>
  rest.request(
    'POST',
    `/apis/${API_VERSION}/${KINDS.NodePool.plural}?dryRun=All&fieldValidation=Strict`,
    manifest('NodePool', uniqueName('np-script'), spec),
  );

test.each([
  ['https', { scriptURL: 'https://files.example/join.sh' }, true],
  ['http without a checksum', { scriptURL: 'http://files.example/join.sh' }, false],
  [
    'http with scriptSHA256',
    { scriptURL: 'http://files.example/join.sh', scriptSHA256: 'a'.repeat(64) },
    true,
  ],
  ['a malformed checksum', { scriptURL: 'http://files.example/join.sh', scriptSHA256: 'abc' }, false],
  ['no scriptURL (ack-agent-config decides; checked by the controller)', {}, true],
] as const)('scriptURL %s: admitted %s, and validate agrees', async (_, ext, admitted) => {
  const r = await dryRun(external(ext));
  expect({ status: r.status, message: r.message }).toEqual(
    admitted
      ? { status: 201, message: '' }
      : {
          status: 422,
          message: expect.stringMatching(/scriptURL must be https:\/\/|scriptSHA256/) as unknown,
        },
  );
  const local = validateObject(manifest('NodePool', 'x', external(ext)));
  expect(local.ok).toBe(admitted);
});
