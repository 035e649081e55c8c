import { readFileSync } from 'node:fs';
import { Agent, fetch, type Response } from 'undici';
import type { Cluster, KubeConfig } from './config.js';
import { requestText } from './body.js';
import { errorForStatus, KubeApiError, StatusSchema, TooManyRequestsError } from './errors.js';
import { resourcePath, type ResourceRef } from './resources.js';
import { assertNotFenced, raceFence } from '../runtime/fence.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Whole-request timeout (default 30 s; watches have none and use a watchdog instead). */
  timeoutMs?: number;
}

export const PatchType = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** One event of a watch stream, as the API server sends it. */
export interface RawWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

export interface ListOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  limit?: number;
  continue?: string | undefined;
  resourceVersion?: string | undefined;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/** The transport error of a failed connection (not an HTTP answer). */
export class KubeTransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeTransportError';
  }
}

/** TLS options of the connections: the cluster's CA and server name, the user's client certificate. */
type TlsOptions = {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
};

/**
 * A raw JSON client of the Kubernetes API over the project's kubeconfig loader (server, TLS, credentials, token
 * refresh): one keep-alive connection pool (undici), JSON in and out, errors as typed KubeApiErrors. Typed
 * access sits on top (`TypedResource`), with zod at the edge.
 */
export class KubeClient {
  readonly server: string;
  private agent: Agent;
  /**
   * Lists only: HTTP/1.1, one request per connection at a time, so a page's socket reads belong to it alone and
   * can be freed as soon as they are decoded (see `requestText`). Watches and writes share `agent` (HTTP/2 when
   * the server offers it).
   */
  private listAgent: Agent;
  private readonly tls: TlsOptions;
  private readonly connections: number;
  /** The client certificate an exec plugin issued that the pools were built with ('' for none). */
  private pooledCert = '';
  /** Pools replaced after an exec plugin issued a new certificate, closing as their requests end. */
  private readonly retired = new Set<Agent>();
  /** Network read buffers of list pages freed as soon as decoded (a figure for the memory benchmark). */
  releasedListBuffers = 0;
  private auth: { headers: Record<string, string>; until: number } | undefined;
  private authRunning: Promise<Record<string, string>> | undefined;

  /**
   * The leader lease's fence (src/runtime/fence.ts): once aborted, every write (POST, PUT, PATCH, DELETE) is
   * refused with a FencedError, the writes under way are cut, and nobody waits for a request any more.
   */
  private readonly fence: AbortSignal | undefined;

  constructor(
    readonly config: KubeConfig,
    opts: { connections?: number; fence?: AbortSignal | undefined } = {},
  ) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.fence = opts.fence;
    this.server = cluster.server.replace(/\/+$/, '');
    this.tls = tlsOptions(config, cluster);
    this.connections = opts.connections ?? 32;
    [this.agent, this.listAgent] = this.pools(this.tls);
  }

  private pools(tls: TlsOptions): [Agent, Agent] {
    const agent = new Agent({
      connect: { ...tls, keepAlive: true, keepAliveInitialDelay: 30_000 },
      connections: this.connections,
      keepAliveTimeout: 30_000,
      bodyTimeout: 0,
      headersTimeout: 60_000,
    });
    const listAgent = new Agent({
      connect: { ...tls, keepAlive: true, keepAliveInitialDelay: 30_000 },
      connections: 8,
      pipelining: 1,
      allowH2: false,
      keepAliveTimeout: 30_000,
      bodyTimeout: 60_000,
      headersTimeout: 60_000,
    });
    return [agent, listAgent];
  }

  /** Release the connection pool (open watches are cut). */
  async close(): Promise<void> {
    await Promise.all([this.agent, this.listAgent].map((a) => a.close().catch(() => a.destroy())));
    await Promise.all([...this.retired].map((a) => a.destroy()));
  }

  /**
   * The auth headers, read again every 10 s at most (a token file that rotates) and never past an exec
   * credential's expiry. A client certificate from an exec plugin goes into the TLS options of new pools.
   */
  private async headers(): Promise<Record<string, string>> {
    if (this.auth && Date.now() < this.auth.until) return this.auth.headers;
    this.authRunning ??= this.readCredentials().finally(() => (this.authRunning = undefined));
    return this.authRunning;
  }

  private async readCredentials(): Promise<Record<string, string>> {
    const creds = await this.config.credentials();
    const cert =
      creds.cert && creds.key ? creds.cert.toString('base64') + '.' + creds.key.toString('base64') : '';
    if (cert !== this.pooledCert) {
      const old = [this.agent, this.listAgent];
      [this.agent, this.listAgent] = this.pools(
        creds.cert && creds.key ? { ...this.tls, cert: creds.cert, key: creds.key } : this.tls,
      );
      this.pooledCert = cert;
      // requests under way finish on the old pools (a watch until its server-side timeout, or `close()`)
      for (const a of old) {
        this.retired.add(a);
        void a
          .close()
          .catch(() => a.destroy())
          .finally(() => this.retired.delete(a));
      }
    }
    this.auth = { headers: creds.headers, until: Math.min(Date.now() + 10_000, creds.expiresAt ?? Infinity) };
    return creds.headers;
  }

  /** The typed error of an HTTP error answer; a 401 drops the cached credentials so the next request re-reads them. */
  private failure(status: number, body: unknown, context: string): KubeApiError {
    if (status === 401) {
      this.auth = undefined;
      this.config.expireCredentials();
    }
    return errorForStatus(status, body, context);
  }

  url(path: string, query?: Query): string {
    const u = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private async send(opts: RequestOptions, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { ...(await this.headers()), Accept: accept };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    const signals: AbortSignal[] = [];
    if (opts.signal) signals.push(opts.signal);
    if (opts.method !== 'GET' && this.fence) signals.push(this.fence);
    if (opts.timeoutMs !== 0) signals.push(AbortSignal.timeout(opts.timeoutMs ?? 30_000));
    try {
      return await fetch(this.url(opts.path, opts.query), {
        method: opts.method,
        headers,
        ...(body === undefined ? {} : { body }),
        dispatcher: this.agent,
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      });
    } catch (err) {
      throw new KubeTransportError(`${opts.method} ${opts.path}: ${describe(err)}`, { cause: err });
    }
  }

  /** One request; the parsed JSON answer, or a typed KubeApiError. */
  async request(opts: RequestOptions): Promise<unknown> {
    if (opts.method !== 'GET') return this.requestOnce(opts);
    return readRetryingThrottle(() => this.requestOnce(opts));
  }

  private async requestOnce(opts: RequestOptions): Promise<unknown> {
    // fenced: a write is refused, and no caller is kept waiting on a request after the loss (informers' lists
    // and watches go on until shutdown)
    const what = `${opts.method} ${opts.path}`;
    if (opts.method !== 'GET') assertNotFenced(this.fence, what);
    const res = await raceFence(this.send(opts), this.fence, what);
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new KubeTransportError(`${opts.method} ${opts.path}: ${describe(err)}`, { cause: err });
    }
    if (res.status < 200 || res.status > 299) {
      throw this.failure(res.status, text, `${opts.method} ${opts.path}`);
    }
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /**
   * One page of a list, parsed. The page is read as it arrives and decoded straight to text, uncompressed
   * (`Accept-Encoding: identity`: no gzip work on either side), and every socket read is freed as soon as it is
   * decoded, so listing 50,000 Pods leaves no pile of dead network buffers behind (see ReadBufferReleaser).
   */
  async list(ref: ResourceRef, opts: ListOptions = {}, signal?: AbortSignal): Promise<unknown> {
    return readRetryingThrottle(() => this.listOnce(ref, opts, signal), signal);
  }

  private async listOnce(ref: ResourceRef, opts: ListOptions, signal?: AbortSignal): Promise<unknown> {
    const path = resourcePath(ref, { namespace: opts.namespace });
    const url = new URL(
      this.url(path, {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        limit: opts.limit,
        continue: opts.continue,
        resourceVersion: opts.resourceVersion,
      }),
    );
    const headers = { ...(await this.headers()), Accept: 'application/json', 'Accept-Encoding': 'identity' };
    const timeout = AbortSignal.timeout(120_000);
    let res: Awaited<ReturnType<typeof requestText>>;
    try {
      res = await requestText(
        this.listAgent,
        { origin: url.origin, path: url.pathname + url.search, method: 'GET', headers },
        signal ? AbortSignal.any([signal, timeout]) : timeout,
      );
    } catch (err) {
      throw new KubeTransportError(`GET ${path}: ${describe(err)}`, { cause: err });
    }
    this.releasedListBuffers += res.releasedBuffers;
    if (res.status < 200 || res.status > 299) throw this.failure(res.status, res.text, `GET ${path}`);
    return res.text ? (JSON.parse(res.text) as unknown) : undefined;
  }

  /**
   * A watch: `onEvent` gets each event; ERROR events become typed errors (410 → GoneError). Resolves when the
   * server ends the stream (its timeout), rejects on any error; `signal` ends it (resolving).
   */
  async watch(
    ref: ResourceRef,
    opts: WatchOptions,
    onEvent: (e: RawWatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const path = resourcePath(ref, { namespace: opts.namespace });
    const res = await this.send({
      method: 'GET',
      path,
      query: {
        watch: true,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowWatchBookmarks,
        timeoutSeconds: opts.timeoutSeconds,
      },
      signal,
      timeoutMs: 0,
    });
    if (res.status !== 200) {
      const text = await res.text().catch(() => '');
      throw this.failure(res.status, text, `watch ${path}`);
    }
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          nl = buffered.indexOf('\n');
          if (!line) continue;
          const event = JSON.parse(line) as RawWatchEvent;
          if (event.type === 'ERROR') {
            const status = StatusSchema.safeParse(event.object);
            const code = status.success ? (status.data.code ?? 500) : 500;
            throw errorForStatus(code, event.object, `watch ${path}`);
          }
          onEvent(event);
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof KubeApiError) throw err;
      throw new KubeTransportError(`watch ${path}: ${describe(err)}`, { cause: err });
    }
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}

function tlsOptions(config: KubeConfig, cluster: Cluster): TlsOptions {
  const user = config.getCurrentUser();
  const fromFileOrData = (file?: string, data?: string): Buffer | undefined =>
    file ? readFileSync(file) : data ? Buffer.from(data, 'base64') : undefined;
  const out: TlsOptions = {};
  const ca = fromFileOrData(cluster.caFile, cluster.caData);
  if (ca) out.ca = ca;
  const cert = fromFileOrData(user?.certFile, user?.certData);
  if (cert) out.cert = cert;
  const key = fromFileOrData(user?.keyFile, user?.keyData);
  if (key) out.key = key;
  if (cluster.skipTLSVerify) out.rejectUnauthorized = false;
  if (cluster.tlsServerName) out.servername = cluster.tlsServerName;
  return out;
}

/** How many times a read the API server throttled is sent again (client-go retries up to 10). */
const THROTTLED_READ_ATTEMPTS = 6;

/**
 * A read the API server answered 429 (throttled, or "storage is (re)initializing" while a CRD's watch cache is
 * rebuilt) is sent again after the Retry-After it named (1 s when none, at most 5 s), as client-go does; writes
 * are never repeated here, and an eviction's 429 (a PodDisruptionBudget) is a POST.
 */
async function readRetryingThrottle<T>(read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof TooManyRequestsError) || attempt >= THROTTLED_READ_ATTEMPTS || signal?.aborted)
        throw err;
      const waitS = Math.min(Math.max(err.retryAfterSeconds ?? 1, 0.1), 5);
      await new Promise((r) => setTimeout(r, waitS * 1000));
    }
  }
}
