// A lean client for the throughput figures: each request is built and signed as openapi-core builds a V3
// (ACS3-HMAC-SHA256) RPC call — the same headers, the SDK's own OpenApiUtil.getAuthorization, a fresh nonce and
// date per request — and sent over keep-alive HTTP/1.1 connections; the whole answer is read (status, headers,
// every byte of the body), but not turned into objects, so the figure is the server's and not the client's
// JSON parsing and model casting.
import { randomUUID } from 'node:crypto';
import { stringify } from 'node:querystring';
import { OpenApiUtil } from '@alicloud/openapi-core';
import { connect, type Socket } from 'node:net';
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

interface Waiter {
  resolve(a: RawAnswer): void;
  reject(err: Error): void;
  keepText: boolean;
  head: Buffer[];
  status: number;
  need: number;
  got: number;
  body: Buffer[];
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection that sends a request and reads its whole answer (status line, headers,
 * `content-length` bytes of body), one request at a time. Lean on purpose: the figure must be the server's.
 */
class Connection {
  private readonly socket: Socket;
  private waiter: Waiter | undefined;
  private readonly ready: Promise<void>;

  constructor(host: string, port: number) {
    // answers are read into one buffer per connection, used again for every read: nothing is allocated per
    // answer but its header (the client stays light, and the figure the server's)
    this.socket = connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: Buffer.allocUnsafe(256 * 1024),
        callback: (n: number, buf: Uint8Array) => {
          this.onData(Buffer.from(buf.buffer, buf.byteOffset, n));
          return true;
        },
      },
    });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('the connection closed')));
  }

  async send(request: string, keepText: boolean): Promise<RawAnswer> {
    await this.ready;
    if (this.waiter) throw new Error('one request at a time on a connection');
    const answer = new Promise<RawAnswer>((resolve, reject) => {
      this.waiter = { resolve, reject, keepText, head: [], status: 0, need: -1, got: 0, body: [] };
    });
    this.socket.write(request, 'latin1');
    return answer;
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(err: Error): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  private onData(chunk: Buffer): void {
    const w = this.waiter;
    if (!w) return;
    let body = chunk;
    if (w.need < 0) {
      w.head.push(Buffer.from(chunk)); // a copy: the read buffer is used again
      const head = w.head.length === 1 ? chunk : Buffer.concat(w.head);
      const end = head.indexOf(HEAD_END);
      if (end < 0) return;
      const lines = head.toString('latin1', 0, end).split('\r\n');
      w.status = Number(lines[0]?.split(' ')[1] ?? 0);
      const length = lines.find((l) => /^content-length:/i.test(l));
      w.need = Number(length?.slice(length.indexOf(':') + 1).trim() ?? 0);
      body = head.subarray(end + HEAD_END.length);
    }
    w.got += body.length;
    if (w.keepText) w.body.push(Buffer.from(body));
    if (w.got >= w.need) {
      this.waiter = undefined;
      w.resolve({
        status: w.status,
        bytes: w.got,
        ...(w.keepText ? { text: Buffer.concat(w.body).toString('utf8') } : {}),
      });
    }
  }
}

export class SignedClient {
  private readonly idle: Connection[] = [];
  private readonly all: Connection[] = [];
  private readonly t: Target;
  private readonly host: string;
  private readonly port: number;

  constructor(t: Target) {
    this.t = t;
    const [host, port] = t.endpoint.split(':');
    this.host = host ?? '127.0.0.1';
    this.port = Number(port);
  }

  /** The request openapi-core sends for an RPC action with every parameter in the query (the typed clients). */
  signed(action: string, version: string, params: Record<string, string>): string {
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
    let head = `POST /?${stringify(query)} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    return `${head}content-length: 0\r\nconnection: keep-alive\r\n\r\n`;
  }

  /** Sends a signed request on an idle keep-alive connection (a new one when all are busy). */
  async call(
    action: string,
    version: string,
    params: Record<string, string>,
    opts: { keepText?: boolean } = {},
  ): Promise<RawAnswer> {
    const request = this.signed(action, version, params);
    let c = this.idle.pop();
    if (!c) {
      c = new Connection(this.host, this.port);
      this.all.push(c);
    }
    const answer = await c.send(request, opts.keepText === true);
    this.idle.push(c);
    return answer;
  }

  close(): void {
    for (const c of this.all) c.close();
  }
}
