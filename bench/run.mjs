// `npm run bench`: the runtime's figures. Starts a control plane of its own (the cached binaries; run
// `npm run devstack:build` once), seeds 5,000 Nodes + 50,000 Pods, and prints one JSON line per figure.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevStack, cachedBinaries } from '../dist/devstack/index.js';
import { KubeClient, Resources, resourcePath, loadKubeConfig } from '../dist/kube/index.js';
import { benchLatency } from './latency.mjs';
import { benchWorkqueue } from './workqueue.mjs';

const NODES = Number(process.env.BENCH_NODES ?? 5000);
const PODS = Number(process.env.BENCH_PODS ?? 50000);
const say = (o) => console.log(JSON.stringify(o));

async function pool(n, concurrency, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < n) await fn(next++); })); // prettier-ignore
}

say({ workqueue: await benchWorkqueue() });

const binaries = cachedBinaries();
if (!binaries) throw new Error('the control-plane binaries are not built: npm run devstack:build');
await mkdir(join(tmpdir(), 'nodepool-operator-bench'), { recursive: true });
const stack = await DevStack.start({ runDir: await mkdtemp(join(tmpdir(), 'nodepool-operator-bench', 'run-')), binaries, kwok: false }); // prettier-ignore
try {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: stack.kubeconfig }), { connections: 64 });
  for (const ns of ['bench', 'latency']) await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } }); // prettier-ignore
  say({ latency: await benchLatency({ kubeconfig: stack.kubeconfig, namespace: 'latency' }) });

  for (;;) {
    const sa = await client.request({ method: 'GET', path: '/api/v1/namespaces/bench/serviceaccounts' });
    if (sa.items.length > 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const t0 = performance.now();
  await pool(NODES, 48, (i) => client.request({ method: 'POST', path: resourcePath(Resources.nodes), body: {
    metadata: { name: `bench-node-${i}`, labels: { 'nodepool.alicloud.dev/pool': `pool-${i % 10}`, 'kubernetes.io/hostname': `bench-node-${i}`, 'kubernetes.io/os': 'linux', 'node.kubernetes.io/instance-type': 'ecs.g7.xlarge', 'topology.kubernetes.io/zone': 'cn-hangzhou-k' } }, // prettier-ignore
    spec: { providerID: `cn-hangzhou.i-bench${i}`, podCIDR: '10.244.0.0/24' },
    status: { capacity: { cpu: '4', memory: '16Gi', pods: '110' }, allocatable: { cpu: '4', memory: '15Gi', pods: '110' }, nodeInfo: { kubeletVersion: 'v1.34.4', osImage: 'Alibaba Cloud Linux 3', containerRuntimeVersion: 'containerd://1.7', kernelVersion: '5.10', architecture: 'amd64', operatingSystem: 'linux', bootID: '', machineID: '', systemUUID: '', kubeProxyVersion: '' } }, // prettier-ignore
  } })); // prettier-ignore
  await pool(PODS, 48, (i) => client.request({ method: 'POST', path: resourcePath(Resources.pods, { namespace: 'bench' }), body: {
    metadata: { name: `bench-pod-${i}`, labels: { app: `app-${i % 100}`, 'pod-template-hash': 'abcdef1234' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } }, // prettier-ignore
    spec: {
      nodeName: i % 50 === 0 ? undefined : `bench-node-${i % NODES}`,
      schedulerName: 'none',
      containers: [{ name: 'app', image: 'registry.example/team/app:1.2.3', args: ['--port=8080', '--log-level=info'], ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'production' }, { name: 'REGION', value: 'cn-hangzhou' }], resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } }, readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } }], // prettier-ignore
    },
  } })); // prettier-ignore
  say({ seeded: { nodes: NODES, pods: PODS, seconds: Math.round((performance.now() - t0) / 1000) } });

  const child = promisify(execFile);
  for (const mode of ['trim', 'full']) {
    const { stdout } = await child(process.execPath, ['--expose-gc', 'bench/informer-memory.mjs', stack.kubeconfig, 'bench', mode], { maxBuffer: 1 << 20 }); // prettier-ignore
    say({ informerMemory: JSON.parse(stdout.trim().split('\n').pop()) });
  }
  await client.close();
} finally {
  await stack.stop({ removeRunDir: true });
}
