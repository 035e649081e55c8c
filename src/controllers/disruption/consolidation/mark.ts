import { z } from 'zod';
import { Annotation } from '../../../apis/v1beta1/constants.js';
import type { Node } from '../../../kube/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';

/**
 * Since when consolidation has seen a node empty or underused, kept on the Node (annotation
 * `nodepool.alicloud.dev/consolidatable`) so that `after` counts across operator restarts — never in memory.
 * An empty node is also underused: `underusedSince` ≤ `emptySince`.
 */
export interface Mark {
  underusedSince: string;
  emptySince?: string | undefined;
  /** The utilizationThreshold `underusedSince` was measured against (a changed threshold starts it again). */
  threshold: number;
}

const MarkSchema = z.object({
  underusedSince: z.string(),
  emptySince: z.string().optional(),
  threshold: z.number(),
});

/** How a node looks to consolidation now. */
export type UseState = 'empty' | 'underused' | 'busy';

/** The mark on a Node (undefined: none, or unreadable). */
export function markOf(node: DeepReadonly<Node> | undefined): Mark | undefined {
  const raw = node?.metadata.annotations?.[Annotation.consolidatable];
  if (!raw) return undefined;
  try {
    const r = MarkSchema.safeParse(JSON.parse(raw));
    return r.success && !Number.isNaN(Date.parse(r.data.underusedSince)) ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The mark after seeing the node in `state` at `now` (pure): kept when the state goes on, started when it
 * begins, dropped when the node is busy. `trusted`: the prior mark was kept while consolidation watched the node
 * (false right after consolidation was turned on: an old mark says nothing about the time it was off).
 */
export function nextMark(
  prior: Mark | undefined,
  state: UseState,
  threshold: number,
  now: number,
  trusted: boolean,
): Mark | undefined {
  if (state === 'busy') return undefined;
  const at = new Date(now).toISOString();
  const p = trusted && prior?.threshold === threshold ? prior : undefined;
  const underusedSince = p?.underusedSince ?? at;
  if (state === 'underused') return { underusedSince, threshold };
  return { underusedSince, emptySince: p?.emptySince ?? at, threshold };
}

/** The annotation's value for a mark (null removes it). */
export function markValue(m: Mark | undefined): string | null {
  return m ? JSON.stringify(m) : null;
}

export function sameMark(a: Mark | undefined, b: Mark | undefined): boolean {
  return markValue(a) === markValue(b);
}
