import type { z } from 'zod';
import type { JsonPatchOp, TypedResource } from '../kube/index.js';

interface Meta {
  name: string;
  namespace?: string | undefined;
  resourceVersion?: string | undefined;
  finalizers?: readonly string[] | undefined;
}

export function hasFinalizer(meta: Meta, finalizer: string): boolean {
  return meta.finalizers?.includes(finalizer) ?? false;
}

/**
 * The JSON patch that adds or removes `finalizer`, guarded by a `test` op on exactly what it was computed from:
 * if the list changed meanwhile the API server refuses the patch (422) and the caller retries from a fresh read,
 * so a concurrent writer's finalizer is never dropped. `undefined` when there is nothing to do.
 */
export function finalizerPatch(
  meta: Meta,
  finalizer: string,
  change: 'add' | 'remove',
): JsonPatchOp[] | undefined {
  const list = meta.finalizers;
  if (change === 'add') {
    if (list?.includes(finalizer)) return undefined;
    if (!list || list.length === 0) {
      if (!meta.resourceVersion)
        throw new Error(`finalizers of ${meta.name}: no resourceVersion to guard the patch`);
      return [
        { op: 'test', path: '/metadata/resourceVersion', value: meta.resourceVersion },
        { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
      ];
    }
    return [
      { op: 'test', path: '/metadata/finalizers', value: list },
      { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
    ];
  }
  const i = list?.indexOf(finalizer) ?? -1;
  if (i < 0) return undefined;
  return [
    { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer },
    { op: 'remove', path: `/metadata/finalizers/${i}` },
  ];
}

/** Add `finalizer` (before creating anything in the cloud). Returns the updated object, or `obj` if present. */
export async function addFinalizer<S extends z.ZodType<{ metadata: Meta }>>(
  resource: TypedResource<S>,
  obj: z.output<S>,
  finalizer: string,
): Promise<z.output<S>> {
  const ops = finalizerPatch(obj.metadata, finalizer, 'add');
  if (!ops) return obj;
  return resource.jsonPatch(
    obj.metadata.name,
    ops,
    obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {},
  );
}

/** Remove `finalizer` (after cleanup). Returns the updated object, or `obj` if it was not there. */
export async function removeFinalizer<S extends z.ZodType<{ metadata: Meta }>>(
  resource: TypedResource<S>,
  obj: z.output<S>,
  finalizer: string,
): Promise<z.output<S>> {
  const ops = finalizerPatch(obj.metadata, finalizer, 'remove');
  if (!ops) return obj;
  return resource.jsonPatch(
    obj.metadata.name,
    ops,
    obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {},
  );
}
