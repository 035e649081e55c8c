import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: the nearest folder above this module holding package.json (src/, dist/ or dist/.bench/src/). */
export const PACKAGE_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    dir = up;
  }
})();

/** The Go scratch modules (go.mod, go.sum, tools.go) the control plane is built from. */
export const GOMOD_DIR = join(PACKAGE_ROOT, 'devstack', 'gomod');

/**
 * Where built binaries are cached, outside the repository:
 * `$NODEPOOL_OPERATOR_CACHE_DIR`, else `$XDG_CACHE_HOME/alicloud-nodepool-operator`, else `~/.cache/...`.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.NODEPOOL_OPERATOR_CACHE_DIR;
  if (explicit) return resolve(explicit);
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'alicloud-nodepool-operator');
}
