import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the folder holding package.json, whether running from src/ (tests) or dist/. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

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
