import { z } from 'zod';

const stringMap = z.record(z.string(), z.string());

/** The metadata fields the runtime relies on; unknown fields are dropped (informer memory). */
export const ObjectMetaSchema = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  finalizers: z.array(z.string()).optional(),
  deletionTimestamp: z.string().optional(),
  creationTimestamp: z.string().optional(),
  ownerReferences: z
    .array(
      z.object({
        apiVersion: z.string(),
        kind: z.string(),
        name: z.string(),
        uid: z.string(),
        controller: z.boolean().optional(),
      }),
    ) // prettier-ignore
    .optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

/** Any object: typed metadata, everything else kept as is. */
export const AnyObjectSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema.loose(),
});
export type AnyObject = z.infer<typeof AnyObjectSchema>;

// timeAdded is kept so a read-modify-write of spec.taints (an atomic list) does not drop it from others' taints
const taint = z.object({ key: z.string(), value: z.string().optional(), effect: z.string(), timeAdded: z.string().optional() }); // prettier-ignore
const condition = z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), lastTransitionTime: z.string().optional() }); // prettier-ignore

/** The Node fields the operator uses (a trimmed copy keeps 5,000 Nodes small). */
export const NodeSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z
    .object({
      providerID: z.string().optional(),
      unschedulable: z.boolean().optional(),
      taints: z.array(taint).optional(),
    }) // prettier-ignore
    .optional(),
  status: z
    .object({
      capacity: stringMap.optional(),
      allocatable: stringMap.optional(),
      conditions: z.array(condition).optional(),
      addresses: z.array(z.object({ type: z.string(), address: z.string() })).optional(),
    })
    .optional(),
});
export type Node = z.infer<typeof NodeSchema>;

const resources = z.object({ requests: stringMap.optional(), limits: stringMap.optional() });

/** The Pod fields the operator uses: placement, requests, phase, owners, scheduling state. */
export const PodSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z
    .object({
      nodeName: z.string().optional(),
      nodeSelector: stringMap.optional(),
      priority: z.number().optional(),
      schedulerName: z.string().optional(),
      containers: z.array(z.object({ name: z.string(), resources: resources.optional() })).optional(),
      initContainers: z.array(z.object({ name: z.string(), resources: resources.optional() })).optional(),
      tolerations: z
        .array(
          z.object({
            key: z.string().optional(),
            operator: z.string().optional(),
            value: z.string().optional(),
            effect: z.string().optional(),
          }),
        ) // prettier-ignore
        .optional(),
    })
    .optional(),
  status: z
    .object({
      phase: z.string().optional(),
      conditions: z.array(condition.extend({ reason: z.string().optional() })).optional(),
    }) // prettier-ignore
    .optional(),
});
export type Pod = z.infer<typeof PodSchema>;

/** coordination.k8s.io/v1 Lease. */
export const LeaseSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: z
    .object({
      holderIdentity: z.string().nullish(),
      leaseDurationSeconds: z.number().nullish(),
      acquireTime: z.string().nullish(),
      renewTime: z.string().nullish(),
      leaseTransitions: z.number().nullish(),
    })
    .optional(),
});
export type Lease = z.infer<typeof LeaseSchema>;

export const ConfigMapSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  data: stringMap.optional(),
});
export type ConfigMap = z.infer<typeof ConfigMapSchema>;
