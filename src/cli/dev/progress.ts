import { z } from 'zod';

/** A pool as the progress display sees it (from its status). */
export interface PoolView {
  name: string;
  /** False until the pool is seen in the API server; true also while it has no status. */
  exists: boolean;
  phase?: string | undefined;
  desiredSize?: number | undefined;
  currentSize?: number | undefined;
  readySize?: number | undefined;
  conditions: { type: string; status: string; reason?: string | undefined; message?: string | undefined }[];
}

/** A Node of the pool: its name and whether its Ready condition is True. */
export interface NodeView {
  name: string;
  ready: boolean;
}

export interface ProgressState {
  pool: PoolView;
  nodes: NodeView[];
}

/** What a pool looks like when nothing is known of it yet. */
export function unknownPool(name: string): PoolView {
  return { name, exists: false, conditions: [] };
}

/** The pool's status fields the display reads, parsed leniently (a newer status must not break it). */
export const PoolStatusView = z.object({
  metadata: z.object({ name: z.string() }),
  status: z
    .object({
      phase: z.string().optional(),
      desiredSize: z.number().optional(),
      currentSize: z.number().optional(),
      readySize: z.number().optional(),
      conditions: z
        .array(
          z.object({
            type: z.string(),
            status: z.string(),
            reason: z.string().optional(),
            message: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export function poolView(obj: z.infer<typeof PoolStatusView>): PoolView {
  const s = obj.status;
  return {
    name: obj.metadata.name,
    exists: true,
    phase: s?.phase,
    desiredSize: s?.desiredSize,
    currentSize: s?.currentSize,
    readySize: s?.readySize,
    conditions: s?.conditions ?? [],
  };
}

/** Done: the pool is Active, wants at least one node, and that many of its Nodes are Ready. */
export function progressDone(state: ProgressState): boolean {
  const p = state.pool;
  const desired = p.desiredSize ?? 0;
  const readyNodes = state.nodes.filter((n) => n.ready).length;
  return p.phase === 'Active' && desired > 0 && (p.readySize ?? 0) >= desired && readyNodes >= desired;
}

const MAX_NODES_LISTED = 4;
const MAX_MESSAGE = 120;

const clip = (s: string): string => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s);
const count = (n: number | undefined): string => (n === undefined ? '?' : String(n));

/**
 * One line describing where the pool is: its phase and sizes, what its conditions say when something is not
 * yet right, and its Nodes (each by name while there are few). Pure, so it is printed only when it changes.
 */
export function formatProgress(state: ProgressState): string {
  const p = state.pool;
  const parts: string[] = [];
  if (!p.exists) parts.push(`pool ${p.name}: not created yet`);
  else if (!p.phase && p.desiredSize === undefined)
    parts.push(`pool ${p.name}: waiting for the operator (no status yet)`);
  else {
    parts.push(`pool ${p.name}: ${p.phase ?? 'no phase'}`);
    parts.push(`desired ${count(p.desiredSize)} current ${count(p.currentSize)} ready ${count(p.readySize)}`);
  }
  const sorted = [...state.nodes].sort((a, b) => a.name.localeCompare(b.name));
  const ready = sorted.filter((n) => n.ready).length;
  if (sorted.length === 0) parts.push('no nodes yet');
  else if (sorted.length <= MAX_NODES_LISTED) {
    parts.push(
      `nodes ${ready}/${sorted.length} Ready (${sorted.map((n) => `${n.name} ${n.ready ? 'Ready' : 'joining'}`).join(', ')})`,
    );
  } else parts.push(`nodes ${ready}/${sorted.length} Ready`);
  // the conditions that explain a wait: anything not in its good state, with its message
  const good: Record<string, string> = { Ready: 'True', Progressing: 'False', Degraded: 'False' };
  for (const c of p.conditions) {
    if (good[c.type] === c.status) continue;
    const why = c.message || c.reason;
    parts.push(`${c.type}=${c.status}${why ? `: ${clip(why)}` : ''}`);
  }
  if (progressDone(state)) parts.push('done');
  return parts.join(' · ');
}
