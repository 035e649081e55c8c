import { instanceOf, poolNodes } from '../../nodepool/poll.js';
import type { CloudCall } from './cloud-proxy.js';
import { CLUSTER_TAG, POOL_TAG, type TestCloud } from './cloud.js';

/** What a converged pool must look like, read from the simulator's own state (and the API server's Nodes). */
export interface Violations {
  /** Instances tagged with the pool, alive, that the pool does not hold (nor keeps by design). */
  leaked: string[];
  /** More members than desired, more instances launched than the spec ever asked for, a second group. */
  duplicate: string[];
  /** Subscription (PrePaid) instances of the pool that were released. */
  wronglyReleased: string[];
  /** Pool Nodes whose instance is not Running. */
  nodesWithoutInstance: string[];
  /** Running in-service members without a Node. */
  instancesWithoutNode: string[];
}

export const NONE: Violations = {
  leaked: [],
  duplicate: [],
  wronglyReleased: [],
  nodesWithoutInstance: [],
  instancesWithoutNode: [],
};

export function count(v: Violations): number {
  return (
    v.leaked.length +
    v.duplicate.length +
    v.wronglyReleased.length +
    v.nodesWithoutInstance.length +
    v.instancesWithoutNode.length
  );
}

/**
 * Checks one pool against the simulator. `expect.desired`: the pool exists with this many members;
 * `expect.deleted`: the pool is gone, its group too, and only its Subscription instances are alive.
 * `launchBudget` bounds what may ever have been launched for the pool ({PostPaid, PrePaid}): the sum of every
 * increase the spec asked for (a crash must never make the cloud launch twice). `calls`: the proxies' logs
 * (two RunInstances with one ClientToken must have been answered with the same instances — the simulator
 * replays — so here: no ClientToken is used by two different writes).
 */
export async function checkPool(
  c: TestCloud,
  pool: string,
  expect: { desired: number } | { deleted: true },
  launchBudget: { PostPaid: number; PrePaid: number },
  calls: CloudCall[],
): Promise<Violations> {
  const v: Violations = {
    leaked: [],
    duplicate: [],
    wronglyReleased: [],
    nodesWithoutInstance: [],
    instancesWithoutNode: [],
  };
  const tagged = [...c.sim.cloud.instances.values()].filter(
    (i) =>
      i.tags.some((t) => t.key === POOL_TAG && t.value === pool) &&
      i.tags.some((t) => t.key === CLUSTER_TAG && t.value === c.clusterId),
  );
  const groups = [...c.sim.ess.state.groups.values()].filter(
    (g) =>
      !g.deleting &&
      g.tags.some((t) => t.key === POOL_TAG && t.value === pool) &&
      g.tags.some((t) => t.key === CLUSTER_TAG && t.value === c.clusterId),
  );
  const members = groups.flatMap((g) => c.sim.ess.state.members(g.id));
  const memberIds = new Set(members.map((m) => m.instanceId));
  const deleted = 'deleted' in expect;

  if (deleted) {
    if (groups.length > 0) v.leaked.push(...groups.map((g) => `group ${g.id} still exists`));
    for (const i of tagged)
      if (i.chargeType !== 'PrePaid') v.leaked.push(`${i.instanceId} (${i.chargeType}, ${i.status})`);
  } else {
    if (groups.length !== 1)
      v.duplicate.push(`${groups.length} scaling groups: ${groups.map((g) => g.id).join(', ')}`);
    for (const i of tagged)
      if (!memberIds.has(i.instanceId))
        v.leaked.push(`${i.instanceId} (${i.chargeType}, ${i.status}, not in the group)`);
    if (members.length > expect.desired)
      v.duplicate.push(`${members.length} members for ${expect.desired} desired`);
  }

  const h = c.history(pool);
  for (const type of ['PostPaid', 'PrePaid'] as const) {
    const launched = h.launched.filter((x) => x.chargeType === type);
    if (launched.length > launchBudget[type])
      v.duplicate.push(
        `${launched.length} ${type} instances launched for a budget of ${launchBudget[type]}: ${launched.map((x) => x.instanceId).join(', ')}`,
      );
  }
  v.wronglyReleased.push(...h.released.filter((x) => x.chargeType === 'PrePaid').map((x) => x.instanceId));

  const writes = new Map<string, string>();
  for (const call of calls) {
    if (!call.clientToken) continue;
    const prior = writes.get(call.clientToken);
    if (prior !== undefined && prior !== call.action)
      v.duplicate.push(`ClientToken ${call.clientToken} used by ${prior} and ${call.action}`);
    writes.set(call.clientToken, call.action);
  }

  const nodes = await poolNodes(pool);
  for (const n of nodes) {
    const i = c.sim.cloud.instances.get(instanceOf(n));
    if (i?.status !== 'Running')
      v.nodesWithoutInstance.push(
        `${n.metadata.name} (${instanceOf(n) || 'no providerID'}: ${i?.status ?? 'released'})`,
      );
  }
  if (!deleted) {
    const withNode = new Set(nodes.map(instanceOf));
    for (const m of members) {
      if (m.state !== 'InService' || c.sim.cloud.instances.get(m.instanceId)?.status !== 'Running') continue;
      if (!withNode.has(m.instanceId)) v.instancesWithoutNode.push(m.instanceId);
    }
  }
  return v;
}
