import type { LabelSelector } from '../../../kube/index.js';
import {
  selectorMatches,
  simulate,
  type ExistingNode,
  type PoolTemplate,
  type Resources,
  type SimPod,
} from '../../provisioning/scheduling/index.js';
import type { Blocker, Claim, Command, NextAction } from '../types.js';
import type { Mark, UseState } from './mark.js';
import type { ConsolidationSettings } from './settings.js';

/** A member of the pool as the consolidation planner sees it. */
export interface Member {
  instanceId: string;
  node: string;
  /** The Node's creationTimestamp (ms): a node is never removed sooner than `after` past it. */
  createdAt: number;
  /** Ready, in service and running, not being deleted, not cordoned by someone else: it may be consolidated. */
  eligible: boolean;
  /** The command already claiming it (any method). */
  claim: Claim | undefined;
  state: UseState;
  cpuPercent: number;
  memoryPercent: number;
  /** Its mark after this look (see `nextMark`): since when it is empty / underused. */
  mark: Mark | undefined;
  /** The pods a removal moves, as the simulation sees them. */
  pods: readonly SimPod[];
  /** Why it may not be consolidated at all (do-not-disrupt, local storage, no controller). */
  blockers: readonly Blocker[];
  instanceType: string;
  zoneId: string | undefined;
  /** What it costs (CNY/h) in the pool's market; undefined: unknown (no cheaper replacement then). */
  pricePerHour: number | undefined;
}

export interface ConsolidationInput {
  settings: ConsolidationSettings;
  now: number;
  minSize: number;
  maxSize: number;
  /** Members counting toward the pool's size (in service or launching; not stopped, not being removed). */
  active: number;
  members: readonly Member[];
  /**
   * Every node the scheduler may place pods on: Ready, schedulable, not being disrupted — in the whole cluster,
   * the pool's own members included. The pods of a removed node must fit on the others.
   */
  nodes: readonly ExistingNode[];
  /** Pods that need room before any consolidation: unschedulable pods, and the pods of nodes being disrupted. */
  reserved: readonly SimPod[];
  daemonSets?: readonly SimPod[];
  /** Matching pods per zone (bound pods, nodes being disrupted left out), for zone spread and anti-affinity. */
  zoneCounts?: (namespace: string, selector: LabelSelector | undefined) => ReadonlyMap<string, number>;
  /** The pool's new-node template (its offerings and prices) for one cheaper replacement; undefined: none. */
  template?: PoolTemplate | undefined;
}

export interface ConsolidationPlan {
  commands: Command[];
  pending?: NextAction | undefined;
  /** When the next node becomes due (ms from now). */
  requeueAfterMs?: number | undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const pct = (x: number): string => `${Math.round(x)}%`;
const plus = (a: Resources, b: Resources): Resources => ({
  cpuMilli: a.cpuMilli + b.cpuMilli,
  memoryMiB: a.memoryMiB + b.memoryMiB,
  gpus: a.gpus + b.gpus,
  pods: a.pods + b.pods,
});

/** When a member becomes removable by the policy (ms), or undefined when its state does not qualify. */
export function dueAt(m: Member, s: ConsolidationSettings): number | undefined {
  if (!m.mark) return undefined;
  const since = s.policy === 'WhenEmpty' ? m.mark.emptySince : m.mark.underusedSince;
  if (since === undefined) return undefined;
  return Math.max(Date.parse(since), m.createdAt) + s.afterMs;
}

function describe(m: Member, s: ConsolidationSettings): string {
  if (m.state === 'empty')
    return `node ${m.node} empty since ${m.mark?.emptySince ?? '?'} (after ${s.after})`;
  return `node ${m.node} underused since ${m.mark?.underusedSince ?? '?'} (requests: CPU ${pct(m.cpuPercent)}, memory ${pct(m.memoryPercent)} of allocatable, below ${s.threshold}%; after ${s.after})`;
}

/** The command that goes on with a consolidation already claiming its node (it must be proposed again). */
function resumed(m: Member): Command {
  const c = m.claim!;
  return {
    method: 'consolidation',
    nodes: [{ instanceId: m.instanceId, node: m.node }],
    replacementsFirst: c.replacementsFirst,
    reason: c.reason,
    voluntary: true,
    disposal: { kind: 'remove', replace: false },
    ...(c.replacement
      ? {
          replacement: {
            instanceType: c.replacement.instanceType,
            zoneId: c.replacement.zoneId,
            vSwitchId: c.replacement.vSwitchId,
          },
        }
      : {}),
  };
}

/** Removal order: empty first, then the fewest pods to move, the least used, the newest, by name. */
function order(a: Member, b: Member): number {
  if ((a.state === 'empty') !== (b.state === 'empty')) return a.state === 'empty' ? -1 : 1;
  if (a.pods.length !== b.pods.length) return a.pods.length - b.pods.length;
  const ua = Math.max(a.cpuPercent, a.memoryPercent);
  const ub = Math.max(b.cpuPercent, b.memoryPercent);
  if (ua !== ub) return ua - ub;
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

/** The cluster's free room as the planner commits moves into it (copies of the input nodes). */
type Mutable = Omit<ExistingNode, 'pods' | 'hostPorts'> & {
  pods: ExistingNode['pods'][number][];
  hostPorts: string[];
};

class Room {
  private readonly byName = new Map<string, Mutable>();
  /** Nodes that receive pods in this plan: not removed in the same plan. */
  readonly receivers = new Map<string, string>();

  constructor(nodes: readonly ExistingNode[]) {
    for (const n of nodes) this.byName.set(n.name, { ...n, pods: [...n.pods], hostPorts: [...n.hostPorts] });
  }

  /** The nodes in simulation order (`last` at the end, in that order), without `without`. */
  list(last: readonly string[], without: ReadonlySet<string>): ExistingNode[] {
    const tail = new Set(last);
    const head = [...this.byName.values()].filter((n) => !tail.has(n.name) && !without.has(n.name));
    return [...head, ...last.filter((x) => !without.has(x)).flatMap((x) => this.byName.get(x) ?? [])];
  }

  commit(pods: readonly SimPod[], placed: ReadonlyMap<string, string>, from: string): void {
    for (const p of pods) {
      const to = placed.get(p.key);
      const n = to ? this.byName.get(to) : undefined;
      if (!n) continue;
      n.used = plus(n.used, p.requests);
      n.pods.push({ namespace: p.namespace, labels: p.labels, antiAffinity: p.antiAffinity });
      n.hostPorts.push(...p.hostPorts);
      if (!this.receivers.has(n.name)) this.receivers.set(n.name, from);
    }
  }
}

/**
 * The consolidation planner (pure). Nodes already being consolidated are proposed again (the executor goes on
 * with them). Then, first, the pods that need room anyway — unschedulable pods and the pods of nodes being
 * disrupted — are placed by the scheduling simulation on the cluster's nodes (pool members last): room they
 * take is never given away, and a member they land on is not removed (no ping-pong with elasticity). Then each
 * member that the policy makes due (empty or underused for `after`, and `after` past its creation), in
 * removal order, is removed when its pods all fit on the nodes left (none new), or replaced when they fit with
 * ONE new node of the pool cheaper than it (at most one replacement at a time, within maxSize) — never below
 * minSize, never one with a blocker. What it waits for, or what holds the first due node, is the preview.
 */
export function planConsolidation(input: ConsolidationInput): ConsolidationPlan {
  const s = input.settings;
  const commands: Command[] = [];
  const going = new Set<string>();
  let replacing = false;
  for (const m of input.members) {
    if (m.claim?.method !== 'consolidation') continue;
    commands.push(resumed(m));
    going.add(m.node);
    if (m.claim.replacement) replacing = true;
  }
  let remaining = input.active - going.size;
  const candidates = input.members.filter((m) => m.eligible && !m.claim && dueAt(m, s) !== undefined);
  const due = candidates.filter((m) => dueAt(m, s)! <= input.now).sort(order);
  const later = candidates
    .filter((m) => dueAt(m, s)! > input.now)
    .sort((a, b) => dueAt(a, s)! - dueAt(b, s)!);
  // pool members go last in the simulation's node order, the likeliest to be removed at the very end
  const last = [...input.members]
    .sort(order)
    .reverse()
    .map((m) => m.node);
  const room = new Room(input.nodes);
  const zoneCounts = input.zoneCounts;
  if (input.reserved.length > 0) {
    const plan = simulate({
      pods: input.reserved,
      pools: [],
      existing: room.list(last, going),
      maxNewNodes: 0,
      ...(input.daemonSets ? { daemonSets: input.daemonSets } : {}),
      ...(zoneCounts ? { zoneCounts } : {}),
    });
    room.commit(input.reserved, plan.onExisting, 'reserved');
  }
  let blocked: { m: Member; blockedBy: Blocker[] } | undefined;
  for (const m of due) {
    const blockers: Blocker[] = [...m.blockers];
    const from = room.receivers.get(m.node);
    if (from)
      blockers.push({
        kind: 'PodsWouldNotFit',
        message:
          from === 'reserved'
            ? `pods waiting for room (unschedulable, or on nodes being disrupted) would run on ${m.node}`
            : `the pods of ${from} move to ${m.node}`,
      });
    if (m.pods.some((p) => p.problem))
      blockers.push({
        kind: 'PodsWouldNotFit',
        message: `cannot simulate ${m.pods
          .filter((p) => p.problem)
          .map((p) => `${p.key} (${p.problem})`)
          .slice(0, 3)
          .join(', ')}`,
      });
    if (blockers.length > 0) {
      blocked ??= { m, blockedBy: blockers };
      continue;
    }
    const without = new Set([...going, m.node]);
    const counts = zoneCounts && m.zoneId ? minusOwn(zoneCounts, m) : zoneCounts;
    const sim = (pools: PoolTemplate[], maxNewNodes: number) =>
      simulate({
        pods: m.pods,
        pools,
        existing: room.list(last, without),
        maxNewNodes,
        ...(input.daemonSets ? { daemonSets: input.daemonSets } : {}),
        ...(counts ? { zoneCounts: counts } : {}),
      });
    // at minSize a node may still be replaced by a cheaper one, never removed
    const atMin = remaining - 1 < input.minSize;
    const plan = sim([], 0);
    if (plan.unschedulable.size === 0 && !atMin) {
      room.commit(m.pods, plan.onExisting, m.node);
      going.add(m.node);
      remaining--;
      commands.push({
        method: 'consolidation',
        nodes: [{ instanceId: m.instanceId, node: m.node }],
        replacementsFirst: false,
        reason: `${describe(m, s)}: ${m.pods.length === 0 ? 'nothing to move' : `its ${m.pods.length} pod(s) fit on the other nodes`}`,
        voluntary: true,
        disposal: { kind: 'remove', replace: false },
      });
      continue;
    }
    const misfit = [...plan.unschedulable.keys()];
    const cheaper = cheaperTemplate(input, m);
    const why = atMin
      ? `minSize is ${input.minSize}: the pool has ${remaining} node(s) not being removed`
      : `pods would not fit on the other nodes: ${misfit.slice(0, 5).join(', ')}${misfit.length > 5 ? ` and ${misfit.length - 5} more` : ''}`;
    if (m.state === 'underused' && cheaper && !replacing && input.active + 1 <= input.maxSize) {
      const r = sim([cheaper], 1);
      const n = r.nodes[0];
      if (r.unschedulable.size === 0 && n && r.nodes.length === 1) {
        room.commit(m.pods, r.onExisting, m.node);
        going.add(m.node);
        replacing = true;
        commands.push({
          method: 'consolidation',
          nodes: [{ instanceId: m.instanceId, node: m.node }],
          replacementsFirst: true,
          reason: `${describe(m, s)}: its ${m.pods.length} pod(s) fit with one cheaper ${n.instanceType} in ${n.zoneId} (${n.pricePerHour} vs ${m.pricePerHour ?? '?'} CNY/h), launched and Ready first`,
          voluntary: true,
          disposal: { kind: 'remove', replace: false },
          replacement: { instanceType: n.instanceType, zoneId: n.zoneId, vSwitchId: n.vSwitchId },
        });
        continue;
      }
    }
    const noCheaper =
      m.state !== 'underused'
        ? ''
        : replacing
          ? '; a replacement is already under way'
          : input.active + 1 > input.maxSize
            ? `; no room for a replacement under maxSize ${input.maxSize}`
            : !cheaper
              ? `; no cheaper instance type than ${m.instanceType} in the pool`
              : '; nor on one cheaper new node';
    blocked ??= {
      m,
      blockedBy: [
        {
          kind: atMin ? 'MinSize' : 'PodsWouldNotFit',
          message: `${why}${atMin && m.state !== 'underused' ? '' : noCheaper}`,
        },
      ],
    };
  }
  const next = later[0];
  const pending: NextAction | undefined = blocked
    ? {
        action: 'Remove',
        nodes: [blocked.m.node],
        reason: describe(blocked.m, s),
        blockedBy: blocked.blockedBy,
      }
    : next
      ? {
          action: 'Remove',
          nodes: [next.node],
          reason: describe(next, s),
          notBefore: iso(dueAt(next, s)!),
          blockedBy: [{ kind: 'NotBefore', message: `${next.state} for less than ${s.after}` }],
        }
      : undefined;
  const requeueAfterMs = next ? Math.max(1_000, dueAt(next, s)! - input.now) : undefined;
  return { commands, pending, requeueAfterMs };
}

/** The pool's offerings cheaper than the member (undefined when none, or its price is unknown). */
function cheaperTemplate(input: ConsolidationInput, m: Member): PoolTemplate | undefined {
  const t = input.template;
  if (!t || m.pricePerHour === undefined) return undefined;
  const offerings = t.offerings.filter((o) => o.available && o.pricePerHour < m.pricePerHour!);
  return offerings.length > 0 ? { ...t, offerings, room: 1 } : undefined;
}

/** Zone counts without the member's own pods (they are the ones moving). */
function minusOwn(
  counts: NonNullable<ConsolidationInput['zoneCounts']>,
  m: Member,
): NonNullable<ConsolidationInput['zoneCounts']> {
  return (ns, selector) => {
    const base = counts(ns, selector);
    const own = m.pods.filter((p) => p.namespace === ns && selectorMatches(selector, p.labels)).length;
    if (own === 0 || !m.zoneId) return base;
    const out = new Map(base);
    out.set(m.zoneId, Math.max(0, (out.get(m.zoneId) ?? 0) - own));
    return out;
  };
}
