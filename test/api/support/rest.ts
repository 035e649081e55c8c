import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { parse } from 'yaml';
import { API_VERSION, KINDS, type Kind } from '../../../src/apis/v1beta1/constants.js';
import type { TestCluster } from '../../support/access.js';

/** One field error of a rejected request (a `details.causes[]` entry of the Status). */
export interface Cause {
  field: string;
  reason: string;
  message: string;
}

export interface ApiResult {
  status: number;
  /** The Status message, or '' on success. */
  message: string;
  causes: Cause[];
  body: unknown;
}

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}

/**
 * A tiny HTTPS client for the apiserver with the admin client certificate: tests that send hundreds of
 * server-side dry-run creates use it instead of one kubectl process per request.
 */
export class AdminRest {
  private readonly agent: Agent;
  private readonly server: URL;

  constructor(cluster: TestCluster, maxSockets = 8) {
    const kc = parse(readFileSync(cluster.kubeconfig, 'utf8')) as Kubeconfig;
    const user = kc.users[0]?.user;
    const c = kc.clusters[0]?.cluster;
    if (!user?.['client-certificate-data'] || !user['client-key-data'] || !c) {
      throw new Error('the admin kubeconfig has no embedded client certificate');
    }
    this.server = new URL(c.server);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets,
      ca: Buffer.from(c['certificate-authority-data'], 'base64'),
      cert: Buffer.from(user['client-certificate-data'], 'base64'),
      key: Buffer.from(user['client-key-data'], 'base64'),
    });
  }

  request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<ApiResult> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.server.hostname,
          port: this.server.port,
          method,
          path,
          headers: {
            accept: 'application/json',
            ...(data ? { 'content-type': contentType, 'content-length': data.length } : {}),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (b: Buffer) => chunks.push(b));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            const st = parsed as { kind?: string; message?: string; details?: { causes?: Cause[] } };
            const failed = (res.statusCode ?? 0) >= 300;
            resolve({
              status: res.statusCode ?? 0,
              message: failed ? (st.message ?? text) : '',
              causes: failed ? (st.details?.causes ?? []) : [],
              body: parsed,
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Server-side dry-run create with strict field validation (what `kubectl apply` does by default). */
  dryRunCreate(kind: Kind, obj: unknown): Promise<ApiResult> {
    return this.request(
      'POST',
      `/apis/${API_VERSION}/${KINDS[kind].plural}?dryRun=All&fieldValidation=Strict`,
      obj,
    );
  }

  /** Merge-patch an object (`dryRun` to only validate), strict field validation. */
  mergePatch(resourcePath: string, patch: unknown, opts: { dryRun?: boolean } = {}): Promise<ApiResult> {
    const q = `fieldValidation=Strict${opts.dryRun ? '&dryRun=All' : ''}`;
    return this.request('PATCH', `${resourcePath}?${q}`, patch, 'application/merge-patch+json');
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Run `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}
