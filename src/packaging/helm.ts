import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../devstack/exec.js';
import { PACKAGE_ROOT } from '../devstack/paths.js';

/** The charts in this repository. */
export const CHART_DIR = join(PACKAGE_ROOT, 'charts', 'alicloud-nodepool-operator');
export const CRD_CHART_DIR = join(PACKAGE_ROOT, 'charts', 'alicloud-nodepool-operator-crds');

/** helm's environment: its cache, config and data folders under the temp folder, never the user's. */
export function helmEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const home = join(tmpdir(), 'nodepool-operator-helm');
  return {
    ...base,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
}

/** `helm template` of a chart; throws with helm's message when it fails. */
export async function helmTemplate(
  helm: string,
  opts: {
    release: string;
    namespace: string;
    chart?: string;
    set?: readonly string[];
    includeCrds?: boolean;
  },
): Promise<string> {
  const args = ['template', opts.release, opts.chart ?? CHART_DIR, '--namespace', opts.namespace];
  if (opts.includeCrds) args.push('--include-crds');
  for (const s of opts.set ?? []) args.push('--set', s);
  const r = await run(helm, args, { env: helmEnv() });
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}
