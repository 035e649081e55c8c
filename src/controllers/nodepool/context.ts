import { z } from 'zod';
import type { ManagedNodePool, NodePool, PoolStatus } from '../../apis/v1beta1/index.js';
import type { CloudProvider } from '../../cloud/provider.js';
import type { PoolInstance, ScalingGroup } from '../../cloud/types.js';
import {
  ObjectMetaSchema,
  type KubeClient,
  type Node,
  type Pod,
  type TypedResource,
} from '../../kube/index.js';
import type { Logger } from '../../log.js';
import type { Settings } from '../../operator/settings.js';
import type { Clock } from '../../runtime/clock.js';
import type { EventRecorder, EventSubject } from '../../runtime/events.js';
import type { DeepReadonly, ReadonlyCache } from '../../util/readonly.js';
import type { JoinSource } from '../deps.js';
import type { DisruptionExecutor } from '../disruption/executor.js';
import type { Drainer } from '../disruption/drain.js';
import type { Method } from '../disruption/types.js';
import type { PoolKind } from './kinds.js';
import type { EnsureResult } from './scalinggroup/ensure.js';
import type { LookupCloud } from './shared-lookups.js';
import type { References } from './resolve.js';
import type { PoolStates } from './state.js';
import type { ConditionValue } from './status/conditions.js';

/** What the informer keeps of a pool: the spec is validated in each reconcile (a bad one is a Degraded pool). */
export const PoolObjectSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
  spec: z.unknown(),
  status: z.record(z.string(), z.unknown()).optional(),
});
export type PoolObject = z.output<typeof PoolObjectSchema>;
/** A pool as the informer hands it out: read-only. */
export type CachedPool = DeepReadonly<PoolObject>;
export type Status = PoolStatus & Record<string, unknown>;

/** Put on a pool before any cloud resource exists; removed when the cloud side is gone. */
export const POOL_FINALIZER = 'nodepool.alicloud.dev/cloud-resources';

/** How often a pool is looked at again: while things move, and when all is quiet. */
export const REQUEUE = { progressing: 2_000, joining: 10_000, steady: 30_000, error: 15_000 } as const;

/** Everything the pool's sub-reconcilers are built from (one bag per controller). */
export interface PoolDeps {
  kind: PoolKind;
  client: KubeClient;
  cloud: CloudProvider;
  /** Image and security-group reads shared by pools for a short while. */
  lookups: LookupCloud;
  /** Image family listings (and Custom images) shared by pools for `--image-check-interval`. */
  images: LookupCloud;
  clock: Clock;
  logger: Logger;
  events: EventRecorder;
  settings: Settings;
  cluster: string;
  join: JoinSource;
  refs: References;
  /** The informers' caches, read-only by type. */
  pools: ReadonlyCache<PoolObject>;
  nodes: ReadonlyCache<Node>;
  poolApi: TypedResource<typeof PoolObjectSchema>;
  state: PoolStates;
  drainer: Drainer;
  executor: DisruptionExecutor;
  methods: Method[];
  /** The pods bound to these Nodes (the pods-by-node index once the shared pod informer lands). */
  podsOn: (nodes: readonly string[]) => Promise<ReadonlyMap<string, readonly DeepReadonly<Pod>[]>>;
}

/**
 * One reconcile of one pool: what it read, and the status draft the sub-reconcilers fill in. The parent
 * writes the draft once, last, guarded by the resourceVersion of the object it read (or last wrote).
 */
export interface PoolReconcile {
  /** The latest version of the pool this reconcile knows (the informer's, or what its own writes returned). */
  obj: CachedPool;
  pool: DeepReadonly<NodePool>;
  /** A ManagedNodePool's own spec (its automation condition). */
  managed?: ManagedNodePool | undefined;
  name: string;
  uid: string;
  generation: number | undefined;
  /** `uid/generation`: the key of what is cached per spec version. */
  version: string;
  subject: EventSubject;
  log: Logger;
  prior: DeepReadonly<Status>;
  /** The status being built (starts as a copy of the prior one). */
  status: Status;
  /** The pool's Nodes (informer, by the pool label), read once. */
  poolNodes: readonly DeepReadonly<Node>[];
  /** Nodes admitted by this reconcile (the informer's copies do not carry the label yet). */
  admittedNow: Set<string>;
  group?: ScalingGroup | undefined;
  ensured?: EnsureResult | undefined;
  /** The group's members, listed (or kept at rest) this reconcile. */
  instances: PoolInstance[];
  /** Listed at rest from the last full listing (not read this time). */
  reusedListing: boolean;
  /** How many members the spec asks for now. */
  wanted: number;
  resolved?: {
    imageId: string;
    userData: string;
    password?: { value: string; revision: string } | undefined;
  };
  /** The pool's types are Arm by DescribeInstanceTypes (validation/cloud-check.ts); undefined: by their names. */
  arm?: boolean | undefined;
  /** Lines of the Progressing condition. */
  progress: string[];
  /** The `UpgradeAvailable` condition, once the pool's image was pinned (`image/`). */
  upgradeAvailable?: ConditionValue | undefined;
  /** Why the pool is Degraded, if it is (the first problem wins). */
  problem?: { reason: string; message: string } | undefined;
  /** Tags were written this reconcile (so the pool is not at rest). */
  tagged: boolean;
  /** The soonest a sub-reconciler asked to look again. */
  requeueAfterMs?: number | undefined;
}

export function requeueSoon(r: PoolReconcile, ms: number | undefined): void {
  if (ms !== undefined) r.requeueAfterMs = Math.min(r.requeueAfterMs ?? Infinity, ms);
}
