import { CloudError, ConflictError, InvalidConfigurationError } from '../../../cloud/errors.js';
import type { CloudProvider, WriteOptions } from '../../../cloud/provider.js';
import type { LaunchSpec, ScalingGroup, ScalingGroupSpec } from '../../../cloud/types.js';
import {
  configurationName,
  describeAction,
  planScalingGroup,
  type EnsureKnown,
  type GroupAction,
  type ObservedGroup,
} from './plan.js';

/** What `ensureScalingGroup` did. */
export interface EnsureResult {
  group: ScalingGroup;
  configurationId: string;
  /** What changed (`created scaling group`, `modified scaling group: MaxSize`, …); empty when nothing did. */
  changes: string[];
  /** What this ensure left in place, for the next one (`known`). */
  known: EnsureKnown;
}

export interface EnsureRequest extends WriteOptions {
  groupId?: string | undefined;
  /** The group as the caller has just read it (`findScalingGroup`): not read again. */
  current?: ScalingGroup | undefined;
  /** What an earlier ensure of it left: its configurations and hooks are not read again while they match. */
  known?: EnsureKnown | undefined;
  group: ScalingGroupSpec;
  launch: LaunchSpec;
  passwordRevision?: string;
  /**
   * This operation's CreateScalingGroup may have run before (a retry after a crash or a lost answer): the
   * create is sent again (its ClientToken replays the first answer) and what the group already holds is read,
   * rather than assumed empty — reads may not show a group made seconds ago.
   */
  retry?: boolean | undefined;
}

/** A group just created from `spec`, as DescribeScalingGroups would show it: Inactive, empty. */
function groupOfSpec(id: string, spec: ScalingGroupSpec): ScalingGroup {
  return {
    id,
    name: spec.name,
    state: 'Inactive',
    minSize: spec.minSize,
    maxSize: spec.maxSize,
    desiredCapacity: spec.desiredCapacity,
    activeConfigurationId: undefined,
    vSwitchIds: [...spec.vSwitchIds],
    vpcId: undefined,
    multiAZPolicy: spec.multiAZPolicy,
    scalingPolicy: spec.scalingPolicy,
    tags: { ...spec.tags },
    deletionProtection: true,
    resourceGroupId: spec.resourceGroupId,
    counts: { total: 0, pending: 0, removing: 0, protected: 0, standby: 0, stopped: 0 },
  };
}

/**
 * Brings the pool's scaling group to its spec: `planScalingGroup` decides (pure), this carries the plan out
 * through the cloud's primitives, reading only what the plan asks for. Idempotent; safe on every reconcile. A
 * group created here is not read back (a pool's creation is 4 writes after one lookup). A name taken by a group
 * the caller's lookup did not see (not tagged with the cluster) is read by name and then refused as another's.
 */
export async function ensureScalingGroup(cloud: CloudProvider, req: EnsureRequest): Promise<EnsureResult> {
  const name = configurationName(req.launch, req.passwordRevision);
  const desired = { group: req.group, configurationName: name };
  const observed: ObservedGroup = {
    group: req.current ?? (await cloud.findScalingGroup({ id: req.groupId, name: req.group.name })),
    known: req.known,
  };
  if (!observed.group && req.retry) {
    try {
      observed.group = groupOfSpec(
        await cloud.createScalingGroup(req.group, { operationId: req.operationId }),
        req.group,
      );
    } catch (err) {
      if (!(err instanceof CloudError && err.code === 'InvalidScalingGroupName.Duplicate')) throw err;
    }
  }
  for (let round = 0; round < 4; round++) {
    const plan = planScalingGroup(observed, desired);
    if (plan.kind === 'refuse') {
      const e = { code: plan.code, cloudMessage: plan.message, action: 'EnsureScalingGroup' };
      throw plan.code === 'IncorrectScalingGroupStatus'
        ? new ConflictError(e)
        : new InvalidConfigurationError(e);
    }
    const g = observed.group;
    if (plan.kind === 'read') {
      if (!g) throw new Error('planScalingGroup asked to read a group that does not exist');
      if (plan.reads.includes('configurations'))
        observed.configurations = await cloud.scalingConfigurations(g.id);
      if (plan.reads.includes('hooks')) observed.hookNames = await cloud.lifecycleHookNames(g.id);
      continue;
    }
    try {
      return await apply(cloud, req, observed, plan.actions, plan.configuration, name);
    } catch (err) {
      if (!(err instanceof DuplicateName)) throw err;
      const found = await cloud.findScalingGroup({ name: req.group.name });
      if (!found) throw err.cause;
      observed.group = found;
    }
  }
  throw new Error(`ensureScalingGroup ${req.group.name}: no plan after 4 rounds`);
}

class DuplicateName extends Error {
  constructor(override readonly cause: unknown) {
    super('duplicate scaling group name');
  }
}

async function apply(
  cloud: CloudProvider,
  req: EnsureRequest,
  observed: ObservedGroup,
  actions: GroupAction[],
  configuration: string,
  name: string,
): Promise<EnsureResult> {
  let g = observed.group as ScalingGroup | undefined;
  let configurationId = configuration;
  const created =
    g === undefined ||
    (req.retry === true &&
      g.state === 'Inactive' &&
      g.activeConfigurationId === undefined &&
      observed.configurations !== undefined &&
      observed.configurations.length === 0);
  const changes: string[] = [];
  for (const a of actions) {
    switch (a.kind) {
      case 'createGroup':
        try {
          g = groupOfSpec(
            await cloud.createScalingGroup(req.group, { operationId: req.operationId }),
            req.group,
          );
        } catch (err) {
          if (err instanceof CloudError && err.code === 'InvalidScalingGroupName.Duplicate')
            throw new DuplicateName(err);
          throw err;
        }
        break;
      case 'createConfiguration':
        configurationId = await cloud.createScalingConfiguration(g!.id, name, req.launch);
        break;
      case 'modifyConfiguration':
        await cloud.modifyScalingConfiguration(a.configurationId, name, req.launch);
        break;
      case 'enable':
        await cloud.enableScalingGroup(g!.id, a.configuration === 'new' ? configurationId : a.configuration);
        break;
      case 'modifyGroup':
        await cloud.modifyScalingGroup(g!.id, a.changes);
        break;
      case 'changeResourceGroup':
        await cloud.changeScalingGroupResourceGroup(g!.id, a.resourceGroupId);
        break;
      case 'createHook':
        await cloud.createLifecycleHook(g!.id, req.group.scaleInHook!);
        break;
    }
    changes.push(describeAction(a));
  }
  if (!g) throw new Error('ensureScalingGroup: no group');
  if (created) g = { ...g, state: 'Active', activeConfigurationId: configurationId };
  else if (changes.length > 0) {
    // a read right after the writes may not show the group yet (lagging reads): what was written stands then
    const fresh = await cloud.findScalingGroup({ id: g.id, name: g.name });
    g = fresh ?? { ...g, state: 'Active', activeConfigurationId: configurationId };
  }
  const hook = req.group.scaleInHook !== undefined;
  return {
    group: g,
    configurationId,
    changes,
    known: { groupId: g.id, configurationId, configurationName: name, hook },
  };
}
