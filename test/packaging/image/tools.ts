import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type ExecResult } from '../../../src/devstack/exec.js';
import { cacheRoot } from '../../../src/devstack/paths.js';

// The daemonless container tools from Debian's packages (.ci/run installs them), run as root: buildah builds
// the Dockerfile, podman runs the image with runc. Their images and layers live in a storage of their own under
// the project's cache folder (never the machine's /var/lib/containers), so base images and the build's layer
// cache carry over from one test run to the next.
//
// What this machine refuses, and how the flags below avoid it:
//  - crun (podman's default runtime) refuses a host whose cgroup v2 hierarchy still holds a controller next to
//    the v1 ones ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"); runc runs there.
//  - podman asks for RLIMIT_NOFILE 1048576 and a large RLIMIT_NPROC by default; without CAP_SYS_RESOURCE (this
//    sandbox drops it) raising a limit is refused ("setrlimit `RLIMIT_NOFILE`: Operation not permitted"), so
//    the container gets limits at or below this process's own.
//  - no systemd: cgroups are made directly (cgroupfs), and no journald for podman's events.

/** The Debian packages, by the command each provides. */
export const CONTAINER_PACKAGES: Record<string, string> = {
  buildah: 'buildah',
  podman: 'podman',
  runc: 'runc',
  mmdebstrap: 'mmdebstrap',
};

export class ContainerToolsMissing extends Error {}

export interface ContainerTools {
  /** `buildah` with this storage. */
  buildah(args: readonly string[], opts?: { onStderrLine?: (l: string) => void }): Promise<ExecResult>;
  /** `podman` with this storage, runc and cgroupfs. */
  podman(args: readonly string[], opts?: { input?: string }): Promise<ExecResult>;
  /** The argv of a podman command (for a process the caller supervises). */
  podmanArgv(args: readonly string[]): string[];
  /** `--ulimit` flags within this process's own hard limits. */
  ulimits(): string[];
  storage: { root: string; runroot: string; driver: string };
}

/** Throws naming the missing Debian packages when a tool is absent; refuses to run as a user other than root. */
export async function containerTools(): Promise<ContainerTools> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(CONTAINER_PACKAGES)) {
    const r = await run('sh', ['-c', `command -v ${command}`]);
    if (r.code !== 0) missing.push(pkg);
  }
  if (missing.length > 0)
    throw new ContainerToolsMissing(
      `the image tests need the Debian packages ${missing.join(', ')} (apt-get install -y ${missing.join(' ')}; .ci/run installs them)`,
    );
  if (process.getuid?.() !== 0)
    throw new ContainerToolsMissing(
      'the image tests build and run the image as root (buildah chroot isolation, rootful podman)',
    );
  const base = join(cacheRoot(), 'containers');
  // overlayfs when the kernel has it (layers shared, not copied), else vfs (a full copy per layer)
  const driver = readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n') ? 'overlay' : 'vfs';
  const root = join(base, `storage-${driver}`);
  // the run root (locks, container state) holds sockets: its path must stay under 50 characters
  const runroot = `/run/nodepool-operator-containers-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
  const storage = { root, runroot, driver };
  await mkdir(storage.root, { recursive: true });
  await mkdir(storage.runroot, { recursive: true });
  const storageFlags = ['--root', storage.root, '--runroot', storage.runroot, '--storage-driver', driver];
  const podmanFlags = [
    ...storageFlags,
    '--runtime',
    'runc',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'none',
  ];
  return {
    storage,
    buildah: (args, opts = {}) => run('buildah', [...storageFlags, ...args], opts),
    podman: (args, opts = {}) => run('podman', [...podmanFlags, ...args], opts),
    podmanArgv: (args) => ['podman', ...podmanFlags, ...args],
    ulimits: () => {
      const hard = (name: string): number => {
        const line = readFileSync('/proc/self/limits', 'utf8')
          .split('\n')
          .find((l) => l.startsWith(name));
        const value = line?.slice(26).trim().split(/\s+/)[1];
        return value === undefined || value === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(value);
      };
      const nofile = Math.min(hard('Max open files'), 1_048_576);
      // podman lowers its own RLIMIT_NPROC (the container inherits it from conmon); a few thousand is plenty
      const nproc = Math.min(hard('Max processes'), 4096);
      return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
    },
  };
}

/** Whether an image is in the storage. */
export async function imageExists(tools: ContainerTools, ref: string): Promise<boolean> {
  return (await tools.podman(['image', 'exists', ref])).code === 0;
}

export function mustSucceed(what: string, r: ExecResult): string {
  if (r.code !== 0)
    throw new Error(`${what} failed (${r.code}): ${(r.stderr || r.stdout).trim().slice(-3000)}`);
  return r.stdout;
}
