import { GROUP } from '../apis/v1beta1/constants.js';
import type { JsonPatchOp, Lease } from '../kube/index.js';

/**
 * The operator's finalizers are the ones in its API group's domain (`nodepool.alicloud.dev/...`), on pools and
 * on Nodes. Matching the domain rather than a list of names removes every finalizer any version of the operator
 * set, and never one that belongs to someone else.
 */
export const OPERATOR_FINALIZER_PREFIX = `${GROUP}/`;

export function isOperatorFinalizer(f: string): boolean {
  return f.startsWith(OPERATOR_FINALIZER_PREFIX);
}

/** What the user chose to happen to scaling groups and instances. */
export type CloudResources = 'keep' | 'delete';

/** `--keep-cloud-resources` / `--delete-cloud-resources`: exactly one. */
export function cloudResourcesChoice(opts: {
  keepCloudResources?: boolean;
  deleteCloudResources?: boolean;
}): CloudResources {
  if (opts.keepCloudResources && opts.deleteCloudResources)
    throw new UninstallError('choose one: --keep-cloud-resources or --delete-cloud-resources, not both');
  if (opts.keepCloudResources) return 'keep';
  if (opts.deleteCloudResources) return 'delete';
  throw new UninstallError(
    'choose what happens to the scaling groups and instances: --keep-cloud-resources (they stay, unmanaged) or --delete-cloud-resources (the pools are deleted first; Subscription instances always stay)',
  );
}

/** One pool being deleted by `--delete-cloud-resources`, as the last poll saw it. */
export interface PoolInDeletion {
  kind: string;
  name: string;
  scalingGroupId?: string;
  /** Nodes still carrying the pool's label. */
  nodes: number;
  /** Instances the pool detached and keeps (Subscription, attached ones), from its status. */
  retained: string[];
  /** What the pool says it is doing: its Degraded message when Degraded is True, else its Progressing message. */
  detail?: string;
  gone: boolean;
}

/**
 * One progress line for a deletion in flight: what is left, per pool, with any problem the pools report.
 * Pure: the caller decides when to print it (on a change, or every so often).
 */
export function deletionProgress(pools: readonly PoolInDeletion[], elapsedMs: number): string {
  const left = pools.filter((p) => !p.gone);
  const secs = Math.round(elapsedMs / 1000);
  if (left.length === 0) return `all ${pools.length} pool(s) deleted (${secs} s)`;
  const parts = left.map((p) => {
    const bits = [`${p.nodes} Node(s) left`];
    if (p.scalingGroupId) bits.push(`group ${p.scalingGroupId}`);
    if (p.detail) bits.push(p.detail);
    return `${p.kind} ${p.name} (${bits.join('; ')})`;
  });
  return `waiting for ${left.length} of ${pools.length} pool(s), ${secs} s: ${parts.join(', ')}`;
}

export class UninstallError extends Error {
  override name = 'UninstallError';
}

/** `--delete-cloud-resources` stopped waiting before every pool was gone (the deletions go on). */
export class UninstallTimeout extends UninstallError {
  override name = 'UninstallTimeout';
}

/**
 * The JSON patch that drops the operator's finalizers from an object, keeping everyone else's, guarded by a
 * `test` on the exact list it was computed from (a concurrent change makes the API server refuse it: 422, and
 * the caller reads again). `undefined` when the object has none of them.
 */
export function finalizerRemovalPatch(finalizers: readonly string[] | undefined): JsonPatchOp[] | undefined {
  const list = finalizers ?? [];
  const kept = list.filter((f) => !isOperatorFinalizer(f));
  if (kept.length === list.length) return undefined;
  return [
    { op: 'test', path: '/metadata/finalizers', value: [...list] },
    { op: 'replace', path: '/metadata/finalizers', value: kept },
  ];
}

/**
 * Why the Lease shows a running operator, or undefined when none holds it. An operator still running would put
 * its finalizers straight back (and, for `--keep-cloud-resources`, might be deleting cloud resources), so the
 * uninstall refuses until it is stopped (helm uninstall, or scale the Deployment to 0).
 */
export function runningOperator(lease: Lease | undefined, nowMs: number): string | undefined {
  const holder = lease?.spec?.holderIdentity;
  if (!lease || !holder) return undefined;
  const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '');
  const duration = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
  if (!Number.isFinite(renewed) || renewed + duration <= nowMs) return undefined;
  const where = `${lease.metadata.namespace ?? ''}/${lease.metadata.name}`;
  return `an operator (${holder}) holds the Lease ${where}, renewed ${Math.max(0, Math.round((nowMs - renewed) / 1000))} s ago`;
}
