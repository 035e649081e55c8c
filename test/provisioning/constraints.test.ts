import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { getJson, kubectlOk } from '../support/kube.js';
import type { Harness } from '../nodepool/harness.js';
import { TEST_LABEL, allRunning, applyAndWaitActive, autoPool, deploy, startElasticity } from './support.js';

// Each constraint kind of API.md decides a real scale-out: the scheduler marks the pods Unschedulable, the
// simulation picks the pool, type and zone that satisfy them, and the scheduler then binds each pod to the new
// node it was launched for.
const ns = 'ela-constraints';
let h: Harness;
beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
  h = await startElasticity('c-ela-cons', ns);
});
afterAll(async () => {
  await h.stop();
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
  await kubectlOk(['delete', 'pv', 'ela-cons-pv', '--wait=false']).catch(() => undefined);
});

interface NodeInfo {
  metadata: { name: string; labels: Record<string, string> };
}

test('nodeSelector, node affinity, tolerations + GPUs, anti-affinity, pod affinity, zone spread, host ports, volume zone, init containers, DaemonSet overhead', async () => {
  const zones = h.world.zones;
  await applyAndWaitActive(h, autoPool(h, 'ela-gen', { vSwitchIds: h.world.vSwitchIds.slice(0, 2), instanceTypes: ['ecs.g7.xlarge', 'ecs.g7.2xlarge'], scaling: { mode: 'Auto', minSize: 0, maxSize: 20 } })); // prettier-ignore
  await applyAndWaitActive(h, autoPool(h, 'ela-gpu', { vSwitchIds: h.world.vSwitchIds.slice(1, 3), instanceTypes: ['ecs.gn7i-c8g1.2xlarge'], taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }], labels: { [TEST_LABEL]: h.settings.clusterId, accel: 'gpu' } })); // prettier-ignore
  // a DaemonSet on every test node: 1 CPU of each new node is its
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: ns }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { [TEST_LABEL]: h.settings.clusterId }, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'a', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '1', memory: '256Mi' } } }] } } } }) }); // prettier-ignore
  // a volume in the first zone, bound to its claim
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'ela-cons-pv' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: '/tmp/x' }, claimRef: { namespace: ns, name: 'data' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zones[0]] }] }] } } } }) }); // prettier-ignore
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', volumeName: 'ela-cons-pv', resources: { requests: { storage: '1Gi' } } } }) }); // prettier-ignore

  const small = { cpu: '500m', memory: '512Mi' };
  const hostname = 'kubernetes.io/hostname';
  await deploy(h, ns, 'sel', 1, { nodeSelector: { 'topology.kubernetes.io/zone': zones[1] } }, small);
  await deploy(h, ns, 'aff', 1, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['ecs.g7.2xlarge'] }] }] } } } }, small); // prettier-ignore
  await deploy(h, ns, 'gpu', 1, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }, { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' }); // prettier-ignore
  await deploy(h, ns, 'anti', 2, { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: hostname, labelSelector: { matchLabels: { app: 'anti' } } }] } } }, small); // prettier-ignore
  // minDomains 2: the scheduler counts a zone with no node yet as a domain with 0, so the second pod needs a node
  // in the other zone (without it, kube-scheduler may put both in the only zone that has nodes)
  await deploy(h, ns, 'spread', 2, { topologySpreadConstraints: [{ maxSkew: 1, minDomains: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }] }, small); // prettier-ignore
  await deploy(h, ns, 'port', 2, { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: small }, ports: [{ containerPort: 80, hostPort: 18080 }] }] }, small); // prettier-ignore
  await deploy(
    h,
    ns,
    'vol',
    1,
    { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
    small,
  );
  // required pod affinity: a group that selects itself on hostname (one node for the three; a pool of its own, so
  // that the scheduler cannot start the group on another test's node with room for one), and a pod that must be
  // in the zone of `sel` (zones[1])
  await applyAndWaitActive(h, autoPool(h, 'ela-grp', { vSwitchIds: h.world.vSwitchIds.slice(0, 1), instanceTypes: ['ecs.g7.xlarge', 'ecs.g7.2xlarge'], labels: { [TEST_LABEL]: h.settings.clusterId, case: 'group' } })); // prettier-ignore
  await deploy(h, ns, 'group', 3, { nodeSelector: { case: 'group' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: hostname, labelSelector: { matchLabels: { app: 'group' } } }] } } }, { cpu: '1500m', memory: '1Gi' }); // prettier-ignore
  await deploy(h, ns, 'near', 1, { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'sel' } } }] } } }, small); // prettier-ignore
  // 3 CPU in an init container: with the DaemonSet's 1 CPU, a g7.xlarge (3.92 allocatable) cannot take it
  await deploy(h, ns, 'init', 1, { initContainers: [{ name: 'prep', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '3', memory: '1Gi' } } }] }, { cpu: '100m', memory: '128Mi' }); // prettier-ignore

  const nodeOf = async (app: string, n = 1): Promise<NodeInfo[]> => {
    const pods = await allRunning(ns, app, n, 240_000);
    return Promise.all(pods.map((p) => getJson<NodeInfo>(['node', p.spec!.nodeName!])));
  };
  const zone = (n: NodeInfo): string | undefined => n.metadata.labels['topology.kubernetes.io/zone'];
  const type = (n: NodeInfo): string | undefined => n.metadata.labels['node.kubernetes.io/instance-type'];
  expect(zone((await nodeOf('sel'))[0]!)).toBe(zones[1]);
  expect(type((await nodeOf('aff'))[0]!)).toBe('ecs.g7.2xlarge');
  const gpu = (await nodeOf('gpu'))[0]!;
  expect([type(gpu), gpu.metadata.labels['nodepool.alicloud.dev/pool']]).toEqual([
    'ecs.gn7i-c8g1.2xlarge',
    'ela-gpu',
  ]);
  expect(new Set((await nodeOf('anti', 2)).map((n) => n.metadata.name)).size).toBe(2);
  expect(new Set((await nodeOf('spread', 2)).map(zone)).size).toBe(2);
  expect(new Set((await nodeOf('port', 2)).map((n) => n.metadata.name)).size).toBe(2);
  expect(zone((await nodeOf('vol'))[0]!)).toBe(zones[0]);
  expect(type((await nodeOf('init'))[0]!)).toBe('ecs.g7.2xlarge');
  expect(new Set((await nodeOf('group', 3)).map((n) => n.metadata.name)).size).toBe(1);
  expect(zone((await nodeOf('near'))[0]!)).toBe(zones[1]);
  // eleven scale-outs on a 2-core machine under CI load: each wait above has its own deadline, the test as a whole
  // gets room for several of them in turn
}, 600_000);
