import { join } from 'node:path';
import { run } from '../devstack/exec.js';
import { PACKAGE_ROOT } from '../devstack/paths.js';
import { CRD_KINDS, crdFileName } from '../crdgen/crd.js';
import { GROUP, KINDS } from './v1beta1/constants.js';

/** The checked-in CRD files (crds/ of the package). */
export function crdFiles(dir = join(PACKAGE_ROOT, 'crds')): string[] {
  return CRD_KINDS.map((k) => join(dir, crdFileName(k)));
}

/** The CRD object names, e.g. nodepools.nodepool.alicloud.dev. */
export const CRD_NAMES: readonly string[] = CRD_KINDS.map((k) => `${KINDS[k].plural}.${GROUP}`);

export class CrdInstallError extends Error {
  override name = 'CrdInstallError';
}

/**
 * Install (or update) the NodePool and ManagedNodePool CRDs: server-side apply of crds/*.yaml (idempotent,
 * taking over fields another manager set), then wait until both are Established.
 */
export async function installCrds(
  kubectlPath: string,
  kubeconfig: string,
  opts: { timeoutSeconds?: number; fieldManager?: string } = {},
): Promise<void> {
  const base = ['--kubeconfig', kubeconfig];
  const files = crdFiles().flatMap((f) => ['-f', f]);
  const applied = await run(kubectlPath, [
    ...base,
    'apply',
    '--server-side',
    '--force-conflicts',
    `--field-manager=${opts.fieldManager ?? 'nodepool-operator'}`,
    ...files,
  ]);
  if (applied.code !== 0) throw new CrdInstallError(`applying the CRDs failed: ${applied.stderr.trim()}`);
  // `kubectl wait` fails at once ("…conditions accessor error: <nil> is of the type <nil>") when it reads a CRD
  // the API server has not given any condition yet (a busy machine): that is "not yet", so it waits again.
  const deadline = Date.now() + (opts.timeoutSeconds ?? 60) * 1000;
  for (;;) {
    const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const waited = await run(kubectlPath, [
      ...base,
      'wait',
      '--for=condition=Established',
      `--timeout=${left}s`,
      ...CRD_NAMES.map((n) => `crd/${n}`),
    ]);
    if (waited.code === 0) return;
    const notYet = /conditions accessor error/.test(waited.stderr);
    if (!notYet || Date.now() >= deadline) {
      throw new CrdInstallError(`the CRDs did not become Established: ${waited.stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
