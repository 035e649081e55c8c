import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { caCertHash } from '../../src/bootstrap/ca-hash.js';
import { readFile } from 'node:fs/promises';
import { testCluster } from '../support/access.js';
import { createBootstrapToken, eventually, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from './harness.js';
import { activeWith, condition, gone, pool } from './poll.js';

// An External pool (a registered, self-managed cluster) is checked before anything is launched for what
// breaks its scale-out later: no join script registered (no scriptURL, nothing in kube-system/ack-agent-config)
// and a join command whose token is expired or about to. Each is a Degraded pool naming the fix; registering the script is
// seen through a watch on ack-agent-config; with both fixed the pool's nodes join with the user's command.
const SCRIPT_URL = 'https://files.example/join-ecs-nodes.sh';
let h: Harness;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-ext', nodeHttp: { [SCRIPT_URL]: '#!/bin/bash\necho "node prepared by the cluster owner\'s script"\n' } }); // prettier-ignore
  await kubectl(['delete', 'configmap', 'ack-agent-config', '-n', 'kube-system', '--ignore-not-found']);
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await h.stop();
});

const degradedWith = (name: string, text: string, timeoutMs: number) =>
  eventually(`pool ${name} Degraded saying ${JSON.stringify(text)}`, async () => {
    const c = condition(await pool(name), 'Degraded');
    return c?.status === 'True' && c.message.includes(text) ? c : undefined;
  }, { timeoutMs }); // prettier-ignore

async function joinSecret(name: string, token: string): Promise<void> {
  const server = new URL(testCluster().server);
  const hash = caCertHash(await readFile(testCluster().caFile));
  const command = `kubeadm join ${server.host} --token ${token} --discovery-token-ca-cert-hash ${hash}`;
  await kubectlOk(['create', 'secret', 'generic', name, '-n', 'kube-system', `--from-literal=command=${command}`, '--dry-run=client', '-o', 'json']) // prettier-ignore
    .then((json) => kubectlOk(['apply', '-f', '-'], { input: json }));
  // a pool follows only Secrets that opt in (docs/security.md)
  await kubectlOk([
    'label',
    '--overwrite',
    'secret',
    name,
    '-n',
    'kube-system',
    'nodepool.alicloud.dev/referenceable=true',
  ]);
}

test('an External pool waits, Degraded with the fix, for a registered join script and a token that works; then its nodes join', async () => {
  const name = uniqueName('np-ext');
  const secret = `${name}-join`;
  cleanup.push(() => kubectl(['delete', 'secret', secret, '-n', 'kube-system', '--ignore-not-found']));
  cleanup.push(() => kubectl(['delete', 'configmap', 'ack-agent-config', '-n', 'kube-system', '--ignore-not-found'])); // prettier-ignore
  // a token about to expire (or expired: the token cleaner may delete it first, then it is missing)
  const expiring = await createBootstrapToken({ expiresInMs: 2 * 60_000 });
  cleanup.push(expiring.remove);
  await joinSecret(secret, expiring.token);

  await applyPool(poolManifest(h, name, {
    scaling: { mode: 'Manual', desiredSize: 1 },
    image: { type: 'AliyunLinux3' },
    bootstrap: { mode: 'External', external: { joinCommandSecretRef: { name: secret, key: 'command' }, kubeVersion: '1.34.4', runtime: 'containerd', runtimeVersion: '1.7.20' } },
  })); // prettier-ignore
  cleanup.push(() => kubectl(['delete', 'nodepool', name, '--wait=false', '--ignore-not-found']));

  // 1. the token is about to expire: Degraded with the fix, nothing created in the cloud
  const tokenProblem = await degradedWith(name, `bootstrap token ${expiring.id}`, 60_000);
  expect(tokenProblem.reason).toBe('InvalidReference');
  expect(tokenProblem.message).toMatch(/too soon|expired at|does not exist/);
  expect(tokenProblem.message).toContain('kubeadm token create --print-join-command');
  expect(tokenProblem.message).not.toContain(expiring.token); // the token's secret half is never in status
  expect([...h.sim.ess.state.groups.values()].filter((g) => g.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === name))).toHaveLength(0); // prettier-ignore

  // 2. a token with a day left is fine (a never-expiring one is no longer demanded): now the missing join
  // script is what stops it
  const daily = await createBootstrapToken({ expiresInMs: 24 * 3600_000 });
  cleanup.push(daily.remove);
  await joinSecret(secret, daily.token);
  const noScript = await degradedWith(name, 'kube-system/ack-agent-config does not exist', 90_000);
  expect(noScript.message).toContain('set spec.bootstrap.external.scriptURL');

  // 3. registering the script is picked up by the watch on ack-agent-config (well within the 30 s re-check)
  const registered = Date.now();
  await kubectlOk(['create', 'configmap', 'ack-agent-config', '-n', 'kube-system', `--from-literal=addNodeScriptPath=${SCRIPT_URL}`]); // prettier-ignore
  // without the watch the pool would be looked at again only at its 30 s re-check
  const reacted = await eventually('the pool no longer waiting for a join script', async () => {
    const c = condition(await pool(name), 'Degraded');
    return c && !c.message.includes('ack-agent-config') ? Date.now() - registered : undefined;
  }, { timeoutMs: 15_000 }); // prettier-ignore
  const { pool: active, nodes } = await activeWith(name, 1, { timeoutMs: 120_000 });
  expect(condition(active, 'Degraded')?.status).toBe('False');
  expect(nodes[0]!.metadata.labels?.['alibabacloud.com/external']).toBe('true');
  console.log(`[external] script registered: the pool went on after ${reacted} ms, Active with its node after ${Date.now() - registered} ms`); // prettier-ignore

  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
}, 420_000);
