/**
 * A read-only view of a value, all the way down: what an informer's cache hands out. The cache's objects are
 * shared by every reader (and compared with the next version of the same object), so code that gets one may
 * read it and copy it, never change it — the type system says so (kube-rs does the same with `Arc<K>`).
 */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends Map<infer K, infer V>
      ? ReadonlyMap<DeepReadonly<K>, DeepReadonly<V>>
      : T extends Set<infer U>
        ? ReadonlySet<DeepReadonly<U>>
        : T extends object
          ? { readonly [P in keyof T]: DeepReadonly<T[P]> }
          : T;

/**
 * An informer's cache as code that reads it sees it: every object read-only by type. An `Informer<T>` is one
 * (structurally); handing it out as a `ReadonlyCache<T>` keeps its objects from being changed by mistake.
 */
export interface ReadonlyCache<T> {
  get(key: string): DeepReadonly<T> | undefined;
  list(): DeepReadonly<T>[];
  byIndex(index: string, value: string): DeepReadonly<T>[];
  readonly size: number;
}
