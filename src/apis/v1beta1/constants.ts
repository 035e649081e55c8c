/** API group, version and kinds. */
export const GROUP = 'nodepool.alicloud.dev';
export const VERSION = 'v1beta1';
export const API_VERSION = `${GROUP}/${VERSION}`;
/**
 * The category both kinds belong to: `kubectl get alicloud` lists every pool. API.md asked for `nodepools`, but
 * a category with the same name as the NodePool plural shadows it: kubectl expands `nodepools` to both kinds,
 * so `kubectl get nodepools NAME` and `kubectl delete nodepools NAME` fail ("you must specify only one
 * resource"). Hence a category of its own.
 */
export const CATEGORY = 'alicloud';

export const KINDS = {
  NodePool: { kind: 'NodePool', plural: 'nodepools', singular: 'nodepool', shortNames: ['np'] },
  ManagedNodePool: {
    kind: 'ManagedNodePool',
    plural: 'managednodepools',
    singular: 'managednodepool',
    shortNames: ['mnp'],
  },
} as const;
export type Kind = keyof typeof KINDS;

/** Condition types (metav1.Condition shape). `Ready` is derived from the others. */
export const ConditionType = {
  Ready: 'Ready',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  /** Which automation runs (elasticity, repair, upgrades, patches, events, spot): every ManagedNodePool, a NodePool with management. */
  AutomationActive: 'AutomationActive',
  /** A newer image of the pool's family exists that the pool does not adopt by itself (no autoUpgrade / autoPatch for it). */
  UpgradeAvailable: 'UpgradeAvailable',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons: CamelCase constants, one place. */
export const Reason = {
  Initializing: 'Initializing',
  Reconciled: 'Reconciled',
  Scaling: 'Scaling',
  Updating: 'Updating',
  Deleting: 'Deleting',
  InvalidSpec: 'InvalidSpec',
  RegionMismatch: 'RegionMismatch',
  VpcMismatch: 'VpcMismatch',
  ImmutableFieldChanged: 'ImmutableFieldChanged',
  CloudError: 'CloudError',
  ScalingGroupMissing: 'ScalingGroupMissing',
  RegistrationFailed: 'RegistrationFailed',
  DrainBlocked: 'DrainBlocked',
  NodesNotReady: 'NodesNotReady',
  AllNodesReady: 'AllNodesReady',
  NameConflict: 'NameConflict',
  AutomationNotActive: 'AutomationNotActive',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export const PHASES = ['Initializing', 'Active', 'Updating', 'Scaling', 'Deleting', 'Degraded'] as const;
export type Phase = (typeof PHASES)[number];

/** Annotations the operator reads on Nodes and Pods. */
export const Annotation = {
  removeFirst: `${GROUP}/remove-first`,
  doNotDisrupt: `${GROUP}/do-not-disrupt`,
  /** On a Node: JSON list of the label keys its pool applied (the pool removes only these). */
  appliedLabels: `${GROUP}/applied-labels`,
  /** On a Node: JSON list of the taints (key and effect) its pool applied. */
  appliedTaints: `${GROUP}/applied-taints`,
  /** On a Node: "true" when the operator set spec.unschedulable (so only then does an abort un-cordon it). */
  cordoned: `${GROUP}/cordoned`,
  /** On a Node: when the operator's drain of it started (RFC 3339); a restarted operator continues that drain. */
  drainStarted: `${GROUP}/drain-started`,
  /**
   * On a Node: the disruption command carrying it out (JSON: method, reason, voluntary, replacementsFirst,
   * disposal, since; heartbeats of an ESS hook). Counted against the budget; a restart goes on with it.
   */
  disruption: `${GROUP}/disruption`,
  /**
   * On a pool: `"true"` lets a deleting pool's drains that are past `drainTimeout` end without waiting for the
   * pods that block them (PodDisruptionBudgets, do-not-disrupt): the instance goes with them. Explicit and
   * audited (a Warning Event names every pod left behind); never applied without the annotation.
   */
  forceDrain: `${GROUP}/force-drain`,
  /**
   * On a Node: when the operator first saw the admitted Node Ready (RFC 3339), written once. A Node that was
   * Ready once and went NotReady is never released by the registration timeout (that is for machines that never
   * joined): it is repair's business.
   */
  wasReady: `${GROUP}/was-ready`,
  /**
   * On a Node: repair rebooted its instance (JSON `{"at": RFC 3339, "unhealthySince": RFC 3339}`), written before
   * RebootInstance; removed when the Node is Ready again. A restart remembers the reboot and its grace.
   */
  repairReboot: `${GROUP}/repair-reboot`,
  /**
   * On a Node: since when consolidation has seen it empty or underused (JSON: `underusedSince`, `emptySince`
   * (RFC 3339), the `threshold` it was measured against). Written by the disruption engine for the
   * consolidation method, so `after` counts across operator restarts; removed when the node is busy again.
   */
  consolidatable: `${GROUP}/consolidatable`,
} as const;

/**
 * The label the operator puts on a Node it **admitted** into a pool (value: the pool's name): its providerID
 * names a member instance of the pool, the instance's private IP is the Node's InternalIP and is in its name,
 * and no other Node claims that instance. The kubelet cannot set a `node-restriction.kubernetes.io/` label on
 * its own Node (the NodeRestriction admission plugin), so a Node cannot admit itself. Only admitted Nodes get
 * the finalizer, are counted, and are ever drained or have their instance removed.
 */
export const ADMITTED_LABEL = 'node-restriction.kubernetes.io/nodepool.alicloud.dev-admitted';

/** The ECS tags the operator sets on every instance of a pool. */
export const SystemTag = {
  cluster: `${GROUP}/cluster`,
  pool: `${GROUP}/pool`,
} as const;
