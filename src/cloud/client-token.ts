import { createHash } from 'node:crypto';

/**
 * Deterministic ClientTokens for cloud writes.
 *
 * A token is derived from an **operation id** the caller persists before the write (for example in the pool's
 * status) and a hash of the write's own parameters:
 * - a retry of the same operation (after a timeout, a 5xx, or a crash of the operator between the write and
 *   its response) sends the same token, so the cloud replays the first result instead of creating a second
 *   instance or group;
 * - two different operations never share a token, because their operation ids differ — so the cloud never
 *   answers `IdempotentParameterMismatch` for a legitimate new write;
 * - the same operation with changed parameters gets a different token (a new write, not a replay).
 *
 * Tokens are at most 64 printable ASCII characters, as ECS and ESS require.
 */
export function clientToken(
  operationId: string,
  action: string,
  params: Readonly<Record<string, unknown>>,
): string {
  if (operationId.trim() === '') throw new Error('clientToken: the operation id must not be empty');
  const h = createHash('sha256');
  h.update(operationId).update('\u0000').update(action).update('\u0000').update(stableJson(params));
  return `np-${h.digest('base64url').slice(0, 43)}`;
}

/** JSON with object keys sorted at every level; undefined members left out (as they are on the wire). */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : stableJson(x))).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
}
