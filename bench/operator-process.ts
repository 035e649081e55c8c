// The operator as a child process for the benchmarks (`nodepool-operator run` against a bench's own control
// plane and simulator): its memory and CPU are its own, not the bench's (procOf in ./process.ts measures them).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { DevStack } from '../src/devstack/index.js';
import { freePort } from '../src/devstack/ports.js';
import { PACKAGE_ROOT } from '../src/devstack/paths.js';
import type { Simulator } from '../src/sim/cloud/index.js';
import { spawnLogged } from './process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type OperatorProcess = ChildProcess & { metrics: number };

export interface OperatorOptions {
  cluster: string;
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  nodeArgs?: readonly string[];
  /** Extra `run` flags, e.g. `--cloud-qps 20`. */
  args?: readonly string[];
  logLevel?: string;
  /** `--identity` (the leader-election identity); `bench` by default. */
  identity?: string;
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
  const child = spawnLogged(process.execPath, [
    ...(o.nodeArgs ?? []),
    join(PACKAGE_ROOT, 'bin/nodepool-operator.js'), 'run',
    '--kubeconfig', stack.kubeconfig,
    '--namespace', 'kube-system',
    '--identity', o.identity ?? 'bench',
    '--health-probe-bind-address', `127.0.0.1:${health}`,
    '--metrics-bind-address', `127.0.0.1:${metrics}`,
    ...(o.args ?? []),
  ], {
    ...process.env, ...sim.env(), KUBECONFIG: '', NODEPOOL_CLUSTER_ID: o.cluster, NODEPOOL_VPC_ID: region.vpcs[0]!.vpcId,
    NODEPOOL_APISERVER_ENDPOINT: stack.server, LOG_LEVEL: o.logLevel ?? 'info',
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', // as the image sets it
  }, logFile);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the operator exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
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

/** The operator's /metrics text ('' when it does not answer). */
export function scrape(port: number): Promise<string> {
  return fetch(`http://127.0.0.1:${port}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
}
