import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { ensureBinaries, type Binaries, type Reporter } from './build.js';
import { clusterSetupManifest } from './cluster-setup.js';
import { DevstackError } from './errors.js';
import { run, type ExecResult } from './exec.js';
import { writeKubeconfig } from './kubeconfig.js';
import { kwokStages } from './kwok-stages.js';
import { createClusterPki, reuseOrCreateClusterPki, type ClusterPki } from './pki.js';
import { allocatePorts } from './ports.js';
import { healthy } from './probe.js';
import { Component, type ComponentSpec } from './process.js';
import { RunFolder } from './runfolder.js';

export const PORT_NAMES = [
  'etcd',
  'etcdPeer',
  'apiserver',
  'controllerManager',
  'scheduler',
  'kwok',
] as const;
export type PortName = (typeof PORT_NAMES)[number];

/** The annotation that hands a Node to kwok, which then keeps it Ready and runs its pods. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_NODE_ANNOTATION_VALUE = 'fake';

/** The service CIDR of the local cluster and the pod CIDR kwok hands out; they do not overlap. */
export const SERVICE_CIDR = '10.0.0.0/24';
export const POD_CIDR = '10.244.0.1/16';
/**
 * The apiserver advertises this documentation address (RFC 5737) for the `kubernetes` Service: it is never
 * dialled, and a loopback address is refused for that role.
 */
export const ADVERTISE_ADDRESS = '192.0.2.10';

export interface DevStackOptions {
  /** The run folder: certificates, kubeconfigs, logs. Created fresh; a stale one from a killed run is cleaned. */
  runDir: string;
  /** Prebuilt binaries; by default `ensureBinaries()` builds or reuses the cache. */
  binaries?: Binaries;
  report?: Reporter;
  /** Fixed ports (checked to be free) instead of free ones chosen at start. */
  ports?: Partial<Record<PortName, number>>;
  /** Run kwok to keep annotated Nodes Ready and their pods Running (default true). */
  kwok?: boolean;
  /** Keep etcd's data in /dev/shm when it exists (default true): faster, and gone with the run. */
  etcdInMemory?: boolean;
  /** Per-component readiness timeout (default 90 s; a cold 2-core machine starts the apiserver in ~10 s). */
  readyTimeoutMs?: number;
  /**
   * Keep the cluster across restarts in this folder (`npm start`): etcd's data on disk (`etcd/`), the
   * certificates (`pki/`, reused while valid) and the ports (`ports.json`, reused while free), so a restarted
   * stack has the same objects and its kubeconfigs stay valid. Without it everything is made fresh.
   */
  stateDir?: string;
  /** Extra kube-apiserver flags (e.g. a feature gate a test needs), appended to the standard ones. */
  apiserverArgs?: readonly string[];
}

const savedPortsSchema = z.record(z.string(), z.number().int().min(1).max(65535));

async function readSavedPorts(file: string): Promise<Partial<Record<PortName, number>>> {
  try {
    const r = savedPortsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!r.success) return {};
    return Object.fromEntries(
      Object.entries(r.data).filter(([k]) => (PORT_NAMES as readonly string[]).includes(k)),
    );
  } catch {
    return {};
  }
}

/** What a client needs to reach the running control plane. */
export interface ClusterAccess {
  server: string;
  caFile: string;
  /** kubeconfig of `admin` (group system:masters). */
  kubeconfig: string;
  /** kubeconfig of `developer` (group `developers`): bound to nothing, so RBAC denies it what is not granted. */
  developerKubeconfig: string;
}

/**
 * A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
 * and kwok, configured as a cluster that nodes join (Node authorizer, NodeRestriction, bootstrap tokens, CSR
 * approving and signing).
 */
export class DevStack implements ClusterAccess {
  private readonly components: Component[] = [];
  private readonly specs = new Map<string, Omit<ComponentSpec, 'logPath'>>();
  private stopped = false;
  /** With a state folder: whether etcd's data (the cluster's objects) came from an earlier run. */
  restored = false;

  private constructor(
    readonly folder: RunFolder,
    readonly binaries: Binaries,
    readonly ports: Record<PortName, number>,
    readonly pki: ClusterPki,
    readonly kubeconfig: string,
    readonly developerKubeconfig: string,
  ) {}

  get server(): string {
    return `https://127.0.0.1:${this.ports.apiserver}`;
  }

  get caFile(): string {
    return this.pki.ca.cert;
  }

  get runDir(): string {
    return this.folder.dir;
  }

  /** Component name → pid, for the components that were started. */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.components) if (c.pid !== undefined) out[c.name] = c.pid;
    return out;
  }

  /** Component name → log file. */
  logs(): Record<string, string> {
    return Object.fromEntries(this.components.map((c) => [c.name, c.logPath]));
  }

  /** Run the built kubectl against this cluster (admin unless another kubeconfig is given). */
  kubectl(args: readonly string[], opts: { kubeconfig?: string; input?: string } = {}): Promise<ExecResult> {
    return run(this.binaries.bin.kubectl, ['--kubeconfig', opts.kubeconfig ?? this.kubeconfig, ...args], {
      ...(opts.input === undefined ? {} : { input: opts.input }),
    });
  }

  /** Start everything; on any failure, stop what was started and throw a DevstackError naming the component. */
  static async start(opts: DevStackOptions): Promise<DevStack> {
    const report = opts.report ?? (() => undefined);
    const folder = await RunFolder.create(opts.runDir);
    const binaries = opts.binaries ?? (await ensureBinaries({ report }));
    const state = opts.stateDir;
    if (state !== undefined) {
      await mkdir(state, { recursive: true });
      await folder.setStateDir(state);
    }
    const portsFile = state === undefined ? undefined : join(state, 'ports.json');
    const ports = await allocatePorts(
      PORT_NAMES,
      opts.ports,
      portsFile === undefined ? {} : await readSavedPorts(portsFile),
    );
    if (portsFile !== undefined) await writeFile(portsFile, `${JSON.stringify(ports, null, 2)}\n`);
    let pki: ClusterPki;
    if (state === undefined) {
      const pkiDir = folder.path('pki');
      await mkdir(pkiDir, { recursive: true });
      pki = await createClusterPki(pkiDir);
    } else {
      const kept = await reuseOrCreateClusterPki(join(state, 'pki'));
      pki = kept.pki;
      report(
        kept.reused
          ? `reusing the certificates in ${join(state, 'pki')}`
          : `new certificates in ${join(state, 'pki')}`,
      );
    }
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const kubeconfigs = {
      admin: folder.path('admin.kubeconfig'),
      developer: folder.path('developer.kubeconfig'),
      controllerManager: folder.path('kube-controller-manager.kubeconfig'),
      scheduler: folder.path('kube-scheduler.kubeconfig'),
    };
    await Promise.all([
      writeKubeconfig(kubeconfigs.admin, {
        server,
        caFile: pki.ca.cert,
        userName: 'admin',
        user: { clientCert: pki.admin.cert, clientKey: pki.admin.key },
      }),
      writeKubeconfig(kubeconfigs.developer, {
        server,
        caFile: pki.ca.cert,
        userName: 'developer',
        user: { clientCert: pki.developer.cert, clientKey: pki.developer.key },
      }),
      writeKubeconfig(kubeconfigs.controllerManager, {
        server,
        caFile: pki.ca.cert,
        userName: 'kube-controller-manager',
        user: { clientCert: pki.controllerManager.cert, clientKey: pki.controllerManager.key },
      }),
      writeKubeconfig(kubeconfigs.scheduler, {
        server,
        caFile: pki.ca.cert,
        userName: 'kube-scheduler',
        user: { clientCert: pki.scheduler.cert, clientKey: pki.scheduler.key },
      }),
    ]);
    const stack = new DevStack(folder, binaries, ports, pki, kubeconfigs.admin, kubeconfigs.developer);
    try {
      await stack.boot(opts, kubeconfigs, report);
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  private async launch(spec: Omit<ComponentSpec, 'logPath'>, report: Reporter): Promise<Component> {
    const c = new Component({ ...spec, logPath: this.folder.path('logs', `${spec.name}.log`) });
    this.components.push(c);
    this.specs.set(spec.name, spec);
    report(`starting ${spec.name}`);
    await c.start();
    if (c.pid !== undefined) await this.folder.addComponent(c.name, c.pid);
    return c;
  }

  private async boot(
    opts: DevStackOptions,
    kubeconfigs: { admin: string; controllerManager: string; scheduler: string },
    report: Reporter,
  ): Promise<void> {
    const timeout = opts.readyTimeoutMs ?? 90_000;
    const { bin } = this.binaries;
    const { ports, pki } = this;
    const adminTls = {
      ca: await readFile(pki.ca.cert),
      cert: await readFile(pki.admin.cert),
      key: await readFile(pki.admin.key),
    };

    // etcd: its data on disk in the state folder (kept across restarts), else in memory when it can be
    const shm = '/dev/shm';
    const state = opts.stateDir;
    let etcdData: string;
    let walDir: string[] = []; // default: the data folder's member/wal, so data and log stay together
    if (state !== undefined) {
      etcdData = join(state, 'etcd');
      this.restored = existsSync(join(etcdData, 'member', 'wal'));
      report(this.restored ? `etcd continues from ${etcdData}` : `etcd keeps its data in ${etcdData}`);
    } else {
      etcdData =
        opts.etcdInMemory !== false && existsSync(shm)
          ? join(shm, `nodepool-etcd-${process.pid}-${randomBytes(4).toString('hex')}`)
          : this.folder.path('etcd');
      if (etcdData.startsWith(shm)) await this.folder.addExtraDir(etcdData);
      // the run folder on the command line lets a later run recognise and clean this process (with a state
      // folder, the state folder on the command line does)
      walDir = [`--wal-dir=${this.folder.path('etcd-wal')}`];
    }
    const etcdUrl = `http://127.0.0.1:${ports.etcd}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    const etcd = await this.launch(
      {
        name: 'etcd',
        command: bin.etcd,
        args: [
          '--name=devstack',
          `--data-dir=${etcdData}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=devstack=${peerUrl}`,
          '--unsafe-no-fsync=true',
          '--log-level=warn',
          '--quota-backend-bytes=4294967296',
          ...walDir,
        ],
      },
      report,
    );
    await etcd.waitUntil(healthy(`${etcdUrl}/health`), 'healthy', timeout);

    // kube-apiserver
    const apiserver = await this.launch(
      {
        name: 'kube-apiserver',
        command: bin['kube-apiserver'],
        args: [
          `--etcd-servers=${etcdUrl}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${ports.apiserver}`,
          `--advertise-address=${ADVERTISE_ADDRESS}`,
          `--tls-cert-file=${pki.apiserver.cert}`,
          `--tls-private-key-file=${pki.apiserver.key}`,
          `--client-ca-file=${pki.ca.cert}`,
          '--authorization-mode=Node,RBAC',
          '--enable-bootstrap-token-auth=true',
          '--enable-admission-plugins=NodeRestriction',
          `--service-account-issuer=https://127.0.0.1:${ports.apiserver}`,
          `--service-account-key-file=${pki.serviceAccount.pub}`,
          `--service-account-signing-key-file=${pki.serviceAccount.key}`,
          `--service-cluster-ip-range=${SERVICE_CIDR}`,
          '--allow-privileged=true',
          `--cert-dir=${this.folder.path('apiserver-certs')}`,
          '--profiling=false',
          '--max-requests-inflight=1600',
          '--max-mutating-requests-inflight=800',
          ...(opts.apiserverArgs ?? []),
        ],
      },
      report,
    );
    await apiserver.waitUntil(healthy(`${this.server}/readyz`, adminTls), 'ready (/readyz)', timeout);

    // What kubeadm sets up for joining nodes: bootstrap RBAC, CSR auto-approval, cluster-info.
    const setup = await this.kubectl(['apply', '--server-side', '--field-manager=devstack', '-f', '-'], {
      input: clusterSetupManifest({ server: this.server, caPem: adminTls.ca.toString('utf8') }),
    });
    if (setup.code !== 0)
      throw await apiserver.failure(`applying the cluster setup failed: ${setup.stderr.trim()}`);

    // kube-controller-manager and kube-scheduler
    const delegated = (kubeconfig: string): string[] => [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
    ];
    const kcm = await this.launch(
      {
        name: 'kube-controller-manager',
        command: bin['kube-controller-manager'],
        args: [
          ...delegated(kubeconfigs.controllerManager),
          `--secure-port=${ports.controllerManager}`,
          `--cert-dir=${this.folder.path('kcm-certs')}`,
          `--service-account-private-key-file=${pki.serviceAccount.key}`,
          `--root-ca-file=${pki.ca.cert}`,
          `--cluster-signing-cert-file=${pki.ca.cert}`,
          `--cluster-signing-key-file=${pki.ca.key}`,
          '--use-service-account-credentials=true',
          // every default controller (garbage collector, deployment, replicaset, daemonset, namespace,
          // disruption, node-lifecycle, taint-eviction, podgc, serviceaccount(+token), root-ca publisher,
          // endpointslice, statefulset, job, CSR approving and signing, ...) plus the two that are off by default
          '--controllers=*,bootstrap-signer-controller,token-cleaner-controller',
          '--node-monitor-grace-period=40s',
          '--kube-api-qps=200',
          '--kube-api-burst=400',
        ],
      },
      report,
    );
    const scheduler = await this.launch(
      {
        name: 'kube-scheduler',
        command: bin['kube-scheduler'],
        args: [
          ...delegated(kubeconfigs.scheduler),
          `--secure-port=${ports.scheduler}`,
          `--cert-dir=${this.folder.path('scheduler-certs')}`,
          '--kube-api-qps=200',
          '--kube-api-burst=400',
        ],
      },
      report,
    );
    await Promise.all([
      kcm.waitUntil(
        healthy(`https://127.0.0.1:${ports.controllerManager}/healthz`, { insecure: true }),
        'healthy',
        timeout,
      ),
      scheduler.waitUntil(
        healthy(`https://127.0.0.1:${ports.scheduler}/healthz`, { insecure: true }),
        'healthy',
        timeout,
      ),
    ]);

    // kwok: the kubelet stand-in for simulated nodes
    if (opts.kwok !== false) {
      const kwokDir = this.folder.path('kwok');
      await mkdir(kwokDir, { recursive: true });
      // the kwok module's stages, with the node simulation's say over a machine's kubelet (kwok-stages.ts)
      const stages = join(kwokDir, 'stages.yaml');
      await writeFile(stages, kwokStages(await readFile(this.binaries.kwokStages, 'utf8')));
      const kwok = await this.launch(
        {
          name: 'kwok',
          command: bin.kwok,
          cwd: kwokDir,
          env: { ...process.env, HOME: kwokDir },
          args: [
            `--kubeconfig=${kubeconfigs.admin}`,
            `--config=${stages}`,
            '--manage-all-nodes=false',
            `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`,
            `--cidr=${POD_CIDR}`,
            `--node-ip=${ADVERTISE_ADDRESS}`,
            '--node-lease-duration-seconds=40',
            `--server-address=127.0.0.1:${ports.kwok}`,
          ],
        },
        report,
      );
      await kwok.waitUntil(healthy(`http://127.0.0.1:${ports.kwok}/healthz`), 'healthy', timeout);
    }
  }

  /**
   * Stop kube-apiserver alone (SIGTERM; etcd and the rest keep running), for tests of clients that must
   * survive an API server outage. `startApiserver()` brings it back on the same port with the same flags.
   */
  async stopApiserver(): Promise<void> {
    const c = this.components.find((x) => x.name === 'kube-apiserver' && x.running);
    if (!c) throw new DevstackError('kube-apiserver is not running', { component: 'kube-apiserver' });
    await c.stop();
    this.components.splice(this.components.indexOf(c), 1);
  }

  /** Start kube-apiserver again after `stopApiserver()`; resolves when it is ready. */
  async startApiserver(timeoutMs = 90_000): Promise<void> {
    const spec = this.specs.get('kube-apiserver');
    if (!spec || this.components.some((x) => x.name === 'kube-apiserver' && x.running)) {
      throw new DevstackError('kube-apiserver was not stopped with stopApiserver()', {
        component: 'kube-apiserver',
      });
    }
    const c = await this.launch(spec, () => undefined);
    const tls = {
      ca: await readFile(this.pki.ca.cert),
      cert: await readFile(this.pki.admin.cert),
      key: await readFile(this.pki.admin.key),
    };
    await c.waitUntil(healthy(`${this.server}/readyz`, tls), 'ready (/readyz)', timeoutMs);
  }

  /** Resolves with an error naming the component when any component exits without stop(). */
  crashed(): Promise<DevstackError> {
    return Promise.race(this.components.map((c) => c.unexpectedExit()));
  }

  /** Stop every component (newest first), remove etcd's in-memory data; idempotent. */
  async stop(opts: { removeRunDir?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const c of [...this.components].reverse()) await c.stop();
    for (const d of this.folder.extraDirs) await rm(d, { recursive: true, force: true });
    if (opts.removeRunDir) await rm(this.folder.dir, { recursive: true, force: true });
    else await writeFile(this.folder.path('stopped'), new Date().toISOString());
  }
}

export { DevstackError };
