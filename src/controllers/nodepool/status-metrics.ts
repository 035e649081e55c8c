import { Gauge, type Registry } from 'prom-client';
import { Annotation, PHASES } from '../../apis/v1beta1/constants.js';
import { POOL_LABEL } from '../../bootstrap/labels.js';
import type { Node } from '../../kube/schemas.js';

/** What the gauges read: a kind's pools and the Nodes labelled with a pool (informer caches). */
export interface PoolStatusSource {
  kind: string;
  pools: { list(): readonly { metadata: { name: string }; status?: { phase?: string } | undefined }[] };
  nodes: { list(): readonly Node[] };
}

/** The phase label of a pool that has no status.phase yet. */
export const NO_PHASE = 'Unknown';
/** A Node's state label: its Ready condition. */
export type NodeState = 'ready' | 'not_ready' | 'unknown';

/** Pools by phase: every phase of the API (0 when none), and `Unknown` for pools without a phase yet. */
export function poolsByPhase(
  pools: readonly { status?: { phase?: string } | undefined }[],
): Map<string, number> {
  const out = new Map<string, number>([...PHASES, NO_PHASE].map((p) => [p, 0]));
  for (const p of pools) {
    const phase = p.status?.phase ?? NO_PHASE;
    out.set(phase, (out.get(phase) ?? 0) + 1);
  }
  return out;
}

export function nodeState(n: Node): NodeState {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return ready === 'True' ? 'ready' : ready === 'False' ? 'not_ready' : 'unknown';
}

/**
 * Nodes of the given pools by pool and state (each pool with every state, 0 when none), and per pool the Nodes
 * being drained (the drain-started annotation). Nodes of pools not in `pools` (the other kind's, or another
 * operator's under a pool selector) are not counted.
 */
export function nodesByPool(
  pools: readonly string[],
  nodes: readonly Node[],
): { states: Map<string, Record<NodeState, number>>; draining: Map<string, number> } {
  const states = new Map(pools.map((p) => [p, { ready: 0, not_ready: 0, unknown: 0 }]));
  const draining = new Map(pools.map((p) => [p, 0]));
  for (const n of nodes) {
    const pool = n.metadata.labels?.[POOL_LABEL];
    const s = pool === undefined ? undefined : states.get(pool);
    if (!pool || !s) continue;
    s[nodeState(n)]++;
    if (n.metadata.annotations?.[Annotation.drainStarted] !== undefined)
      draining.set(pool, (draining.get(pool) ?? 0) + 1);
  }
  return { states, draining };
}

const sourcesByRegistry = new WeakMap<Registry, PoolStatusSource[]>();

/**
 * Registers `nodepool_pools{kind,phase}`, `nodepool_nodes{kind,pool,state}` and
 * `nodepool_nodes_draining{kind,pool}` on the registry (once; each pool kind adds its source). They are
 * computed from the informer caches when scraped, so every replica — the standby too — reports them: graph
 * them with `max`, not `sum`, across replicas.
 */
export function registerPoolStatusMetrics(registry: Registry, source: PoolStatusSource): void {
  const known = sourcesByRegistry.get(registry);
  if (known) {
    known.push(source);
    return;
  }
  const sources = [source];
  sourcesByRegistry.set(registry, sources);
  const registers = [registry];
  const nodes = (): { kind: string; counts: ReturnType<typeof nodesByPool> }[] =>
    sources.map((s) => ({
      kind: s.kind,
      counts: nodesByPool(
        s.pools.list().map((p) => p.metadata.name),
        s.nodes.list(),
      ),
    }));
  new Gauge({
    name: 'nodepool_pools',
    help: 'Pools by kind and status.phase (Unknown: no phase yet)',
    labelNames: ['kind', 'phase'],
    registers,
    collect() {
      this.reset();
      for (const s of sources)
        for (const [phase, n] of poolsByPhase(s.pools.list())) this.set({ kind: s.kind, phase }, n);
    },
  });
  new Gauge({
    name: 'nodepool_nodes',
    help: 'Nodes of a pool by state (their Ready condition: ready, not_ready, unknown)',
    labelNames: ['kind', 'pool', 'state'],
    registers,
    collect() {
      this.reset();
      for (const { kind, counts } of nodes())
        for (const [pool, byState] of counts.states)
          for (const [state, n] of Object.entries(byState)) this.set({ kind, pool, state }, n);
    },
  });
  new Gauge({
    name: 'nodepool_nodes_draining',
    help: 'Nodes of a pool being drained (cordoned, pods being evicted)',
    labelNames: ['kind', 'pool'],
    registers,
    collect() {
      this.reset();
      for (const { kind, counts } of nodes())
        for (const [pool, n] of counts.draining) this.set({ kind, pool }, n);
    },
  });
}
