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

/**
 * The two pool kinds one controller implementation serves. A ManagedNodePool shares the NodePool lifecycle
 * (scaling group, configuration, launch, labels / taints / tags, scale-in, registration, drift, delete) as an
 * Auto pool with the managed defaults, scaled out for pending pods by instant elasticity (src/controllers/
 * provisioning); its other automation is not built yet, and its status says so (see `automationCondition`).
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
  NodePool: { kind: 'NodePool', ref: crd(GROUP, VERSION, KINDS.NodePool.plural, 'NodePool', false), controller: 'nodepool', other: 'ManagedNodePool' }, // prettier-ignore
  ManagedNodePool: { kind: 'ManagedNodePool', ref: crd(GROUP, VERSION, KINDS.ManagedNodePool.plural, 'ManagedNodePool', false), controller: 'managednodepool', other: 'NodePool' }, // prettier-ignore
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
    scaling: { mode: 'Auto', minSize: s.scaling.minSize, maxSize: s.scaling.maxSize, multiAZPolicy: s.scaling.multiAZPolicy, ...(s.scaling.priority !== undefined ? { priority: s.scaling.priority } : {}) }, // prettier-ignore
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
    disruption: { ...(s.disruption ?? {}), consolidation: { ...(s.disruption?.consolidation ?? {}), policy: s.disruption?.consolidation?.policy ?? 'WhenEmptyOrUnderutilized' } }, // prettier-ignore
    registrationTimeout: s.registrationTimeout,
  };
  const v = validateObject({ apiVersion: API_VERSION, kind: 'NodePool', metadata: m.metadata, spec });
  if (!v.ok) return { ok: false, problems: v.problems.map((p) => ({ path: p.path, message: `${p.message} (as a NodePool)` })) }; // prettier-ignore
  return { ok: true, pool: v.value as NodePool, managed: m };
}

/** Validates a pool object of either kind and gives it in NodePool terms. */
export function poolSpecOf(kind: PoolKindName, obj: Record<string, unknown>): PoolSpecResult {
  const v = validateObject({ ...obj, apiVersion: API_VERSION, kind, status: undefined });
  if (!v.ok) return { ok: false, problems: v.problems };
  if (kind === 'NodePool') return { ok: true, pool: v.value as NodePool };
  return managedAsNodePool(v.value as ManagedNodePool);
}

/** The automation a ManagedNodePool promises, with whether its spec turns each on. */
function automationOf(m: ManagedNodePool): { name: string; on: boolean }[] {
  const s = m.spec;
  return [
    { name: 'autoRepair', on: s.autoRepair.enabled },
    { name: 'autoUpgrade', on: s.autoUpgrade.enabled },
    { name: 'autoPatch', on: s.autoPatch.enabled },
    { name: 'systemEvents', on: s.systemEvents.enabled },
  ];
}

/**
 * The `AutomationActive` condition of a ManagedNodePool: False, naming each automation its spec turns on that
 * this version does not run yet, and what the pool does instead (elasticity, and consolidation unless its policy
 * is Never — inside the maintenance windows when it has them).
 */
export function automationCondition(m: ManagedNodePool): [boolean, string, string] {
  const wanted = automationOf(m)
    .filter((a) => a.on)
    .map((a) => a.name);
  const c = m.spec.disruption?.consolidation;
  const policy = c?.policy ?? 'WhenEmptyOrUnderutilized';
  const consolidating = policy !== 'Never';
  const active = `active: instant elasticity (scale-out on pending pods)${consolidating ? `, consolidation (${policy} after ${c?.after ?? '10m'})` : ''}`; // prettier-ignore
  const windows = (m.spec.maintenance.windows ?? []).length > 0 ? (consolidating ? '; consolidation removes nodes only inside the maintenance windows' : '; the maintenance windows are recorded but nothing acts in them yet') : ''; // prettier-ignore
  if (wanted.length === 0) return [true, 'AutomationActive', `${active}${windows}`];
  return [
    false,
    'AutomationNotActive',
    `${active}; not active in this version: ${wanted.join(', ')}${windows}`,
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
