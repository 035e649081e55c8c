import { Annotation } from '../../../apis/v1beta1/constants.js';
import type { NodePool } from '../../../apis/v1beta1/index.js';
import { POOL_LABEL } from '../../../bootstrap/labels.js';
import type { CloudProvider } from '../../../cloud/provider.js';
import { NodeSchema, Resources, type Node, type Pod } from '../../../kube/index.js';
import type { Clock } from '../../../runtime/clock.js';
import type { Informer } from '../../../runtime/informer.js';
import type { InformerFactory } from '../../../runtime/informer-factory.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { podInformer, podsOnNode, unschedulablePods } from '../../pods/index.js';
import { OfferingCatalogue } from '../../provisioning/catalogue.js';
import {
  ClaimSchema,
  DaemonSetSchema,
  VolumeSchema,
  daemonSetPods,
  podVolumeZones,
  provisionable,
  zoneCounter,
  type Claim as PvcClaim,
  type DaemonSet,
  type Volume,
} from '../../provisioning/inputs.js';
import {
  ZONE_LABEL,
  allocatableOfNode,
  existingNodeOf,
  simPodOf,
  type ExistingNode,
  type PoolTemplate,
  type SimPod,
} from '../../provisioning/scheduling/index.js';
import { marketOf, poolTemplate } from '../../provisioning/templates.js';
import { allowedDisruptions, isDisrupting } from '../budget.js';
import { podDisposition } from '../pods.js';
import { isActive } from '../methods/scale-in.js';
import type { Method, NodeMark, PoolView, Proposal } from '../types.js';
import { markOf, markValue, nextMark, sameMark } from './mark.js';
import { inWindow } from '../windows.js';
import { dueAt, planConsolidation, type ConsolidationPlan, type Member } from './plan.js';
import { consolidationOf, type ConsolidationSettings } from './settings.js';
import { nodeUse } from './usage.js';

/** What the consolidation method reads besides the pool's view: the cluster, and the cloud's offerings. */
export interface ConsolidationDeps {
  informers: InformerFactory;
  cloud: Pick<CloudProvider, 'instanceTypes' | 'price' | 'stock' | 'vSwitches' | 'region'>;
  clock: Clock;
}

const ready = (n: DeepReadonly<Node>): boolean =>
  n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** The cluster as the simulation needs it; the informers are made on first use (only pools that consolidate pay). */
class ClusterReader {
  private inf:
    | {
        pods: Informer<Pod>;
        nodes: Informer<Node>;
        daemonSets: Informer<DaemonSet>;
        claims: Informer<PvcClaim>;
        volumes: Informer<Volume>;
      }
    | undefined;
  private readonly zones = new Map<string, string>();

  constructor(private readonly deps: ConsolidationDeps) {}

  get pods(): Informer<Pod> {
    return this.informers().pods;
  }

  /** The informers, made once; throws while they have not synced (the pool is reconciled again). */
  synced(): NonNullable<ClusterReader['inf']> {
    const i = this.informers();
    for (const x of Object.values(i))
      if (!x.hasSynced()) throw new Error(`consolidation: the ${x.name} informer has not synced yet`);
    return i;
  }

  private informers(): NonNullable<ClusterReader['inf']> {
    const f = this.deps.informers;
    this.inf ??= {
      pods: podInformer(f),
      nodes: f.informer(Resources.nodes, NodeSchema),
      daemonSets: f.informer(Resources.daemonSets, DaemonSetSchema),
      claims: f.informer(Resources.persistentVolumeClaims, ClaimSchema),
      volumes: f.informer(Resources.persistentVolumes, VolumeSchema),
    };
    return this.inf;
  }

  /** vSwitch → zone of the pool's vSwitches (a vSwitch never moves: remembered). */
  async zonesOf(ids: readonly string[]): Promise<Map<string, string>> {
    const missing = ids.filter((v) => !this.zones.has(v));
    if (missing.length > 0)
      for (const v of await this.deps.cloud.vSwitches(missing)) this.zones.set(v.id, v.zoneId);
    return new Map(
      ids.flatMap((v) => (this.zones.has(v) ? [[v, this.zones.get(v)!] as [string, string]] : [])),
    );
  }
}

/**
 * The consolidation method (API.md "Elasticity", Consolidation): Auto pools give back empty and underused
 * nodes. Each look classifies the pool's nodes (`usage.ts`), keeps since when each is empty / underused on the
 * Node (`mark.ts`, written by the engine), and — when a node is due — reads the cluster (every Ready,
 * schedulable node not being disrupted, the pods on them, unschedulable pods, DaemonSets, bound volumes' zones)
 * for the pure planner (`plan.ts`), which uses elasticity's scheduling simulation. Voluntary: the executor holds
 * its commands by the budget; a consolidated node is drained and its instance removed with the desired capacity
 * lowered (the Delete table), after its cheaper replacement, if it has one, is a Ready node.
 */
export function consolidationMethod(deps: ConsolidationDeps): Method {
  const cluster = new ClusterReader(deps);
  const catalogue = OfferingCatalogue.shared(deps.cloud, deps.clock);
  return {
    name: 'consolidation',
    voluntary: true,
    enabled: (view) => consolidationOf(view.pool) !== undefined && !view.deleting,
    async propose(view: PoolView): Promise<Proposal> {
      const settings = consolidationOf(view.pool);
      if (!settings || view.deleting) return { commands: [] };
      const { pods } = cluster.synced();
      const { members, marks } = membersOf(view, settings, (n) => podsOnNode(pods, n));
      const anyDue = members.some(
        (m) => m.eligible && !m.claim && (dueAt(m, settings) ?? Infinity) <= view.now,
      );
      const inFlight = members.some((m) => m.claim?.method === 'consolidation');
      const scaling = view.pool.spec.scaling;
      const base = {
        settings,
        now: view.now,
        minSize: scaling.minSize ?? 0,
        maxSize: scaling.maxSize ?? 0,
        active: view.candidates.filter(isActive).length,
        members,
        // as the executor counts it: every admitted Node of the pool, those being disrupted in flight
        allowed: allowedDisruptions(
          view.pool.spec.disruption?.budget,
          view.candidates.flatMap((c) => (c.node ? [c.node] : [])),
        ),
      };
      if (!anyDue && !inFlight) return { ...planConsolidation({ ...base, nodes: [], reserved: [] }), marks };
      const world = readCluster(cluster);
      const template = members.some((m) => m.state === 'underused' && m.eligible && !m.claim)
        ? await templateOf(view, deps.cloud.region, cluster, catalogue, members)
        : undefined;
      return { ...inWindows(view, planConsolidation({ ...base, ...world, template })), marks };
    },
  };
}

/**
 * Outside the pool's maintenance windows nothing new starts: only consolidations already under way go on (a
 * drain begun inside a window finishes); the preview says which window opens when.
 */
export function inWindows(
  view: Pick<PoolView, 'windows' | 'now' | 'candidates'>,
  plan: ConsolidationPlan,
): ConsolidationPlan {
  const w = inWindow(view.windows, view.now);
  if (w.open) return plan;
  const claimed = new Set(
    view.candidates.filter((c) => c.claim?.method === 'consolidation').map((c) => c.instanceId),
  );
  const going = plan.commands.filter((c) => c.nodes.every((t) => claimed.has(t.instanceId)));
  const first = plan.commands.find((c) => !going.includes(c));
  const held = {
    kind: 'MaintenanceWindow' as const,
    message: `outside the maintenance windows: the next, ${w.window}, opens at ${new Date(w.opensAt).toISOString()}`,
  };
  const pending = first
    ? {
        action: 'Remove',
        nodes: first.nodes.map((t) => t.node ?? t.instanceId),
        reason: first.reason,
        notBefore: new Date(w.opensAt).toISOString(),
        blockedBy: [held],
      }
    : plan.pending
      ? { ...plan.pending, blockedBy: [held, ...plan.pending.blockedBy] }
      : undefined;
  return {
    commands: going,
    pending,
    requeueAfterMs: Math.min(plan.requeueAfterMs ?? Infinity, Math.max(1_000, w.opensAt - view.now)),
  };
}

/** The pool's members with Nodes, classified, with their new marks (and the writes those need). */
function membersOf(
  view: PoolView,
  s: ConsolidationSettings,
  podsOn: (node: string) => readonly DeepReadonly<Pod>[],
): { members: Member[]; marks: NodeMark[] } {
  const trusted = view.status.automation?.consolidation?.enabled === true;
  // the user's existingInstances are never consolidated (they would be detached, retained and never attached again)
  const own = new Set(view.pool.spec.existingInstances ?? []);
  const members: Member[] = [];
  const marks: NodeMark[] = [];
  for (const c of view.candidates) {
    const n = c.node;
    if (!n) continue;
    const name = n.metadata.name;
    const pods = podsOn(name);
    const use = nodeUse(n, pods, allocatableOfNode(n), s.threshold);
    const cordonedByOthers =
      n.spec?.unschedulable === true && n.metadata.annotations?.[Annotation.cordoned] !== 'true';
    const eligible =
      c.ready &&
      !n.metadata.deletionTimestamp &&
      c.instance.lifecycleState === 'InService' &&
      c.instance.status === 'Running' &&
      !cordonedByOthers &&
      !own.has(c.instanceId);
    const prior = markOf(n);
    // a claimed node keeps its mark as it is; one that may not be consolidated now starts again later
    const mark = c.claim
      ? prior
      : eligible
        ? nextMark(prior, use.state, s.threshold, view.now, trusted)
        : undefined;
    if (!sameMark(prior, mark))
      marks.push({ node: name, annotations: { [Annotation.consolidatable]: markValue(mark) } });
    members.push({
      instanceId: c.instanceId,
      node: name,
      createdAt: Date.parse(n.metadata.creationTimestamp ?? '') || 0,
      eligible,
      claim: c.claim,
      state: use.state,
      cpuPercent: use.cpuPercent,
      memoryPercent: use.memoryPercent,
      mark,
      pods: use.moving.map((p) => simPodOf(p as Pod)),
      blockers: use.blockers,
      instanceType: c.instance.instanceType,
      zoneId: c.instance.zoneId,
      pricePerHour: undefined,
    });
  }
  return { members, marks };
}

/**
 * The cluster for the planner: every Ready, schedulable Node not being disrupted (any pool or none: where the
 * scheduler may put the pods), the pods that need room first — unschedulable pods, and the pods of Nodes being
 * disrupted (drained, cordoned by the operator, deleted) — DaemonSets, and zone counts of bound pods.
 */
function readCluster(cluster: ClusterReader): {
  nodes: ExistingNode[];
  reserved: SimPod[];
  daemonSets: SimPod[];
  zoneCounts: ReturnType<typeof zoneCounter>;
} {
  const i = cluster.synced();
  const zonesOfPvcs = (p: Pod): string[] | undefined => podVolumeZones(p, i.claims, i.volumes);
  const nodes: ExistingNode[] = [];
  const reserved: SimPod[] = [];
  const leaving = new Set<string>();
  for (const n of i.nodes.list()) {
    const name = n.metadata.name;
    const pods = podsOnNode(i.pods, name);
    if (isDisrupting(n) || n.metadata.deletionTimestamp) {
      leaving.add(name);
      for (const p of pods) if (isMoving(p)) reserved.push(simPodOf(p, zonesOfPvcs(p)));
      continue;
    }
    if (!ready(n) || n.spec?.unschedulable) continue;
    nodes.push(existingNodeOf(n, pods, n.metadata.labels?.[POOL_LABEL]));
  }
  for (const p of unschedulablePods(i.pods)) if (provisionable(p)) reserved.push(simPodOf(p, zonesOfPvcs(p)));
  // the pool's own members already being consolidated are in `leaving` too (claimed → disrupting)
  const zoneOf = (node: string): string | undefined =>
    leaving.has(node) ? undefined : i.nodes.get(node)?.metadata.labels?.[ZONE_LABEL];
  return {
    nodes,
    reserved,
    daemonSets: daemonSetPods(i.daemonSets.list()),
    zoneCounts: zoneCounter(() => i.pods.list(), zoneOf),
  };
}

/** A pod a drain moves (evicts, or waits for: do-not-disrupt): not a DaemonSet's, mirror, finished or going. */
const isMoving = (p: Pod): boolean => ['evict', 'protected'].includes(podDisposition(p));

/** The pool as a template of new nodes (prices from the shared catalogue), and each member's own price. */
async function templateOf(
  view: PoolView,
  region: string,
  cluster: ClusterReader,
  catalogue: OfferingCatalogue,
  members: Member[],
): Promise<PoolTemplate | undefined> {
  const pool = view.pool as NodePool; // read only below
  const zones = await cluster.zonesOf(pool.spec.vSwitchIds);
  const market = marketOf(pool);
  const types = [...new Set([...pool.spec.instanceTypes, ...members.map((m) => m.instanceType)])];
  await catalogue.prepare([{ types, zones: [...new Set(zones.values())], market }]);
  for (const m of members) if (m.zoneId) m.pricePerHour = catalogue.price(m.instanceType, m.zoneId, market);
  return poolTemplate({ name: pool.metadata.name, kind: view.kind, pool, region, zones, room: 1 }, catalogue);
}
