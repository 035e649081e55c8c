import { randomUUID } from 'node:crypto';
import { Reason } from '../../../apis/v1beta1/index.js';
import type { PoolInstance, ScalingGroup, ScalingGroupSpec } from '../../../cloud/types.js';
import type { NodePool } from '../../../apis/v1beta1/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import type { Node } from '../../../kube/index.js';
import { claimOf } from '../../disruption/claim.js';
import { isAdmitted } from '../../node/admission/admit.js';
import type { PoolDeps, PoolReconcile } from '../context.js';
import { launchSpecOf, scalingGroupSpecOf } from '../launch.js';
import { activeMembers, groupCountsKey, instanceIdOf, joinMembers, membersAtRest } from '../observe.js';
import { writeStatus } from '../status/write.js';
import { ensureScalingGroup, type EnsureResult } from './ensure.js';
import { MOVED_GROUP } from './plan.js';
import { moveInstances, RESOURCE_GROUP_CHANGED } from './resource-group.js';

const nowIso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Members whose Node a command claimed with replacementsFirst: the group launches one more for each — except
 * typed replacements (consolidation's cheaper node), which are launched and attached by the executor (the
 * attach raises the desired capacity itself).
 */
function surgeOf(r: PoolReconcile, instances: readonly PoolInstance[]): number {
  const surges = (n: DeepReadonly<Node>): boolean => {
    const c = claimOf(n);
    return c?.replacementsFirst === true && !c.replacement;
  };
  const claimed = new Set(
    r.poolNodes.filter((n) => isAdmitted(n, r.name) && surges(n)).map((n) => instanceIdOf(n)),
  );
  return activeMembers(joinMembers(instances, [])).filter((m) => claimed.has(m.instance.instanceId)).length;
}

/**
 * The sizes the pool asks ESS for (pure): the spec's, plus one per replacement launched first; never below
 * what runs (scale-in is the operator's: victims are drained, then removed with the desired capacity); a
 * Subscription pool's desired follows what is attached (the operator launches those itself).
 *
 * An Auto pool's size is ESS's desired capacity (elasticity's attaches raise it), which includes the surge once
 * it was asked for — and not in the reconcile right after the claims were written. While replacements are
 * launched first, its size is therefore the one it had before they began: `surgeBase` (the pool's
 * `status.desiredSize`, written every reconcile from the size without the surge).
 */
export function groupSpecFor(
  pool: DeepReadonly<NodePool>,
  cluster: string,
  existing: ScalingGroup | undefined,
  active: number,
  surge: number,
  surgeBase?: number,
): { spec: ScalingGroupSpec; wanted: number } {
  const auto = pool.spec.scaling.mode === 'Auto';
  const essDesired = existing?.desiredCapacity;
  const base =
    essDesired === undefined ? undefined : auto && surge > 0 ? (surgeBase ?? essDesired - surge) : essDesired;
  const current = { desired: base, members: active };
  const spec = scalingGroupSpecOf(pool as NodePool, { cluster, current });
  const wanted = spec.desiredCapacity;
  let target = wanted + surge;
  // an attach (existingInstances) raises ESS's desired before the member listing shows the instance: the group's
  // own counts bound it too, else a stale listing would lower the desired and ESS would remove one by itself
  const c0 = existing?.counts;
  const held =
    c0 && pool.spec.existingInstances?.length ? c0.total - c0.removing - c0.stopped - c0.standby : 0;
  const floor = Math.max(active, held);
  if (existing && target < floor) target = Math.min(existing.desiredCapacity ?? floor, floor);
  if (pool.spec.billing.chargeType === 'Subscription') {
    // ESS cannot launch Subscription instances: its desired follows what is attached, never above what ESS
    // itself holds; the member listing may lag behind an attach, so the group's own counts bound it too
    const c = existing?.counts;
    const held = c ? c.total - c.removing - c.stopped - c.standby : 0;
    target = existing ? Math.min(existing.desiredCapacity ?? active, Math.max(active, held)) : active;
  }
  spec.desiredCapacity = Math.min(target, spec.maxSize);
  spec.minSize = Math.min(spec.minSize, spec.desiredCapacity);
  return { spec, wanted };
}

/** The group's members: the last full listing while the pool is at rest and its group's counts stand. */
async function members(
  d: PoolDeps,
  r: PoolReconcile,
  existing: ScalingGroup | undefined,
): Promise<PoolInstance[]> {
  const rest = d.state.atRest.get(r.name, r.version); // undefined once due for a full listing (≤ 5 min)
  r.reusedListing =
    existing !== undefined &&
    rest !== undefined &&
    rest.groupId === existing.id &&
    rest.countsKey === groupCountsKey(existing) &&
    membersAtRest(rest.instances, r.poolNodes);
  if (r.reusedListing) return rest!.instances;
  return existing ? d.cloud.listPoolInstances(existing.id) : [];
}

/** How long a group the status names must stay unseen before it is taken as deleted (reads may lag). */
export const GROUP_MISSING_CONFIRM_MS = 30_000;

/**
 * A group the status names that a look did not find: a read right after its creation may not show it yet
 * (eventually consistent reads), so it counts as deleted only when still unseen GROUP_MISSING_CONFIRM_MS later.
 */
function missingConfirmed(d: PoolDeps, r: PoolReconcile, existing: ScalingGroup | undefined): boolean {
  if (existing || !r.prior.scalingGroupId) {
    d.state.groupMissingSince.delete(r.name);
    return true;
  }
  const now = d.clock.now();
  const since = d.state.groupMissingSince.get(r.name) ?? now;
  d.state.groupMissingSince.set(r.name, since);
  if (now - since >= GROUP_MISSING_CONFIRM_MS) return true;
  r.progress.push(
    `scaling group ${r.prior.scalingGroupId} (status.scalingGroupId) was not found: deleted outside the operator? Looking again before recreating it from the spec`,
  );
  r.requeueAfterMs = Math.min(r.requeueAfterMs ?? Infinity, 5_000);
  return false;
}

/** Before a group is created: `status.operation` written first (its id seeds the ClientToken). */
async function operationFirst(
  d: PoolDeps,
  r: PoolReconcile,
  existing: ScalingGroup | undefined,
): Promise<string> {
  if (!existing && r.prior.scalingGroupId) {
    await d.events.warning(
      r.subject,
      Reason.ScalingGroupMissing,
      'Recreate',
      `scaling group ${r.prior.scalingGroupId} no longer exists (deleted outside the operator): recreating it from the spec; its instances are gone`,
    );
    r.log.warn(
      { action: 'recreate-group', scalingGroupId: r.prior.scalingGroupId },
      'scaling group deleted outside the operator',
    );
  }
  if (existing) return `${r.uid}/ensure`;
  if (r.status.operation?.action !== 'CreateScalingGroup') {
    r.status.operation = { id: randomUUID(), action: 'CreateScalingGroup', startedAt: nowIso(d.clock.now()) };
    const written = await writeStatus(d.poolApi, d.kind.kind, r.obj, {
      ...r.status,
      phase: r.prior.phase ?? 'Initializing',
    });
    if (written) r.obj = written;
  }
  return r.status.operation.id;
}

/** The pool's group: by the id the status names, else by its name and the cluster tag. */
async function findGroup(d: PoolDeps, r: PoolReconcile): Promise<ScalingGroup | undefined> {
  const groupName = scalingGroupSpecOf(r.pool as NodePool, {
    cluster: d.cluster,
    current: { desired: 0, members: 0 },
  }).name;
  return d.cloud.findScalingGroup({ id: r.prior.scalingGroupId, name: groupName, cluster: d.cluster });
}

/** Group and configuration brought to the spec (`ensureScalingGroup`); what the operator knows of them kept. */
async function ensureGroup(
  d: PoolDeps,
  r: PoolReconcile,
  existing: ScalingGroup | undefined,
  spec: ScalingGroupSpec,
  operationId: string,
): Promise<EnsureResult> {
  const known = existing ? d.state.knownGroups.get(r.name, existing.id) : undefined;
  const launch = launchSpecOf(r.pool as NodePool, {
    cluster: d.cluster,
    imageId: r.resolved!.imageId,
    userData: r.resolved!.userData,
    password: r.resolved!.password?.value,
  });
  const retry =
    !existing && r.prior.operation?.action === 'CreateScalingGroup' && r.prior.operation.id === operationId;
  const ensured = await ensureScalingGroup(d.cloud, {
    groupId: existing?.id,
    current: existing,
    known,
    group: spec,
    launch,
    operationId,
    retry,
    ...(r.resolved!.password ? { passwordRevision: r.resolved!.password.revision } : {}),
  });
  if (
    !known ||
    known.configurationId !== ensured.known.configurationId ||
    known.configurationName !== ensured.known.configurationName
  )
    d.state.knownGroups.set(r.name, ensured.group.id, ensured.known);
  return ensured;
}

/** An Event for each change made to the group or its configuration. */
async function announceChanges(
  d: PoolDeps,
  r: PoolReconcile,
  ensured: EnsureResult,
  existed: boolean,
): Promise<void> {
  const group = ensured.group;
  for (const change of ensured.changes) {
    if (change === 'created scaling group')
      await d.events.normal(
        r.subject,
        'ScalingGroupCreated',
        'Create',
        `created ESS scaling group ${group.id} (${group.name})`,
      );
    else if (change === 'modified scaling configuration')
      await d.events.normal(
        r.subject,
        'LaunchConfigurationUpdated',
        'Update',
        `scaling configuration ${ensured.configurationId} updated: new nodes launch with the new settings; existing nodes are not touched`,
      );
    else if (change.startsWith('modified scaling group') && existed)
      await d.events.normal(
        r.subject,
        'ScalingGroupUpdated',
        'Update',
        `${change} (brought back to the pool's spec)`,
      );
    else if (change.startsWith(MOVED_GROUP))
      await d.events.normal(r.subject, RESOURCE_GROUP_CHANGED, 'Update', `${change} (spec.resourceGroupId)`);
  }
}

/** The members after the ensure: none for a group created now, read again after a change, else the listing. */
async function membersAfter(
  d: PoolDeps,
  r: PoolReconcile,
  ensured: EnsureResult,
  before: PoolInstance[],
): Promise<PoolInstance[]> {
  // a group created just now has no instance yet: not read until next time
  if (ensured.changes.includes('created scaling group')) return [];
  if (ensured.changes.length === 0) return before;
  return d.cloud.listPoolInstances(ensured.group.id);
}

/**
 * The scaling group sub-reconciler: finds the group, lists its members (or keeps them at rest), decides the
 * sizes, and brings group and configuration to the spec (`ensureScalingGroup` → `planScalingGroup`), with an
 * Event for each change, then moves the instances into `spec.resourceGroupId` (`moveInstances`). Leaves
 * `r.group`, `r.ensured`, `r.instances` and `r.wanted` — or returns false when
 * the group the status names was not found and is not yet confirmed gone (nothing else runs then).
 */
export async function reconcileScalingGroup(d: PoolDeps, r: PoolReconcile): Promise<boolean> {
  const existing = await findGroup(d, r);
  if (!missingConfirmed(d, r, existing)) return false;
  const instances0 = await members(d, r, existing);
  const { spec, wanted } = groupSpecFor(
    r.pool,
    d.cluster,
    existing,
    activeMembers(joinMembers(instances0, [])).length,
    surgeOf(r, instances0),
    r.prior.desiredSize,
  );
  r.wanted = wanted;
  const operationId = await operationFirst(d, r, existing);
  const ensured = await ensureGroup(d, r, existing, spec, operationId);
  if (r.status.operation?.action === 'CreateScalingGroup') delete r.status.operation;
  await announceChanges(d, r, ensured, existing !== undefined);
  r.log.debug(
    { action: 'ensure', scalingGroupId: ensured.group.id, changes: ensured.changes },
    'scaling group ensured',
  );
  r.instances = await membersAfter(d, r, ensured, instances0);
  if (ensured.changes.length > 0) r.reusedListing = false;
  r.group = ensured.group;
  r.ensured = ensured;
  r.status.scalingGroupId = ensured.group.id;
  r.status.scalingConfigurationId = ensured.configurationId;
  await moveInstances(d, r, spec.resourceGroupId);
  return true;
}
