import { ApiError } from './errors.js';
import {
  canonicalRequestV3,
  parseV3Authorization,
  sameSignature,
  sha256Hex,
  signV1,
  signV3,
} from './signature.js';

/** An AccessKey pair the simulator accepts; temporary (STS) ones carry their token and expiry. */
export interface Credential {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** Wall-clock ms after which a temporary credential is refused. */
  expiresAt?: number;
  /** Who this is, for the logs and for STS (e.g. `acs:ram::1:role/x`). */
  principal?: string;
}

export interface SignedRequest {
  method: string;
  pathname: string;
  query: [string, string][];
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  /** Query and form body merged. */
  params: ReadonlyMap<string, string>;
}

/** Requests whose time differs more than this from the server's are refused (InvalidTimeStamp.Expired). */
export const MAX_SKEW_MS = 15 * 60 * 1000;

function header(h: SignedRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `YYYY-MM-DDTHH:mm:ssZ` (seconds optional) → ms, or undefined. */
export function parseAcsTime(s: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Verifies V3 (ACS3-HMAC-SHA256) and V1 (HMAC-SHA1) signatures against the configured AccessKey pairs and the
 * temporary credentials STS issued, the request time, and nonce reuse. Time here is wall-clock time (what the
 * SDK signs with), not the simulated clock.
 */
export class Authenticator {
  private readonly keys = new Map<string, Credential>();
  private readonly nonces = new Map<string, number>();
  private readonly wallNow: () => number;

  constructor(credentials: readonly Credential[], opts: { wallNow?: () => number } = {}) {
    for (const c of credentials) this.keys.set(c.accessKeyId, c);
    this.wallNow = opts.wallNow ?? Date.now;
  }

  add(c: Credential): void {
    this.keys.set(c.accessKeyId, c);
  }

  /** Returns the credential that signed the request, or throws the API error the real gateway returns. */
  verify(req: SignedRequest): Credential {
    const authorization = header(req.headers, 'authorization');
    if (authorization !== undefined && authorization.startsWith('ACS3-'))
      return this.verifyV3(req, authorization);
    if (req.params.has('Signature')) return this.verifyV1(req);
    throw new ApiError(
      'IncompleteSignature',
      'The request signature does not conform to Aliyun standards: neither an Authorization header nor a Signature parameter was sent.',
    );
  }

  private lookup(accessKeyId: string, securityToken: string | undefined): Credential {
    const c = this.keys.get(accessKeyId);
    if (!c) throw new ApiError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    if (c.securityToken !== undefined) {
      if (securityToken === undefined) {
        throw new ApiError(
          'MissingSecurityToken',
          'The security token is required for a temporary access key.',
        );
      }
      if (securityToken !== c.securityToken) {
        throw new ApiError(
          'InvalidSecurityToken.MismatchWithAccessKey',
          'The Security Token does not match the Access Key.',
        );
      }
      if (c.expiresAt !== undefined && this.wallNow() > c.expiresAt) {
        throw new ApiError('InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.');
      }
    } else if (securityToken !== undefined && securityToken !== '') {
      throw new ApiError('InvalidSecurityToken.Malformed', 'Specified SecurityToken is malformed.');
    }
    return c;
  }

  private checkTime(value: string | undefined, name: string): void {
    if (value === undefined) {
      throw new ApiError(
        'MissingParameter',
        `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
      );
    }
    const t = parseAcsTime(value);
    if (t === undefined) {
      throw new ApiError(
        'InvalidTimeStamp.Format',
        `Specified time stamp or date value is not well formatted: "${name}" must be YYYY-MM-DDThh:mm:ssZ.`,
      );
    }
    if (Math.abs(this.wallNow() - t) > MAX_SKEW_MS) {
      throw new ApiError(
        'InvalidTimeStamp.Expired',
        `Specified time stamp or date value is expired: "${name}" ${value} is more than 15 minutes from the server time ${new Date(this.wallNow()).toISOString()}.`,
      );
    }
  }

  private useNonce(accessKeyId: string, nonce: string | undefined, name: string): void {
    if (nonce === undefined || nonce === '') {
      throw new ApiError(
        'MissingParameter',
        `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
      );
    }
    const now = this.wallNow();
    // entries are in insertion order: drop those older than the time window (their requests would be expired)
    for (const [k, t] of this.nonces) {
      if (now - t <= 2 * MAX_SKEW_MS) break;
      this.nonces.delete(k);
    }
    const key = `${accessKeyId}\n${nonce}`;
    if (this.nonces.has(key)) {
      throw new ApiError('SignatureNonceUsed', 'Specified signature nonce was used already.');
    }
    this.nonces.set(key, now);
  }

  private verifyV3(req: SignedRequest, authorization: string): Credential {
    const auth = parseV3Authorization(authorization);
    if (!auth) {
      throw new ApiError(
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards: the Authorization header must be "ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…".',
      );
    }
    if (auth.algorithm !== 'ACS3-HMAC-SHA256') {
      throw new ApiError(
        'InvalidSignatureMethod',
        `The signature method "${auth.algorithm}" is not supported: use ACS3-HMAC-SHA256.`,
      );
    }
    const signed = new Set(auth.signedHeaders);
    for (const name of ['host', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-action', 'x-acs-version']) {
      if (!signed.has(name)) {
        throw new ApiError(
          'IncompleteSignature',
          `The request signature does not conform to Aliyun standards: SignedHeaders must include "${name}".`,
        );
      }
    }
    const cred = this.lookup(auth.accessKeyId, header(req.headers, 'x-acs-security-token'));
    this.checkTime(header(req.headers, 'x-acs-date'), 'x-acs-date');
    const canonical = canonicalRequestV3({
      method: req.method,
      pathname: req.pathname,
      query: req.query,
      headers: req.headers,
      signedHeaders: auth.signedHeaders,
      payloadHashHex: sha256Hex(req.body),
    });
    const expected = signV3(cred.accessKeySecret, canonical);
    if (!sameSignature(expected, auth.signature.toLowerCase())) {
      throw new ApiError(
        'SignatureDoesNotMatch',
        `Specified signature does not match our calculation. server string to sign is:ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`,
      );
    }
    this.useNonce(cred.accessKeyId, header(req.headers, 'x-acs-signature-nonce'), 'x-acs-signature-nonce');
    return cred;
  }

  private verifyV1(req: SignedRequest): Credential {
    const p = req.params;
    const method = p.get('SignatureMethod');
    if (method !== 'HMAC-SHA1') {
      throw new ApiError(
        'InvalidSignatureMethod',
        `The signature method "${method ?? ''}" is not supported: use HMAC-SHA1.`,
      );
    }
    const accessKeyId = p.get('AccessKeyId');
    if (accessKeyId === undefined || accessKeyId === '') {
      throw new ApiError(
        'MissingParameter',
        'The input parameter "AccessKeyId" that is mandatory for processing this request is not supplied.',
      );
    }
    const cred = this.lookup(accessKeyId, p.get('SecurityToken'));
    this.checkTime(p.get('Timestamp'), 'Timestamp');
    const expected = signV1(cred.accessKeySecret, req.method, p);
    if (!sameSignature(expected, p.get('Signature') ?? '')) {
      throw new ApiError('SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    }
    this.useNonce(cred.accessKeyId, p.get('SignatureNonce'), 'SignatureNonce');
    return cred;
  }
}
