import type { z } from 'zod';
import { PatchType, type KubeClient, type ListOptions } from './client.js';
import { apiVersionOf, resourcePath, type ResourceRef } from './resources.js';

/** The fixed field manager of every write this operator makes (server-side apply and managedFields). */
export const FIELD_MANAGER = 'alicloud-nodepool-operator';

/** A JSON patch operation (RFC 6902). */
export type JsonPatchOp =
  { op: 'add' | 'replace' | 'test'; path: string; value: unknown } | { op: 'remove'; path: string };

/** Data from the API server that does not satisfy the schema this code relies on. */
export class SchemaError extends Error {
  constructor(
    readonly what: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(
      `${what} does not match the expected schema: ${issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
    this.name = 'SchemaError';
  }
}

export function parseAs<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const r = schema.safeParse(data);
  if (!r.success) throw new SchemaError(what, r.error.issues);
  return r.data;
}

/**
 * Typed access to one kind: every object read is parsed with `schema` (zod at the edge), every write goes out
 * with the fixed field manager. Generic over group/version/plural, so CRDs plug in with their own schema.
 */
export class TypedResource<S extends z.ZodType> {
  constructor(
    readonly client: KubeClient,
    readonly ref: ResourceRef,
    readonly schema: S,
  ) {}

  private parse(data: unknown, name?: string): z.output<S> {
    return parseAs(this.schema, data, `${this.ref.kind}${name ? ` ${name}` : ''}`);
  }

  private path(name: string, namespace?: string, subresource?: string): string {
    return resourcePath(this.ref, {
      namespace,
      name,
      ...(subresource ? { subresource } : {}),
    });
  }

  async get(name: string, namespace?: string): Promise<z.output<S>> {
    return this.parse(await this.client.request({ method: 'GET', path: this.path(name, namespace) }), name);
  }

  /** Every object (all pages), with the list's resourceVersion. */
  async list(
    opts: Omit<ListOptions, 'continue'> = {},
  ): Promise<{ items: z.output<S>[]; resourceVersion: string }> {
    const items: z.output<S>[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = (await this.client.list(this.ref, { limit: 500, ...opts, continue: cont })) as {
        items?: unknown[];
        metadata?: { continue?: string; resourceVersion?: string };
      };
      for (const item of page.items ?? [])
        items.push(
          this.parse({ apiVersion: apiVersionOf(this.ref), kind: this.ref.kind, ...(item as object) }),
        );
      cont = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (cont);
    return { items, resourceVersion };
  }

  async create(obj: unknown, namespace?: string): Promise<z.output<S>> {
    const path = resourcePath(this.ref, { namespace });
    return this.parse(
      await this.client.request({ method: 'POST', path, body: obj, query: { fieldManager: FIELD_MANAGER } }),
    );
  }

  /** PUT: fails with ConflictError when `obj.metadata.resourceVersion` is stale (optimistic locking). */
  async replace(name: string, obj: unknown, namespace?: string, subresource?: string): Promise<z.output<S>> {
    return this.parse(
      await this.client.request({
        method: 'PUT',
        path: this.path(name, namespace, subresource),
        body: obj,
        query: { fieldManager: FIELD_MANAGER },
      }),
      name,
    );
  }

  async mergePatch(
    name: string,
    patch: unknown,
    opts: { namespace?: string; subresource?: string } = {},
  ): Promise<z.output<S>> {
    return this.patch(name, patch, PatchType.merge, opts);
  }

  /** A JSON patch; put a `test` op first to make it conditional (a failed test is a 422 InvalidError). */
  async jsonPatch(
    name: string,
    ops: JsonPatchOp[],
    opts: { namespace?: string; subresource?: string } = {},
  ): Promise<z.output<S>> {
    return this.patch(name, ops, PatchType.json, opts);
  }

  /** Server-side apply with the fixed field manager (`force` takes ownership from other managers). */
  async apply(
    name: string,
    obj: unknown,
    opts: { namespace?: string; subresource?: string; force?: boolean } = {},
  ): Promise<z.output<S>> {
    return this.patch(name, obj, PatchType.apply, opts, { force: opts.force ?? true });
  }

  /** Merge-patch of the status subresource. */
  async patchStatus(name: string, status: unknown, namespace?: string): Promise<z.output<S>> {
    return this.mergePatch(name, { status }, { ...(namespace ? { namespace } : {}), subresource: 'status' });
  }

  /** Server-side apply of the status subresource: `status` holds only the fields this manager owns. */
  async applyStatus(name: string, status: unknown, namespace?: string): Promise<z.output<S>> {
    const body = {
      apiVersion: apiVersionOf(this.ref),
      kind: this.ref.kind,
      metadata: { name, ...(namespace ? { namespace } : {}) },
      status,
    };
    return this.apply(name, body, { ...(namespace ? { namespace } : {}), subresource: 'status' });
  }

  async delete(
    name: string,
    opts: { namespace?: string; resourceVersion?: string; uid?: string; gracePeriodSeconds?: number } = {},
  ): Promise<void> {
    const preconditions =
      opts.resourceVersion || opts.uid
        ? {
            preconditions: {
              ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
              ...(opts.uid ? { uid: opts.uid } : {}),
            },
          }
        : {};
    const grace =
      opts.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: opts.gracePeriodSeconds };
    await this.client.request({
      method: 'DELETE',
      path: this.path(name, opts.namespace),
      body: { kind: 'DeleteOptions', apiVersion: 'v1', ...preconditions, ...grace },
    });
  }

  private async patch(
    name: string,
    body: unknown,
    contentType: string,
    opts: { namespace?: string; subresource?: string },
    query: Record<string, boolean> = {},
  ): Promise<z.output<S>> {
    const path = this.path(name, opts.namespace, opts.subresource);
    return this.parse(
      await this.client.request({
        method: 'PATCH',
        path,
        body,
        contentType,
        query: { fieldManager: FIELD_MANAGER, ...query },
      }),
      name,
    );
  }
}
