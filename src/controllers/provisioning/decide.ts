import type { Pod } from '../../kube/index.js';
import type { Logger } from '../../log.js';
import type { Provisioning } from './context.js';
import { restartAll } from './economical-restart.js';
import { poolView, restartableIn } from './flights.js';
import type { InFlight } from './inflight.js';
import { daemonSetPods, podVolumeZones, zoneCounter } from './inputs.js';
import type { PodEvent } from './pod-events.js';
import type { AutoPool } from './pools.js';
import { notTriggeredMessage, restartedMessage, triggeredMessage } from './report.js';
import { chosenRestarts, type Restartable } from './restart.js';
import { launchAll, type Launched } from './scale-out.js';
import { ZONE_LABEL, simPodOf, simulate, type Plan, type SimPod } from './scheduling/index.js';
import { needsOf, poolTemplate } from './templates.js';

/** Re-plans after launches the cloud refused (next type, zone, pool), within one reconcile. */
const MAX_REPLANS = 5;

type Restarted = Map<string, { pool: string; node: string }>;

/** What one decision carries from one plan to the next (after a refusal or restarts). */
interface Decision {
  list: AutoPool[];
  flights: Map<string, InFlight>;
  held: ReadonlySet<string>;
  simPods: SimPod[];
  launched: Launched[];
  roomUsed: Map<string, number>;
  offered: Restartable[];
  restarted: Restarted;
  log: Logger;
}

/**
 * Simulate, launch, re-plan what the cloud refused; tell the pods. Held pods (decided before, see
 * REPLAN_HOLD_MS) are simulated too — they keep the room counted for them on nodes in flight — but a new node
 * holding only held pods is not launched (yet).
 */
export async function decide(
  ctx: Provisioning,
  list: AutoPool[],
  flights: Map<string, InFlight>,
  pending: Pod[],
  held: ReadonlySet<string>,
  log: Logger,
): Promise<Plan> {
  // one price per family, zone and market is waited for; the rest are estimated from it and fetched behind
  await ctx.catalogue.prepare(
    needsOf(list.filter((p) => !p.blocked)),
    (err) => log.debug({ err }, 'catalogue refresh failed; its last answers stand'),
    { estimate: true },
  );
  const { claims, volumes } = ctx.sources;
  const d: Decision = {
    list,
    flights,
    held,
    simPods: pending.map((p) => simPodOf(p, podVolumeZones(p, claims, volumes))),
    launched: [],
    roomUsed: new Map(),
    offered: list.flatMap((p) => restartableIn(ctx, p, flights.get(p.name))),
    restarted: new Map(),
    log,
  };
  let plan: Plan = { nodes: [], onExisting: new Map(), unschedulable: new Map() };
  for (let attempt = 0; attempt < MAX_REPLANS; attempt++) {
    plan = planOnce(ctx, d);
    const chosen = chosenRestarts(d.offered, plan.onExisting);
    if (chosen.size > 0) {
      await restartChosen(ctx, d, plan, chosen);
      continue;
    }
    if (plan.nodes.length === 0) break;
    const refused = await launchAll(ctx, list, plan.nodes, d.launched, d.roomUsed, log);
    const done = new Set(d.launched.flatMap((l) => l.node.pods));
    d.simPods = d.simPods.filter((p) => !done.has(p.key));
    if (!refused) break;
  }
  tellPods(ctx, plan, d.launched, pending, d.restarted);
  return plan;
}

/** One simulation of the pods still to decide, against the pools' room left and the nodes in flight. */
function planOnce(ctx: Provisioning, d: Decision): Plan {
  const { pods, daemonSets, allNodes } = ctx.sources;
  const templates = d.list.map((p) => {
    const v = poolView(ctx, p, d.flights.get(p.name));
    return poolTemplate({ ...v, room: v.room - (d.roomUsed.get(p.name) ?? 0) }, ctx.estimating);
  });
  const existing = [...[...d.flights.values()].flatMap((f) => f.existing), ...d.offered.map((r) => r.node)];
  const zoneOfNode = (n: string): string | undefined => allNodes.get(n)?.metadata.labels?.[ZONE_LABEL];
  const zoneCounts = zoneCounter(() => pods.list(), zoneOfNode);
  const t0 = ctx.clock.monotonic();
  let plan = simulate({
    pods: d.simPods,
    pools: templates,
    existing,
    daemonSets: daemonSetPods(daemonSets.list()),
    zoneCounts,
  });
  plan = { ...plan, nodes: plan.nodes.filter((n) => n.pods.some((k) => !d.held.has(k))) };
  for (const k of d.held) plan.unschedulable.delete(k);
  const decided = ctx.clock.monotonic();
  ctx.metrics.simulation.observe((decided - t0) / 1000);
  // a pod counted on a node already launched is decided now: the scale-out call for it was made before
  for (const key of plan.onExisting.keys()) ctx.pending.decided(key, decided);
  return plan;
}

/** Economical pools start their Stopped members first; what they do not hold is planned again. */
async function restartChosen(
  ctx: Provisioning,
  d: Decision,
  plan: Plan,
  chosen: Map<string, Restartable[]>,
): Promise<void> {
  const poolOf = new Map([...chosen.values()].flat().map((r) => [r.node.name, r.pool]));
  const names = new Set(poolOf.keys());
  for (const [key, node] of plan.onExisting)
    if (names.has(node)) d.restarted.set(key, { pool: poolOf.get(node)!, node });
  await restartAll(ctx, d.list, chosen, d.roomUsed, d.log);
  d.offered = d.offered.filter((r) => !names.has(r.node.name));
  d.simPods = d.simPods.filter((p) => !d.restarted.has(p.key));
}

/** The pods' Events: TriggeredScaleUp for those a launch or a restart is for, NotTriggerScaleUp with reasons. */
function tellPods(
  ctx: Provisioning,
  plan: Plan,
  launched: Launched[],
  pending: Pod[],
  restarted: Restarted,
): void {
  const byKey = new Map(pending.map((p) => [`${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, p]));
  const items: PodEvent[] = [];
  const tell = (key: string, reason: string, message: string): void => {
    const pod = byKey.get(key);
    if (pod) items.push({ pod, type: 'Normal', reason, message });
  };
  for (const [key, r] of restarted) tell(key, 'TriggeredScaleUp', restartedMessage(r.pool, r.node));
  for (const l of launched)
    for (const key of l.node.pods)
      tell(key, 'TriggeredScaleUp', triggeredMessage(l.node, l.ids.length, l.fallback));
  for (const [key, reasons] of plan.unschedulable)
    tell(key, 'NotTriggerScaleUp', notTriggeredMessage(reasons));
  ctx.podEvents.tell(items);
}
