import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureHelm } from '../devstack/helm.js';
import { PACKAGE_ROOT } from '../devstack/paths.js';
import { helmTemplate } from './helm.js';
import { BASE_RELEASE, DEPLOY_BASE_DIR, kustomizeBase } from './kustomize-base.js';

/** The kustomize base's files, rendered from the chart with its defaults (file name → content). */
export async function renderDeployBase(helm: string): Promise<Map<string, string>> {
  const rendered = await helmTemplate(helm, {
    release: BASE_RELEASE.name,
    namespace: BASE_RELEASE.namespace,
    includeCrds: true,
  });
  return kustomizeBase(rendered);
}

/** `npm run gen:deploy`: rewrite deploy/base/ from the chart (builds helm first if it is not cached). */
export async function writeDeployBase(root = PACKAGE_ROOT): Promise<string[]> {
  const files = await renderDeployBase(await ensureHelm());
  const dir = join(root, DEPLOY_BASE_DIR);
  await mkdir(dir, { recursive: true });
  for (const f of await readdir(dir)) if (!files.has(f)) await rm(join(dir, f));
  const written: string[] = [];
  for (const [name, content] of files) {
    await writeFile(join(dir, name), content);
    written.push(join(dir, name));
  }
  return written;
}
