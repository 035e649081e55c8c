import type { PoolStatus } from '../../../apis/v1beta1/index.js';
import { immutableSnapshot } from '../../../apis/v1beta1/validate.js';
import type { ScalingActivity, ScalingGroup } from '../../../cloud/types.js';
import type { PoolDeps, PoolReconcile, Status } from '../context.js';
import { REQUEUE } from '../context.js';
import { automationCondition } from '../kinds.js';
import { lookAgainMs, restingLookMs } from '../look-again.js';
import { countMembers, groupCountsKey, membersAtRest, type Member } from '../observe.js';
import { registrationProblem } from '../registration/health.js';
import { poolConditions } from './conditions.js';
import { summarize } from './summary.js';
import { writeStatus } from './write.js';

function activityStatus(a: ScalingActivity): NonNullable<PoolStatus['lastScalingActivity']> {
  const description = a.errorCode
    ? `${a.errorCode}: ${a.errorMessage ?? a.statusMessage}`
    : a.statusMessage
      ? `${a.description}: ${a.statusMessage}`
      : a.description;
  return {
    id: a.id,
    status: a.status,
    ...(a.cause ? { cause: a.cause.slice(0, 4096) } : {}),
    ...(description ? { description: description.slice(0, 4096) } : {}),
    ...(a.startTime ? { startTime: a.startTime } : {}),
    ...(a.endTime ? { endTime: a.endTime } : {}),
  };
}

/**
 * Status counts, phase and conditions, written once, last, with optimistic locking; then when to look again.
 * A settled pool (its size reached, nothing changed, the last activity seen finished) keeps the activity it
 * reported: no call. A pool at rest keeps its member listing until the re-check falls due.
 */
export async function finishStatus(
  d: PoolDeps,
  r: PoolReconcile,
  group: ScalingGroup,
  members: readonly Member[],
): Promise<{ requeueAfter: number }> {
  // prettier-ignore
  const counts = countMembers(members);
  const desiredSize = r.wanted;
  const changes = r.ensured?.changes ?? [];
  const createdNow = changes.includes('created scaling group');
  const pa = r.prior.lastScalingActivity;
  const settled =
    counts.currentSize === desiredSize &&
    r.prior.desiredSize === desiredSize &&
    changes.length === 0 &&
    pa !== undefined &&
    pa.status !== 'InProgress';
  const activity = settled || createdNow ? undefined : (await d.cloud.scalingActivities(group.id, 1))[0];
  const regProblem = registrationProblem(r.status.registration, r.pool.spec.registrationTimeout ?? '10m');
  const s = summarize({
    prior: r.prior,
    counts,
    desiredSize,
    changes,
    activity,
    progress: r.progress,
    registrationProblem: regProblem,
  });
  const automation = automationCondition(d.kind.kind, r.pool);
  const status: Status = {
    ...r.status,
    observedGeneration: r.generation,
    createdWith: r.prior.createdWith ?? immutableSnapshot('NodePool', r.pool.spec),
    phase: s.phase,
    desiredSize,
    currentSize: counts.currentSize,
    readySize: counts.readySize,
    zones: counts.zones,
    instanceTypes: counts.instanceTypes,
    ...(activity ? { lastScalingActivity: activityStatus(activity) } : {}),
    conditions: poolConditions(
      r.prior.conditions,
      r.generation,
      { ...s.conditions, ...(automation ? { automation } : {}), upgradeAvailable: r.upgradeAvailable },
      d.clock.now(),
    ),
  };
  if (s.failed && r.prior.phase !== 'Degraded')
    await d.events.warning(r.subject, 'ScalingActivityFailed', 'Scale', s.failed);
  await writeStatus(d.poolApi, d.kind.kind, r.obj, status);
  const moving = s.progress.length > 0 || s.failed !== undefined || regProblem !== undefined;
  const atRest = !r.tagged && changes.length === 0 && !moving && membersAtRest(r.instances, r.poolNodes);
  if (!atRest) d.state.atRest.forget(r.name);
  else if (!r.reusedListing)
    d.state.atRest.set(r.name, r.version, {
      groupId: group.id,
      countsKey: groupCountsKey(group),
      instances: r.instances,
    });
  const base = s.joining ? REQUEUE.joining : moving ? REQUEUE.progressing : REQUEUE.steady;
  if (base !== REQUEUE.steady) d.state.moving.add(r.name);
  const readQps = Math.min(d.settings.cloudActionDefaultQps ?? 10, d.settings.cloudQps / 4);
  const look =
    base === REQUEUE.steady
      ? restingLookMs(d.clock.now(), base)
      : lookAgainMs(base, d.state.moving.size, readQps);
  return { requeueAfter: Math.min(look, r.requeueAfterMs ?? Infinity) };
}
