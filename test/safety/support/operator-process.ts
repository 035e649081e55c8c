import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../../src/devstack/ports.js';
import { PACKAGE_ROOT } from '../../../src/devstack/paths.js';
import { TEST_RUNS_DIR, testCluster } from '../../support/access.js';
import { eventually } from '../../support/kube.js';

export interface OperatorOptions {
  /** Leader-election identity; the same on every restart (as a container restarted in its pod keeps POD_NAME). */
  identity: string;
  leaseName: string;
  leaseNamespace: string;
  /** `host:port` the operator reaches the cloud at (its CloudProxy). */
  cloudEndpoint: string;
  /** The simulator's env (credentials, region); the endpoints are replaced by `cloudEndpoint`. */
  simEnv: Record<string, string>;
  clusterId: string;
  vpcId: string;
  /** Short lease settings: [duration, renew deadline, retry period]. */
  lease?: [string, string, string];
  /** Log file name under TEST_RUNS_DIR. */
  logName: string;
  /** More environment (operator settings such as NODEPOOL_IMAGE_CHECK_INTERVAL). */
  env?: Record<string, string>;
  /** The kubeconfig the process uses (default: the test cluster's admin kubeconfig). */
  kubeconfig?: string;
}

/**
 * `nodepool-operator run` — the built CLI — as a child process the test can SIGKILL and start again. Its
 * output goes to a file in TEST_RUNS_DIR (one per process identity, appended across restarts).
 */
export class OperatorProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log: WriteStream | undefined;
  starts = 0;
  health = 0;
  /** How and when the last started process ended (pending while it runs). */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }> = new Promise(
    () => undefined,
  );

  constructor(readonly opts: OperatorOptions) {}

  get logFile(): string {
    return join(TEST_RUNS_DIR, `${this.opts.logName}.log`);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves once it answers /readyz (caches synced). */
  async start(): Promise<void> {
    const c = testCluster();
    const o = this.opts;
    await mkdir(TEST_RUNS_DIR, { recursive: true });
    this.log ??= createWriteStream(this.logFile, { flags: 'a' });
    this.health = await freePort();
    const [duration, renew, retry] = o.lease ?? ['15s', '10s', '2s'];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...o.simEnv,
      KUBECONFIG: '',
      ALIBABA_CLOUD_ECS_ENDPOINT: o.cloudEndpoint,
      ALIBABA_CLOUD_ESS_ENDPOINT: o.cloudEndpoint,
      ALIBABA_CLOUD_VPC_ENDPOINT: o.cloudEndpoint,
      ALIBABA_CLOUD_STS_ENDPOINT: o.cloudEndpoint,
      NODEPOOL_CLUSTER_ID: o.clusterId,
      NODEPOOL_VPC_ID: o.vpcId,
      NODEPOOL_APISERVER_ENDPOINT: c.server,
      // Test files share one API server: this operator manages only its own file's pools.
      NODEPOOL_POOL_SELECTOR: `nodepool-e2e=${o.clusterId}`,
      LOG_LEVEL: process.env.TEST_OPERATOR_LOG_LEVEL ?? 'info',
      ...o.env,
    };
    // prettier-ignore
    const child = spawn(process.execPath, [
      join(PACKAGE_ROOT, 'bin/nodepool-operator.js'), 'run',
      '--kubeconfig', o.kubeconfig ?? c.kubeconfig,
      '--namespace', 'kube-system',
      '--leader-election-namespace', o.leaseNamespace,
      '--identity', o.identity,
      '--leader-election-id', o.leaseName,
      '--leader-election-lease-duration', duration,
      '--leader-election-renew-deadline', renew,
      '--leader-election-retry-period', retry,
      '--health-probe-bind-address', `127.0.0.1:${this.health}`,
      '--metrics-bind-address', '0',
    ], { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    // the test process ending for any reason takes its operator with it (no orphan keeps acting on the cloud)
    const orphanGuard = () => child.kill('SIGKILL');
    process.once('exit', orphanGuard);
    child.once('exit', () => process.off('exit', orphanGuard));
    this.starts++;
    this.log.write(`--- start ${this.starts} (${new Date().toISOString()})\n`);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    const port = this.health;
    await eventually(
      `operator ${o.identity} ready`,
      async () => {
        if (!this.running)
          throw new Error(`exited with ${child.exitCode ?? child.signalCode} (see ${this.logFile})`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined;
      },
      { intervalMs: 100, timeoutMs: 60_000 },
    );
  }

  /** SIGKILL: no shutdown code runs (in-flight calls are abandoned, the Lease is not released). */
  async kill(): Promise<void> {
    if (this.running) this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait for the exit (end of the test). */
  async stop(): Promise<void> {
    if (this.running) this.child?.kill('SIGTERM');
    await this.exited;
    this.log?.end();
    this.log = undefined;
  }
}
