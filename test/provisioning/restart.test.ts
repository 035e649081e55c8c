import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ensureCrds } from '../api/support/crds.js';
import { eventually, getJson, kubectlOk } from '../support/kube.js';
import { CloudProxy } from '../safety/support/cloud-proxy.js';
import { applyPool, poolManifest, startTestCloud, type TestCloud } from '../safety/support/cloud.js';
import { OperatorProcess } from '../safety/support/operator-process.js';
import { allRunning } from './support.js';

// `nodepool-operator run` as a child process, SIGKILLed right after the cloud ran its launch (the answer never
// reached it), then started again: the launch record it wrote before the call makes the new process count that
// launch (and replay it with the same ClientToken) instead of launching for the same pods again.
const CLUSTER = 'c-ela-kill';
const ns = 'ela-restart';
const LABEL = 'elasticity-kill';
let cloud: TestCloud;
let proxy: CloudProxy;
let op: OperatorProcess;

beforeAll(async () => {
  await ensureCrds();
  await kubectlOk(['create', 'namespace', ns]);
  cloud = await startTestCloud(CLUSTER);
  proxy = new CloudProxy(cloud.sim.endpoint);
  const endpoint = await proxy.start();
  op = new OperatorProcess({ identity: `${CLUSTER}-a`, leaseName: `${CLUSTER}-lease`, leaseNamespace: ns, cloudEndpoint: endpoint, simEnv: cloud.sim.env(), clusterId: CLUSTER, vpcId: cloud.world.vpcId, lease: ['8s', '6s', '1s'], logName: `ela-restart-${Date.now()}` }); // prettier-ignore
  await op.start();
});
afterAll(async () => {
  await op.stop();
  await proxy.stop();
  await cloud.stop();
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
});

test('SIGKILL after the cloud ran the launch: after the restart the pods run, and no second node was launched', async () => {
  const pool = 'ela-kill';
  // tainted, so that no other test's pending pod in the shared cluster is placed on it
  await applyPool(poolManifest(cloud, pool, { scaling: { mode: 'Auto', minSize: 0, maxSize: 5 }, instanceTypes: ['ecs.g7.xlarge'], labels: { [LABEL]: 'yes' }, taints: [{ key: LABEL, value: 'yes', effect: 'NoSchedule' }] })); // prettier-ignore
  await eventually('the pool Active', async () => ((await getJson<{ status?: { phase?: string } }>(['nodepool', pool])).status?.phase === 'Active' ? true : undefined), { timeoutMs: 90_000 }); // prettier-ignore
  const cut = proxy.arm({
    match: (c) => c.action === 'RunInstances',
    nth: 1,
    when: 'after',
    onCut: () => op.kill(),
  });
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kill', namespace: ns }, spec: { replicas: 3, selector: { matchLabels: { app: 'kill' } }, template: { metadata: { labels: { app: 'kill' } }, spec: { nodeSelector: { [LABEL]: 'yes' }, tolerations: [{ key: LABEL, operator: 'Exists', effect: 'NoSchedule' }], containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '1', memory: '1Gi' } } }] } } } }) }); // prettier-ignore
  await cut;
  expect(op.running).toBe(false);
  await op.start();
  await allRunning(ns, 'kill', 3, 180_000);
  // one g7.xlarge holds the three 1-CPU pods: exactly one instance was ever launched for the pool
  expect(cloud.history(pool).launched).toHaveLength(1);
  const runs = proxy.calls.filter((c) => c.action === 'RunInstances');
  // the replay after the restart (if any) carried the same ClientToken as the cut call
  expect(new Set(runs.map((c) => c.clientToken)).size).toBe(1);
});
