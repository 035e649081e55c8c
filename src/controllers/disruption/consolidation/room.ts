import type { LabelSelector } from '../../../kube/index.js';
import {
  selectorMatches,
  simulate,
  type ExistingNode,
  type Plan,
  type PoolTemplate,
  type Resources,
  type SimPod,
} from '../../provisioning/scheduling/index.js';

const plus = (a: Resources, b: Resources): Resources => ({
  cpuMilli: a.cpuMilli + b.cpuMilli,
  memoryMiB: a.memoryMiB + b.memoryMiB,
  gpus: a.gpus + b.gpus,
  pods: a.pods + b.pods,
});

/** Matching pods per zone, as the scheduling simulation reads them. */
export type ZoneCounts = (
  namespace: string,
  selector: LabelSelector | undefined,
) => ReadonlyMap<string, number>;

/** The cluster's free room as the planner commits moves into it (copies of the input nodes). */
type Mutable = Omit<ExistingNode, 'pods' | 'hostPorts'> & {
  pods: ExistingNode['pods'][number][];
  hostPorts: string[];
};

/** Nodes that leave and the pods they move: what one simulation of the consolidation planner asks. */
export interface Move {
  /** The nodes going in this step (besides those already going). */
  nodes: readonly { node: string; zoneId: string | undefined; pods: readonly SimPod[] }[];
  /** New nodes the pods may open (a cheaper replacement), and how many. */
  pools: readonly PoolTemplate[];
  maxNewNodes: number;
}

export class Room {
  private readonly byName = new Map<string, Mutable>();
  /** Nodes that receive pods in this plan: not removed in the same plan. */
  readonly receivers = new Map<string, string>();

  /**
   * @param last the pool's members in simulation order, put at the end (the likeliest to be removed later)
   */
  constructor(
    nodes: readonly ExistingNode[],
    private readonly last: readonly string[],
    private readonly extra: { daemonSets?: readonly SimPod[]; zoneCounts?: ZoneCounts | undefined } = {},
  ) {
    for (const n of nodes) this.byName.set(n.name, { ...n, pods: [...n.pods], hostPorts: [...n.hostPorts] });
  }

  /** The nodes in simulation order (`last` at the end, in that order), without `without`. */
  list(without: ReadonlySet<string>): ExistingNode[] {
    const tail = new Set(this.last);
    const head = [...this.byName.values()].filter((n) => !tail.has(n.name) && !without.has(n.name));
    return [...head, ...this.last.filter((x) => !without.has(x)).flatMap((x) => this.byName.get(x) ?? [])];
  }

  /** Where `move`'s pods would run, on the nodes left (not `going`, not the moving nodes) plus new ones. */
  simulate(move: Move, going: ReadonlySet<string>): Plan {
    const without = new Set([...going, ...move.nodes.map((n) => n.node)]);
    const zc = this.extra.zoneCounts;
    const counts = zc ? move.nodes.reduce((c, n) => minusOwn(c, n.zoneId, n.pods), zc) : undefined;
    return this.run(
      move.nodes.flatMap((n) => n.pods),
      move.pools,
      move.maxNewNodes,
      without,
      counts,
    );
  }

  /** Where pods waiting for room would run on the nodes not `going` (no new node). */
  place(pods: readonly SimPod[], going: ReadonlySet<string>): Plan {
    return this.run(pods, [], 0, going, this.extra.zoneCounts);
  }

  private run(
    pods: readonly SimPod[],
    pools: readonly PoolTemplate[],
    maxNewNodes: number,
    without: ReadonlySet<string>,
    zoneCounts: ZoneCounts | undefined,
  ): Plan {
    return simulate({
      pods,
      pools,
      existing: this.list(without),
      maxNewNodes,
      ...(this.extra.daemonSets ? { daemonSets: this.extra.daemonSets } : {}),
      ...(zoneCounts ? { zoneCounts } : {}),
    });
  }

  /** Takes the room the simulation found for `pods` (they came from `from`). */
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

/** Zone counts without a moving node's own pods (they are the ones moving). */
function minusOwn(counts: ZoneCounts, zoneId: string | undefined, pods: readonly SimPod[]): ZoneCounts {
  if (!zoneId) return counts;
  return (ns, selector) => {
    const base = counts(ns, selector);
    const own = pods.filter((p) => p.namespace === ns && selectorMatches(selector, p.labels)).length;
    if (own === 0) return base;
    const out = new Map(base);
    out.set(zoneId, Math.max(0, (out.get(zoneId) ?? 0) - own));
    return out;
  };
}
