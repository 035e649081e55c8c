import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../devstack/paths.js';
import { shellQuote } from '../util/shell.js';
import { BootstrapInput, packageManager, type BootstrapInputSource } from './input.js';
import { POOL_LABEL, labelsFlag, splitLabels, taintsFlag } from './labels.js';
import { kubeReservedShell } from './reservations.js';

/** ESS and ECS accept at most 32 KB of user data before base64 encoding. */
export const USER_DATA_LIMIT = 32 * 1024;

export const SCRIPTS_DIR = join(PACKAGE_ROOT, 'bootstrap', 'scripts');

export interface RenderedUserData {
  /** The bash script, uncompressed (what runs on the node). */
  script: string;
  /** What goes to the cloud: the script, or its gzip when the script alone is over the limit. */
  payload: Buffer;
  encoding: 'plain' | 'gzip';
  /** `payload` base64-encoded, the form of ESS's and ECS's `UserData` parameter. */
  base64: string;
  /** Labels the kubelet may not set on itself (NodeRestriction): the operator applies them after registration. */
  operatorLabels: Record<string, string>;
  /** sha256 of the script, for drift detection and logs (never the script itself: it holds the join token). */
  sha256: string;
}

export class UserDataError extends Error {
  override readonly name = 'UserDataError';
}

const scripts = new Map<string, string>();
function script(name: 'lib' | 'managed' | 'external'): string {
  let s = scripts.get(name);
  if (s === undefined) {
    // drop the shebang and the file's own shellcheck directive: the rendered header defines the settings
    s = readFileSync(join(SCRIPTS_DIR, `${name}.sh`), 'utf8').replace(/^#!.*\n/, '');
    scripts.set(name, s);
  }
  return s;
}

/** The kubelet's configuration file, from the pool's `kubelet` settings. */
export function kubeletConfiguration(input: BootstrapInput): string {
  const k = input.kubelet;
  const config: Record<string, unknown> = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    rotateCertificates: true,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' },
    },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
    staticPodPath: '/etc/kubernetes/manifests',
  };
  if (k.maxPods !== undefined) config.maxPods = k.maxPods;
  if (k.systemReserved) config.systemReserved = k.systemReserved;
  if (k.kubeReserved) config.kubeReserved = k.kubeReserved;
  if (k.evictionHard) config.evictionHard = k.evictionHard;
  if (k.cpuManagerPolicy) config.cpuManagerPolicy = k.cpuManagerPolicy;
  return stringify(config).trimEnd();
}

function assign(name: string, value: string): string {
  return `${name}=${value === '' ? "''" : shellQuote(value)}`;
}

/** The header: every setting of the pool as a shell variable (quoted, so nothing in them is expanded). */
function header(input: BootstrapInput, kubeletLabels: Record<string, string>): string[] {
  const lines = [
    '#!/bin/bash',
    `# User data rendered by alicloud-nodepool-operator for pool ${input.pool} (${input.mode} bootstrap).`,
    '# Rendered again whenever the pool changes: edit the pool, not this script.',
    'set -uo pipefail',
    assign('NPO_POOL', input.pool),
    assign('NPO_CLUSTER_ID', input.clusterId),
    assign('NPO_MODE', input.mode),
    assign('NPO_PACKAGE_MANAGER', packageManager(input.image)),
    assign('NPO_RUNTIME_VERSION', input.runtime.version),
    assign('NPO_DATA_DISKS', String(input.dataDisks)),
    assign('NPO_NAME_PREFIX', input.customNodeName?.prefix ?? ''),
    assign('NPO_NAME_SUFFIX', input.customNodeName?.suffix ?? ''),
    assign('NPO_LABELS', labelsFlag(kubeletLabels)),
    assign('NPO_TAINTS', taintsFlag(input.taints)),
    assign(
      'NPO_SYSCTLS',
      Object.keys(input.sysctls)
        .sort()
        .map((k) => `${k} = ${input.sysctls[k] ?? ''}`)
        .join('\n'),
    ),
    assign('NPO_SKIP_AUTO_FDISK', String(input.skip.autoFdisk)),
    assign('NPO_KEEP_CONTAINER_DATA', String(input.skip.keepContainerData)),
    assign('NPO_SKIP_YUM', String(input.skip.yum)),
    assign('NPO_SKIP_SECURITY_FIX', String(input.skip.securityFix)),
    assign('NPO_CLOUD_MONITOR', String(input.cloudMonitor)),
    assign('NPO_HARDENING', input.securityHardening),
    assign('NPO_PRE_USER_DATA', input.preUserData ?? ''),
    assign('NPO_USER_DATA', input.userData ?? ''),
  ];
  if (input.mode === 'Managed' && input.managed) {
    lines.push(
      assign('NPO_API_SERVER', input.managed.apiServer.replace(/\/+$/, '')),
      assign('NPO_CA_CERT_HASH', input.managed.caCertHash),
      assign('NPO_BOOTSTRAP_TOKEN', input.managed.token),
      assign('NPO_KUBERNETES_VERSION', input.managed.kubernetesVersion),
      assign('NPO_KUBELET_CONFIG', kubeletConfiguration(input)),
      // no kubelet.kubeReserved in the pool: the node computes it from its own CPUs and memory (reservations.ts)
      assign('NPO_KUBE_RESERVED_AUTO', String(input.kubelet.kubeReserved === undefined)),
    );
  }
  if (input.mode === 'External' && input.external) {
    lines.push(
      assign('NPO_SCRIPT_URL', input.external.scriptURL),
      assign('NPO_SCRIPT_SHA256', input.external.scriptSHA256 ?? ''),
      assign('NPO_JOIN_COMMAND', input.external.joinCommand),
      assign('NPO_KUBE_VERSION', input.external.kubeVersion),
      assign('NPO_EXTERNAL_RUNTIME', input.external.runtime),
      assign('NPO_EXTERNAL_RUNTIME_VERSION', input.external.runtimeVersion),
      assign(
        'NPO_SYSTEM_LABELS',
        labelsFlag({
          'alibabacloud.com/nodepool-id': input.pool,
          'ack.aliyun.com': input.clusterId,
          'alibabacloud.com/external': 'true',
        }),
      ),
    );
  }
  return lines;
}

/**
 * Render the user data for a pool's new nodes. The input is validated first (a `ZodError` names the field);
 * a script that does not fit in 32 KB even gzip-compressed is a `UserDataError` saying what to move out.
 */
export function renderUserData(source: BootstrapInputSource): RenderedUserData {
  const input = BootstrapInput.parse(source);
  const { kubelet, operator } = splitLabels({ ...input.labels, [POOL_LABEL]: input.pool });
  const text = [
    ...header(input, kubelet),
    '',
    script('lib'),
    ...(input.mode === 'Managed' ? [kubeReservedShell()] : []),
    script(input.mode === 'Managed' ? 'managed' : 'external'),
  ].join('\n');
  const raw = Buffer.from(text, 'utf8');
  let payload = raw;
  let encoding: RenderedUserData['encoding'] = 'plain';
  if (raw.length > USER_DATA_LIMIT) {
    payload = gzipSync(raw, { level: 9 });
    encoding = 'gzip';
    if (payload.length > USER_DATA_LIMIT) {
      const own = Buffer.byteLength(input.preUserData ?? '') + Buffer.byteLength(input.userData ?? '');
      throw new UserDataError(
        `the user data is ${kib(payload.length)} gzip-compressed (${kib(raw.length)} uncompressed), over the ` +
          `32 KB limit of ESS and ECS; preUserData and userData make up ${kib(own)} of it: move their bulk into a ` +
          'script they download at boot (e.g. from OSS) and keep only the download in the pool',
      );
    }
  }
  return {
    script: text,
    payload,
    encoding,
    base64: payload.toString('base64'),
    operatorLabels: operator,
    sha256: createHash('sha256').update(raw).digest('hex'),
  };
}

function kib(n: number): string {
  return `${(n / 1024).toFixed(1)} KB`;
}
