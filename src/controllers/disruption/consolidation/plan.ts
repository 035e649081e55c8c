import type {
  ExistingNode,
  Plan,
  PlannedNode,
  PoolTemplate,
  SimPod,
} from '../../provisioning/scheduling/index.js';
import type { Blocker, Claim, Command, NextAction } from '../types.js';
import type { Mark, UseState } from './mark.js';
import { Room, type Move, type ZoneCounts } from './room.js';
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
  zoneCounts?: ZoneCounts;
  /**
   * How many more of the pool's nodes the budget lets voluntary disruptions start now (undefined: no limit). A
   * multi-node command never takes more (it is carried out whole or not at all).
   */
  allowed?: number | undefined;
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

/**
 * The commands that go on with the consolidations already claiming nodes (they must be proposed again): one per
 * claim, except that the nodes of one multi-node command share their replacement's record (its id) and go on
 * as one command again, so that their one replacement is launched once.
 */
function resumed(claimed: readonly Member[]): Command[] {
  const groups = new Map<string, Member[]>();
  for (const m of claimed) {
    const key = m.claim!.replacement ? `r/${m.claim!.replacement.id}` : `n/${m.node}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()].map((ms) => {
    const c: Claim = ms[0]!.claim!;
    const r = c.replacement;
    return {
      method: 'consolidation',
      nodes: ms.map((m) => ({ instanceId: m.instanceId, node: m.node })),
      replacementsFirst: c.replacementsFirst,
      reason: c.reason,
      voluntary: true,
      disposal: { kind: 'remove', replace: false },
      ...(r
        ? { replacement: { instanceType: r.instanceType, zoneId: r.zoneId, vSwitchId: r.vSwitchId } }
        : {}),
    };
  });
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

/** Karpenter's cap on the candidates of one multi-node consolidation (its `MultiNodeConsolidationMaxCandidates`). */
export const MAX_MULTI_NODE = 100;

/** What one plan has decided so far. */
interface State {
  readonly input: ConsolidationInput;
  readonly s: ConsolidationSettings;
  readonly room: Room;
  readonly commands: Command[];
  /** Nodes going: already being consolidated, or removed by this plan. */
  readonly going: Set<string>;
  /** Due members this plan keeps, and why. */
  readonly held: Map<string, Blocker[]>;
  /** A replacement is under way or proposed (at most one per pool at a time). */
  replacing: boolean;
  /** Active members that stay (minSize). */
  remaining: number;
  /** Targets of the new commands (the budget's headroom, `allowed`, caps a multi-node command). */
  started: number;
}

/** Why a due member was not removed as it is (its pods do not fit on the other nodes, or minSize). */
interface Misfit {
  pods: string[];
  atMin: boolean;
}

/**
 * The consolidation planner (pure). Nodes already being consolidated are proposed again (the executor goes on
 * with them). Then, first, the pods that need room anyway — unschedulable pods and the pods of nodes being
 * disrupted — are placed by the scheduling simulation on the cluster's nodes (pool members last): room they
 * take is never given away, and a member they land on is not removed (no ping-pong with elasticity). Then the
 * members that the policy makes due (empty or underused for `after`, and `after` past its creation), in removal
 * order: each is **removed** when its pods all fit on the nodes left (none new); of those left, the largest
 * prefix of two or more whose pods fit on the nodes left plus ONE new node of the pool cheaper than all of
 * them together is **replaced** by it (Karpenter's multi-node consolidation); then each one left is **replaced**
 * when its pods fit with one new node cheaper than it. At most one replacement at a time, within maxSize; never
 * below minSize, never one with a blocker. What it waits for, or what holds the first due node, is the preview.
 */
export function planConsolidation(input: ConsolidationInput): ConsolidationPlan {
  const st = newState(input);
  reserveRoom(st);
  const { due, later } = dueMembers(input);
  const left = removeWhereTheyFit(st, due);
  replaceCheaper(st, left);
  return { commands: st.commands, ...preview(st, due, later) };
}

/** The plan's start: the consolidations under way proposed again, their nodes going. */
function newState(input: ConsolidationInput): State {
  const claimed = input.members.filter((m) => m.claim?.method === 'consolidation');
  // pool members go last in the simulation's node order, the likeliest to be removed at the very end
  const last = [...input.members]
    .sort(order)
    .reverse()
    .map((m) => m.node);
  const extra = {
    ...(input.daemonSets ? { daemonSets: input.daemonSets } : {}),
    zoneCounts: input.zoneCounts,
  };
  return {
    input,
    s: input.settings,
    room: new Room(input.nodes, last, extra),
    commands: resumed(claimed),
    going: new Set(claimed.map((m) => m.node)),
    held: new Map(),
    replacing: claimed.some((m) => m.claim!.replacement !== undefined),
    remaining: input.active - claimed.length,
    started: 0,
  };
}

/** Room promised to pods already waiting (unschedulable, or on nodes being disrupted) is taken first. */
function reserveRoom(st: State): void {
  const pods = st.input.reserved;
  if (pods.length === 0) return;
  st.room.commit(pods, st.room.place(pods, st.going).onExisting, 'reserved');
}

/** The candidates: due now (in removal order), and due later (soonest first). */
function dueMembers(input: ConsolidationInput): { due: Member[]; later: Member[] } {
  const s = input.settings;
  const candidates = input.members.filter((m) => m.eligible && !m.claim && dueAt(m, s) !== undefined);
  return {
    due: candidates.filter((m) => dueAt(m, s)! <= input.now).sort(order),
    later: candidates.filter((m) => dueAt(m, s)! > input.now).sort((a, b) => dueAt(a, s)! - dueAt(b, s)!),
  };
}

/** What keeps a due member from any consolidation in this plan. */
function holdsOf(st: State, m: Member): Blocker[] {
  const blockers: Blocker[] = [...m.blockers];
  const from = st.room.receivers.get(m.node);
  if (from)
    blockers.push({
      kind: 'PodsWouldNotFit',
      message:
        from === 'reserved'
          ? `pods waiting for room (unschedulable, or on nodes being disrupted) would run on ${m.node}`
          : `the pods of ${from} move to ${m.node}`,
    });
  const bad = m.pods.filter((p) => p.problem);
  if (bad.length > 0)
    blockers.push({
      kind: 'PodsWouldNotFit',
      message: `cannot simulate ${bad
        .slice(0, 3)
        .map((p) => `${p.key} (${p.problem})`)
        .join(', ')}`,
    });
  return blockers;
}

const moving = (m: Member): Move['nodes'][number] => ({ node: m.node, zoneId: m.zoneId, pods: m.pods });

/** Each due member whose pods all fit on the nodes left goes (placements committed); the others, and why. */
function removeWhereTheyFit(st: State, due: readonly Member[]): Map<Member, Misfit> {
  const left = new Map<Member, Misfit>();
  for (const m of due) {
    const holds = holdsOf(st, m);
    if (holds.length > 0) {
      st.held.set(m.node, holds);
      continue;
    }
    const atMin = st.remaining - 1 < st.input.minSize;
    const plan = st.room.simulate({ nodes: [moving(m)], pools: [], maxNewNodes: 0 }, st.going);
    if (plan.unschedulable.size === 0 && !atMin) {
      const fit =
        m.pods.length === 0 ? 'nothing to move' : `its ${m.pods.length} pod(s) fit on the other nodes`;
      take(st, [m], plan, undefined, `${describe(m, st.s)}: ${fit}`);
      continue;
    }
    left.set(m, { pods: [...plan.unschedulable.keys()], atMin });
  }
  return left;
}

/** A command for `ms` (their pods placed by `plan`, on the nodes left and on `node` when one is launched). */
function take(
  st: State,
  ms: readonly Member[],
  plan: Plan,
  node: PlannedNode | undefined,
  reason: string,
): void {
  for (const m of ms) {
    st.room.commit(m.pods, plan.onExisting, m.node);
    st.going.add(m.node);
  }
  st.remaining -= ms.length - (node ? 1 : 0);
  st.started += ms.length;
  if (node) st.replacing = true;
  st.commands.push({
    method: 'consolidation',
    nodes: ms.map((m) => ({ instanceId: m.instanceId, node: m.node })),
    replacementsFirst: node !== undefined,
    reason,
    voluntary: true,
    disposal: { kind: 'remove', replace: false },
    ...(node
      ? { replacement: { instanceType: node.instanceType, zoneId: node.zoneId, vSwitchId: node.vSwitchId } }
      : {}),
  });
}

/** Of the members left: several replaced by one cheaper node, then each by one cheaper node; the rest held. */
function replaceCheaper(st: State, left: Map<Member, Misfit>): void {
  // a member that receives pods of a node removed after it was looked at stays (its room is promised)
  const free = (m: Member): boolean => !st.room.receivers.has(m.node);
  for (const m of multiNode(st, [...left.keys()].filter(free))) left.delete(m);
  for (const [m, misfit] of left) {
    if (!free(m)) {
      st.held.set(m.node, holdsOf(st, m));
      continue;
    }
    if (replaceOne(st, m)) continue;
    st.held.set(m.node, [whyKept(st, m, misfit)]);
  }
}

/** Whether the pool may launch one replacement now. */
const mayLaunch = (st: State): boolean => !st.replacing && st.input.active + 1 <= st.input.maxSize;

/**
 * Karpenter's multi-node consolidation: of the underused members left (removal order, at most
 * MAX_MULTI_NODE), the largest prefix of two or more (binary search, as Karpenter's `firstNConsolidationOption`)
 * whose pods all fit on the nodes left plus at most ONE new node of the pool cheaper than the prefix's nodes
 * together — within the budget's headroom (the command is carried out whole), maxSize and minSize. Returns the
 * members taken (none when no prefix qualifies).
 */
function multiNode(st: State, left: readonly Member[]): Member[] {
  if (st.s.policy !== 'WhenEmptyOrUnderutilized' || !mayLaunch(st)) return [];
  const cands = left
    .filter((m) => m.state !== 'busy' && m.pricePerHour !== undefined)
    .slice(0, MAX_MULTI_NODE);
  const budget = st.input.allowed === undefined ? Infinity : st.input.allowed - st.started;
  let hi = Math.min(cands.length, budget, st.remaining + 1 - st.input.minSize);
  let lo = 2;
  let best: { group: Member[]; plan: Plan; node: PlannedNode | undefined } | undefined;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const r = tryGroup(st, cands.slice(0, mid));
    if (r) [best, lo] = [r, mid + 1];
    else hi = mid - 1;
  }
  if (!best) return [];
  take(st, best.group, best.plan, best.node, multiReason(st, best.group, best.node));
  return best.group;
}

/** The group's pods on the nodes left plus at most one new node cheaper than the group; undefined: no. */
function tryGroup(
  st: State,
  group: Member[],
): { group: Member[]; plan: Plan; node: PlannedNode | undefined } | undefined {
  const sum = group.reduce((a, m) => a + m.pricePerHour!, 0);
  const cheaper = cheaperTemplate(st.input, sum);
  if (!cheaper) return undefined;
  const plan = st.room.simulate({ nodes: group.map(moving), pools: [cheaper], maxNewNodes: 1 }, st.going);
  if (plan.unschedulable.size > 0 || plan.nodes.length > 1) return undefined;
  const node = plan.nodes[0];
  if (!node && st.remaining - group.length < st.input.minSize) return undefined;
  return { group, plan, node };
}

const price = (x: number): string => `${Math.round(x * 1000) / 1000}`;

function multiReason(st: State, group: readonly Member[], node: PlannedNode | undefined): string {
  const pods = group.reduce((a, m) => a + m.pods.length, 0);
  const sum = group.reduce((a, m) => a + m.pricePerHour!, 0);
  // the command's targets name every node; the reason (kept in each claim, ≤ 512 characters) names the first ones
  const names = group.map((m) => m.node);
  const nodes = `${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;
  const where = node
    ? `fit on the other nodes with one cheaper ${node.instanceType} in ${node.zoneId} (${price(node.pricePerHour)} vs ${price(sum)} CNY/h for the ${group.length}), launched and Ready first`
    : 'fit on the other nodes';
  return `nodes ${nodes} underused or empty for ${st.s.after} (below ${st.s.threshold}%): their ${pods} pod(s) ${where}`;
}

/** One member replaced by one new node cheaper than it, when its pods fit with it; false when not. */
function replaceOne(st: State, m: Member): boolean {
  const cheaper = m.pricePerHour === undefined ? undefined : cheaperTemplate(st.input, m.pricePerHour);
  if (m.state !== 'underused' || !cheaper || !mayLaunch(st)) return false;
  const r = st.room.simulate({ nodes: [moving(m)], pools: [cheaper], maxNewNodes: 1 }, st.going);
  const n = r.nodes[0];
  if (r.unschedulable.size > 0 || !n || r.nodes.length !== 1) return false;
  const reason = `${describe(m, st.s)}: its ${m.pods.length} pod(s) fit with one cheaper ${n.instanceType} in ${n.zoneId} (${n.pricePerHour} vs ${m.pricePerHour ?? '?'} CNY/h), launched and Ready first`;
  take(st, [m], r, n, reason);
  return true;
}

/** Why a due member stays: its pods fit nowhere (and no cheaper replacement holds them), or minSize. */
function whyKept(st: State, m: Member, misfit: Misfit): Blocker {
  const { input } = st;
  const p = misfit.pods;
  const why = misfit.atMin
    ? `minSize is ${input.minSize}: the pool has ${st.remaining} node(s) not being removed`
    : `pods would not fit on the other nodes: ${p.slice(0, 5).join(', ')}${p.length > 5 ? ` and ${p.length - 5} more` : ''}`;
  const noCheaper =
    m.state !== 'underused'
      ? ''
      : st.replacing
        ? '; a replacement is already under way'
        : input.active + 1 > input.maxSize
          ? `; no room for a replacement under maxSize ${input.maxSize}`
          : m.pricePerHour === undefined || !cheaperTemplate(input, m.pricePerHour)
            ? `; no cheaper instance type than ${m.instanceType} in the pool`
            : '; nor on one cheaper new node';
  return { kind: misfit.atMin ? 'MinSize' : 'PodsWouldNotFit', message: `${why}${noCheaper}` };
}

/** The preview: the first due node held and what holds it, or the node due next; when to look again. */
function preview(
  st: State,
  due: readonly Member[],
  later: readonly Member[],
): Pick<ConsolidationPlan, 'pending' | 'requeueAfterMs'> {
  const s = st.s;
  const blocked = due.find((m) => st.held.has(m.node));
  const next = later[0];
  const requeueAfterMs = next ? Math.max(1_000, dueAt(next, s)! - st.input.now) : undefined;
  if (blocked)
    return {
      pending: {
        action: 'Remove',
        nodes: [blocked.node],
        reason: describe(blocked, s),
        blockedBy: st.held.get(blocked.node)!,
      },
      requeueAfterMs,
    };
  if (!next) return { pending: undefined, requeueAfterMs };
  return {
    pending: {
      action: 'Remove',
      nodes: [next.node],
      reason: describe(next, s),
      notBefore: iso(dueAt(next, s)!),
      blockedBy: [{ kind: 'NotBefore', message: `${next.state} for less than ${s.after}` }],
    },
    requeueAfterMs,
  };
}

/** The pool's offerings cheaper than `than` CNY/h (undefined when none), as a template of one new node. */
function cheaperTemplate(input: ConsolidationInput, than: number): PoolTemplate | undefined {
  const t = input.template;
  if (!t) return undefined;
  const offerings = t.offerings.filter((o) => o.available && o.pricePerHour < than);
  return offerings.length > 0 ? { ...t, offerings, room: 1 } : undefined;
}
