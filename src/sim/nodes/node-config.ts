import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { KubeletReservations } from '../../bootstrap/reservations.js';
import type { SandboxResult } from '../../bootstrap/sandbox.js';

/** What a booted instance's bootstrap configured, read back from its disk as a kubelet would read it. */
export interface NodeConfig {
  mode: 'Managed' | 'External';
  nodeName: string;
  providerId: string;
  nodeIp: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  /** Where and how the kubelet authenticates for its TLS bootstrap. */
  server: string;
  caPem: string | undefined;
  bootstrapToken: string;
  /** The last bootstrap step reached, and `done` or `failed:<step>`. */
  lastStep: string;
  result: string;
  /**
   * What the kubelet's configuration file reserves. `kubeReserved` is left out when the boot computed it from the
   * machine (the `auto` marker): the sandbox's CPUs and memory are the host's, so the simulated node applies
   * the same formula (src/bootstrap/reservations.ts) to the instance type's.
   */
  kubelet: KubeletReservations;
}

const strings = z.record(z.string(), z.union([z.string(), z.number()]).transform(String));
const KubeletFile = z.looseObject({
  maxPods: z.number().int().positive().optional(),
  kubeReserved: strings.optional(),
  systemReserved: strings.optional(),
  evictionHard: strings.optional(),
});

async function readKubelet(boot: SandboxResult): Promise<KubeletReservations> {
  const text = await boot.file('/var/lib/kubelet/config.yaml');
  if (text === undefined) return {};
  const r = KubeletFile.safeParse(parseYaml(text));
  if (!r.success) return {};
  const auto = ((await boot.file('/var/lib/nodepool-bootstrap/kube-reserved')) ?? '').trim() === 'auto';
  const { maxPods, kubeReserved, systemReserved, evictionHard } = r.data;
  return { maxPods, ...(auto ? {} : { kubeReserved }), systemReserved, evictionHard };
}

export class NodeBootError extends Error {
  override readonly name = 'NodeBootError';
  constructor(
    message: string,
    readonly lastStep: string,
  ) {
    super(message);
  }
}

const Identity = z.object({
  NODE_NAME: z.string().min(1),
  PROVIDER_ID: z.string().min(1),
  PRIVATE_IP: z.string().min(1),
});

/** `--a=b --c=d` → { '--a': 'b', '--c': 'd' } (the last occurrence wins, as for the kubelet). */
export function parseFlags(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of args.trim().split(/\s+/)) {
    const m = /^(--[\w-]+)=(.*)$/.exec(word);
    if (m?.[1]) out[m[1]] = m[2] ?? '';
  }
  return out;
}

export function parseLabels(flag: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (flag ?? '').split(',')) {
    if (!item) continue;
    const eq = item.indexOf('=');
    out[eq < 0 ? item : item.slice(0, eq)] = eq < 0 ? '' : item.slice(eq + 1);
  }
  return out;
}

export function parseTaints(flag: string | undefined): NodeConfig['taints'] {
  return (flag ?? '')
    .split(',')
    .filter(Boolean)
    .map((item) => {
      const colon = item.lastIndexOf(':');
      const kv = item.slice(0, colon);
      const eq = kv.indexOf('=');
      return eq < 0
        ? { key: kv, effect: item.slice(colon + 1) }
        : { key: kv.slice(0, eq), value: kv.slice(eq + 1), effect: item.slice(colon + 1) };
    });
}

/** The value of KUBELET_EXTRA_ARGS in a systemd drop-in (`Environment="KUBELET_EXTRA_ARGS=..."`) or sysconfig file. */
export function extraArgs(text: string): string {
  for (const line of text.split('\n').reverse()) {
    const m = /^(?:Environment=")?KUBELET_EXTRA_ARGS="?(.*?)"?$/.exec(line.trim());
    if (m) return m[1] ?? '';
  }
  return '';
}

/** Read what the boot configured; throws NodeBootError (with the last step) when the boot did not finish. */
export async function readNodeConfig(boot: SandboxResult): Promise<NodeConfig> {
  const lastStep = ((await boot.file('/var/lib/nodepool-bootstrap/step')) ?? 'none').trim();
  const result = ((await boot.file('/var/lib/nodepool-bootstrap/result')) ?? '').trim();
  if (boot.exitCode !== 0 || result !== 'done') {
    throw new NodeBootError(`the bootstrap failed at step ${lastStep} (exit ${boot.exitCode})`, lastStep);
  }
  const identityText = (await boot.file('/var/lib/nodepool-bootstrap/identity')) ?? '';
  const identity = Identity.parse(
    Object.fromEntries(
      identityText
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    ),
  );
  // what the kubelet's flags say about the node, with the identity the boot recorded as the fallback
  const fromFlags = (flags: Record<string, string>) => ({
    nodeName: flags['--hostname-override'] ?? identity.NODE_NAME,
    providerId: flags['--provider-id'] ?? identity.PROVIDER_ID,
    nodeIp: flags['--node-ip'] ?? identity.PRIVATE_IP,
    labels: parseLabels(flags['--node-labels']),
    taints: parseTaints(flags['--register-with-taints']),
    lastStep,
    result,
  });
  const managedUnit = await boot.file('/etc/systemd/system/kubelet.service.d/10-nodepool.conf');
  if (managedUnit !== undefined) {
    const flags = parseFlags(extraArgs(managedUnit));
    const kubeconfig = (await boot.file('/etc/kubernetes/bootstrap-kubelet.conf')) ?? '';
    const server = /server: (\S+)/.exec(kubeconfig)?.[1];
    const token = /token: (\S+)/.exec(kubeconfig)?.[1];
    if (!server || !token) throw new NodeBootError('no bootstrap kubeconfig was written', lastStep);
    return {
      mode: 'Managed',
      ...fromFlags(flags),
      kubelet: await readKubelet(boot),
      server,
      caPem: await boot.file('/etc/kubernetes/pki/ca.crt'),
      bootstrapToken: token,
    };
  }
  const sysconfig = (await boot.file('/etc/sysconfig/kubelet')) ?? '';
  const flags = parseFlags(extraArgs(sysconfig));
  const join = boot.calls.find((c) => c.cmd === 'kubeadm' && c.args[0] === 'join');
  if (!join) throw new NodeBootError('the External bootstrap never ran kubeadm join', lastStep);
  const endpoint = join.args[1] ?? '';
  const token = join.args[join.args.indexOf('--token') + 1] ?? '';
  return {
    mode: 'External',
    ...fromFlags(flags),
    kubelet: {},
    server: `https://${endpoint}`,
    caPem: undefined,
    bootstrapToken: token,
  };
}
