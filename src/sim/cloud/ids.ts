import { createHash, randomBytes, randomUUID } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The letters that region's resource ids carry after the type prefix (`i-bp1…` in cn-hangzhou). */
const REGION_INFIX: Record<string, string> = {
  'cn-hangzhou': 'bp1',
  'cn-shanghai': 'uf6',
  'cn-beijing': '2ze',
};

function chars(bytes: Buffer, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return s;
}

/** A fresh resource id like the real ones: `i-bp1` + 17 characters. */
export function resourceId(prefix: string, regionId: string): string {
  return `${prefix}-${REGION_INFIX[regionId] ?? 'sim'}${chars(randomBytes(17), 17)}`;
}

/** A resource id derived from a name, so a default world is the same every start. */
export function stableId(prefix: string, regionId: string, name: string): string {
  const h = createHash('sha256').update(`${prefix}/${regionId}/${name}`).digest();
  return `${prefix}-${REGION_INFIX[regionId] ?? 'sim'}${chars(h, 17)}`;
}

/** ESS ids: `asg-`, `asc-`, `asa-`, `ash-` + 20 characters. */
export function essId(prefix: string, regionId: string): string {
  return resourceId(prefix, regionId);
}

export function requestId(): string {
  return randomUUID().toUpperCase();
}
