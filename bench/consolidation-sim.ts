// The modelled half of `npm run bench:consolidation`: Karpenter's consolidation phase (1,000 → 700 pods of its
// basic workload) played on a modelled cluster with the operator's own consolidation planner and scheduling
// simulation, on a simulated clock. What is modelled (not the real controllers): the executor (budget per pool,
// a drain taking DRAIN_S, a replacement booting in BOOT_S), the scheduler (a drained node's pods placed by the
// same simulation on the nodes left), and elasticity (pods the scheduler cannot place start new nodes: counted,
// they would be a consolidation's ping-pong).
import { planConsolidation, type Member } from '../src/controllers/disruption/consolidation/plan.js';
import { nextMark, type Mark } from '../src/controllers/disruption/consolidation/mark.js';
import type { ConsolidationSettings } from '../src/controllers/disruption/consolidation/settings.js';
import { parseDuration } from '../src/controllers/disruption/duration.js';
import { simulate, type ExistingNode, type Offering, type PoolTemplate, type SimPod } from '../src/controllers/provisioning/scheduling/index.js'; // prettier-ignore
import { familyPools, karpenterPods } from './elasticity-sim.js';

export interface ConsolidationKnobs {
  /** Pods kept of the 1,000 (the same share of each Deployment removed, spread evenly). */
  keep: number;
  after: string;
  threshold: number;
  /** disruption.budget in percent of each pool's nodes. */
  budgetPercent: number;
  drainS: number;
  bootS: number;
  /** How often each pool is reconciled (s). */
  tickS: number;
  /** Give up after this long, simulated (s). */
  limitS: number;
}

interface MNode {
  name: string;
  pool: PoolTemplate;
  offering: Offering;
  pods: SimPod[];
  createdAt: number;
  /** When it is (or was) a Ready node. */
  readyAt: number;
  mark?: Mark | undefined;
  claim?: { since: number; reason: string; replacement?: MNode | undefined; drainAt?: number | undefined };
}

export interface ConsolidationFigures {
  startNodes: number;
  endNodes: number;
  startCostPerHour: number;
  endCostPerHour: number;
  /** Every kept pod's requests at the catalogue's cheapest CPU and GiB rates. */
  boundPerHour: number;
  /** Simulated seconds from the scale-down to the last change of the node count. */
  settleS: number;
  removed: number;
  /** Replacements launched (one per replacing command, whatever its number of nodes). */
  replaced: number;
  /** Commands that removed several nodes at once (multi-node consolidation), and their nodes. */
  multi: { commands: number; nodes: number };
  /** Nodes below the threshold for CPU and memory right after the scale-down (the policy's underused ones). */
  underusedAtStart: number;
  /** Each node's use right after the scale-down, the larger of CPU and memory requests (%): min, median, max. */
  useAtStart: { min: number; p50: number; max: number };
  /** Nodes elasticity had to start for pods a consolidation displaced (ping-pong): should be 0. */
  scaleOuts: number;
  /** Pods left unplaced at the end (should be 0). */
  unplaced: number;
  /** Planner time: median and max per reconcile round of all pools (ms, wall). */
  planMs: { p50: number; max: number };
  byType: Record<string, number>;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const quantile = (xs: number[], q: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0; }; // prettier-ignore

/** The catalogue's cheapest rates (src/sim/cloud/catalogue.ts, 8th generation) in the cheapest zone. */
const CPU_RATE = 0.098 * 0.97;
const MEM_RATE = 0.019 * 0.97;

function asExisting(n: MNode): ExistingNode {
  const used = { cpuMilli: sum(n.pods.map((p) => p.requests.cpuMilli)), memoryMiB: sum(n.pods.map((p) => p.requests.memoryMiB)), gpus: 0, pods: n.pods.length }; // prettier-ignore
  return { name: n.name, pool: n.pool.name, labels: { ...n.offering.labels, 'kubernetes.io/hostname': n.name }, taints: [], allocatable: n.offering.allocatable, used, pods: n.pods.map((p) => ({ namespace: p.namespace, labels: p.labels, antiAffinity: p.antiAffinity })), hostPorts: [] }; // prettier-ignore
}

/** A node's use: the larger of its CPU and memory requests, in percent of allocatable. */
function use(e: ExistingNode): number {
  return 100 * Math.max(e.used.cpuMilli / e.allocatable.cpuMilli, e.used.memoryMiB / e.allocatable.memoryMiB);
}

/** Below the threshold for CPU and memory requests (usage.ts's underused). */
function underused(e: ExistingNode, threshold: number): boolean {
  const below = (used: number, alloc: number) => 100 * used < threshold * alloc;
  return below(e.used.cpuMilli, e.allocatable.cpuMilli) && below(e.used.memoryMiB, e.allocatable.memoryMiB);
}

/** The claim the operator would have recorded on a node (with its replacement's record, shared by a command). */
function claimOf(n: MNode): Member['claim'] {
  const c = n.claim;
  if (!c) return undefined;
  const since = new Date(c.since).toISOString();
  const r = c.replacement;
  return {
    method: 'consolidation',
    reason: c.reason,
    voluntary: true,
    replacementsFirst: r !== undefined,
    disposal: 'remove',
    since,
    ...(r
      ? {
          replacement: {
            id: r.name,
            startedAt: since,
            instanceType: r.offering.instanceType,
            zoneId: r.offering.zoneId,
            vSwitchId: r.offering.vSwitchId,
          },
        }
      : {}),
  };
}

/** Plays the phase (deterministic). */
export function consolidationPhase(k: ConsolidationKnobs): ConsolidationFigures {
  const settings: ConsolidationSettings = { policy: 'WhenEmptyOrUnderutilized', after: k.after, afterMs: parseDuration(k.after), threshold: k.threshold }; // prettier-ignore
  const pools = familyPools();
  const offeringOf = (pool: string, type: string, zone: string): Offering => pools.find((p) => p.name === pool)!.offerings.find((o) => o.instanceType === type && o.zoneId === zone)!; // prettier-ignore
  const all = karpenterPods();
  const byKey = new Map(all.map((p) => [p.key, p]));
  let seq = 0;
  const nodes: MNode[] = [];
  let t = 0;
  const start = simulate({ pods: all, pools });
  for (const pn of start.nodes) nodes.push({ name: `n-${++seq}`, pool: pools.find((p) => p.name === pn.pool)!, offering: offeringOf(pn.pool, pn.instanceType, pn.zoneId), pods: pn.pods.map((x) => byKey.get(x)!), createdAt: -3600_000, readyAt: -3600_000 }); // prettier-ignore
  // the scale-down: the same share of each Deployment goes, spread evenly over its pods (index order)
  const gone = new Set<string>();
  for (const app of ['small', 'large']) {
    const keys = all.filter((p) => p.labels.app === app).map((p) => p.key);
    const drop = Math.round((keys.length * (all.length - k.keep)) / all.length);
    for (let i = 0; i < drop; i++) gone.add(keys[Math.floor((i * keys.length) / drop)]!);
  }
  for (const n of nodes) n.pods = n.pods.filter((p) => !gone.has(p.key));
  const kept = nodes.flatMap((n) => n.pods);
  const underusedAtStart = nodes.filter((n) => underused(asExisting(n), k.threshold)).length;
  const uses = nodes.map((n) => use(asExisting(n)));
  const useAtStart = { min: Math.min(...uses), p50: quantile(uses, 0.5), max: Math.max(...uses) };
  const bound = sum(kept.map((p) => (p.requests.cpuMilli / 1000) * CPU_RATE + (p.requests.memoryMiB / 1024) * MEM_RATE)); // prettier-ignore
  const cost = () => sum(nodes.map((n) => n.offering.pricePerHour));
  const startNodes = nodes.length;
  const startCost = cost();
  let lastChange = 0;
  let removed = 0;
  let replaced = 0;
  const multi = { commands: 0, nodes: 0 };
  let scaleOuts = 0;
  const pending: SimPod[] = [];
  const planMs: number[] = [];
  const ready = (n: MNode) => n.readyAt <= t;

  /** The scheduler: pods placed on Ready, unclaimed nodes; what does not fit starts nodes (elasticity). */
  const schedule = (pods: SimPod[]): void => {
    const dests = nodes.filter((n) => ready(n) && !n.claim);
    const plan = simulate({ pods, pools: [], existing: dests.map(asExisting), maxNewNodes: 0 });
    for (const p of pods) {
      const to = plan.onExisting.get(p.key);
      if (to) dests.find((n) => n.name === to)!.pods.push(p);
      else pending.push(p);
    }
  };
  const elasticity = (): void => {
    if (pending.length === 0) return;
    const plan = simulate({ pods: pending.splice(0), pools });
    for (const pn of plan.nodes) {
      scaleOuts++;
      nodes.push({ name: `n-${++seq}`, pool: pools.find((p) => p.name === pn.pool)!, offering: offeringOf(pn.pool, pn.instanceType, pn.zoneId), pods: pn.pods.map((x) => byKey.get(x)!), createdAt: t, readyAt: t + k.bootS * 1000 }); // prettier-ignore
    }
  };

  for (; t <= k.limitS * 1000; t += k.tickS * 1000) {
    // the executor: drains finish, replacements become Ready, pods move, nodes go
    for (const n of [...nodes]) {
      const c = n.claim;
      if (!c) continue;
      if (c.replacement && !ready(c.replacement)) continue;
      c.drainAt ??= t;
      if (t - c.drainAt < k.drainS * 1000) continue;
      nodes.splice(nodes.indexOf(n), 1);
      lastChange = t;
      removed++;
      schedule(n.pods);
    }
    elasticity();
    let busy = nodes.some((n) => n.claim);
    const t0 = performance.now();
    for (const pool of pools) {
      const mine = nodes.filter((n) => n.pool === pool);
      if (mine.length === 0) continue;
      const members: Member[] = mine.map((n) => {
        const e = asExisting(n);
        const cpu = (100 * e.used.cpuMilli) / e.allocatable.cpuMilli;
        const mem = (100 * e.used.memoryMiB) / e.allocatable.memoryMiB;
        const state =
          n.pods.length === 0 ? 'empty' : cpu < k.threshold && mem < k.threshold ? 'underused' : 'busy';
        if (ready(n) && !n.claim) n.mark = nextMark(n.mark, state, k.threshold, t, true);
        return { instanceId: n.name, node: n.name, createdAt: n.createdAt, eligible: ready(n), claim: claimOf(n), state, cpuPercent: cpu, memoryPercent: mem, mark: n.mark, pods: n.pods, blockers: [], instanceType: n.offering.instanceType, zoneId: n.offering.zoneId, pricePerHour: n.offering.pricePerHour }; // prettier-ignore
      });
      const limit = Math.ceil((mine.length * k.budgetPercent) / 100);
      let inFlight = mine.filter((n) => n.claim).length;
      const plan = planConsolidation({
        settings,
        now: t,
        minSize: 0,
        maxSize: 2000,
        active: mine.length,
        members,
        nodes: nodes.filter((n) => ready(n) && !n.claim).map(asExisting),
        reserved: [...pending, ...nodes.filter((n) => n.claim).flatMap((n) => n.pods)],
        template: { ...pool, room: 1 },
        allowed: Math.max(0, limit - inFlight),
      });
      // the executor: each target claimed while the budget allows; a command's one replacement launched once
      for (const c of plan.commands) {
        const targets = c.nodes.map((x) => mine.find((n) => n.name === x.node)!).filter((n) => !n.claim);
        const claimed = targets.slice(0, Math.max(0, limit - inFlight));
        inFlight += claimed.length;
        if (claimed.length === 0) continue;
        busy = true;
        let replacement: MNode | undefined;
        if (c.replacement) {
          const r = c.replacement;
          const offering = offeringOf(pool.name, r.instanceType, r.zoneId);
          const readyAt = t + k.bootS * 1000;
          replacement = { name: `n-${++seq}`, pool, offering, pods: [], createdAt: t, readyAt };
          nodes.push(replacement);
          replaced++;
        }
        if (c.nodes.length > 1) {
          multi.commands++;
          multi.nodes += claimed.length;
        }
        for (const n of claimed) n.claim = { since: t, reason: c.reason, replacement };
      }
      if (plan.requeueAfterMs !== undefined) busy = true;
    }
    planMs.push(performance.now() - t0);
    if (!busy && pending.length === 0 && t - lastChange > k.tickS * 1000) break;
  }
  const byType: Record<string, number> = {};
  for (const n of nodes) byType[n.offering.instanceType] = (byType[n.offering.instanceType] ?? 0) + 1;
  return { startNodes, endNodes: nodes.length, startCostPerHour: startCost, endCostPerHour: cost(), boundPerHour: bound, settleS: lastChange / 1000, removed, replaced, multi, underusedAtStart, useAtStart, scaleOuts, unplaced: pending.length, planMs: { p50: quantile(planMs, 0.5), max: Math.max(...planMs) }, byType }; // prettier-ignore
}
