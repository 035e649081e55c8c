import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Annotation } from '../../apis/v1beta1/constants.js';
import type { Node } from '../../kube/index.js';
import type { DeepReadonly } from '../../util/readonly.js';
import { METHOD_NAMES, type Claim, type Command } from './types.js';

const ClaimSchema = z.object({
  method: z.enum(METHOD_NAMES),
  reason: z.string(),
  voluntary: z.boolean(),
  replacementsFirst: z.boolean(),
  disposal: z.enum(['remove', 'stop', 'hook', 'drain', 'reboot']),
  since: z.string(),
  hookSince: z.string().optional(),
  heartbeats: z.number().int().min(0).optional(),
  hookDeadline: z.string().optional(),
  drainBy: z.string().optional(),
  replacement: z
    .object({
      id: z.string(),
      startedAt: z.string(),
      instanceType: z.string(),
      zoneId: z.string(),
      vSwitchId: z.string(),
      instanceIds: z.array(z.string()).optional(),
      attached: z.boolean().optional(),
    })
    .optional(),
});

/** The command recorded on a Node (annotation `nodepool.alicloud.dev/disruption`); undefined if none or unreadable. */
export function claimOf(node: DeepReadonly<Node> | undefined): Claim | undefined {
  const raw = node?.metadata.annotations?.[Annotation.disruption];
  if (!raw) return undefined;
  try {
    const r = ClaimSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** A new claim of a command on a Node, at `now` (`id`: a typed replacement's record id, its ClientToken's seed). */
export function newClaim(c: Command, now: number, id: () => string = randomUUID): Claim {
  const since = new Date(now).toISOString();
  return {
    method: c.method,
    reason: c.reason.slice(0, 512),
    voluntary: c.voluntary,
    replacementsFirst: c.replacementsFirst,
    disposal: c.disposal.kind,
    since,
    ...(c.disposal.kind === 'hook' ? { hookSince: since, heartbeats: 0 } : {}),
    ...(c.drainBy !== undefined ? { drainBy: new Date(c.drainBy).toISOString() } : {}),
    ...(c.replacement ? { replacement: { id: id(), startedAt: since, ...c.replacement } } : {}),
  };
}

/** The merge patch that records (or, with undefined, removes) a claim, guarded by the Node's resourceVersion. */
export function claimPatch(node: DeepReadonly<Node>, claim: Claim | undefined): Record<string, unknown> {
  return {
    metadata: {
      resourceVersion: node.metadata.resourceVersion,
      annotations: { [Annotation.disruption]: claim ? JSON.stringify(claim) : null },
    },
  };
}
