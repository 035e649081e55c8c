import { parseAllDocuments, type Tags } from 'yaml';
import { validateObject, type Problem } from './v1beta1/validate.js';

/** A problem found in one document of a manifest file. */
export interface ManifestProblem extends Problem {
  file: string;
  /** `Kind/name` of the object, or `document N` when it has none. */
  object: string;
}

/**
 * Read YAML the way kubectl does (go-yaml, YAML 1.1): `yes` / `on` are booleans and `014` is octal, but `02:00`
 * stays a string (go-yaml has no base-60 numbers) and dates stay strings.
 */
const KUBECTL_YAML = {
  version: '1.1',
  customTags: (tags: Tags): Tags =>
    tags.filter(
      (t) => typeof t === 'string' || (t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp'),
    ),
} as const;

function objectLabel(doc: unknown, index: number): string {
  if (typeof doc === 'object' && doc !== null) {
    const o = doc as { kind?: unknown; metadata?: { name?: unknown } };
    const kind = typeof o.kind === 'string' ? o.kind : 'object';
    const name = typeof o.metadata?.name === 'string' ? o.metadata.name : `#${index + 1}`;
    return `${kind}/${name}`;
  }
  return `document ${index + 1}`;
}

/**
 * Validate every document of a (multi-document) YAML text with the zod schemas. Documents that are not
 * NodePools or ManagedNodePools are reported, so a typo in `kind` is not silently skipped. Lists (`kind: List`)
 * are unwrapped.
 */
export function validateManifestText(
  file: string,
  text: string,
): { objects: number; problems: ManifestProblem[] } {
  const problems: ManifestProblem[] = [];
  let objects = 0;
  const docs = parseAllDocuments(text, KUBECTL_YAML);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors)
        problems.push({ file, object: `document ${i + 1}`, path: '', message: `YAML: ${e.message}` });
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // empty document
    const items =
      typeof value === 'object' &&
      (value as { kind?: unknown }).kind === 'List' &&
      Array.isArray((value as { items?: unknown }).items)
        ? (value as { items: unknown[] }).items
        : [value];
    items.forEach((item, j) => {
      objects++;
      const r = validateObject(item);
      if (!r.ok) {
        const object = objectLabel(item, items.length > 1 ? j : i);
        for (const p of r.problems) problems.push({ file, object, ...p });
      }
    });
  });
  return { objects, problems };
}

/** `file:Kind/name: spec.path: message` */
export function formatProblem(p: ManifestProblem): string {
  return `${p.file}:${p.object}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;
}
