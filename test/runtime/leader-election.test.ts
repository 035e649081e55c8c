import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/devstack/ports.js';
import { ANSWERED_BY, ANSWERED_REQUEST, PROBE_LABEL } from '../../src/controllers/runtimeprobe/controller.js';
import { TEST_RUNS_DIR, testCluster } from '../support/access.js';
import { eventually, getJson, kubectlOk, uniqueName } from '../support/kube.js';

// Real `nodepool-operator run` processes (the built CLI) competing for one Lease in this test's namespace.
const ns = uniqueName('rt-le');
const LEASE = 'alicloud-nodepool-operator';
const replicas: Replica[] = [];

interface Replica {
  id: string;
  child: ChildProcess;
  health: number;
  metrics: number;
  exited: Promise<number | null>;
}

async function startReplica(id: string): Promise<Replica> {
  const [health, metrics] = [await freePort(), await freePort()];
  await mkdir(TEST_RUNS_DIR, { recursive: true });
  const log = createWriteStream(join(TEST_RUNS_DIR, `${ns}-${id}.log`));
  const child = spawn(
    process.execPath,
    [
      'bin/nodepool-operator.js', 'run',
      '--kubeconfig', testCluster().kubeconfig,
      '--namespace', ns,
      '--identity', id,
      '--health-probe-bind-address', `127.0.0.1:${health}`,
      '--metrics-bind-address', `127.0.0.1:${metrics}`,
      '--enable-runtime-probe', 'true',
    ], // prettier-ignore
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const r = { id, child, health, metrics, exited };
  replicas.push(r);
  await eventually(`${id} ready`, async () => ((await fetch(`http://127.0.0.1:${health}/readyz`)).ok ? true : undefined), { intervalMs: 100 }); // prettier-ignore
  return r;
}

async function holder(): Promise<string | undefined> {
  const lease = await getJson<{ spec?: { holderIdentity?: string } }>(['lease', LEASE, '-n', ns]).catch(() => undefined); // prettier-ignore
  return lease?.spec?.holderIdentity || undefined;
}

async function metric(r: Replica, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${r.metrics}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.split(' ').pop());
  }
  return undefined;
}

/** Set the probe's request and wait until some replica answered it; returns who. */
async function ask(request: string): Promise<string> {
  await kubectlOk(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe', namespace: ns, labels: { [PROBE_LABEL]: 'true' } }, data: { request } }), // prettier-ignore
  });
  return eventually(`an answer to request ${request}`, async () => {
    const cm = await getJson<{ metadata: { annotations?: Record<string, string> } }>(['configmap', 'probe', '-n', ns]); // prettier-ignore
    const a = cm.metadata.annotations ?? {};
    return a[ANSWERED_REQUEST] === request ? a[ANSWERED_BY] : undefined;
  }, { intervalMs: 100, timeoutMs: 30_000 }); // prettier-ignore
}

beforeAll(async () => {
  await kubectlOk(['create', 'namespace', ns]);
});

afterAll(async () => {
  for (const r of replicas)
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.exited));
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
});

describe('nodepool-operator run: leader election', () => {
  let a: Replica;
  let b: Replica;

  test('two replicas: only the one holding the Lease reconciles; metrics carry controller-runtime names', async () => {
    a = await startReplica('replica-a');
    await eventually('a to lead', async () => ((await holder()) === 'replica-a' ? true : undefined), { intervalMs: 100 }); // prettier-ignore
    b = await startReplica('replica-b');
    expect(await ask('1')).toBe('replica-a');
    expect(await ask('2')).toBe('replica-a');
    expect(await metric(a, 'leader_election_master_status', { name: LEASE })).toBe(1);
    expect(await metric(b, 'leader_election_master_status', { name: LEASE })).toBe(0);
    expect(await metric(a, 'controller_runtime_reconcile_total', { controller: 'runtime-probe', result: 'success' })).toBeGreaterThanOrEqual(2); // prettier-ignore
    expect(await metric(b, 'controller_runtime_reconcile_total', { controller: 'runtime-probe', result: 'success' })).toBe(0); // prettier-ignore
    expect(await metric(a, 'workqueue_adds_total', { name: 'runtime-probe' })).toBeGreaterThanOrEqual(2);
    for (const name of [
      'controller_runtime_reconcile_errors_total',
      'workqueue_depth',
      'workqueue_retries_total',
    ]) {
      expect(await metric(a, name, { controller: 'runtime-probe' })).toBe(0);
    }
    const text = await (await fetch(`http://127.0.0.1:${a.metrics}/metrics`)).text();
    expect(text).toContain('controller_runtime_reconcile_time_seconds_bucket{');
    expect((await fetch(`http://127.0.0.1:${a.health}/healthz`)).status).toBe(200);
  });

  test('SIGTERM releases the Lease: the standby takes over within 3 s', async () => {
    const t0 = Date.now();
    a.child.kill('SIGTERM');
    await eventually('b to lead', async () => ((await holder()) === 'replica-b' ? true : undefined), { intervalMs: 50, timeoutMs: 10_000 }); // prettier-ignore
    const took = Date.now() - t0;
    expect(took).toBeLessThan(3000);
    expect(await a.exited).toBe(0);
    expect(await ask('3')).toBe('replica-b');
    process.stderr.write(`[leader-election] SIGTERM → standby leads in ${took} ms\n`);
  });

  test('kill -9 of the leader: the standby takes over within 20 s', async () => {
    const c = await startReplica('replica-c');
    const t0 = Date.now();
    b.child.kill('SIGKILL');
    await eventually('c to lead', async () => ((await holder()) === 'replica-c' ? true : undefined), { intervalMs: 100, timeoutMs: 30_000 }); // prettier-ignore
    const took = Date.now() - t0;
    expect(took).toBeLessThan(20_000);
    expect(await ask('4')).toBe('replica-c');
    process.stderr.write(`[leader-election] kill -9 → standby leads in ${took} ms\n`);

    // another holder in the Lease (a replica this one cannot see): the leader stops and exits with code 2
    await kubectlOk(['patch', 'lease', LEASE, '-n', ns, '--type=merge', '-p', JSON.stringify({ spec: { holderIdentity: 'intruder', renewTime: new Date().toISOString().replace('Z', '000Z') } })]); // prettier-ignore
    expect(await c.exited).toBe(2);
  });
});
