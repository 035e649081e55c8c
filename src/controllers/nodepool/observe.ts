import type { Node } from '../../kube/index.js';
import type { DeepReadonly } from '../../util/readonly.js';

type RNode = DeepReadonly<Node>;
import type { PoolInstance } from '../../cloud/types.js';

/** The instance id of a Node, from its providerID (`<region>.<id>`, optionally `alicloud://`-prefixed). */
export function instanceIdOf(node: RNode): string | undefined {
  const p = node.spec?.providerID;
  if (!p) return undefined;
  const m = /^(?:alicloud:\/\/)?[a-z0-9-]+\.(i-[A-Za-z0-9]+)$/.exec(p);
  return m?.[1];
}

export function isNodeReady(node: RNode): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** A pool member with its Node (if it registered). */
export interface Member {
  instance: PoolInstance;
  node: RNode | undefined;
  ready: boolean;
}

/** Joins the scaling group's members with the pool's Nodes by instance id. */
export function joinMembers(instances: readonly PoolInstance[], nodes: readonly RNode[]): Member[] {
  const byInstance = new Map<string, RNode>();
  for (const n of nodes) {
    const id = instanceIdOf(n);
    if (id) byInstance.set(id, n);
  }
  return instances.map((instance) => {
    const node = byInstance.get(instance.instanceId);
    return { instance, node, ready: node !== undefined && isNodeReady(node) };
  });
}

/** Members that count toward the pool's size: not on their way out. */
export function activeMembers(members: readonly Member[]): Member[] {
  return members.filter(
    (m) => !/^Removing/.test(m.instance.lifecycleState) && m.instance.lifecycleState !== 'Stopped',
  );
}

export interface Counts {
  currentSize: number;
  readySize: number;
  zones: { zoneId: string; vSwitchId?: string; currentSize: number; readySize: number }[];
  instanceTypes: { instanceType: string; currentSize: number }[];
}

/** Status counts: current (active members), ready (with a Ready Node), per zone and per instance type. */
export function countMembers(members: readonly Member[]): Counts {
  const active = activeMembers(members);
  const zones = new Map<
    string,
    { zoneId: string; vSwitchId?: string; currentSize: number; readySize: number }
  >();
  const types = new Map<string, number>();
  for (const m of active) {
    const z = zones.get(m.instance.zoneId) ?? {
      zoneId: m.instance.zoneId,
      ...(m.instance.vSwitchId ? { vSwitchId: m.instance.vSwitchId } : {}),
      currentSize: 0,
      readySize: 0,
    };
    z.currentSize++;
    if (m.ready) z.readySize++;
    zones.set(m.instance.zoneId, z);
    types.set(m.instance.instanceType, (types.get(m.instance.instanceType) ?? 0) + 1);
  }
  return {
    currentSize: active.length,
    readySize: active.filter((m) => m.ready).length,
    zones: [...zones.values()].sort((a, b) => a.zoneId.localeCompare(b.zoneId)).slice(0, 16),
    instanceTypes: [...types.entries()]
      .map(([instanceType, currentSize]) => ({ instanceType, currentSize }))
      .sort((a, b) => a.instanceType.localeCompare(b.instanceType))
      .slice(0, 16),
  };
}

export { deleteOutcome } from '../disruption/disposal.js';

/**
 * A pool with nothing to act on: every instance In Service with a Ready Node, and every one of the pool's Nodes
 * (none being deleted) one of them. Such a pool's member list, read in full, can stand for the next look while
 * its scaling group's counts do not move (see `groupCountsKey`).
 */
export function membersAtRest(instances: readonly PoolInstance[], nodes: readonly RNode[]): boolean {
  if (nodes.length !== instances.length || nodes.some((n) => n.metadata.deletionTimestamp)) return false;
  return joinMembers(instances, nodes).every((m) => m.ready && m.instance.lifecycleState === 'InService');
}

/** What a scaling group says of its members without listing them: any change in it means a new listing. */
export function groupCountsKey(g: {
  state: string;
  desiredCapacity: number | undefined;
  activeConfigurationId: string | undefined;
  counts: Record<string, number>;
}): string {
  return JSON.stringify([g.state, g.desiredCapacity ?? null, g.activeConfigurationId ?? null, g.counts]);
}
