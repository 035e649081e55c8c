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
    )
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
const taint = z.object({
  key: z.string(),
  value: z.string().optional(),
  effect: z.string(),
  timeAdded: z.string().optional(),
});
const condition = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  lastTransitionTime: z.string().optional(),
});

/** The Node fields the operator uses (a trimmed copy keeps 5,000 Nodes small). */
export const NodeSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z
    .object({
      providerID: z.string().optional(),
      unschedulable: z.boolean().optional(),
      taints: z.array(taint).optional(),
    })
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
/** Only host ports matter to scheduling (a container port without one is dropped by the informer's transform). */
const port = z.object({
  hostPort: z.number().optional(),
  protocol: z.string().optional(),
  hostIP: z.string().optional(),
});
const container = z.object({
  name: z.string(),
  resources: resources.optional(),
  ports: z.array(port).optional(),
  /** `Always` on an init container makes it a sidecar: it runs for the pod's life, its requests add up. */
  restartPolicy: z.string().optional(),
});
const labelSelectorRequirement = z.object({
  key: z.string(),
  operator: z.string(),
  values: z.array(z.string()).optional(),
});
export const LabelSelectorSchema = z.object({
  matchLabels: stringMap.optional(),
  matchExpressions: z.array(labelSelectorRequirement).optional(),
});
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;
const nodeSelectorTerm = z.object({
  matchExpressions: z.array(labelSelectorRequirement).optional(),
  matchFields: z.array(labelSelectorRequirement).optional(),
});
export type NodeSelectorTerm = z.infer<typeof nodeSelectorTerm>;
const podAffinityTerm = z.object({
  labelSelector: LabelSelectorSchema.optional(),
  topologyKey: z.string(),
  namespaces: z.array(z.string()).optional(),
  namespaceSelector: LabelSelectorSchema.optional(),
});
export type PodAffinityTerm = z.infer<typeof podAffinityTerm>;
const required = <T extends z.ZodType>(term: T) =>
  z.object({ requiredDuringSchedulingIgnoredDuringExecution: term.optional() });
const toleration = z.object({
  key: z.string().optional(),
  operator: z.string().optional(),
  value: z.string().optional(),
  effect: z.string().optional(),
});
export type Toleration = z.infer<typeof toleration>;
const topologySpreadConstraint = z.object({
  maxSkew: z.number(),
  topologyKey: z.string(),
  whenUnsatisfiable: z.string(),
  labelSelector: LabelSelectorSchema.optional(),
  minDomains: z.number().optional(),
  matchLabelKeys: z.array(z.string()).optional(),
  nodeAffinityPolicy: z.string().optional(),
  nodeTaintsPolicy: z.string().optional(),
});
export type TopologySpreadConstraint = z.infer<typeof topologySpreadConstraint>;
/** Of a volume only what placement and disruption need: its claim, and whether it is node-local storage. */
const volume = z.object({
  name: z.string(),
  persistentVolumeClaim: z.object({ claimName: z.string() }).optional(),
  emptyDir: z.object({ medium: z.string().optional() }).optional(),
  hostPath: z.object({}).optional(),
});

/**
 * The Pod fields the operator uses, and only those (a trimmed copy keeps 50,000 Pods small): placement, requests
 * and everything the scheduling simulation evaluates (init containers, overhead, host ports, node selector,
 * required node affinity, required pod (anti-)affinity, topology spread, tolerations, volume claims), owners,
 * phase and scheduling state.
 */
export const PodSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z
    .object({
      nodeName: z.string().optional(),
      nodeSelector: stringMap.optional(),
      priority: z.number().optional(),
      schedulerName: z.string().optional(),
      containers: z.array(container).optional(),
      initContainers: z.array(container).optional(),
      overhead: stringMap.optional(),
      tolerations: z.array(toleration).optional(),
      affinity: z
        .object({
          nodeAffinity: required(z.object({ nodeSelectorTerms: z.array(nodeSelectorTerm) })).optional(),
          podAffinity: required(z.array(podAffinityTerm)).optional(),
          podAntiAffinity: required(z.array(podAffinityTerm)).optional(),
        })
        .optional(),
      topologySpreadConstraints: z.array(topologySpreadConstraint).optional(),
      volumes: z.array(volume).optional(),
    })
    .optional(),
  status: z
    .object({
      phase: z.string().optional(),
      conditions: z.array(condition).optional(),
      nominatedNodeName: z.string().optional(),
    })
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
