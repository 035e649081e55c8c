import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../devstack/paths.js';
import { CRD_KINDS, crdFileName, crdYaml } from './crd.js';

/** `npm run gen:crds`: write crds/*.yaml from the zod schemas. */
export async function writeCrds(dir = join(PACKAGE_ROOT, 'crds')): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const kind of CRD_KINDS) {
    const file = join(dir, crdFileName(kind));
    await writeFile(file, crdYaml(kind));
    written.push(file);
  }
  return written;
}
