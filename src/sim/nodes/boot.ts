import { type Agent, request } from 'node:https';
import { gunzipSync } from 'node:zlib';
import { caCertHash } from '../../bootstrap/ca-hash.js';
import { runInSandbox, type InstanceMetadata, type SandboxOptions } from '../../bootstrap/sandbox.js';
import type { BootCache, ScriptOutcome } from './boot-cache.js';
import { NodeBootError, readNodeConfig, type NodeConfig } from './node-config.js';
import { nodeObject, registerNode, type NodeResources, type NodeSoftware } from './register.js';
import { tlsBootstrap } from './tls-bootstrap.js';

export interface InstanceToBoot {
  metadata: InstanceMetadata;
  /** The instance's user data as the cloud holds it: base64 of the script or of its gzip. */
  userDataBase64: string;
  resources: NodeResources;
  /** Block devices: the system disk first, then one per data disk. */
  disks?: { name: string; system?: boolean }[];
  /** What the image already has (ContainerOS and ACK images ship containerd and the kubelet). */
  installed?: Partial<Record<'containerd' | 'kubelet' | 'nvidia-smi', string>>;
  /** Answers for URLs the boot fetches (an External pool's script). */
  http?: Record<string, string>;
  /** Stubbed commands that fail, with their exit code (an injected broken bootstrap; never replayed from a cache). */
  fail?: SandboxOptions['fail'];
  /** Extra annotations the kubelet registers the Node with. */
  annotations?: Record<string, string>;
  /** The image's OS, kubelet and containerd versions, reported in the Node's `status.nodeInfo`. */
  software?: NodeSoftware;
  /** Receives what the boot printed (cloud-init output goes to the serial console), whether it joined or not. */
  onConsole?: (log: string) => void;
  /** Register the Node no earlier than this (epoch ms): a fixed boot time (NodeSimulation's `registerAfterLaunchMs`). */
  registerAt?: number;
}

export interface BootedNode {
  nodeName: string;
  config: NodeConfig;
  /** The cloud-init output log of the boot. */
  log: string;
  /**
   * Register the Node again with the kubelet's own credentials, as a kubelet does when it starts on a machine
   * whose Node object is gone (an instance stopped and started again); an existing Node is left as it is.
   */
  reregister: () => Promise<void>;
}

export function decodeUserData(base64: string): string {
  const raw = Buffer.from(base64, 'base64');
  return (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
}

/** Run the instance's user data in the sandbox and read back what it configured (or where it failed). */
export async function runBootScript(
  instance: InstanceToBoot,
  cluster: { apiServer: string },
): Promise<ScriptOutcome> {
  const boot = await runInSandbox({
    script: decodeUserData(instance.userDataBase64),
    metadata: instance.metadata,
    disks: instance.disks ?? [{ name: '/dev/vda', system: true }],
    installed: instance.installed ?? DEFAULT_INSTALLED,
    http: instance.http ?? {},
    passthrough: [new URL(cluster.apiServer).origin],
    ...(instance.fail ? { fail: instance.fail } : {}),
  });
  try {
    const joinArgs = boot.calls.find((c) => c.cmd === 'kubeadm')?.args ?? [];
    try {
      return { config: await readNodeConfig(boot), joinArgs: [...joinArgs], log: boot.log };
    } catch (err) {
      if (!(err instanceof NodeBootError)) throw err;
      return {
        error: { message: err.message, lastStep: err.lastStep },
        joinArgs: [...joinArgs],
        log: boot.log,
      };
    }
  } finally {
    await boot.dispose();
  }
}

const DEFAULT_INSTALLED = { containerd: '1.7.20', kubelet: '1.34.4' };

/**
 * Boot one instance the way ECS and the kubelet would: run its real user data in the sandbox (or replay a
 * verified template of the same script's output: `BootCache`), read what it configured, join with the
 * credentials it carries (TLS bootstrap with its token; for External pools the token and CA hash of its kubeadm
 * join command), register the Node NotReady, which kwok then keeps Ready. `cluster.apiServer` is the real API
 * server the sandbox may reach (loopback only).
 */
export async function bootInstance(
  instance: InstanceToBoot,
  cluster: {
    apiServer: string;
    /**
     * Connections for the TLS bootstrap's token requests, kept alive across boots (the token travels with each
     * request; the CA the script configured is still verified, as the pool keys connections by it). Without
     * it, each boot opens its own.
     */
    bootstrapAgent?: Agent;
    /** Runs the user data script (the sandbox run, not a cache replay) in a bounded slot; default: at once. */
    scriptSlot?: (run: () => Promise<ScriptOutcome>) => Promise<ScriptOutcome>;
  },
  cache?: BootCache,
): Promise<BootedNode> {
  const script = () => runBootScript(instance, cluster);
  const slot = cluster.scriptSlot;
  const run = slot ? () => slot(script) : script;
  const outcome =
    cache && !instance.fail
      ? await cache.outcome(
          {
            script: instance.userDataBase64,
            metadata: instance.metadata,
            disks: instance.disks ?? [{ name: '/dev/vda', system: true }],
            installed: instance.installed ?? DEFAULT_INSTALLED,
            http: instance.http ?? {},
          },
          run,
        )
      : await run();
  instance.onConsole?.(outcome.log);
  if (outcome.error || !outcome.config) {
    throw new NodeBootError(
      outcome.error?.message ?? 'the boot configured no node',
      outcome.error?.lastStep ?? 'none',
    );
  }
  const config = outcome.config;
  let caPem = config.caPem;
  if (config.mode === 'External') caPem = await discoverCa(config, outcome.joinArgs);
  if (!caPem) throw new NodeBootError('the boot left no cluster CA', config.lastStep);
  const creds = await tlsBootstrap({
    server: config.server,
    caPem,
    token: config.bootstrapToken,
    nodeName: config.nodeName,
    ...(cluster.bootstrapAgent ? { agent: cluster.bootstrapAgent } : {}),
  });
  const wait = (instance.registerAt ?? 0) - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const register = (): Promise<void> =>
    registerNode(
      config.server,
      caPem,
      creds,
      nodeObject(config, instance.resources, instance.annotations, instance.software),
    );
  await register();
  return { nodeName: config.nodeName, config, log: outcome.log, reregister: register };
}

/** kubeadm's token discovery: read cluster-info without trusting it, then pin the CA by the join command's hash. */
async function discoverCa(config: NodeConfig, joinArgs: string[]): Promise<string> {
  const want = joinArgs[joinArgs.indexOf('--discovery-token-ca-cert-hash') + 1];
  const insecure = await fetchInsecure(
    `${config.server}/api/v1/namespaces/kube-public/configmaps/cluster-info`,
  ).catch(() => '');
  const b64 = /certificate-authority-data: ([A-Za-z0-9+/=]+)/.exec(insecure)?.[1];
  if (!b64)
    throw new NodeBootError(`kubeadm join: cannot read cluster-info from ${config.server}`, 'kubeadm-join');
  const pem = Buffer.from(b64, 'base64').toString('utf8');
  if (!want || caCertHash(pem) !== want) {
    throw new NodeBootError(
      `kubeadm join: the cluster CA does not match --discovery-token-ca-cert-hash ${want ?? '(none)'}`,
      'kubeadm-join',
    );
  }
  return pem;
}

function fetchInsecure(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
