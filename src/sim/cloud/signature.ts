import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The two request signatures of Alibaba Cloud's RPC APIs, computed from what arrives on the wire:
 * V3 `ACS3-HMAC-SHA256` (Authorization header) and V1 `HMAC-SHA1` (Signature query parameter).
 */

/** Percent-encoding of the signatures: encodeURIComponent plus `! ' ( ) *`; `~` stays. */
export function acsEncode(s: string): string {
  const e = encodeURIComponent(s);
  return RESERVED_ONE.test(e) ? e.replace(RESERVED, (c) => RESERVED_ESCAPES[c] ?? c) : e;
}

const RESERVED_ONE = /[!'()*]/;
const RESERVED = /[!'()*]/g;
const RESERVED_ESCAPES: Record<string, string> = {
  '!': '%21',
  "'": '%27',
  '(': '%28',
  ')': '%29',
  '*': '%2A',
};

function decode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The raw query string split into decoded pairs, in wire order. */
export function parseQuery(rawQuery: string): [string, string][] {
  const out: [string, string][] = [];
  if (rawQuery === '') return out;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out.push([decode(part), '']);
    else out.push([decode(part.slice(0, eq)), decode(part.slice(eq + 1))]);
  }
  return out;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** CanonicalQueryString of V3: keys sorted, `key=enc(value)` joined by `&`. */
export function canonicalQueryV3(pairs: readonly [string, string][]): string {
  const map = new Map<string, string>();
  for (const [k, v] of pairs) map.set(k, v);
  return [...map.keys()]
    .sort()
    .map((k) => `${k}=${acsEncode(map.get(k) ?? '')}`)
    .join('&');
}

export interface V3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`, or undefined when malformed. */
export function parseV3Authorization(header: string): V3Authorization | undefined {
  const m = /^(ACS3-[A-Z0-9-]+)\s+(.*)$/.exec(header.trim());
  if (!m?.[1] || m[2] === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const part of m[2].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) return undefined;
  return { algorithm: m[1], accessKeyId, signedHeaders: signedHeaders.split(';'), signature };
}

export interface V3Input {
  method: string;
  pathname: string;
  query: readonly [string, string][];
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  signedHeaders: readonly string[];
  payloadHashHex: string;
}

export function canonicalRequestV3(i: V3Input): string {
  const canonicalHeaders = i.signedHeaders
    .map((name) => {
      const v = i.headers[name];
      const value = Array.isArray(v)
        ? [...v]
            .map((x) => x.trim())
            .sort()
            .join(',')
        : (v ?? '').trim();
      return `${name}:${value}\n`;
    })
    .join('');
  const uri = i.pathname.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
  return [
    i.method,
    uri,
    canonicalQueryV3(i.query),
    canonicalHeaders,
    i.signedHeaders.join(';'),
    i.payloadHashHex,
  ].join('\n');
}

export function signV3(secret: string, canonicalRequest: string): string {
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

/** V1: `METHOD&%2F&enc(sorted enc(k)=enc(v))` over every parameter but Signature, HMAC-SHA1 with `secret&`. */
export function signV1(secret: string, method: string, params: ReadonlyMap<string, string>): string {
  const canonical = [...params.keys()]
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${acsEncode(k)}=${acsEncode(params.get(k) ?? '')}`)
    .join('&');
  const stringToSign = `${method}&${acsEncode('/')}&${acsEncode(canonical)}`;
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}

export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
