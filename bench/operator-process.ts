// The operator as a child process for the benchmarks (`nodepool-operator run`, pointed at the simulator and a
// control plane of the bench's own), so that its memory and CPU are its own; and its figures from /proc.
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

/** The operator's process figures from /proc: resident memory (MB) and CPU seconds (user + system). */
export async function procOf(pid: number): Promise<{ rssMB: number; hwmMB: number; cpuS: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = ((Number(f[11]) + Number(f[12])) * TICK_MS) / 1000;
  return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024, cpuS };
}

export interface OperatorOptions {
  stack: DevStack;
  sim: Simulator;
  logFile: string;
  cluster: string;
  /** Node flags for the operator's process (e.g. `--cpu-prof`). */
  nodeArgs?: readonly string[];
  /** More `run` flags. */
  args?: readonly string[];
  /** More environment (operator settings). */
  env?: Record<string, string>;
}

/** `nodepool-operator run` as a child process; resolves once it answers /readyz. */
export async function startOperator(o: OperatorOptions): Promise<ChildProcess & { metrics: number }> {
  const health = await freePort();
  const metrics = await freePort();
  const region = o.sim.world.regions[0]!;
  // prettier-ignore
  const child = spawn(process.execPath, [
    ...(o.nodeArgs ?? []),
    join(PACKAGE_ROOT, 'bin/nodepool-operator.js'), 'run',
    '--kubeconfig', o.stack.kubeconfig,
    '--namespace', 'kube-system',
    '--identity', 'bench',
    '--health-probe-bind-address', `127.0.0.1:${health}`,
    '--metrics-bind-address', `127.0.0.1:${metrics}`,
    ...(o.args ?? []),
  ], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.sim.env(), KUBECONFIG: '', NODEPOOL_CLUSTER_ID: o.cluster, NODEPOOL_VPC_ID: region.vpcs[0]!.vpcId, NODEPOOL_APISERVER_ENDPOINT: o.stack.server, LOG_LEVEL: process.env.NODEPOOL_BENCH_OPERATOR_LOG_LEVEL ?? 'info', MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', ...o.env }, // as the image sets it
  });
  const guard = () => child.kill('SIGKILL');
  process.once('exit', guard);
  child.once('exit', () => process.off('exit', guard));
  const log = createWriteStream(o.logFile);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the operator exited (${child.exitCode ?? child.signalCode}); see ${o.logFile}`);
    const ok = await fetch(`http://127.0.0.1:${health}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`the operator is not ready after 60 s; see ${o.logFile}`);
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
