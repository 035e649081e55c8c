import { createHash } from 'node:crypto';
import { stableJson } from '../../../cloud/client-token.js';
import {
  CLUSTER_TAG,
  POOL_TAG,
  type GroupChanges,
  type LaunchSpec,
  type ScalingGroup,
  type ScalingGroupSpec,
} from '../../../cloud/types.js';
import type { DeepReadonly } from '../../../util/readonly.js';

/**
 * What an ensure found or made in a group: its active configuration (id and name, the launch spec's digest) and
 * whether the SCALE_IN hook is there. Given to the next plan of the same group, the configurations and hooks
 * are not read again while the group's active configuration and the launch spec still match.
 */
export interface EnsureKnown {
  groupId: string;
  configurationId: string;
  configurationName: string;
  hook: boolean;
}

/**
 * The name of a scaling configuration records a digest of the launch spec it was last written with, so the
 * plan knows whether to modify it without keeping state of its own. The password is left out of the digest (a
 * name is not a place for anything derived from a secret); `passwordRevision` (e.g. the Secret's
 * resourceVersion) stands in for it.
 */
export function configurationName(launch: DeepReadonly<LaunchSpec>, passwordRevision?: string): string {
  const { password, ...rest } = launch;
  const digest = createHash('sha256')
    .update(
      stableJson({ ...rest, password: password === undefined ? undefined : (passwordRevision ?? 'set') }),
    )
    .digest('hex')
    .slice(0, 24);
  return `np-${digest}`;
}

/** The ModifyScalingGroup fields that bring `g` to `spec` (empty when it already matches): the drift policy. */
export function groupDrift(
  g: DeepReadonly<ScalingGroup>,
  spec: DeepReadonly<ScalingGroupSpec>,
): GroupChanges {
  const out: GroupChanges = {};
  if (g.minSize !== spec.minSize) out.minSize = spec.minSize;
  if (g.maxSize !== spec.maxSize) out.maxSize = spec.maxSize;
  // ESS keeps MaxSize ≥ DesiredCapacity ≥ MinSize and refuses a ModifyScalingGroup that would break it (ESS SDK
  // model ModifyScalingGroupRequest.DesiredCapacity): the spec's desired within the spec's bounds, so bounds
  // that move past the group's current desired take it along in the same call
  const desired = Math.min(spec.maxSize, Math.max(spec.minSize, spec.desiredCapacity));
  if (g.desiredCapacity !== desired) out.desiredCapacity = desired;
  if (g.vSwitchIds.join(',') !== spec.vSwitchIds.join(',')) out.vSwitchIds = [...spec.vSwitchIds];
  if (g.multiAZPolicy !== spec.multiAZPolicy) out.multiAZPolicy = spec.multiAZPolicy;
  if (g.scalingPolicy !== spec.scalingPolicy) out.scalingPolicy = spec.scalingPolicy;
  // spot settings (a Spot pool's billing.spot is editable): compared only where the spec sets them and ESS says
  for (const k of SPOT_KEYS) {
    const want = spec[k];
    const have = g.spot?.[k];
    if (want !== undefined && have !== undefined && want !== have) (out as Record<string, unknown>)[k] = want;
  }
  return out;
}

/**
 * The resource group to move the group to (ChangeResourceGroup), or undefined: only when the spec names one and
 * DescribeScalingGroups shows the group in another. A spec without one manages nothing (resources stay put).
 */
export function resourceGroupDrift(
  g: DeepReadonly<ScalingGroup>,
  spec: DeepReadonly<ScalingGroupSpec>,
): string | undefined {
  const want = spec.resourceGroupId;
  return want !== undefined && g.resourceGroupId !== undefined && g.resourceGroupId !== want
    ? want
    : undefined;
}

const SPOT_KEYS = [
  'onDemandBaseCapacity',
  'onDemandPercentageAboveBaseCapacity',
  'spotInstancePools',
  'spotInstanceRemedy',
  'compensateWithOnDemand',
] as const;

/** The wire names of a change, for the `modified scaling group: …` change line and its Event. */
const WIRE: Record<keyof GroupChanges, string> = {
  minSize: 'MinSize',
  maxSize: 'MaxSize',
  desiredCapacity: 'DesiredCapacity',
  vSwitchIds: 'VSwitchIds',
  multiAZPolicy: 'MultiAZPolicy',
  scalingPolicy: 'ScalingPolicy',
  onDemandBaseCapacity: 'OnDemandBaseCapacity',
  onDemandPercentageAboveBaseCapacity: 'OnDemandPercentageAboveBaseCapacity',
  spotInstancePools: 'SpotInstancePools',
  spotInstanceRemedy: 'SpotInstanceRemedy',
  compensateWithOnDemand: 'CompensateWithOnDemand',
};
export const changedFields = (c: GroupChanges): string[] =>
  (Object.keys(WIRE) as (keyof GroupChanges)[]).filter((k) => c[k] !== undefined).map((k) => WIRE[k]);

/** The group as observed: found (or not), what the last ensure left, and the reads the plan asked for. */
export interface ObservedGroup {
  group: DeepReadonly<ScalingGroup> | undefined;
  known?: EnsureKnown | undefined;
  /** DescribeScalingConfigurations, when read. */
  configurations?: readonly { id: string; name: string | undefined; active: boolean }[] | undefined;
  /** DescribeLifecycleHooks (names), when read. */
  hookNames?: readonly string[] | undefined;
}

export interface DesiredGroup {
  group: DeepReadonly<ScalingGroupSpec>;
  /** `configurationName(launch, passwordRevision)`. */
  configurationName: string;
}

/** One cloud write; `configuration: 'new'` is the one a `createConfiguration` of the same plan makes. */
export type GroupAction =
  | { kind: 'createGroup' }
  | { kind: 'createConfiguration' }
  | { kind: 'modifyConfiguration'; configurationId: string }
  | { kind: 'enable'; configuration: string }
  | { kind: 'modifyGroup'; changes: GroupChanges }
  | { kind: 'changeResourceGroup'; resourceGroupId: string }
  | { kind: 'createHook' };

export type GroupPlan =
  /** Read these first, then plan again. */
  | { kind: 'read'; reads: ('configurations' | 'hooks')[] }
  /** The group cannot be this pool's: refuse with this code and message. */
  | { kind: 'refuse'; code: 'IncorrectScalingGroupStatus' | 'ScalingGroupNotOwned'; message: string }
  /** Carry these out in order; the active configuration is `configuration` (or the one created). */
  | { kind: 'act'; actions: GroupAction[]; configuration: string };

/** The start of the change line of a ChangeResourceGroup (the resource group follows). */
export const MOVED_GROUP = 'moved scaling group to resource group';

/** The change lines of a plan's actions (what the Events and logs say). */
export function describeAction(a: GroupAction): string {
  switch (a.kind) {
    case 'createGroup':
      return 'created scaling group';
    case 'createConfiguration':
      return 'created scaling configuration';
    case 'modifyConfiguration':
      return 'modified scaling configuration';
    case 'enable':
      return 'enabled scaling group';
    case 'modifyGroup':
      return `modified scaling group: ${changedFields(a.changes).join(', ')}`;
    case 'changeResourceGroup':
      return `${MOVED_GROUP} ${a.resourceGroupId}`;
    case 'createHook':
      return 'created SCALE_IN lifecycle hook';
  }
}

/**
 * What it takes to bring a pool's scaling group to its spec — pure, no I/O:
 * - no group: create it (with the desired capacity, which ESS accepts only at creation), its configuration,
 *   enable it, add the SCALE_IN hook; nothing is read back (a new group is empty);
 * - a group being deleted, or one whose cluster / pool tags are another's: refuse;
 * - the configuration: trusted from `known` while the group's active configuration and the launch spec's
 *   digest (its name) match it; otherwise the configurations are read: the active one is modified in place
 *   when its name differs (new nodes only), one of the right name left by a crash is re-used, else one is
 *   created;
 * - an Inactive group is enabled; sizes, vSwitches, multi-AZ and scaling policy brought to the spec (hand
 *   changes restored); the group moved to the spec's resource group when it is in another; the hook added when
 *   the last ensure did not see it (after reading the hooks).
 */
export function planScalingGroup(observed: ObservedGroup, desired: DesiredGroup): GroupPlan {
  const g = observed.group;
  const spec = desired.group;
  if (!g) {
    const actions: GroupAction[] = [
      { kind: 'createGroup' },
      { kind: 'createConfiguration' },
      { kind: 'enable', configuration: 'new' },
    ];
    if (spec.scaleInHook) actions.push({ kind: 'createHook' });
    return { kind: 'act', actions, configuration: 'new' };
  }
  if (g.state === 'Deleting')
    return {
      kind: 'refuse',
      code: 'IncorrectScalingGroupStatus',
      message: `the scaling group ${g.id} is being deleted`,
    };
  for (const key of [CLUSTER_TAG, POOL_TAG]) {
    const want = spec.tags[key];
    if (want !== undefined && g.tags[key] !== want) {
      return {
        kind: 'refuse',
        code: 'ScalingGroupNotOwned',
        message: `the scaling group ${g.id} named ${g.name} is not this pool's: its tag ${key} is ${JSON.stringify(g.tags[key] ?? null)}, not ${JSON.stringify(want)}`,
      };
    }
  }
  const known = observed.known?.groupId === g.id ? observed.known : undefined;
  const unchanged =
    known !== undefined &&
    g.activeConfigurationId === known.configurationId &&
    known.configurationName === desired.configurationName;
  const needHooks = spec.scaleInHook !== undefined && !known?.hook;
  const reads: ('configurations' | 'hooks')[] = [];
  if (!unchanged && !observed.configurations) reads.push('configurations');
  if (needHooks && !observed.hookNames) reads.push('hooks');
  if (reads.length > 0) return { kind: 'read', reads };

  const actions: GroupAction[] = [];
  let configuration: string;
  if (unchanged) configuration = known.configurationId;
  else {
    const configs = observed.configurations ?? [];
    const active = configs.find((c) => c.id === g.activeConfigurationId) ?? configs.find((c) => c.active);
    if (!active) {
      // one created before a crash (same digest) is re-used, not duplicated
      const existing = configs.find((c) => c.name === desired.configurationName);
      configuration = existing?.id ?? 'new';
      if (!existing) actions.push({ kind: 'createConfiguration' });
    } else {
      configuration = active.id;
      if (active.name !== desired.configurationName)
        actions.push({ kind: 'modifyConfiguration', configurationId: active.id });
    }
  }
  if (g.state === 'Inactive') actions.push({ kind: 'enable', configuration });
  const drift = groupDrift(g, spec);
  if (changedFields(drift).length > 0) actions.push({ kind: 'modifyGroup', changes: drift });
  const resourceGroupId = resourceGroupDrift(g, spec);
  if (resourceGroupId) actions.push({ kind: 'changeResourceGroup', resourceGroupId });
  if (needHooks && !observed.hookNames?.includes(spec.scaleInHook.name)) actions.push({ kind: 'createHook' });
  return { kind: 'act', actions, configuration };
}
