// The peers the side-by-side bench runs, built from the Go module proxy like the control plane (bench/peers/gomod
// holds their scratch modules) and cached beside its binaries, one folder per pinned version.
import { existsSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildGroup, ensureCached, formatDuration, type BuildOptions } from '../../src/devstack/build.js';
import { DevstackError } from '../../src/devstack/errors.js';
import { run } from '../../src/devstack/exec.js';
import { PACKAGE_ROOT, cacheRoot } from '../../src/devstack/paths.js';

export const PEER_GOMOD_DIR = join(PACKAGE_ROOT, 'bench', 'peers', 'gomod');

/** Karpenter's core with its kwok cloud provider (sigs.k8s.io/karpenter/kwok): v1.14.1 is the newest that builds with Go 1.26. */
export const KARPENTER_VERSION = 'v1.14.1';
const KARPENTER_MODULE = 'sigs.k8s.io/karpenter';

/**
 * The CRDs Karpenter's kwok provider needs, read from the module cache at build time (never committed): the
 * chart's NodePool / NodeClaim / NodeOverlay / CapacityBuffer and the KWOKNodeClass.
 */
const KARPENTER_CRD_FILES = [
  'kwok/charts/crds/karpenter.sh_nodepools.yaml',
  'kwok/charts/crds/karpenter.sh_nodeclaims.yaml',
  'kwok/charts/crds/karpenter.sh_nodeoverlays.yaml',
  'kwok/charts/crds/autoscaling.x-k8s.io_capacitybuffers.yaml',
  'kwok/apis/crds/karpenter.kwok.sh_kwoknodeclasses.yaml',
];

export interface KarpenterBuild {
  dir: string;
  /** The controller (`sigs.k8s.io/karpenter/kwok`, a package main). */
  binary: string;
  /** Its CRDs as one YAML stream. */
  crds: string;
}

export function karpenterCacheKey(): string {
  return `peer-karpenter-kwok-${KARPENTER_VERSION}`;
}

function karpenterIn(dir: string): KarpenterBuild {
  return { dir, binary: join(dir, 'karpenter-kwok'), crds: join(dir, 'crds.yaml') };
}

/** The cached Karpenter build if it is complete, else undefined. */
export function cachedKarpenter(root = cacheRoot()): KarpenterBuild | undefined {
  const b = karpenterIn(join(root, karpenterCacheKey()));
  return [join(b.dir, 'manifest.json'), b.binary, b.crds].every((p) => existsSync(p)) ? b : undefined;
}

async function moduleDir(work: string, module: string, env: NodeJS.ProcessEnv): Promise<string> {
  const res = await run('go', ['list', '-m', '-f', '{{.Dir}}', module], { cwd: work, env });
  const dir = res.stdout.trim();
  if (res.code !== 0 || !dir) {
    throw new DevstackError(`could not locate the ${module} module: ${res.stderr.trim()}`, {
      component: module,
    });
  }
  return dir;
}

/**
 * Karpenter's kwok provider, built on first use (a few minutes with the control plane's Go build cache warm,
 * longer cold) into `~/.cache/alicloud-nodepool-operator/peer-karpenter-kwok-<version>/`, with its CRDs beside it.
 */
export async function ensureKarpenter(opts: BuildOptions = {}): Promise<KarpenterBuild> {
  return ensureCached(opts, karpenterCacheKey(), cachedKarpenter, async (b) => {
    const { root, env, go, report, final, partial, workRoot } = b;
    const started = Date.now();
    report(`building Karpenter's kwok provider ${KARPENTER_VERSION} with ${go} into ${final}`);
    await buildGroup(
      {
        name: 'karpenter',
        version: KARPENTER_VERSION,
        module: 'karpenter',
        gomodDir: PEER_GOMOD_DIR,
        packages: [`${KARPENTER_MODULE}/kwok`],
        outputs: ['karpenter-kwok'],
        ldflags: '-s -w',
      },
      workRoot,
      partial,
      env,
      report,
      root,
    );
    const src = await moduleDir(join(workRoot, 'karpenter'), KARPENTER_MODULE, env);
    const docs = await Promise.all(KARPENTER_CRD_FILES.map((f) => readFile(join(src, f), 'utf8')));
    await writeFile(join(partial, 'crds.yaml'), docs.map((d) => d.trim()).join('\n---\n') + '\n');
    // the provider's own instance-type file, kept for reference beside the one the bench writes
    await copyFile(
      join(src, 'kwok/cloudprovider/instance_types.json'),
      join(partial, 'default-instance-types.json'),
    );
    const manifest = {
      karpenter: KARPENTER_VERSION,
      go,
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 1000),
      crds: KARPENTER_CRD_FILES,
    };
    await b.finish(manifest);
    report(`Karpenter built in ${formatDuration(Date.now() - started)}: ${final}`);
    return karpenterIn(final);
  });
}
