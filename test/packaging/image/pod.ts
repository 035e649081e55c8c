import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// The chart's Deployment, as rendered by `helm template`, turned into `podman run` flags the way a kubelet would
// run its pod: the container's args, environment (the Downward API fields resolved), security contexts, memory
// limit, volumes (emptyDir as a tmpfs of its sizeLimit, Secret volumes as read-only files with the volume's mode
// and the pod's fsGroup) and the ServiceAccount token automount with KUBERNETES_SERVICE_HOST / _PORT. Anything
// the translation does not know how to honour is refused by name, so a chart change can never be silently
// dropped from the run.

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    runAsGroup?: number;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  resources?: { limits?: { memory?: string; cpu?: string } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  emptyDir?: { sizeLimit?: string; medium?: string };
  secret?: { secretName: string; defaultMode?: number; items?: { key: string; path: string }[] };
  [other: string]: unknown;
}
export interface Deployment {
  kind: 'Deployment';
  spec: {
    template: {
      spec: {
        serviceAccountName: string;
        automountServiceAccountToken?: boolean;
        securityContext?: {
          runAsNonRoot?: boolean;
          runAsUser?: number;
          runAsGroup?: number;
          fsGroup?: number;
          seccompProfile?: { type: string };
        };
        containers: Container[];
        volumes?: Volume[];
      };
    };
  };
}

export interface PodContext {
  podName: string;
  namespace: string;
  /** The API server the pod reaches as https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT. */
  apiServer: URL;
  /** A token of the pod's ServiceAccount and the cluster CA, as the kubelet projects them. */
  serviceAccountToken: string;
  caCert: string;
  /** Secret data (base64 values) by Secret name, as the API server returns it. */
  secrets: Record<string, Record<string, string>>;
  /** Where the volumes' files are written. */
  dir: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A Kubernetes quantity (64Mi, 512Mi, 1G, 1000) in bytes. */
export function bytes(quantity: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!m) throw new Error(`unsupported quantity ${quantity}`);
  const mult: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(m[1]) * (m[2] ? mult[m[2]]! : 1);
}

function refuse(what: string): never {
  throw new Error(`the image test cannot run the chart's pod as a kubelet would: ${what}`);
}

/** Writes one file owned by root and the fsGroup, as the kubelet writes volume files. */
async function volumeFile(path: string, content: string | Buffer, mode: number, gid: number): Promise<void> {
  await writeFile(path, content);
  await chown(path, 0, gid);
  await chmod(path, mode);
}

function environment(c: Container, ctx: PodContext): string[] {
  const out: string[] = [];
  for (const e of c.env ?? []) {
    let value = e.value;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (field === 'metadata.namespace') value = ctx.namespace;
    else if (field === 'metadata.name') value = ctx.podName;
    else if (e.valueFrom) refuse(`env ${e.name} comes from ${JSON.stringify(e.valueFrom)}`);
    out.push('--env', `${e.name}=${value ?? ''}`);
  }
  return out;
}

function security(pod: Deployment['spec']['template']['spec'], c: Container): string[] {
  const psc = pod.securityContext ?? {};
  const csc = c.securityContext ?? {};
  const uid = csc.runAsUser ?? psc.runAsUser;
  const gid = csc.runAsGroup ?? psc.runAsGroup ?? 0;
  if ((csc.runAsNonRoot ?? psc.runAsNonRoot) && (uid === undefined || uid === 0))
    refuse('runAsNonRoot without a non-zero runAsUser (the kubelet would check the image user)');
  const seccomp = csc.seccompProfile?.type ?? psc.seccompProfile?.type;
  if (seccomp !== undefined && seccomp !== 'RuntimeDefault') refuse(`seccompProfile ${seccomp}`);
  const out: string[] = [];
  if (uid !== undefined) out.push('--user', `${uid}:${gid}`);
  if (psc.fsGroup !== undefined) out.push('--group-add', String(psc.fsGroup));
  // the runtime's default seccomp profile is RuntimeDefault
  if (csc.readOnlyRootFilesystem) out.push('--read-only', '--read-only-tmpfs=false');
  if (csc.allowPrivilegeEscalation === false) out.push('--security-opt', 'no-new-privileges');
  for (const cap of csc.capabilities?.drop ?? []) out.push('--cap-drop', cap);
  for (const cap of csc.capabilities?.add ?? []) out.push('--cap-add', cap);
  return out;
}

async function volumes(
  pod: Deployment['spec']['template']['spec'],
  c: Container,
  ctx: PodContext,
): Promise<string[]> {
  const gid = pod.securityContext?.fsGroup ?? 0;
  const out: string[] = [];
  for (const m of c.volumeMounts ?? []) {
    const v =
      (pod.volumes ?? []).find((x) => x.name === m.name) ?? refuse(`volumeMount ${m.name} has no volume`);
    if (v.emptyDir) {
      if (v.emptyDir.medium) refuse(`emptyDir medium ${v.emptyDir.medium}`);
      const size = v.emptyDir.sizeLimit ? `,tmpfs-size=${bytes(v.emptyDir.sizeLimit)}` : '';
      out.push('--mount', `type=tmpfs,destination=${m.mountPath},tmpfs-mode=1777${size}`);
    } else if (v.secret) {
      const data = ctx.secrets[v.secret.secretName] ?? refuse(`Secret ${v.secret.secretName} was not given`);
      const dir = join(ctx.dir, `volume-${v.name}`);
      await mkdir(dir, { recursive: true, mode: 0o755 });
      const items = v.secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const it of items) {
        const value = data[it.key] ?? refuse(`Secret ${v.secret.secretName} has no key ${it.key}`);
        await volumeFile(
          join(dir, it.path),
          Buffer.from(value, 'base64'),
          v.secret.defaultMode ?? 0o644,
          gid,
        );
      }
      out.push('--volume', `${dir}:${m.mountPath}:ro`);
    } else {
      refuse(
        `volume ${v.name} of type ${Object.keys(v)
          .filter((k) => k !== 'name')
          .join(', ')}`,
      );
    }
  }
  return out;
}

/** `podman run` arguments (after `run`) for the Deployment's one container. */
export async function podmanRunArgs(d: Deployment, image: string, ctx: PodContext): Promise<string[]> {
  const pod = d.spec.template.spec;
  if (pod.containers.length !== 1) refuse(`${pod.containers.length} containers`);
  const c = pod.containers[0]!;
  const args = ['--name', ctx.podName, '--hostname', ctx.podName, '--network', 'host'];
  args.push(...security(pod, c), ...environment(c, ctx), ...(await volumes(pod, c, ctx)));
  if (pod.automountServiceAccountToken !== false) {
    const dir = join(ctx.dir, 'serviceaccount');
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const gid = pod.securityContext?.fsGroup ?? 0;
    await volumeFile(join(dir, 'token'), ctx.serviceAccountToken, 0o640, gid);
    await volumeFile(join(dir, 'ca.crt'), ctx.caCert, 0o644, gid);
    await volumeFile(join(dir, 'namespace'), ctx.namespace, 0o644, gid);
    args.push('--volume', `${dir}:${SA_DIR}:ro`);
    args.push('--env', `KUBERNETES_SERVICE_HOST=${ctx.apiServer.hostname}`);
    args.push('--env', `KUBERNETES_SERVICE_PORT=${ctx.apiServer.port || '443'}`);
  }
  const memory = c.resources?.limits?.memory;
  if (memory) args.push('--memory', String(bytes(memory)));
  if (c.command) args.push('--entrypoint', JSON.stringify(c.command));
  args.push(image, ...(c.args ?? []));
  return args;
}
