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
 *
 * The user data and the password are never hashed (NOT_HASHED): a token travels in the clear and stays in the
 * cloud's logs, and a hash of a password is a way to test guesses of it; and the user data holds the pool's
 * bootstrap token, which rotates — a retry after a rotation must replay the first write, not launch again.
 */
export function clientToken(
  operationId: string,
  action: string,
  params: Readonly<Record<string, unknown>>,
): string {
  if (operationId.trim() === '') throw new Error('clientToken: the operation id must not be empty');
  const hashed = Object.fromEntries(Object.entries(params).filter(([k]) => !NOT_HASHED.has(k.toLowerCase())));
  const h = createHash('sha256');
  h.update(operationId).update('\u0000').update(action).update('\u0000').update(stableJson(hashed));
  return `np-${h.digest('base64url').slice(0, 43)}`;
}

/** Parameters (any case) left out of a token's hash: secrets, and what changes between retries of one write. */
export const NOT_HASHED: ReadonlySet<string> = new Set(['userdata', 'password']);

/** JSON with object keys sorted at every level; undefined members left out (as they are on the wire). */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : stableJson(x))).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
}
