import * as z from 'zod';
import { API_VERSION, KINDS } from './constants.js';
import { ManagedNodePoolSpec } from './managednodepool.js';
import { NodePoolSpec } from './nodepool.js';
import { P, re } from './patterns.js';
import { PoolStatus } from './status.js';

/** A pool's name is a label value (`nodepool.alicloud.dev/pool` on its Nodes) and a token group: 63 at most. */
export const POOL_NAME_MAX = 63;

/** What the schemas check of metadata (the apiserver checks the rest). */
export const ObjectMeta = z.looseObject({
  name: z
    .string()
    .max(
      POOL_NAME_MAX,
      `must be at most ${POOL_NAME_MAX} characters (it is a label value on the pool's Nodes)`,
    )
    .regex(re(P.objectName), 'must be a lowercase DNS subdomain name (letters, digits, "-", ".")'),
});

function kindSchema<K extends string, S extends z.ZodType>(kind: K, spec: S) {
  return z.looseObject({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(kind),
    metadata: ObjectMeta,
    spec,
    status: PoolStatus.optional(),
  });
}

export const NodePool = kindSchema(KINDS.NodePool.kind, NodePoolSpec);
export type NodePool = z.output<typeof NodePool>;
export const ManagedNodePool = kindSchema(KINDS.ManagedNodePool.kind, ManagedNodePoolSpec);
export type ManagedNodePool = z.output<typeof ManagedNodePool>;

/** The spec schema of each kind. */
export const SPEC_SCHEMAS = {
  NodePool: NodePoolSpec,
  ManagedNodePool: ManagedNodePoolSpec,
} as const;
