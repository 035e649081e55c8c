import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { gunzipSync } from 'node:zlib';
import { createBootstrapToken, eventually, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from '../nodepool/harness.js';
import { condition, pool } from '../nodepool/poll.js';

// Issue 17, finding 1: a pool's Secret and ConfigMap references (userDataFrom, preUserDataFrom,
// passwordSecretRef, joinCommandSecretRef) are followed only to objects that opt in with the label
// nodepool.alicloud.dev/referenceable: "true" — never to the operator's credentials Secret nor to a bootstrap
// token — and a refusal does not tell whether the object exists. Before the fix, a pool could copy any Secret
// of kube-system (the operator's AccessKey included) into its scaling configuration's UserData.
const LABEL = 'nodepool.alicloud.dev/referenceable=true';
const SENTINEL = `LTAI-not-for-pools-${Date.now().toString(36)}`;
const CREDENTIALS = uniqueName('sec-ref-credentials');
let h: Harness;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-secref', env: { NODEPOOL_CREDENTIALS_SECRET: CREDENTIALS } });
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await h.stop();
});

async function secret(name: string, data: Record<string, string>, labelled: boolean): Promise<void> {
  const literals = Object.entries(data).map(([k, v]) => `--from-literal=${k}=${v}`);
  await kubectlOk(['create', 'secret', 'generic', name, '-n', 'kube-system', ...literals]);
  cleanup.push(() => kubectl(['delete', 'secret', name, '-n', 'kube-system', '--ignore-not-found']));
  if (labelled) await kubectlOk(['label', 'secret', name, '-n', 'kube-system', LABEL]);
}

async function poolReferencing(spec: Record<string, unknown>): Promise<string> {
  const name = uniqueName('np-secref');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 0 }, ...spec }));
  cleanup.push(() => kubectl(['delete', 'nodepool', name, '--wait=false', '--ignore-not-found']));
  return name;
}

const invalidReference = (name: string) =>
  eventually(
    `pool ${name} Degraded with InvalidReference`,
    async () => {
      const p = await pool(name);
      const c = condition(p, 'Degraded');
      if (p.status?.phase === 'Active')
        throw new Error(`pool ${name} went Active: the reference was followed`);
      return c?.status === 'True' && c.reason === 'InvalidReference' ? c.message : undefined;
    },
    { timeoutMs: 60_000 },
  );

/** Every scaling configuration's user data in the simulator, decoded. */
function allUserData(): string[] {
  return [...h.sim.ess.state.configurations.values()].flatMap((c) => {
    if (!c.userData) return [];
    const raw = Buffer.from(c.userData, 'base64');
    return [(raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8')];
  });
}

const fromSecret = (name: string, key: string) => ({ userDataFrom: { secretKeyRef: { name, key } } });

test('an unlabelled Secret is not followed, and the refusal reads the same as for a Secret that does not exist', async () => {
  const plain = uniqueName('sec-ref-plain');
  await secret(plain, { script: `echo ${SENTINEL}` }, false);
  const [unlabelled, missing] = await Promise.all([
    poolReferencing(fromSecret(plain, 'script')),
    poolReferencing(fromSecret('sec-ref-no-such-secret', 'script')),
  ]);
  const [m1, m2] = await Promise.all([invalidReference(unlabelled), invalidReference(missing)]);
  expect(m1).toContain('spec.userDataFrom.secretKeyRef');
  expect(m1).toContain('nodepool.alicloud.dev/referenceable');
  // the two messages differ only by the name: nothing tells whether the object exists
  expect(m1.replaceAll(plain, 'X')).toBe(m2.replaceAll('sec-ref-no-such-secret', 'X'));
  expect(m1).not.toContain(SENTINEL);
  expect(allUserData().some((u) => u.includes(SENTINEL))).toBe(false);
});

test("the operator's credentials Secret and bootstrap tokens are never followed, even labelled; a labelled Secret or ConfigMap is", async () => {
  await secret(CREDENTIALS, { 'credentials.json': `{"accessKeySecret":"${SENTINEL}"}` }, true);
  const token = await createBootstrapToken({ expiresInMs: 3600_000 });
  cleanup.push(token.remove);
  await kubectlOk(['label', 'secret', `bootstrap-token-${token.id}`, '-n', 'kube-system', LABEL]);
  const allowed = uniqueName('sec-ref-allowed');
  await secret(allowed, { script: 'echo referenced-by-opt-in' }, true);
  const cm = uniqueName('sec-ref-cm');
  await kubectlOk(['create', 'configmap', cm, '-n', 'kube-system', `--from-literal=script=echo ${SENTINEL}`]);
  cleanup.push(() => kubectl(['delete', 'configmap', cm, '-n', 'kube-system', '--ignore-not-found']));

  const [creds, tokenPool, cmPool, ok] = await Promise.all([
    poolReferencing(fromSecret(CREDENTIALS, 'credentials.json')),
    poolReferencing({
      preUserDataFrom: { secretKeyRef: { name: `bootstrap-token-${token.id}`, key: 'token-secret' } },
    }),
    poolReferencing({ userDataFrom: { configMapKeyRef: { name: cm, key: 'script' } } }),
    poolReferencing(fromSecret(allowed, 'script')),
  ]);
  expect(await invalidReference(creds)).toContain(`Secret kube-system/${CREDENTIALS}`);
  expect(await invalidReference(tokenPool)).toContain('spec.preUserDataFrom.secretKeyRef');
  expect(await invalidReference(cmPool)).toContain('spec.userDataFrom.configMapKeyRef');
  await eventually(
    `pool ${ok} Active`,
    async () => ((await pool(ok)).status?.phase === 'Active' ? true : undefined),
    { timeoutMs: 60_000 },
  );
  const data = allUserData();
  expect(data.some((u) => u.includes('echo referenced-by-opt-in'))).toBe(true);
  expect(data.some((u) => u.includes(SENTINEL) || u.includes(token.token.split('.')[1]!))).toBe(false);
  // labelling the ConfigMap lets its pool go on (a reference is read again at the pool's next look)
  await kubectlOk(['label', 'configmap', cm, '-n', 'kube-system', LABEL]);
  await eventually(
    `pool ${cmPool} Active`,
    async () => ((await pool(cmPool)).status?.phase === 'Active' ? true : undefined),
    { timeoutMs: 90_000 },
  );
}, 240_000);
