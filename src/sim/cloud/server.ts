import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../log.js';
import { type Authenticator, type Credential } from './auth.js';
import { ApiError, productStatus } from './errors.js';
import { ConnectionDrop } from './faults.js';
import { requestId as newRequestId } from './ids.js';
import { Params } from './params.js';
import { type Product, productByVersion } from './products.js';
import { parseQuery } from './signature.js';

/** One API call, authenticated, with its parameters. */
export interface Call {
  product: Product;
  action: string;
  params: Params;
  requestId: string;
  credential: Credential;
}

/** A piece of a response that is already JSON, as UTF-8 bytes (cached serializations of large items). */
export class RawJson {
  readonly bytes: Buffer;
  constructor(text: string) {
    // an exactly sized buffer of its own: a slice of the shared pool would keep its neighbours alive
    const n = Buffer.byteLength(text);
    this.bytes = Buffer.allocUnsafeSlow(n);
    this.bytes.write(text, 0, n, 'utf8');
  }
}

// placeholders for RawJson pieces while the rest is stringified; the per-process token keeps a string value
// that happens to look like one (JSON escapes NUL the same way) from being taken for one
const RAW_TOKEN = randomBytes(8).toString('hex');
const RAW_MARK = new RegExp(`"\\\\u0000${RAW_TOKEN}:(\\d+)\\\\u0000"`, 'g');

/**
 * The body as UTF-8 byte pieces. RawJson pieces are not re-serialized: the rest is stringified with a
 * placeholder in their place and cut around them (a 100-instance DescribeInstances page is ~200 KB, nearly
 * all of it cached bytes).
 */
export function serializeBody(body: unknown): Buffer[] {
  const raws: Buffer[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (value instanceof RawJson) {
      raws.push(value.bytes);
      return `\u0000${RAW_TOKEN}:${raws.length - 1}\u0000`;
    }
    return value;
  });
  if (raws.length === 0) return [Buffer.from(text, 'utf8')];
  const chunks: Buffer[] = [];
  let from = 0;
  RAW_MARK.lastIndex = 0;
  for (let m = RAW_MARK.exec(text); m; m = RAW_MARK.exec(text)) {
    if (m.index > from) chunks.push(Buffer.from(text.slice(from, m.index), 'utf8'));
    chunks.push(raws[Number(m[1])] ?? Buffer.from('null'));
    from = m.index + m[0].length;
  }
  if (from < text.length) chunks.push(Buffer.from(text.slice(from), 'utf8'));
  return chunks;
}

/** A response body without RequestId (the server adds it). Lists must be real arrays. */
export type ApiBody = Record<string, unknown>;
export type Handler = (call: Call) => ApiBody | Promise<ApiBody>;

/** Runs before a handler (fault injection, throttling): may throw an ApiError or delay. */
export type Interceptor = (call: Call) => void | Promise<void>;

const MAX_BODY = 4 * 1024 * 1024;

export class Router {
  private readonly handlers = new Map<string, Handler>();
  private readonly anonymous = new Set<string>();

  add(product: Product, action: string, handler: Handler, opts: { anonymous?: boolean } = {}): this {
    this.handlers.set(`${product.version}/${action}`, handler);
    if (opts.anonymous) this.anonymous.add(`${product.version}/${action}`);
    return this;
  }

  /** Actions called without a signature (STS AssumeRoleWithOIDC). */
  isAnonymous(product: Product, action: string): boolean {
    return this.anonymous.has(`${product.version}/${action}`);
  }

  get(product: Product, action: string): Handler | undefined {
    return this.handlers.get(`${product.version}/${action}`);
  }

  actions(product: Product): string[] {
    const prefix = `${product.version}/`;
    return [...this.handlers.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }
}

/** Server-side latency of the last calls (for p99 figures). */
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private n = 0;
  constructor(size = 100_000) {
    this.samples = new Float64Array(size);
  }
  record(ms: number): void {
    this.samples[this.n % this.samples.length] = ms;
    this.n++;
  }
  reset(): void {
    this.n = 0;
  }
  summary(): { count: number; p50: number; p99: number; max: number } {
    const count = Math.min(this.n, this.samples.length);
    const sorted = Array.from(this.samples.subarray(0, count)).sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(count - 1, Math.floor(q * count))] ?? 0;
    return { count: this.n, p50: at(0.5), p99: at(0.99), max: sorted[count - 1] ?? 0 };
  }
}

/** Calls answered, by action (every answer counts: errors and throttles included; a dropped connection too). */
export class ActionCounter {
  private counts = new Map<string, number>();
  record(action: string): void {
    this.counts.set(action, (this.counts.get(action) ?? 0) + 1);
  }
  reset(): void {
    this.counts = new Map();
  }
  /** The counts so far, by action, sorted by name. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError('InvalidParameter', `The request body is larger than ${MAX_BODY} bytes.`, 413));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export interface ApiServerOptions {
  router: Router;
  auth: Authenticator;
  log: Logger;
  interceptors?: Interceptor[];
  /** Run after the handler, before answering: may replace the answer with an error (lost answers). */
  afterInterceptors?: Interceptor[];
  latency?: LatencyRecorder;
  calls?: ActionCounter;
}

/**
 * The cloud endpoint: one HTTP server for every product. Dispatches on `x-acs-action` / `x-acs-version` (V3)
 * or `Action` / `Version` (V1), merges query and form body, verifies the signature, runs the handler and
 * writes the real response or error body.
 */
export class ApiServer {
  private server: Server | undefined;
  private readonly opts: ApiServerOptions;

  constructor(opts: ApiServerOptions) {
    this.opts = opts;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    // the typed ECS client sends every parameter in the query string, UserData (≤ 32 KB, base64) included
    const server = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
      void this.handle(req, res);
    });
    server.keepAliveTimeout = 5_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    return `${host}:${addr.port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = newRequestId();
    let product: Product | undefined;
    let action: string | undefined;
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const pathname = q < 0 ? url : url.slice(0, q);
      const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
      const body = await readBody(req);
      const merged = new Map<string, string>(query);
      const contentType = headerValue(req, 'content-type') ?? '';
      if (body.length > 0 && contentType.startsWith('application/x-www-form-urlencoded')) {
        for (const [k, v] of parseQuery(body.toString('utf8'))) merged.set(k, v);
      }
      // A V1 (HMAC-SHA1) signature covers the parameters, not the x-acs-* headers: such a request is dispatched on
      // its signed Action / Version alone — as the RPC gateway does — and one whose headers name another action is
      // refused (else one signed request, replayed with another header, would run any action).
      const v1 = merged.has('Signature') && !(headerValue(req, 'authorization') ?? '').startsWith('ACS3-');
      if (v1) {
        for (const [h, p] of [
          ['x-acs-action', 'Action'],
          ['x-acs-version', 'Version'],
        ] as const) {
          const hv = headerValue(req, h);
          if (hv !== undefined && hv !== merged.get(p)) {
            throw new ApiError(
              'SignatureDoesNotMatch',
              `The ${h} header (${hv}) is not the signed ${p} (${merged.get(p) ?? 'none'}): a V1 signature covers the parameters only.`,
            );
          }
        }
      }
      action = v1 ? merged.get('Action') : (headerValue(req, 'x-acs-action') ?? merged.get('Action'));
      const version = v1
        ? merged.get('Version')
        : (headerValue(req, 'x-acs-version') ?? merged.get('Version'));
      if (!action) {
        throw new ApiError(
          'MissingParameter',
          'The input parameter "Action" that is mandatory for processing this request is not supplied.',
        );
      }
      if (!version) {
        throw new ApiError(
          'MissingParameter',
          'The input parameter "Version" that is mandatory for processing this request is not supplied.',
        );
      }
      product = productByVersion(version);
      if (!product) {
        throw new ApiError('InvalidVersion', `Specified parameter Version "${version}" is not valid.`);
      }
      const anonymous =
        this.opts.router.isAnonymous(product, action) &&
        headerValue(req, 'authorization') === undefined &&
        !merged.has('Signature');
      const credential: Credential = anonymous
        ? { accessKeyId: '', accessKeySecret: '', principal: 'anonymous' }
        : this.opts.auth.verify({
            method: req.method ?? 'GET',
            pathname,
            query,
            headers: req.headers,
            body,
            params: merged,
          });
      const handler = this.opts.router.get(product, action);
      if (!handler) {
        throw new ApiError(
          'InvalidAction.NotFound',
          `Specified api "${action}" is not found in ${product.name} ${product.version}, please check your url and method.`,
        );
      }
      const call: Call = { product, action, params: new Params(merged), requestId, credential };
      for (const i of this.opts.interceptors ?? []) await i(call);
      const out = await handler(call);
      for (const i of this.opts.afterInterceptors ?? []) await i(call);
      this.send(res, 200, { RequestId: requestId, ...out }, requestId);
      this.opts.log.debug({ action, requestId }, 'api call');
    } catch (err) {
      if (err instanceof ConnectionDrop) {
        req.socket.destroy();
        return;
      }
      const e =
        err instanceof ApiError
          ? err
          : new ApiError('InternalError', 'The request processing has failed due to some unknown error.');
      if (!(err instanceof ApiError)) this.opts.log.error({ err, action, requestId }, 'handler failed');
      const host = product?.host ?? 'aliyuncs.com';
      const bodyOut = {
        RequestId: requestId,
        HostId: host,
        Code: e.code,
        Message: e.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(e.code)}&product=${product?.name ?? ''}&requestId=${requestId}`,
      };
      const status = (product && productStatus(product.name, e.code)) ?? e.status;
      this.send(res, status, bodyOut, requestId, e.headers);
      this.opts.log.debug({ action, requestId, code: e.code }, 'api error');
    } finally {
      this.opts.latency?.record(performance.now() - started);
      if (action) this.opts.calls?.record(action);
    }
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    requestId: string,
    headers: Record<string, string> = {},
  ): void {
    if (res.headersSent || res.destroyed) return;
    const chunks = serializeBody(body);
    let length = 0;
    for (const c of chunks) length += c.length;
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': length,
      'x-acs-request-id': requestId,
      ...headers,
    });
    // the pieces go out as they are, in one writev, not copied into one buffer first
    res.cork();
    for (let k = 0; k < chunks.length - 1; k++) res.write(chunks[k]);
    res.end(chunks[chunks.length - 1]);
    res.uncork();
  }
}
