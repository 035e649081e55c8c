import type { CloudInstance } from '../../cloud/types.js';
import type { Node } from '../../kube/index.js';
import { instanceIdOf } from '../nodepool/observe.js';
import { podsOnNode } from '../pods/index.js';
import type { Provisioning } from './context.js';
import { inFlightOf, type InFlight, type InFlightInput } from './inflight.js';
import type { AutoPool } from './pools.js';
import { restartableOf, type Restartable } from './restart.js';
import { marketOf, offeringOf, type PoolView } from './templates.js';

/** The pool as the planner sees it: room is maxSize less its nodes and the launches not in ESS's counts yet. */
export function poolView(ctx: Provisioning, p: AutoPool, flight: InFlight | undefined): PoolView {
  const current = Math.max(p.group?.desiredCapacity ?? 0, p.group?.counts.total ?? 0);
  const room = (p.pool.spec.scaling.maxSize ?? 0) - current - (flight?.unattached ?? 0);
  return {
    name: p.name,
    kind: p.kind,
    pool: p.pool,
    region: ctx.cloud.region,
    zones: p.zones,
    room,
    blocked: p.blocked,
  };
}

const taintsOf = (p: AutoPool) =>
  (p.pool.spec.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));

/** The pool's Nodes by the instance they run on. */
function nodesByInstance(ctx: Provisioning, pool: string): Map<string, Node> {
  const nodes = new Map<string, Node>();
  for (const n of ctx.sources.poolNodes.byIndex('pool', pool)) {
    const id = instanceIdOf(n);
    if (id) nodes.set(id, n);
  }
  return nodes;
}

/** Each pool's launches in flight: persisted records joined with ECS's and the API server's view. */
export async function flightsOf(ctx: Provisioning, list: AutoPool[]): Promise<Map<string, InFlight>> {
  // a launch whose Node is not registered yet counts as its offering, so its instance type's shape must be
  // known: right after a restart the catalogue is empty (an unknown shape would count as no room and launch
  // again), and a launch's Node may register only after the restarted operator approved its certificate
  const needs = list.map((p) => ({
    types: [...new Set(ctx.records.of(p.name).map((r) => r.instanceType))],
    zones: [],
    market: marketOf(p.pool),
  }));
  if (needs.some((n) => n.types.length > 0))
    await ctx.catalogue.prepare(needs.filter((n) => n.types.length > 0));
  const ids = list.flatMap((p) => ctx.records.of(p.name).flatMap((r) => r.instanceIds ?? []));
  const instances = new Map<string, CloudInstance>();
  if (ids.length > 0) for (const i of await ctx.cloud.describeInstances(ids)) instances.set(i.instanceId, i);
  const out = new Map<string, InFlight>();
  for (const p of list) {
    const view = poolView(ctx, p, undefined);
    const input: InFlightInput = {
      pool: p.name,
      prepaid: marketOf(p.pool) === 'prepaid',
      records: ctx.records.of(p.name),
      instances,
      nodes: nodesByInstance(ctx, p.name),
      podsOn: (n) => podsOnNode(ctx.sources.pods, n),
      offering: (r) => offeringOf(view, ctx.catalogue, r.instanceType, r.vSwitchId, r.zoneId),
      attachedAt: (r) => ctx.records.attachedAtOf(r),
      now: ctx.clock.now(),
    };
    out.set(p.name, inFlightOf(input, taintsOf(p)));
  }
  return out;
}

/** The Stopped members of an economical pool the simulation may start again (restart.ts). */
export function restartableIn(ctx: Provisioning, p: AutoPool, flight: InFlight | undefined): Restartable[] {
  if (p.blocked || p.stopped.length === 0) return [];
  const nodes = nodesByInstance(ctx, p.name);
  const view = poolView(ctx, p, flight);
  const vSwitchOf = (zone: string): string => [...p.zones].find(([, z]) => z === zone)?.[0] ?? '';
  return restartableOf({
    pool: p.name,
    stopped: p.stopped,
    records: ctx.records.of(p.name),
    room: view.room,
    nodeOf: (id) => nodes.get(id),
    offering: (m) =>
      offeringOf(view, ctx.catalogue, m.instanceType, m.vSwitchId ?? vSwitchOf(m.zoneId), m.zoneId),
    taints: taintsOf(p),
  });
}
