// A lean client for the throughput figures: each request is built and signed as openapi-core builds a V3
// (ACS3-HMAC-SHA256) RPC call — the same headers, the SDK's own OpenApiUtil.getAuthorization, a fresh nonce and
// date per request — and sent over keep-alive connections (undici Pool); the whole response body is read, but
// not turned into objects, so the figure is the server's and not the client's JSON parsing and model casting.
import { randomUUID } from 'node:crypto';
import { stringify } from 'node:querystring';
import { OpenApiUtil } from '@alicloud/openapi-core';
import { Pool } from 'undici';
import { sha256Hex } from '../src/sim/cloud/signature.js';
import type { Target } from './rpc.js';

const EMPTY_SHA256 = sha256Hex('');
const USER_AGENT = 'AlibabaCloud (linux; x64) Node.js/bench Core/1.0 TeaDSL/2';

/** `YYYY-MM-DDThh:mm:ssZ`, as the SDK's getTimestamp writes it. */
function acsTimestamp(d = new Date()): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export interface RawAnswer {
  status: number;
  bytes: number;
  /** The body text, only when asked for (to check answers, not on the measured path). */
  text?: string;
}

export class SignedClient {
  private readonly pool: Pool;
  private readonly t: Target;

  constructor(t: Target, connections: number) {
    this.t = t;
    this.pool = new Pool(`http://${t.endpoint}`, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
    });
  }

  /** The request openapi-core sends for an RPC action with every parameter in the query (the typed clients). */
  signed(
    action: string,
    version: string,
    params: Record<string, string>,
  ): {
    path: string;
    headers: Record<string, string>;
  } {
    const query = { RegionId: this.t.regionId, ...params };
    const headers: Record<string, string> = {
      host: this.t.endpoint,
      'x-acs-version': version,
      'x-acs-action': action,
      'user-agent': USER_AGENT,
      'x-acs-date': acsTimestamp(),
      'x-acs-signature-nonce': randomUUID(),
      accept: 'application/json',
      'x-acs-content-sha256': EMPTY_SHA256,
    };
    headers.authorization = OpenApiUtil.getAuthorization(
      { pathname: '/', method: 'POST', query, headers } as never,
      'ACS3-HMAC-SHA256',
      EMPTY_SHA256,
      this.t.accessKeyId,
      this.t.accessKeySecret,
    );
    return { path: `/?${stringify(query)}`, headers };
  }

  async call(
    action: string,
    version: string,
    params: Record<string, string>,
    opts: { keepText?: boolean } = {},
  ): Promise<RawAnswer> {
    const { path, headers } = this.signed(action, version, params);
    const res = await this.pool.request({
      origin: `http://${this.t.endpoint}`,
      path,
      method: 'POST',
      headers,
    });
    if (opts.keepText) {
      const text = await res.body.text();
      return { status: res.statusCode, bytes: Buffer.byteLength(text), text };
    }
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    return { status: res.statusCode, bytes };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
