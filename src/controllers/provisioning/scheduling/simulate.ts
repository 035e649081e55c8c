import type { LabelSelector, PodAffinityTerm } from '../../../kube/index.js';
import { HOSTNAME_LABEL, ZONE_LABEL } from './labels.js';
import { nodeMatches, selectorMatches, taintText, untoleratedTaint } from './requirements.js';
import type {
  ExistingNode,
  Offering,
  Plan,
  PlannedNode,
  PoolReason,
  PoolTemplate,
  Resources,
  SimPod,
} from './types.js';

export interface SimulationInput {
  pods: readonly SimPod[];
  pools: readonly PoolTemplate[];
  /** Nodes pods may go to before any new one: in-flight nodes (provisioning), the other nodes (consolidation). */
  existing?: readonly ExistingNode[];
  /** DaemonSet pod templates: those that tolerate and select a new node land on it too (its overhead). */
  daemonSets?: readonly SimPod[];
  /** Pods already in the cluster matching a selector in a namespace, per zone (zone spread / anti-affinity). */
  zoneCounts?: (namespace: string, selector: LabelSelector | undefined) => ReadonlyMap<string, number>;
  /** Whether new nodes may be planned (default true); consolidation asks for none, or at most one. */
  maxNewNodes?: number;
}

/** A place a pod can go: one offering of a pool (a new node), or an existing node. */
interface Option {
  pool: PoolTemplate | undefined;
  offering: Offering | undefined;
  labels: Readonly<Record<string, string>>;
  capacity: Resources;
  zone: string | undefined;
  price: number;
}

interface Member {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  antiAffinity: readonly PodAffinityTerm[];
}

interface SimNode {
  name: string;
  pool: PoolTemplate | undefined;
  zone: string | undefined;
  taints: ExistingNode['taints'];
  /** New nodes: the offerings (one zone) that still hold everything placed, cheapest first; existing: one. */
  options: Option[];
  used: Resources;
  members: Member[];
  ports: Set<string>;
  pods: string[];
  isNew: boolean;
}

interface Group {
  pod: SimPod;
  pods: SimPod[];
  /** Static fit of an option (labels, taints, volume zones, fits alone), memoized. */
  compat: Map<Option, boolean>;
  /** Index in the node list below which no node fits this group (nodes only fill up). */
  cursor: number;
  left: number;
  /** The zones any option of the pod is in (spread domains), once computed. */
  domains?: Set<string>;
}

const fits = (used: Resources, req: Resources, cap: Resources): boolean =>
  used.cpuMilli + req.cpuMilli <= cap.cpuMilli &&
  used.memoryMiB + req.memoryMiB <= cap.memoryMiB &&
  used.gpus + req.gpus <= cap.gpus &&
  used.pods + req.pods <= cap.pods;
const plus = (a: Resources, b: Resources): Resources => ({
  cpuMilli: a.cpuMilli + b.cpuMilli,
  memoryMiB: a.memoryMiB + b.memoryMiB,
  gpus: a.gpus + b.gpus,
  pods: a.pods + b.pods,
});
const minus = (a: Resources, b: Resources): Resources => ({
  cpuMilli: a.cpuMilli - b.cpuMilli,
  memoryMiB: a.memoryMiB - b.memoryMiB,
  gpus: a.gpus - b.gpus,
  pods: a.pods - b.pods,
});
/** How many copies of `req` fit in `cap` (the pods of a group one node of this option would take). */
function copies(req: Resources, cap: Resources): number {
  let n = Number.POSITIVE_INFINITY;
  if (req.cpuMilli > 0) n = Math.min(n, Math.floor(cap.cpuMilli / req.cpuMilli));
  if (req.memoryMiB > 0) n = Math.min(n, Math.floor(cap.memoryMiB / req.memoryMiB));
  if (req.gpus > 0) n = Math.min(n, Math.floor(cap.gpus / req.gpus));
  return Math.min(n, Math.floor(cap.pods / Math.max(1, req.pods)));
}

function signature(p: SimPod): string {
  return JSON.stringify([
    p.namespace,
    p.labels,
    p.requests,
    p.nodeSelector,
    p.nodeAffinity,
    p.tolerations,
    p.antiAffinity,
    p.affinity,
    p.spread,
    p.hostPorts,
    p.volumeZones,
    p.problem,
  ]);
}

/** The anti-affinity term selects `m` (namespaces: the term's, else the owner's; a namespaceSelector: any). */
function termSelects(
  t: PodAffinityTerm,
  owner: string,
  m: { namespace: string; labels: Readonly<Record<string, string>> },
): boolean {
  // prettier-ignore
  const nsOk = t.namespaceSelector !== undefined || (t.namespaces?.length ? t.namespaces.includes(m.namespace) : m.namespace === owner);
  return nsOk && selectorMatches(t.labelSelector, m.labels);
}

/**
 * The scheduling simulation, pure: places pending pods on existing / in-flight nodes first, then bin-packs the
 * rest onto new nodes of the Auto pools — first fit over pod groups (pods with the same scheduling signature,
 * largest first), a new node opened in the highest-priority pool that can host the pod and, among those, the
 * offering with the lowest price per packed pod; each new node keeps the offerings (same pool and zone) that
 * still hold all its pods and ends as the cheapest of them. Every constraint of API.md is checked against the
 * labels and allocatable the node will have. Pods no pool can host come back with each pool's reason.
 */
export function simulate(input: SimulationInput): Plan {
  const s = new Simulation(input);
  return s.run();
}

class Simulation {
  private readonly nodes: SimNode[] = [];
  private readonly newOptions = new Map<PoolTemplate, Option[]>();
  private readonly room = new Map<PoolTemplate, number>();
  private readonly zoneTracked = new Map<
    string,
    { ns: string; selector: LabelSelector | undefined; counts: Map<string, number> }
  >();
  private newCount = 0;
  /** Pods placed by this simulation, by zone: folded into a zone count tracked after they were placed. */
  private readonly placedInZones: { ns: string; labels: Readonly<Record<string, string>>; zone: string }[] =
    [];

  constructor(private readonly input: SimulationInput) {
    for (const n of input.existing ?? []) {
      const zone = n.labels[ZONE_LABEL];
      this.nodes.push({
        name: n.name,
        pool: undefined,
        zone,
        taints: n.taints,
        options: [
          { pool: undefined, offering: undefined, labels: n.labels, capacity: n.allocatable, zone, price: 0 },
        ],
        used: n.daemonSetsPending ? plus(n.used, this.daemonOverhead(n.taints, n.labels)) : { ...n.used },
        members: n.pods.map((p) => ({
          namespace: p.namespace,
          labels: p.labels,
          antiAffinity: p.antiAffinity,
        })),
        ports: new Set(n.hostPorts),
        pods: [],
        isNew: false,
      });
    }
    for (const pool of input.pools) {
      this.room.set(pool, pool.blocked ? 0 : Math.max(0, pool.room));
      this.newOptions.set(
        pool,
        pool.offerings.map((o) => ({
          pool,
          offering: o,
          labels: o.labels,
          capacity: minus(o.allocatable, this.daemonOverhead(pool.taints, o.labels)),
          zone: o.zoneId,
          price: o.pricePerHour,
        })),
      );
    }
  }

  /** What the DaemonSets that would run on a new node with these taints and labels request. */
  private daemonOverhead(
    taints: ExistingNode['taints'],
    labels: Readonly<Record<string, string>>,
  ): Resources {
    let r: Resources = { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 };
    for (const ds of this.input.daemonSets ?? []) {
      if (ds.problem || untoleratedTaint(ds.tolerations, taints) || !nodeMatches(ds, labels)) continue;
      r = plus(r, ds.requests);
    }
    return r;
  }

  run(): Plan {
    const groups = new Map<string, Group>();
    for (const p of this.input.pods) {
      const sig = signature(p);
      let g = groups.get(sig);
      if (!g) groups.set(sig, (g = { pod: p, pods: [], compat: new Map(), cursor: 0, left: 0 }));
      g.pods.push(p);
      g.left++;
    }
    const size = (r: Resources): number => r.cpuMilli / 1000 + r.memoryMiB / 4096 + r.gpus * 8;
    const ordered = [...groups.values()].sort((a, b) => size(b.pod.requests) - size(a.pod.requests));
    const onExisting = new Map<string, string>();
    const unschedulable = new Map<string, PoolReason[]>();
    for (const g of ordered) {
      for (const p of g.pods) {
        g.left--;
        if (p.problem) {
          unschedulable.set(
            p.key,
            this.input.pools.map((pool) => ({ pool: pool.name, reason: p.problem! })),
          );
          continue;
        }
        const node = this.findNode(g) ?? this.openNode(g);
        if (!node) {
          unschedulable.set(p.key, this.reasons(g));
          continue;
        }
        this.place(node, g, p);
        if (!node.isNew) onExisting.set(p.key, node.name);
      }
    }
    return {
      nodes: this.nodes.filter((n) => n.isNew).map((n) => this.planned(n)),
      onExisting,
      unschedulable,
    };
  }

  private planned(n: SimNode): PlannedNode {
    const best = n.options[0]!;
    const o = best.offering!;
    return {
      pool: n.pool!.name,
      instanceType: o.instanceType,
      zoneId: o.zoneId,
      vSwitchId: o.vSwitchId,
      pricePerHour: o.pricePerHour,
      ...(o.market ? { market: o.market } : {}),
      pods: n.pods,
      alternatives: n.options.slice(1).map((x) => x.offering!.instanceType),
    };
  }

  /** Static fit: labels (selector, affinity), taints, volume zones, and the pod alone fits the capacity. */
  private compatible(g: Group, o: Option, taints: ExistingNode['taints'], name?: string): boolean {
    let ok = g.compat.get(o);
    if (ok === undefined) {
      const p = g.pod;
      ok =
        !untoleratedTaint(p.tolerations, taints) &&
        nodeMatches(p, o.labels, name) &&
        (p.volumeZones === undefined || (o.zone !== undefined && p.volumeZones.includes(o.zone))) &&
        fits({ cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 }, p.requests, o.capacity) &&
        (o.offering === undefined || o.offering.available);
      g.compat.set(o, ok);
    }
    return ok;
  }

  /**
   * First node (from the group's cursor) the pod fits on now. The cursor only passes nodes the group can never
   * fit again (they only fill up); a node outside the zones allowed now is not passed: a zone spread allows its
   * zone again once the other zones have caught up.
   */
  private findNode(g: Group): SimNode | undefined {
    const zones = this.allowedZones(g);
    for (let i = g.cursor; i < this.nodes.length; i++) {
      const n = this.nodes[i]!;
      if (!this.fitsNode(g, n)) {
        if (i === g.cursor) g.cursor++;
        continue;
      }
      if (zones === undefined || n.zone === undefined || zones.has(n.zone)) return n;
    }
    return undefined;
  }

  private fitsNode(g: Group, n: SimNode): boolean {
    const p = g.pod;
    const taints = n.pool ? n.pool.taints : n.taints;
    if (
      !n.options.some(
        (o) =>
          this.compatible(g, o, taints, n.isNew ? undefined : n.name) && fits(n.used, p.requests, o.capacity),
      )
    )
      return false;
    for (const port of p.hostPorts) if (n.ports.has(port)) return false;
    if (!this.antiAffinityAllows(p, n.members)) return false;
    if (!this.hostAffinityAllows(p, n.members)) return false;
    for (const s of p.spread) {
      if (s.topologyKey === HOSTNAME_LABEL) {
        const here = n.members.filter(
          (m) => m.namespace === p.namespace && selectorMatches(s.selector, m.labels),
        ).length;
        if (here + 1 > s.maxSkew) return false;
      }
    }
    return true;
  }

  /** Hostname anti-affinity both ways: the pod's terms against the node's pods, and theirs against it. */
  private antiAffinityAllows(p: SimPod, members: readonly Member[]): boolean {
    for (const t of p.antiAffinity) {
      if (t.topologyKey !== HOSTNAME_LABEL) continue;
      if (members.some((m) => termSelects(t, p.namespace, m))) return false;
    }
    for (const m of members) {
      for (const t of m.antiAffinity)
        if (t.topologyKey === HOSTNAME_LABEL && termSelects(t, m.namespace, p)) return false;
    }
    return true;
  }

  /**
   * Required pod affinity on hostname: the node runs a pod the term selects — or nothing the term selects runs
   * anywhere yet and the pod matches its own term (the scheduler lets the first of a co-located group go).
   */
  private hostAffinityAllows(p: SimPod, members: readonly Member[]): boolean {
    for (const t of p.affinity) {
      if (t.topologyKey !== HOSTNAME_LABEL) continue;
      if (members.some((m) => termSelects(t, p.namespace, m))) continue;
      if (!this.firstOfGroup(p, t)) return false;
    }
    return true;
  }

  /** Nothing the affinity term selects runs or is placed anywhere, and the pod itself matches it. */
  private firstOfGroup(p: SimPod, t: PodAffinityTerm): boolean {
    if (!termSelects(t, p.namespace, p)) return false;
    for (const ns of t.namespaces?.length ? t.namespaces : [p.namespace])
      for (const c of this.tracked(ns, t.labelSelector).values()) if (c > 0) return false;
    for (const n of this.nodes) if (n.members.some((m) => termSelects(t, p.namespace, m))) return false;
    return true;
  }

  private tracked(ns: string, selector: LabelSelector | undefined): Map<string, number> {
    const key = `${ns}|${JSON.stringify(selector ?? null)}`;
    let t = this.zoneTracked.get(key);
    if (!t) {
      const counts = new Map(this.input.zoneCounts?.(ns, selector) ?? []);
      for (const x of this.placedInZones)
        if (x.ns === ns && selectorMatches(selector, x.labels))
          counts.set(x.zone, (counts.get(x.zone) ?? 0) + 1);
      this.zoneTracked.set(key, (t = { ns, selector, counts }));
    }
    return t.counts;
  }

  /**
   * Zones the pod may go to now (undefined: any): zone spread (the skew against the least-filled eligible zone)
   * and zone anti-affinity. The eligible zones are computed once per group.
   */
  private allowedZones(g: Group): Set<string> | undefined {
    const p = g.pod;
    const zoneSpread = p.spread.filter((s) => s.topologyKey === ZONE_LABEL);
    const zoneAnti = p.antiAffinity.filter((t) => t.topologyKey === ZONE_LABEL);
    const zoneAffinity = p.affinity.filter((t) => t.topologyKey === ZONE_LABEL);
    if (zoneSpread.length === 0 && zoneAnti.length === 0 && zoneAffinity.length === 0) return undefined;
    if (!g.domains) {
      const domains = new Set<string>();
      for (const n of this.nodes)
        if (!n.isNew)
          for (const o of n.options)
            if (o.zone && this.compatible(g, o, n.taints, n.name)) domains.add(o.zone);
      for (const pool of this.input.pools)
        for (const o of this.newOptions.get(pool) ?? [])
          if (o.zone && this.compatible(g, o, pool.taints)) domains.add(o.zone);
      g.domains = domains;
    }
    const allowed = new Set(g.domains);
    for (const s of zoneSpread) {
      const counts = this.tracked(p.namespace, s.selector);
      let min = Number.POSITIVE_INFINITY;
      for (const z of g.domains) min = Math.min(min, counts.get(z) ?? 0);
      for (const z of g.domains) if ((counts.get(z) ?? 0) + 1 - min > s.maxSkew) allowed.delete(z);
    }
    for (const t of zoneAnti) {
      const namespaces = t.namespaces?.length ? t.namespaces : [p.namespace];
      for (const ns of namespaces)
        for (const [z, c] of this.tracked(ns, t.labelSelector)) if (c > 0) allowed.delete(z);
    }
    // required pod affinity on zone: only zones where a pod it selects runs (the first of a group: any)
    for (const t of zoneAffinity) {
      if (this.firstOfGroup(p, t)) continue;
      const with_ = new Set<string>();
      for (const ns of t.namespaces?.length ? t.namespaces : [p.namespace])
        for (const [z, c] of this.tracked(ns, t.labelSelector)) if (c > 0) with_.add(z);
      for (const z of [...allowed]) if (!with_.has(z)) allowed.delete(z);
    }
    return allowed;
  }

  /**
   * How many of the group's pods still to place (this one included) a new node may take: a zone spread shares
   * them among its zones, a hostname spread allows `maxSkew` per node, anti-affinity to its own kind one.
   */
  private podsToCome(g: Group): number {
    const p = g.pod;
    let n = g.left + 1;
    const zoneSpread = p.spread.some((s) => s.topologyKey === ZONE_LABEL);
    if (zoneSpread && g.domains && g.domains.size > 1) n = Math.ceil(n / g.domains.size);
    for (const s of p.spread)
      if (s.topologyKey === HOSTNAME_LABEL && selectorMatches(s.selector, p.labels))
        n = Math.min(n, s.maxSkew);
    if (p.antiAffinity.some((t) => t.topologyKey === HOSTNAME_LABEL && termSelects(t, p.namespace, p))) n = 1;
    return n;
  }

  /** A new node for the pod: the highest-priority pool with room, then the lowest price per packed pod. */
  private openNode(g: Group): SimNode | undefined {
    if (this.input.maxNewNodes !== undefined && this.newCount >= this.input.maxNewNodes) return undefined;
    const p = g.pod;
    if (!this.hostAffinityAllows(p, [])) return undefined;
    const zones = this.allowedZones(g);
    const toCome = this.podsToCome(g);
    let best: { option: Option; perPod: number; priority: number } | undefined;
    for (const pool of this.input.pools) {
      if ((this.room.get(pool) ?? 0) <= 0) continue;
      if (best && pool.priority < best.priority) continue;
      for (const o of this.newOptions.get(pool) ?? []) {
        if ((zones && !zones.has(o.zone!)) || !this.compatible(g, o, pool.taints)) continue;
        const perPod = o.price / Math.max(1, Math.min(copies(p.requests, o.capacity), toCome));
        if (!best || pool.priority > best.priority || perPod < best.perPod)
          best = { option: o, perPod, priority: pool.priority };
      }
    }
    if (!best) return undefined;
    const pool = best.option.pool!;
    this.room.set(pool, (this.room.get(pool) ?? 0) - 1);
    this.newCount++;
    const options = (this.newOptions.get(pool) ?? [])
      .filter((o) => o.zone === best.option.zone && this.compatible(g, o, pool.taints))
      .sort((a, b) => a.price - b.price);
    const node: SimNode = {
      name: `new-${this.newCount}`,
      pool,
      zone: best.option.zone,
      taints: pool.taints,
      options,
      used: { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 },
      members: [],
      ports: new Set(),
      pods: [],
      isNew: true,
    };
    this.nodes.push(node);
    return node;
  }

  private place(n: SimNode, g: Group, p: SimPod): void {
    n.used = plus(n.used, p.requests);
    if (n.isNew)
      n.options = n.options.filter(
        (o) =>
          this.compatible(g, o, n.taints) &&
          fits(n.used, { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 }, o.capacity),
      );
    n.members.push({ namespace: p.namespace, labels: p.labels, antiAffinity: p.antiAffinity });
    for (const port of p.hostPorts) n.ports.add(port);
    n.pods.push(p.key);
    if (n.zone !== undefined) {
      this.placedInZones.push({ ns: p.namespace, labels: p.labels, zone: n.zone });
      for (const t of this.zoneTracked.values()) {
        if (t.ns === p.namespace && selectorMatches(t.selector, p.labels))
          t.counts.set(n.zone, (t.counts.get(n.zone) ?? 0) + 1);
      }
    }
  }

  /** Why no pool can host the pod, pool by pool, in cluster-autoscaler's words. */
  private reasons(g: Group): PoolReason[] {
    return this.input.pools.map((pool) => ({ pool: pool.name, reason: this.reason(g, pool) }));
  }

  private reason(g: Group, pool: PoolTemplate): string {
    const p = g.pod;
    if (pool.blocked) return pool.blocked;
    const taint = untoleratedTaint(p.tolerations, pool.taints);
    if (taint) return `taint ${taintText(taint)} not tolerated`;
    const options = this.newOptions.get(pool) ?? [];
    const matching = options.filter((o) => nodeMatches(p, o.labels));
    if (matching.length === 0) {
      const first = options[0]?.labels ?? {};
      const key = Object.keys(p.nodeSelector).find(
        (k) => first[k] !== p.nodeSelector[k] && options.every((o) => o.labels[k] !== p.nodeSelector[k]),
      );
      return key !== undefined
        ? `node selector ${key}=${p.nodeSelector[key]} does not match (the pool's nodes have ${key}=${first[key] ?? '(none)'})`
        : 'required node affinity matches none of its instance types and zones';
    }
    const inZones = p.volumeZones ? matching.filter((o) => p.volumeZones!.includes(o.zone!)) : matching;
    if (inZones.length === 0)
      return `its volumes are in ${p.volumeZones!.join(', ')}: the pool has no vSwitch there`;
    const big = inZones.filter((o) =>
      fits({ cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 }, p.requests, o.capacity),
    );
    if (big.length === 0) {
      const largest = [...inZones].sort(
        (a, b) =>
          b.capacity.cpuMilli + b.capacity.memoryMiB / 4 - (a.capacity.cpuMilli + a.capacity.memoryMiB / 4),
      )[0]!;
      const c = largest.capacity;
      return `needs ${fmtCpu(p.requests.cpuMilli)} CPU / ${fmtGiB(p.requests.memoryMiB)} GiB${p.requests.gpus ? ` / ${p.requests.gpus} GPU` : ''}, its largest type ${largest.offering!.instanceType} has ${fmtCpu(c.cpuMilli)} CPU / ${fmtGiB(c.memoryMiB)} GiB${p.requests.gpus ? ` / ${c.gpus} GPU` : ''} allocatable`;
    }
    const stocked = big.filter((o) => o.offering!.available);
    if (stocked.length === 0) {
      const names = big
        .slice(0, 3)
        .map(
          (o) =>
            `${o.offering!.instanceType} in ${o.zone} (${o.offering!.unavailableReason ?? 'unavailable'})`,
        );
      return `no fitting offering available: ${names.join(', ')}${big.length > 3 ? ` and ${big.length - 3} more` : ''}`;
    }
    if ((this.room.get(pool) ?? 0) <= 0) return `at maxSize (no room for another node)`;
    if (!this.hostAffinityAllows(p, []))
      return 'required pod affinity on hostname: a new node would not run the pods it must be with (they run, or are placed, on a node with no room left)';
    const zones = this.allowedZones(g);
    if (zones && !stocked.some((o) => zones.has(o.zone!)))
      return 'topology spread / zone (anti-)affinity leaves none of its zones';
    if (this.input.maxNewNodes !== undefined && this.newCount >= this.input.maxNewNodes)
      return 'no new node may be planned';
    return 'host ports or pod anti-affinity conflict on every node it could open';
  }
}

const fmtCpu = (m: number): string => String(Math.round(m / 100) / 10);
const fmtGiB = (mib: number): string => String(Math.round(mib / 102.4) / 10);
