import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildGroup, ensureCached, formatDuration, type BuildOptions } from './build.js';
import { cacheRoot } from './paths.js';
import { VERSIONS, helmCacheKey, helmLdflags } from './versions.js';

/** The cached helm binary if it was built, else undefined. */
export function cachedHelm(root = cacheRoot()): string | undefined {
  const dir = join(root, helmCacheKey());
  const bin = join(dir, 'helm');
  return existsSync(join(dir, 'manifest.json')) && existsSync(bin) ? bin : undefined;
}

/**
 * helm, built from the Go module proxy (devstack/gomod/helm) on first use and cached beside the control plane
 * in a folder of its own, so a new helm version never rebuilds Kubernetes. Returns the binary's path.
 */
export async function ensureHelm(opts: BuildOptions = {}): Promise<string> {
  return ensureCached(opts, helmCacheKey(), cachedHelm, async (b) => {
    const { root, env, go, report, final, partial, workRoot } = b;
    const started = Date.now();
    report(`building helm ${VERSIONS.helm} with ${go} into ${final} (a few minutes the first time)`);
    await buildGroup(
      {
        name: 'helm',
        version: VERSIONS.helm,
        module: 'helm',
        packages: ['helm.sh/helm/v3/cmd/helm'],
        outputs: ['helm'],
        ldflags: helmLdflags(),
      },
      workRoot,
      partial,
      env,
      report,
      root,
    );
    const manifest = {
      helm: VERSIONS.helm,
      kubernetes: VERSIONS.kubernetes,
      go,
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 1000),
    };
    await b.finish(manifest);
    report(`helm built in ${formatDuration(Date.now() - started)}: ${final}`);
    return join(final, 'helm');
  });
}
