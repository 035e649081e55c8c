import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../devstack/paths.js';
import { CRD_KINDS, crdFileName, crdYaml } from './crd.js';
import type { Kind } from '../apis/v1beta1/constants.js';

/** Where the generator writes: crds/, the operator chart's crds/ and the CRD chart's templates/. */
export const CRD_OUTPUTS = {
  crds: 'crds',
  chart: 'charts/alicloud-nodepool-operator/crds',
  crdChart: 'charts/alicloud-nodepool-operator-crds/templates',
} as const;

/**
 * The CRD chart's template for `kind`: the CRD with `helm.sh/resource-policy: keep` unless `.Values.keep` is
 * false. The CRD text must hold no template delimiters (it is copied into a Go template verbatim).
 */
export function crdChartTemplate(kind: Kind): string {
  const yaml = crdYaml(kind);
  if (yaml.includes('{{') || yaml.includes('}}'))
    throw new Error(`the ${kind} CRD contains template delimiters; the CRD chart cannot copy it verbatim`);
  const lines = yaml.split('\n');
  const i = lines.findIndex((l) => /^ {2}name: /.test(l));
  if (i < 0 || lines[i - 1] !== 'metadata:') throw new Error(`the ${kind} CRD has no metadata.name line`);
  lines.splice(
    i + 1,
    0,
    '{{- if .Values.keep }}',
    '  annotations:',
    '    helm.sh/resource-policy: keep',
    '{{- end }}',
  );
  return lines.join('\n');
}

/** Every generated file: path relative to the package root → content. */
export function generatedCrdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of CRD_KINDS) {
    files.set(join(CRD_OUTPUTS.crds, crdFileName(kind)), crdYaml(kind));
    files.set(join(CRD_OUTPUTS.chart, crdFileName(kind)), crdYaml(kind));
    files.set(join(CRD_OUTPUTS.crdChart, crdFileName(kind)), crdChartTemplate(kind));
  }
  return files;
}

/** `npm run gen:crds`: write crds/*.yaml and both charts' copies from the zod schemas. */
export async function writeCrds(root = PACKAGE_ROOT): Promise<string[]> {
  const written: string[] = [];
  for (const [rel, content] of generatedCrdFiles()) {
    const file = join(root, rel);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, content);
    written.push(file);
  }
  return written;
}
