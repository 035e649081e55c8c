import { ApiError, missingParameter } from '../errors.js';
import { resourceId } from '../ids.js';
import type { ApiBody, Call } from '../server.js';
import { getGroup, type Ess } from './groups.js';
import type { LifecycleHook } from './model.js';

export function createLifecycleHook(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const g = getGroup(ess, p);
  const transition = p.oneOf('LifecycleTransition', ['SCALE_OUT', 'SCALE_IN'] as const);
  if (transition === undefined) throw missingParameter('LifecycleTransition');
  const region = ess.cloud.region(g.regionId);
  if (ess.state.hooksOf(g.id).length >= region.quotas.lifecycleHooksPerGroup) {
    throw new ApiError(
      'QuotaExceeded.LifecycleHook',
      `The scaling group ${g.id} already has ${region.quotas.lifecycleHooksPerGroup} lifecycle hooks.`,
    );
  }
  const name = p.text('LifecycleHookName', { min: 2, max: 64 });
  if (name !== undefined && ess.state.hooksOf(g.id).some((h) => h.name === name)) {
    throw new ApiError(
      'LifecycleHookNameAlreadyExist',
      `The lifecycle hook name "${name}" already exists in ${g.id}.`,
    );
  }
  const id = resourceId('ash', g.regionId);
  const hook: LifecycleHook = {
    id,
    groupId: g.id,
    name: name ?? id,
    transition,
    defaultResult: p.oneOf('DefaultResult', ['CONTINUE', 'ABANDON'] as const) ?? 'CONTINUE',
    heartbeatTimeout: p.int('HeartbeatTimeout', { min: 30, max: 21_600 }) ?? 600,
    notificationMetadata: p.text('NotificationMetadata', { max: 4096 }) ?? '',
    notificationArn: p.str('NotificationArn') ?? '',
  };
  ess.state.hooks.set(id, hook);
  return { LifecycleHookId: id };
}

function getHook(ess: Ess, call: Call, idParam = 'LifecycleHookId'): LifecycleHook {
  const p = call.params;
  ess.cloud.region(p.str('RegionId'));
  const id = p.str(idParam);
  if (id !== undefined) {
    const h = ess.state.hooks.get(id);
    if (!h)
      throw new ApiError(
        'InvalidLifecycleHookId.NotExist',
        `The specified lifecycle hook "${id}" does not exist.`,
        404,
      );
    return h;
  }
  if (idParam !== 'LifecycleHookId') throw missingParameter(idParam);
  const g = getGroup(ess, p);
  const name = p.required('LifecycleHookName');
  const h = ess.state.hooksOf(g.id).find((x) => x.name === name);
  if (!h)
    throw new ApiError(
      'InvalidLifecycleHookId.NotExist',
      `The lifecycle hook "${name}" does not exist in ${g.id}.`,
      404,
    );
  return h;
}

export function deleteLifecycleHook(ess: Ess, call: Call): ApiBody {
  ess.state.hooks.delete(getHook(ess, call).id);
  return {};
}

export function describeLifecycleHooks(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  ess.cloud.region(p.str('RegionId'));
  const groupId = p.str('ScalingGroupId');
  const ids = p.list('LifecycleHookId', 10);
  const all = [...ess.state.hooks.values()].filter(
    (h) => (groupId === undefined || h.groupId === groupId) && (ids.length === 0 || ids.includes(h.id)),
  );
  return {
    TotalCount: all.length,
    PageNumber: 1,
    PageSize: 50,
    LifecycleHooks: {
      LifecycleHook: all.map((h) => ({
        LifecycleHookId: h.id,
        LifecycleHookName: h.name,
        ScalingGroupId: h.groupId,
        LifecycleTransition: h.transition,
        DefaultResult: h.defaultResult,
        HeartbeatTimeout: h.heartbeatTimeout,
        NotificationMetadata: h.notificationMetadata,
        NotificationArn: h.notificationArn,
        LifecycleHookStatus: 'Active',
      })),
    },
  };
}

/** The instances waiting on this hook for one activity (the action token names the activity). */
function waiting(ess: Ess, hook: LifecycleHook, token: string | undefined): string[] {
  return [...ess.state.instances.values()]
    .filter((m) => m.hookId === hook.id && (m.state === 'Pending:Wait' || m.state === 'Removing:Wait'))
    .filter(
      (m) =>
        token === undefined || ess.state.activities.get(m.activityId ?? '')?.lifecycleActionToken === token,
    )
    .map((m) => m.instanceId);
}

/**
 * A token that no wait carries (the wait already ended: completed, or its heartbeat timeout passed) is 400
 * `LifecycleHookIdAndLifecycleActionToken.Invalid` (ESS API reference, CompleteLifecycleAction error codes).
 */
function staleToken(hook: LifecycleHook): ApiError {
  return new ApiError(
    'LifecycleHookIdAndLifecycleActionToken.Invalid',
    `The specified lifecycle hook ${hook.id} and lifecycle action token do not match a pending lifecycle action.`,
    400,
  );
}

export function completeLifecycleAction(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const hook = getHook(ess, call);
  const token = p.required('LifecycleActionToken');
  const result = p.oneOf('LifecycleActionResult', ['CONTINUE', 'ABANDON', 'ROLLBACK'] as const) ?? 'CONTINUE';
  const ids = waiting(ess, hook, token);
  if (ids.length === 0) throw staleToken(hook);
  for (const id of ids) {
    const m = ess.state.instances.get(id);
    if (m) ess.engine.completeWait(m, result);
  }
  const g = ess.state.groups.get(hook.groupId);
  if (g) ess.engine.tickGroup(g);
  return {};
}

/** A wait lasts at most 6 hours in all and can be extended at most 20 times (ESS API reference). */
const MAX_WAIT_MS = 6 * 3600 * 1000;
const MAX_HEARTBEATS = 20;

/**
 * RecordLifecycleActionHeartbeat: its parameters are spelled in lower case — `lifecycleHookId`,
 * `lifecycleActionToken`, `heartbeatTimeout` (30–21600, default 600) — and it sets the wait to end
 * `heartbeatTimeout` seconds from now. "The wait time of an ECS instance cannot exceed 6 hours, and each wait state
 * can be extended up to 20 times" (ESS API reference and 2022-02-22 SDK model RecordLifecycleActionHeartbeatRequest):
 * beyond them `LifecycleAction.TimeExceeded` / `LifecycleAction.RecordTimesExceeded` (HTTP status unverified: 400).
 */
export function recordLifecycleActionHeartbeat(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  const hook = getHook(ess, call, 'lifecycleHookId');
  const token = p.required('lifecycleActionToken');
  const timeout = p.int('heartbeatTimeout', { min: 30, max: 21_600 }) ?? 600;
  const ids = waiting(ess, hook, token);
  if (ids.length === 0) throw staleToken(hook);
  const now = ess.cloud.clock.now();
  const deadline = now + timeout * 1000;
  const members = ids.flatMap((id) => ess.state.instances.get(id) ?? []);
  for (const m of members) {
    if ((m.heartbeats ?? 0) >= MAX_HEARTBEATS) {
      throw new ApiError(
        'LifecycleAction.RecordTimesExceeded',
        `The lifecycle action of ${m.instanceId} has been extended ${MAX_HEARTBEATS} times, the most allowed.`,
      );
    }
    if (deadline - (m.hookWaitStart ?? now) > MAX_WAIT_MS) {
      throw new ApiError(
        'LifecycleAction.TimeExceeded',
        `The wait of ${m.instanceId} would last more than 6 hours (heartbeatTimeout ${timeout} s from now).`,
      );
    }
  }
  for (const m of members) {
    m.hookDeadline = deadline;
    m.heartbeats = (m.heartbeats ?? 0) + 1;
  }
  return {};
}

/** DescribeLifecycleActions (by ScalingActivityId): where the operator finds the action token. */
export function describeLifecycleActions(ess: Ess, call: Call): ApiBody {
  const p = call.params;
  ess.cloud.region(p.str('RegionId'));
  const activityId = p.required('ScalingActivityId');
  const a = ess.state.activities.get(activityId);
  if (!a)
    throw new ApiError(
      'InvalidScalingActivityId.NotFound',
      `The specified scaling activity "${activityId}" does not exist.`,
      404,
    );
  const byHook = new Map<string, string[]>();
  for (const m of ess.state.instances.values()) {
    if (m.activityId !== a.id || !m.hookId) continue;
    byHook.set(m.hookId, [...(byHook.get(m.hookId) ?? []), m.instanceId]);
  }
  return {
    NextToken: '',
    MaxResults: 50,
    TotalCount: byHook.size,
    LifecycleActions: {
      LifecycleAction: [...byHook.entries()].map(([hookId, ids]) => ({
        LifecycleActionToken: a.lifecycleActionToken ?? '',
        LifecycleHookId: hookId,
        LifecycleActionStatus: 'Pending',
        LifecycleActionResult: '',
        InstanceIds: { InstanceId: ids },
      })),
    },
  };
}
