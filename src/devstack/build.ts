import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DevstackError } from './errors.js';
import { run } from './exec.js';
import { GOMOD_DIR, cacheRoot } from './paths.js';
import { pidAlive } from './process.js';
import {
  ALL_BINARIES,
  K8S_BINARIES,
  VERSIONS,
  cacheKey,
  goIsRecentEnough,
  kubernetesLdflags,
  parseGoVersion,
  type BinaryName,
} from './versions.js';

/** Paths of the built control-plane binaries and of kwok's stage definitions. */
export interface Binaries {
  dir: string;
  bin: Record<BinaryName, string>;
  /** kwok Stage objects (node initialize + heartbeat, pod ready/complete/delete) as one YAML stream. */
  kwokStages: string;
}

export type Reporter = (line: string) => void;

/** One `go build` from one scratch module of devstack/gomod/. */
export interface Group {
  name: string;
  /** The version it builds (shown in the progress lines). */
  version: string;
  module: string;
  /** The folder holding `module`'s go.mod, go.sum and tools.go (default devstack/gomod). */
  gomodDir?: string;
  packages: string[];
  outputs: readonly string[];
  ldflags: string;
  tags?: string;
}

function groups(buildDate: string): Group[] {
  return [
    {
      name: 'kubernetes',
      version: VERSIONS.kubernetes,
      module: 'k8s',
      packages: K8S_BINARIES.map((b) => `k8s.io/kubernetes/cmd/${b}`),
      outputs: K8S_BINARIES,
      ldflags: kubernetesLdflags(buildDate),
      tags: 'selinux,notest',
    },
    {
      name: 'etcd',
      version: VERSIONS.etcd,
      module: 'etcd',
      packages: ['go.etcd.io/etcd/server/v3'],
      outputs: ['etcd'],
      ldflags: '-s -w',
    },
    {
      name: 'kwok',
      version: VERSIONS.kwok,
      module: 'kwok',
      packages: ['sigs.k8s.io/kwok/cmd/kwok'],
      outputs: ['kwok'],
      ldflags: '-s -w',
    },
  ];
}

/** kwok v0.8.0 ships no built-in stages: these files of its module are what `kwok` needs to act as kubelets. */
const KWOK_STAGE_FILES = [
  'kustomize/stage/node/fast/node-initialize.yaml',
  'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'kustomize/stage/pod/fast/pod-ready.yaml',
  'kustomize/stage/pod/fast/pod-complete.yaml',
  'kustomize/stage/pod/fast/pod-delete.yaml',
];

function binariesIn(dir: string): Binaries {
  const bin = Object.fromEntries(ALL_BINARIES.map((b) => [b, join(dir, b)])) as Record<BinaryName, string>;
  return { dir, bin, kwokStages: join(dir, 'kwok-stages.yaml') };
}

/** The cached binaries if they are complete, else undefined. */
export function cachedBinaries(root = cacheRoot()): Binaries | undefined {
  const b = binariesIn(join(root, cacheKey()));
  const complete =
    existsSync(join(b.dir, 'manifest.json')) &&
    existsSync(b.kwokStages) &&
    Object.values(b.bin).every((p) => existsSync(p));
  return complete ? b : undefined;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export async function goVersion(env: NodeJS.ProcessEnv): Promise<string> {
  let res;
  try {
    res = await run('go', ['version'], { env });
  } catch (err) {
    throw new DevstackError('Go is not installed, and the local control plane is built from Go modules', {
      component: 'go',
      hint: 'install Go 1.26 or newer (https://go.dev/doc/install; on Debian `apt-get install golang-go` if recent enough) and run again; it is needed once, the binaries are then cached',
      cause: err,
    });
  }
  const v = parseGoVersion(res.stdout);
  if (res.code !== 0 || !v) {
    throw new DevstackError(`\`go version\` failed: ${(res.stderr || res.stdout).trim()}`, {
      component: 'go',
    });
  }
  if (!goIsRecentEnough(v)) {
    throw new DevstackError(
      `Go ${v.tag} is too old to build kwok ${VERSIONS.kwok}: it needs go1.26 or newer`,
      {
        component: 'go',
        hint: 'install Go 1.26 or newer and run again',
      },
    );
  }
  return v.tag;
}

/** Hold an exclusive lock (a directory) while building, so two runs never build into one cache. */
export async function withLock<T>(path: string, report: Reporter, fn: () => Promise<T>): Promise<T> {
  for (let announced = false; ;) {
    try {
      await mkdir(path);
      await writeFile(join(path, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(await readFile(join(path, 'pid'), 'utf8').catch(() => 'NaN'));
      if (!Number.isInteger(holder) || !pidAlive(holder)) {
        const age = await stat(path).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (Number.isInteger(holder) || age > 10_000) await rm(path, { recursive: true, force: true });
      } else if (!announced) {
        report(`another build of the control plane is running (pid ${holder}); waiting for it`);
        announced = true;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}

const GO_BUILD_ATTEMPTS = 3;
const NETWORK_FAILURE =
  /dial tcp|no such host|i\/o timeout|connection refused|proxyconnect|TLS handshake|network is unreachable|unexpected EOF|status 50\d/;

export async function buildGroup(
  g: Group,
  workRoot: string,
  outDir: string,
  env: NodeJS.ProcessEnv,
  report: Reporter,
  logDir: string,
): Promise<void> {
  const work = join(workRoot, g.module);
  await mkdir(work, { recursive: true });
  for (const f of ['go.mod', 'go.sum', 'tools.go'])
    await copyFile(join(g.gomodDir ?? GOMOD_DIR, g.module, f), join(work, f));
  const logPath = join(logDir, `build-${g.name}.log`);
  const started = Date.now();
  let downloaded = 0;
  let compiled = 0;
  let lastReport = Date.now();
  const tick = (force = false): void => {
    if (!force && Date.now() - lastReport < 10_000) return;
    lastReport = Date.now();
    report(
      `  ${g.name}: ${downloaded} modules downloaded, ${compiled} packages compiled (${formatDuration(Date.now() - started)})`,
    );
  };
  const timer = setInterval(() => tick(true), 15_000);
  report(`building ${g.outputs.join(', ')} (${g.name} ${g.version})`);
  const args = [
    'build',
    '-v',
    '-trimpath',
    '-ldflags',
    g.ldflags,
    ...(g.tags ? ['-tags', g.tags] : []),
    '-o',
    g.packages.length === 1 ? join(outDir, g.outputs[0] ?? g.name) : `${outDir}/`,
    ...g.packages,
  ];
  // A download that fails half-way (the proxy stalls, a connection drops) is tried again: what was already
  // downloaded stays in the module cache, so each attempt starts where the last one stopped.
  let res: Awaited<ReturnType<typeof run>>;
  try {
    for (let attempt = 1; ; attempt++) {
      res = await run('go', args, {
        cwd: work,
        env,
        onStderrLine: (line) => {
          if (line.startsWith('go: downloading ')) downloaded++;
          else if (line && !line.startsWith('#') && !line.includes(' ')) compiled++;
          tick();
        },
      });
      if (res.code === 0 || attempt >= GO_BUILD_ATTEMPTS || !NETWORK_FAILURE.test(res.stderr)) break;
      report(
        `  ${g.name}: the Go module proxy failed (attempt ${attempt} of ${GO_BUILD_ATTEMPTS}); trying again`,
      );
    }
  } finally {
    clearInterval(timer);
  }
  await writeFile(logPath, `$ go ${args.join(' ')}\n${res.stderr}${res.stdout}`);
  if (res.code !== 0) {
    const tail = res.stderr.trim().split('\n').slice(-12).join('\n');
    const network = NETWORK_FAILURE.test(res.stderr);
    throw new DevstackError(
      network
        ? `building ${g.name} failed: the Go module proxy could not be reached (GOPROXY=${env.GOPROXY ?? 'default'})`
        : `building ${g.name} failed (go build exit ${res.code})`,
      {
        component: `go build (${g.name})`,
        logPath,
        logTail: tail,
        hint: network
          ? 'check the network and GOPROXY (`go env GOPROXY`), then run again; modules already downloaded are kept'
          : 'read the log; if the Go build cache is damaged, `go clean -cache` and run again',
      },
    );
  }
  for (const b of g.outputs) {
    if (!existsSync(join(outDir, b))) {
      throw new DevstackError(`building ${g.name} produced no ${b} binary`, {
        component: `go build (${g.name})`,
        logPath,
      });
    }
  }
  report(
    `  ${g.name}: done in ${formatDuration(Date.now() - started)} (${downloaded} modules downloaded, ${compiled} packages compiled)`,
  );
}

async function writeKwokStages(workRoot: string, env: NodeJS.ProcessEnv, outFile: string): Promise<void> {
  const res = await run('go', ['list', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'], {
    cwd: join(workRoot, 'kwok'),
    env,
  });
  const dir = res.stdout.trim();
  if (res.code !== 0 || !dir) {
    throw new DevstackError(`could not locate the kwok module: ${res.stderr.trim()}`, { component: 'kwok' });
  }
  const docs = await Promise.all(KWOK_STAGE_FILES.map((f) => readFile(join(dir, f), 'utf8')));
  await writeFile(outFile, docs.map((d) => d.trim()).join('\n---\n') + '\n');
}

export interface BuildOptions {
  report?: Reporter;
  /** The cache folder (default `cacheRoot()`). */
  root?: string;
  /** Build even when the cache is complete. */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** What a cached build's `build` step gets: the cache root, the Go environment and version, the reporter. */
export interface BuildContext {
  root: string;
  env: NodeJS.ProcessEnv;
  go: string;
  report: Reporter;
  /** The key's cache folder, complete once `finish` has run. */
  final: string;
  /** An empty folder the build writes into. */
  partial: string;
  /** The scratch Go modules every cached build shares. */
  workRoot: string;
  /** Writes `manifest.json` into `partial`, then puts `partial` in place of `final`. */
  finish: (manifest: Record<string, unknown>) => Promise<void>;
}

/**
 * A build cached in a folder of the cache root: what `cached(root)` finds complete (unless `force`), else
 * `build`, run under the key's lock (the cache is looked at again once the lock is held, so two runs never build
 * into one folder) with Go set to build from modules only: no toolchain download, no cgo, `-mod=readonly`.
 */
export async function ensureCached<T>(
  opts: BuildOptions,
  key: string,
  cached: (root: string) => T | undefined,
  build: (b: BuildContext) => Promise<T>,
): Promise<T> {
  const report = opts.report ?? ((l: string) => process.stderr.write(`${l}\n`));
  const root = opts.root ?? cacheRoot();
  const found = opts.force ? undefined : cached(root);
  if (found) return found;
  await mkdir(root, { recursive: true });
  return withLock(join(root, `${key}.lock`), report, async () => {
    const again = opts.force ? undefined : cached(root);
    if (again) return again;
    const base = opts.env ?? process.env;
    const env: NodeJS.ProcessEnv = {
      ...base,
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
      GOFLAGS: [base.GOFLAGS, '-mod=readonly'].filter(Boolean).join(' '),
    };
    const final = join(root, key);
    const partial = `${final}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    const finish = async (manifest: Record<string, unknown>): Promise<void> => {
      await writeFile(join(partial, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
      await rm(final, { recursive: true, force: true });
      await rename(partial, final);
    };
    const go = await goVersion(env);
    return build({ root, env, go, report, final, partial, workRoot: join(root, 'work'), finish });
  });
}

/**
 * The control-plane binaries, built from the Go module proxy on first use and cached outside the repository
 * (see `cacheRoot()`), keyed by the pinned versions. Progress goes to `report`, so a cold build (minutes)
 * never looks hung.
 */
export async function ensureBinaries(opts: BuildOptions = {}): Promise<Binaries> {
  return ensureCached(opts, cacheKey(), cachedBinaries, async (b) => {
    const { root, env, go, report, final, partial, workRoot } = b;
    const started = Date.now();
    report(`building the local control plane with ${go} into ${final}`);
    report(
      'a first build downloads several hundred MB of Go modules and compiles for 10-20 minutes on 2 cores; later runs reuse it',
    );
    const buildDate = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const durations: Record<string, number> = {};
    for (const g of groups(buildDate)) {
      const t = Date.now();
      await buildGroup(g, workRoot, partial, env, report, root);
      durations[g.name] = Math.round((Date.now() - t) / 1000);
    }
    await writeKwokStages(workRoot, env, join(partial, 'kwok-stages.yaml'));
    const manifest = {
      versions: VERSIONS,
      go,
      builtAt: buildDate,
      buildSeconds: durations,
      binaries: await readdir(partial),
    };
    await b.finish(manifest);
    report(`control plane built in ${formatDuration(Date.now() - started)}: ${final}`);
    return binariesIn(final);
  });
}
