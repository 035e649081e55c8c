import { z } from 'zod';
import { P, re } from '../apis/v1beta1/patterns.js';

/**
 * What the user-data renderer needs, in its own terms: the pool's spec (resolved — Secret and ConfigMap
 * references already read) plus the cluster settings the operator knows. The NodePool controller maps a
 * validated spec onto this; `render-userdata` does the same from a file.
 */

export const ImageType = z.enum([
  'AliyunLinux3ContainerOptimized',
  'ContainerOS',
  'AliyunLinux3',
  'Ubuntu',
  'Custom',
]);
export type ImageType = z.infer<typeof ImageType>;

/** The package manager an image family has: ContainerOS has none (read-only root except /etc and /var). */
export function packageManager(image: ImageType): 'yum' | 'apt' | 'none' {
  switch (image) {
    case 'AliyunLinux3ContainerOptimized':
    case 'AliyunLinux3':
    case 'Custom': // a Custom image must be Alibaba Cloud Linux based for hardening; treated as YUM-based
      return 'yum';
    case 'Ubuntu':
      return 'apt';
    case 'ContainerOS':
      return 'none';
  }
}

/**
 * The renderer checks its own input, whoever calls it (the controller after the API's rules, `render-userdata`
 * from a file): what goes into a kubelet flag or a configuration file must be what it looks like — a label
 * value with a comma would add labels to `--node-labels`, a sysctl value with a newline would add lines.
 */
const labelKey = z
  .string()
  .max(316)
  .regex(
    re(P.labelKey),
    'a label key: an optional DNS prefix and "/", then 1-63 letters, digits, - _ . (alphanumeric at both ends)',
  );
const labelValue = z
  .string()
  .max(63)
  .regex(
    re(P.labelValue),
    'a label value: at most 63 letters, digits, - _ . (alphanumeric at both ends), or empty',
  );
/** No control characters (newlines included): the value goes on one line of a file. */
const oneLine = (max: number) =>
  z
    .string()
    .max(max)
    .refine(
      (v) => ![...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
      'one line, without control characters',
    );

export const Taint = z.object({
  key: labelKey,
  value: labelValue.default(''),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});
export type Taint = z.infer<typeof Taint>;

const quantity = z.string().regex(/^[0-9.]+[A-Za-z%]*$/, 'a Kubernetes quantity, e.g. 100m or 512Mi');
/** A resource or signal name (`cpu`, `memory.available`, `nodefs.inodesFree`): a key of the kubelet's configuration. */
const resourceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'a resource or signal name such as cpu or memory.available');

export const KubeletSettings = z
  .object({
    maxPods: z.number().int().min(1).max(1024).optional(),
    systemReserved: z.record(resourceName, quantity).optional(),
    kubeReserved: z.record(resourceName, quantity).optional(),
    evictionHard: z.record(resourceName, quantity).optional(),
    cpuManagerPolicy: z.enum(['none', 'static']).optional(),
  })
  .strict();
export type KubeletSettings = z.infer<typeof KubeletSettings>;

const nodeNamePart = z
  .string()
  .regex(
    /^[A-Za-z]([A-Za-z0-9]|[-.](?=[A-Za-z0-9]))*$/,
    'letters, digits, - and .; starts with a letter; no trailing, doubled or mixed - and .',
  );

export const ManagedJoin = z.object({
  /** The API server nodes join, e.g. `https://10.0.0.10:6443`. */
  apiServer: z.url(),
  /** `sha256:<hex>` of the cluster CA's public key (SubjectPublicKeyInfo), as kubeadm prints it. */
  caCertHash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256: followed by 64 lowercase hex digits'),
  /** A bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}`. Secret: never logged. */
  token: z
    .string()
    .regex(/^[a-z0-9]{6}\.[a-z0-9]{16}$/, 'a bootstrap token: 6 and 16 characters [a-z0-9] joined by a dot'),
  /** The cluster's Kubernetes version, for installing a matching kubelet where the image lacks one. */
  kubernetesVersion: z.string().regex(/^v?\d+\.\d+\.\d+$/),
});
export type ManagedJoin = z.infer<typeof ManagedJoin>;

export const ExternalJoin = z
  .object({
    /** Where the node downloads the user's bootstrap script (scriptURL, or ack-agent-config's addNodeScriptPath). */
    scriptURL: z.url({ protocol: /^https?$/ }),
    /** The script's SHA-256 (hex), checked before it runs; required for a plain-http URL. */
    scriptSHA256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits')
      .optional(),
    /** The full `kubeadm join ...` command, read from its Secret. Secret: never logged. */
    joinCommand: z.string().regex(/^kubeadm join \S+/, 'a command starting with "kubeadm join <endpoint>"'),
    kubeVersion: z.string().regex(/^v?\d+\.\d+\.\d+$/),
    runtime: z.enum(['containerd', 'docker']),
    runtimeVersion: z.string().min(1).max(32),
  })
  .refine((e) => e.scriptURL.startsWith('https://') || e.scriptSHA256 !== undefined, {
    path: ['scriptURL'],
    message: 'the join script runs as root with the join command: https, or plain http with scriptSHA256',
  });
export type ExternalJoin = z.infer<typeof ExternalJoin>;

export const BootstrapInput = z
  .object({
    /** The pool's name, for logs and labels. */
    pool: z
      .string()
      .max(63)
      .regex(
        /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
        'a pool name: 1-63 lowercase letters, digits, - and . (it is a label value)',
      ),
    clusterId: z.string().min(1).max(64),
    image: ImageType,
    runtime: z.object({ name: z.literal('containerd'), version: z.string().min(1).max(32) }),
    dataDisks: z.number().int().min(0).max(16).default(0),
    customNodeName: z.object({ prefix: nodeNamePart, suffix: nodeNamePart.optional() }).optional(),
    labels: z.record(labelKey, labelValue).default({}),
    taints: z.array(Taint).default([]),
    kubelet: KubeletSettings.default({}),
    sysctls: z.record(z.string().regex(/^[a-z0-9_.\-/]+$/, 'a sysctl key'), oneLine(256)).default({}),
    skip: z
      .object({
        autoFdisk: z.boolean().default(false),
        keepContainerData: z.boolean().default(false),
        yum: z.boolean().default(false),
        securityFix: z.boolean().default(false),
      })
      .default({ autoFdisk: false, keepContainerData: false, yum: false, securityFix: false }),
    cloudMonitor: z.boolean().default(false),
    securityHardening: z.enum(['Disabled', 'MLPS', 'OS']).default('Disabled'),
    preUserData: z.string().optional(),
    userData: z.string().optional(),
    mode: z.enum(['Managed', 'External']),
    managed: ManagedJoin.optional(),
    external: ExternalJoin.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.mode === 'Managed' && !v.managed) {
      ctx.addIssue({
        code: 'custom',
        path: ['managed'],
        message: 'Managed bootstrap needs the join settings (API server, CA hash, token)',
      });
    }
    if (v.mode === 'External' && !v.external) {
      ctx.addIssue({
        code: 'custom',
        path: ['external'],
        message: 'External bootstrap needs bootstrap.external (script URL, join command, versions)',
      });
    }
    if (v.securityHardening !== 'Disabled' && packageManager(v.image) !== 'yum') {
      ctx.addIssue({
        code: 'custom',
        path: ['securityHardening'],
        message: `${v.securityHardening} hardening needs an Alibaba Cloud Linux (AliyunLinux3*) or Custom image`,
      });
    }
  });
export type BootstrapInput = z.infer<typeof BootstrapInput>;
export type BootstrapInputSource = z.input<typeof BootstrapInput>;
