import { spawn } from 'node:child_process';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../devstack/paths.js';

/**
 * Runs a rendered bootstrap script as a node would, without touching the host: a private mount namespace
 * (`unshare -m`, root only) with copy-on-write overlays over the directories a node's boot writes (/etc,
 * /var, /usr, /opt, /root), no network namespace access, and system commands (package managers, systemctl,
 * mkfs, mount, lsblk, curl to the metadata service, kubeadm, ...) replaced by stubs that record their calls
 * and answer from the sandbox's configuration. What the script wrote is read back from the overlays.
 */

/** Commands replaced by the recording stub. Everything else (bash, coreutils, awk, sed, openssl) is real. */
export const STUBBED_COMMANDS = [
  'curl',
  'systemctl',
  'hostnamectl',
  'yum',
  'apt-get',
  'mkfs.ext4',
  'mount',
  'lsblk',
  'findmnt',
  'blkid',
  'modprobe',
  'sysctl',
  'containerd',
  'kubelet',
  'kubeadm',
  'nvidia-smi',
  'nvidia-ctk',
] as const;

const OVERLAID = ['etc', 'var', 'usr', 'opt', 'root'] as const;

export interface InstanceMetadata {
  instanceId: string;
  regionId: string;
  zoneId: string;
  privateIp: string;
  instanceType: string;
}

export interface SandboxOptions {
  script: string;
  metadata: InstanceMetadata;
  /** Block devices; the one marked `system` holds `/`. Default: a single system disk /dev/vda. */
  disks?: { name: string; system?: boolean }[];
  /** Versions of what the image already has (`containerd`, `kubelet`, `nvidia-smi`). */
  installed?: Partial<Record<'containerd' | 'kubelet' | 'nvidia-smi', string>>;
  /** Files present before boot, e.g. `/etc/sysconfig/kubelet` or a skip marker. Must be under an overlaid dir. */
  files?: Record<string, string>;
  /** HTTP answers for curl, by URL (any method) or by `METHOD URL`. Metadata answers are added from `metadata`. */
  http?: Record<string, string>;
  /**
   * URL prefixes curl reaches for real (the cluster's API server on loopback, e.g. `https://127.0.0.1:6443`);
   * only loopback origins are accepted. With any, the sandbox shares the host's network namespace.
   */
  passthrough?: string[];
  /** Commands that fail, with their exit code. */
  fail?: Partial<Record<(typeof STUBBED_COMMANDS)[number], number>>;
  /** A previous run's sandbox folder to boot again (its overlays and stub state are kept): a reboot / re-run. */
  reuse?: string;
  timeoutMs?: number;
}

export interface StubCall {
  cmd: string;
  args: string[];
}

export interface SandboxResult {
  exitCode: number;
  /** Every stubbed command run, in order. */
  calls: StubCall[];
  /** The cloud-init output log. */
  log: string;
  /** The folder holding overlays and state: pass as `reuse` to run again, or `dispose()` it. */
  dir: string;
  /** Content of a file the boot wrote (from the overlay), or undefined when it did not write it. */
  file(path: string): Promise<string | undefined>;
  /** Every path the boot wrote under the overlaid directories. */
  writtenFiles(): Promise<string[]>;
  /** Wait until background work the script started (its user data) has ended. */
  waitForBackground(timeoutMs?: number): Promise<void>;
  /** Kill anything still running and remove the folder. */
  dispose(): Promise<void>;
}

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
}

/** The file name the stub looks an HTTP answer up by (see stub.sh): method and URL, other characters `_`. */
function urlKey(method: string, url: string): string {
  return `${method}_${url}`.replace(/[^A-Za-z0-9.-]/g, '_');
}

function metadataAnswers(m: InstanceMetadata): Record<string, string> {
  const base = 'http://100.100.100.200/latest';
  return {
    [`PUT ${base}/api/token`]: 'sandbox-metadata-token',
    [`${base}/meta-data/instance-id`]: m.instanceId,
    [`${base}/meta-data/region-id`]: m.regionId,
    [`${base}/meta-data/zone-id`]: m.zoneId,
    [`${base}/meta-data/private-ipv4`]: m.privateIp,
    [`${base}/meta-data/instance/instance-type`]: m.instanceType,
  };
}

async function prepare(dir: string, opts: SandboxOptions): Promise<void> {
  const state = join(dir, 'state');
  for (const sub of ['http', 'fail', 'installed']) await mkdir(join(state, sub), { recursive: true });
  for (const d of OVERLAID) {
    await mkdir(join(dir, 'upper', d), { recursive: true });
    await mkdir(join(dir, 'work', d), { recursive: true });
  }
  const stubs = join(dir, 'stubs');
  await mkdir(stubs, { recursive: true });
  const stub = join(stubs, '.stub');
  await copyFile(join(PACKAGE_ROOT, 'bootstrap', 'sandbox', 'stub.sh'), stub);
  await chmod(stub, 0o755);
  for (const c of STUBBED_COMMANDS) await symlink(stub, join(stubs, c));
  const disks = opts.disks ?? [{ name: '/dev/vda', system: true }];
  const system = disks.find((d) => d.system);
  if (!system) throw new SandboxError('one of the sandbox disks must be the system disk');
  await writeFile(join(state, 'disks'), disks.map((d) => d.name).join('\n') + '\n');
  await writeFile(join(state, 'system-disk'), system.name);
  await writeFile(join(state, 'calls'), '');
  await writeFile(join(state, 'mounts'), '');
  for (const [cmd, version] of Object.entries(opts.installed ?? {})) {
    if (version !== undefined) await writeFile(join(state, 'installed', cmd), version);
  }
  for (const [path, content] of Object.entries(opts.files ?? {})) {
    const top = path.split('/')[1] ?? '';
    if (!(OVERLAID as readonly string[]).includes(top)) {
      throw new SandboxError(
        `sandbox file ${path} is outside the overlaid directories (${OVERLAID.join(', ')})`,
      );
    }
    await mkdir(dirname(join(dir, 'upper', path)), { recursive: true });
    await writeFile(join(dir, 'upper', path), content);
  }
}

async function configure(dir: string, opts: SandboxOptions): Promise<void> {
  const state = join(dir, 'state');
  await rm(join(state, 'http'), { recursive: true, force: true });
  await rm(join(state, 'fail'), { recursive: true, force: true });
  await mkdir(join(state, 'http'), { recursive: true });
  await mkdir(join(state, 'fail'), { recursive: true });
  for (const [key, body] of Object.entries({ ...metadataAnswers(opts.metadata), ...opts.http })) {
    const m = /^(GET|PUT|POST|HEAD) (.+)$/.exec(key);
    await writeFile(join(state, 'http', m ? urlKey(m[1] ?? 'GET', m[2] ?? '') : urlKey('ANY', key)), body);
  }
  for (const [cmd, code] of Object.entries(opts.fail ?? {})) {
    if (code !== undefined) await writeFile(join(state, 'fail', cmd), String(code));
  }
  for (const prefix of opts.passthrough ?? []) {
    const host = new URL(prefix).hostname;
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
      throw new SandboxError(
        `passthrough ${prefix} is not a loopback address: the sandbox never reaches other hosts`,
      );
    }
  }
  await writeFile(join(state, 'passthrough'), (opts.passthrough ?? []).map((p) => `${p}\n`).join(''));
  await writeFile(join(dir, 'user-data'), opts.script, { mode: 0o700 });
}

function parseCalls(raw: string): StubCall[] {
  return raw
    .split('\x1e')
    .filter((r) => r.length > 0)
    .map((r) => {
      const parts = r.split('\x1f');
      parts.pop(); // the terminator after the last field
      const [cmd = '', ...args] = parts;
      return { cmd, args };
    });
}

async function walk(root: string, prefix: string, out: string[]): Promise<void> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(root, e.name);
    if (e.isDirectory()) await walk(p, `${prefix}/${e.name}`, out);
    else if (e.isFile() || e.isSymbolicLink()) out.push(`${prefix}/${e.name}`);
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Boot a rendered script in a fresh sandbox (or again in `reuse`). Needs root (mount namespaces). */
export async function runInSandbox(opts: SandboxOptions): Promise<SandboxResult> {
  const dir = opts.reuse ?? (await mkdtemp(join(tmpdir(), 'npo-sandbox-')));
  if (!opts.reuse) await prepare(dir, opts);
  await configure(dir, opts);
  await writeFile(join(dir, 'state', 'calls'), '');

  const mounts = OVERLAID.map(
    (d) =>
      `mount -t overlay overlay -o lowerdir=/${d},upperdir=${dir}/upper/${d},workdir=${dir}/work/${d} /${d}`,
  );
  const inner = [
    'set -e',
    ...mounts,
    'set +e',
    `exec env -i PATH=${dir}/stubs:/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 NPO_SANDBOX=${dir}/state bash ${dir}/user-data`,
  ].join('\n');
  const isolation = opts.passthrough?.length ? ['--mount'] : ['--mount', '--net'];
  const child = spawn('unshare', [...isolation, '--propagation', 'private', 'bash', '-c', inner], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const pgid = child.pid ?? 0;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const exitCode = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (pgid) process.kill(-pgid, 'SIGKILL');
      reject(
        new SandboxError(`the bootstrap did not finish within ${timeoutMs} ms; output so far:\n${output}`),
      );
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new SandboxError(`the sandbox could not be started (unshare): ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
  if (exitCode !== 0 && /unshare: |mount: /.test(output) && !output.includes('[nodepool-bootstrap]')) {
    throw new SandboxError(`the sandbox could not be set up (needs root and overlayfs): ${output.trim()}`);
  }

  const upper = (path: string): string => join(dir, 'upper', path);
  const file = async (path: string): Promise<string | undefined> => {
    try {
      const s = await stat(upper(path));
      return s.isFile() ? await readFile(upper(path), 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    exitCode,
    calls: parseCalls(await readFile(join(dir, 'state', 'calls'), 'utf8')),
    log: (await file('/var/log/cloud-init-output.log')) ?? '',
    dir,
    file,
    async writtenFiles() {
      const out: string[] = [];
      for (const d of OVERLAID) await walk(upper(d), `/${d}`, out);
      return out.sort();
    },
    async waitForBackground(ms = 30_000) {
      const deadline = Date.now() + ms;
      while (groupAlive(pgid)) {
        if (Date.now() > deadline) throw new SandboxError(`background work still running after ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async dispose() {
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
