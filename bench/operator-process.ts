// The operator as a child process for the benchmarks (`nodepool-operator run` against a bench's own control
// plane and simulator), and what /proc says of it: its memory and CPU are its own, not the bench's.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DevStack } from '../src/devstack/index.js';
import { freePort } from '../src/devstack/ports.js';
import { PACKAGE_ROOT } from '../src/devstack/paths.js';
import type { Simulator } from '../src/sim/cloud/index.js';

const TICK_MS = 10; // USER_HZ = 100 on Linux
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A process's figures from /proc: resident memory (MB), its peak (MB) and CPU seconds (user + system). */
export async function procOf(pid: number): Promise<{ rssMB: number; hwmMB: number; cpuS: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024, cpuS: ((Number(f[11]) + Number(f[12])) * TICK_MS) / 1000 }; // prettier-ignore
}

export type OperatorProcess = ChildProcess & { metrics: number };

export interface OperatorOptions {
  cluster: string;
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  nodeArgs?: readonly string[];
  /** Extra `run` flags, e.g. `--cloud-qps 20`. */
  args?: readonly string[];
  logLevel?: string;
}

/** `nodepool-operator run` as a child process, pointed at the simulator and this control plane; ready when it returns. */
export async function startOperator(
  stack: DevStack,
  sim: Simulator,
  logFile: string,
  o: OperatorOptions,
): Promise<OperatorProcess> {
  const health = await freePort();
  const metrics = await freePort();
  const region = sim.world.regions[0]!;
  // prettier-ignore
  const child = spawn(process.execPath, [
    ...(o.nodeArgs ?? []),
    join(PACKAGE_ROOT, 'bin/nodepool-operator.js'), 'run',
    '--kubeconfig', stack.kubeconfig,
    '--namespace', 'kube-system',
    '--identity', 'bench',
    '--health-probe-bind-address', `127.0.0.1:${health}`,
    '--metrics-bind-address', `127.0.0.1:${metrics}`,
    ...(o.args ?? []),
  ], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...sim.env(), KUBECONFIG: '', NODEPOOL_CLUSTER_ID: o.cluster, NODEPOOL_VPC_ID: region.vpcs[0]!.vpcId, NODEPOOL_APISERVER_ENDPOINT: stack.server, LOG_LEVEL: o.logLevel ?? 'info', MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' }, // as the image sets it
  });
  const guard = () => child.kill('SIGKILL');
  process.once('exit', guard);
  child.once('exit', () => process.off('exit', guard));
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the operator exited (${child.exitCode ?? child.signalCode}); see ${logFile}`); // prettier-ignore
    const ok = await fetch(`http://127.0.0.1:${health}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`the operator is not ready after 60 s; see ${logFile}`);
    await sleep(100);
  }
  return Object.assign(child, { metrics });
}

/** SIGTERM, then SIGKILL after 20 s. */
export async function stopOperator(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** The operator's /metrics text ('' when it does not answer). */
export function scrape(port: number): Promise<string> {
  return fetch(`http://127.0.0.1:${port}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
}
