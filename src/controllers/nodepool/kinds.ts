import {
  API_VERSION,
  GROUP,
  KINDS,
  VERSION,
  validateObject,
  type ManagedNodePool,
  type NodePool,
  type NodePoolSpecInput,
} from '../../apis/v1beta1/index.js';
import { crd, type ResourceRef } from '../../kube/index.js';
import type { DeepReadonly } from '../../util/readonly.js';
import { consolidationOf } from '../disruption/consolidation/settings.js';
import { describeWindows } from '../disruption/maintenance/window.js';

/**
 * The two pool kinds one controller implementation serves. A ManagedNodePool shares the NodePool lifecycle
 * (scaling group, configuration, launch, labels / taints / tags, scale-in, registration, drift, delete) as an
 * Auto pool with the managed defaults, scaled out for pending pods by instant elasticity (src/controllers/
 * provisioning), with its automation blocks mapped to a NodePool's `management` (repair, system events… are
 * disruption methods reading `spec.management` for both kinds; `automationCondition` says what runs).
 */
export type PoolKindName = 'NodePool' | 'ManagedNodePool';

export interface PoolKind {
  kind: PoolKindName;
  ref: ResourceRef;
  /** The controller's name (`--controllers`, logs, metrics). */
  controller: string;
  /** The other kind: pool names are unique across both, since Nodes carry only the name. */
  other: PoolKindName;
}

export const POOL_KINDS: Record<PoolKindName, PoolKind> = {
  NodePool: {
    kind: 'NodePool',
    ref: crd(GROUP, VERSION, KINDS.NodePool.plural, 'NodePool', false),
    controller: 'nodepool',
    other: 'ManagedNodePool',
  },
  ManagedNodePool: {
    kind: 'ManagedNodePool',
    ref: crd(GROUP, VERSION, KINDS.ManagedNodePool.plural, 'ManagedNodePool', false),
    controller: 'managednodepool',
    other: 'NodePool',
  },
};

export type PoolSpecResult =
  | { ok: true; pool: NodePool; managed?: ManagedNodePool }
  | { ok: false; problems: { path: string; message: string }[] };

/**
 * A ManagedNodePool in NodePool terms: the same placement, types, disks, network, metadata and scripts; Auto
 * scaling between minSize and maxSize; PayAsYouGo; ContainerOS; Managed bootstrap; no login; no hardening
 * setting (ContainerOS is hardened by design). The result is validated as a NodePool, so every default and
 * rule of that kind applies.
 */
export function managedAsNodePool(m: ManagedNodePool): PoolSpecResult {
  const s = m.spec;
  const spec: NodePoolSpecInput = {
    region: s.region,
    vpcId: s.vpcId,
    vSwitchIds: [...s.vSwitchIds],
    scaling: {
      mode: 'Auto',
      minSize: s.scaling.minSize,
      maxSize: s.scaling.maxSize,
      multiAZPolicy: s.scaling.multiAZPolicy,
      ...(s.scaling.priority !== undefined ? { priority: s.scaling.priority } : {}),
    },
    instanceTypes: [...s.instanceTypes],
    billing: { chargeType: 'PayAsYouGo' },
    image: { type: 'ContainerOS' },
    ...(s.runtime ? { runtime: s.runtime } : {}),
    ramRoleName: s.ramRoleName,
    instanceMetadataOptions: s.instanceMetadataOptions,
    systemDisk: s.systemDisk,
    ...(s.dataDisks ? { dataDisks: s.dataDisks } : {}),
    securityGroup: s.securityGroup,
    ...(s.publicIp ? { publicIp: s.publicIp } : {}),
    ...(s.privatePool ? { privatePool: s.privatePool } : {}),
    ...(s.resourceGroupId ? { resourceGroupId: s.resourceGroupId } : {}),
    cloudMonitor: s.cloudMonitor,
    ...(s.labels ? { labels: s.labels } : {}),
    ...(s.taints ? { taints: s.taints } : {}),
    ...(s.tags ? { tags: s.tags } : {}),
    ...(s.customNodeName ? { customNodeName: s.customNodeName } : {}),
    ...(s.kubelet ? { kubelet: s.kubelet } : {}),
    ...(s.osConfig ? { osConfig: s.osConfig } : {}),
    ...(s.preUserData !== undefined ? { preUserData: s.preUserData } : {}),
    ...(s.preUserDataFrom ? { preUserDataFrom: s.preUserDataFrom } : {}),
    ...(s.userData !== undefined ? { userData: s.userData } : {}),
    ...(s.userDataFrom ? { userDataFrom: s.userDataFrom } : {}),
    bootstrap: { mode: 'Managed' },
    // consolidation defaults to WhenEmptyOrUnderutilized on this kind (a NodePool's default is Never)
    disruption: {
      ...(s.disruption ?? {}),
      consolidation: {
        ...(s.disruption?.consolidation ?? {}),
        policy: s.disruption?.consolidation?.policy ?? 'WhenEmptyOrUnderutilized',
      },
    },
    registrationTimeout: s.registrationTimeout,
    // the automation blocks, on by default on this kind, are a NodePool's opt-in `management`
    management: {
      maintenance: s.maintenance,
      autoRepair: s.autoRepair,
      autoUpgrade: s.autoUpgrade,
      autoPatch: s.autoPatch,
      systemEvents: s.systemEvents,
    },
  };
  const v = validateObject({ apiVersion: API_VERSION, kind: 'NodePool', metadata: m.metadata, spec });
  if (!v.ok)
    return {
      ok: false,
      problems: v.problems.map((p) => ({ path: p.path, message: `${p.message} (as a NodePool)` })),
    };
  return { ok: true, pool: v.value as NodePool, managed: m };
}

/** Validates a pool object of either kind and gives it in NodePool terms. */
export function poolSpecOf(kind: PoolKindName, obj: Record<string, unknown>): PoolSpecResult {
  const v = validateObject({ ...obj, apiVersion: API_VERSION, kind, status: undefined });
  if (!v.ok) return { ok: false, problems: v.problems };
  if (kind === 'NodePool') return { ok: true, pool: v.value as NodePool };
  return managedAsNodePool(v.value as ManagedNodePool);
}

/** When rotations and consolidation may start disrupting nodes: the maintenance windows, or at any time. */
function rotationWhen(m: DeepReadonly<NodePool['spec']['management']>): string {
  const w = m?.maintenance.windows ?? [];
  return w.length > 0
    ? `inside the maintenance windows ${describeWindows(w)}`
    : 'at any time (no maintenance windows)';
}

/** What runs for a pool (in NodePool terms), and what its spec turns on that this version does not run yet. */
export function automationOf(
  kind: PoolKindName,
  pool: DeepReadonly<NodePool>,
): { active: string[]; inactive: string[] } {
  const m = pool.spec.management;
  const active: string[] = [];
  if (kind === 'ManagedNodePool') active.push('instant elasticity (scale-out on pending pods)');
  if (m?.autoRepair.enabled)
    active.push(
      `autoRepair (notReadyTimeout ${m.autoRepair.notReadyTimeout}, maxUnhealthy ${String(m.autoRepair.maxUnhealthy)}, ${m.maintenance.allowReboot ? 'reboot first' : 'replace'})`,
    );
  if (m?.systemEvents.enabled)
    active.push('systemEvents (nodes replaced ahead of ECS maintenance and failure events)');
  const b = pool.spec.billing;
  if (b.chargeType === 'Spot')
    active.push(
      `spotInterruption (${b.spot?.replaceBeforeReclaim ? 'replacement launched on the notice, drained when Ready' : 'drained at once on the notice'})`,
    );
  if (m?.autoUpgrade.enabled)
    active.push(
      `autoUpgrade (rotation, maxSurge ${String(m.autoUpgrade.maxSurge)}, maxUnavailable ${String(m.autoUpgrade.maxUnavailable)}, ${rotationWhen(m)})`,
    );
  if (m?.autoPatch.enabled)
    active.push(`autoPatch (severities ${m.autoPatch.severities.join(', ')}, ${rotationWhen(m)})`);
  const c = consolidationOf(pool);
  if (c) active.push(`consolidation (${c.policy} after ${c.after}, ${rotationWhen(m)})`);
  return { active, inactive: [] };
}

/**
 * The `AutomationActive` condition: for every ManagedNodePool, and for a NodePool whose `management` turns a
 * block on, that is billed Spot (spot interruption runs for every Spot pool) or that consolidates; undefined
 * otherwise. True listing what runs; False naming what the spec turns on that this version does not run.
 */
export function automationCondition(
  kind: PoolKindName,
  pool: DeepReadonly<NodePool>,
): [boolean, string, string] | undefined {
  const m = pool.spec.management;
  const any =
    (m && (m.autoRepair.enabled || m.autoUpgrade.enabled || m.autoPatch.enabled || m.systemEvents.enabled)) ||
    pool.spec.billing.chargeType === 'Spot' ||
    consolidationOf(pool) !== undefined;
  if (kind === 'NodePool' && !any) return undefined;
  const { active, inactive } = automationOf(kind, pool);
  const runs = `active: ${active.join('; ') || 'none'}`;
  if (inactive.length === 0) return [true, 'AutomationActive', runs];
  return [
    false,
    'AutomationNotActive',
    `${runs}; not active in this version: ${inactive.join(', ')} (accepted, but nothing acts on them yet)`,
  ];
}

/**
 * A pool whose name another kind already uses: Nodes carry only the pool's name (`nodepool.alicloud.dev/pool`),
 * so the later one (by creation time; NodePool first on a tie) waits, Degraded, with nothing created.
 */
export function nameConflict(
  mine: { kind: PoolKindName; name: string; created: string | undefined },
  other: { created: string | undefined } | undefined,
): string | undefined {
  if (!other) return undefined;
  const a = Date.parse(mine.created ?? '') || 0;
  const b = Date.parse(other.created ?? '') || 0;
  const mineIsLater = a > b || (a === b && mine.kind === 'ManagedNodePool');
  if (!mineIsLater) return undefined;
  const otherKind = POOL_KINDS[mine.kind].other;
  return `the name ${mine.name} is already used by ${otherKind} ${mine.name}: pool names must be unique across NodePool and ManagedNodePool (their Nodes are labelled ${GROUP}/pool=<name>); rename one of them`;
}
