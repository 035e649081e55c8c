import CredentialModule from '@alicloud/credentials';
import EcsModule from '@alicloud/ecs20140526';
import OpenApiModule, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { classify, CloudError, TransientError } from '../errors.js';
import type { CallInfo, RequestPipeline } from '../pipeline.js';
import type { CredentialsProvider } from './credentials.js';

// The SDKs are CommonJS: under Node's ESM loader the default import is `module.exports`, whose `default`
// is the class.
const Ecs = EcsModule.default;
const OpenApi = OpenApiModule.default;
const Credential = CredentialModule.default;

export type EcsClient = InstanceType<typeof Ecs>;
type OpenApiClient = InstanceType<typeof OpenApi>;

export const API_VERSIONS = {
  ecs: '2014-05-26',
  ess: '2014-08-28',
  vpc: '2016-04-28',
  sts: '2015-04-01',
} as const;
export type Product = keyof typeof API_VERSIONS;

/** One endpoint (`host` or `host:port`, no scheme) per product. */
export type Endpoints = Record<Product, string>;

/**
 * The public endpoints of a region: `ecs.<region>.aliyuncs.com`, `ess.<region>.aliyuncs.com`,
 * `vpc.<region>.aliyuncs.com`, `sts.<region>.aliyuncs.com`, each replaced by an override when one is set (the
 * simulator's `127.0.0.1:PORT` in development, or a VPC endpoint in production).
 */
export function resolveEndpoints(
  region: string,
  overrides: Partial<Record<Product, string | undefined>> = {},
): Endpoints {
  const pick = (p: Product): string => overrides[p] ?? `${p}.${region}.aliyuncs.com`;
  return { ecs: pick('ecs'), ess: pick('ess'), vpc: pick('vpc'), sts: pick('sts') };
}

export interface TransportOptions {
  region: string;
  endpoints: Endpoints;
  protocol: 'https' | 'http';
  credentials: CredentialsProvider;
  pipeline: RequestPipeline;
  /** `v3` (ACS3-HMAC-SHA256, the default) or `v1` (HMAC-SHA1). */
  signature?: 'v3' | 'v1';
}

/** A darabonba model (what the typed ECS client returns as `body`). */
interface Model {
  toMap(): Record<string, unknown>;
}

/**
 * The wire: the typed ECS client and generic RPC clients for ESS, VPC and STS, all on `@alicloud/openapi-core`
 * (one HTTP and signing stack), all sharing one credentials provider, every call through the pipeline. Answers
 * come back as plain JSON objects for zod to parse; failures as typed CloudErrors.
 */
export class AlibabaTransport {
  readonly region: string;
  readonly ecsClient: EcsClient;
  private readonly generic: Record<'ess' | 'vpc', OpenApiClient>;
  private readonly anonymous: OpenApiClient;

  constructor(private readonly opts: TransportOptions) {
    this.region = opts.region;
    const credential = new Credential(null, opts.credentials);
    const config = (endpoint: string, withCredential: boolean): $OpenApiUtil.Config =>
      new $OpenApiUtil.Config({
        ...(withCredential ? { credential } : {}),
        endpoint,
        protocol: opts.protocol,
        regionId: opts.region,
        ...(opts.signature === 'v1' ? { signatureAlgorithm: 'v2' } : {}),
      });
    this.ecsClient = new Ecs(config(opts.endpoints.ecs, true));
    this.generic = {
      ess: new OpenApi(config(opts.endpoints.ess, true)),
      vpc: new OpenApi(config(opts.endpoints.vpc, true)),
    };
    this.anonymous = new OpenApi(config(opts.endpoints.sts, false));
  }

  get pipeline(): RequestPipeline {
    return this.opts.pipeline;
  }

  /**
   * A generic RPC call (ESS, VPC, or anonymous STS): `args` are flattened the RPC way (`VSwitchIds.1`,
   * `Tag.1.Key`), `RegionId` added. Returns the JSON body.
   */
  rpc(
    product: 'ess' | 'vpc' | 'sts',
    action: string,
    args: Record<string, unknown>,
    info: Omit<CallInfo, 'product' | 'action'> = {},
  ): Promise<Record<string, unknown>> {
    const client = product === 'sts' ? this.anonymous : this.generic[product];
    const params = new $OpenApiUtil.Params({
      action,
      version: API_VERSIONS[product],
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: product === 'sts' ? 'Anonymous' : 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const body = OpenApiUtil.query({ RegionId: this.region, ...dropUndefined(args) }) as Record<
      string,
      string
    >;
    return this.opts.pipeline.call({ ...info, product, action }, async (timeoutMs) => {
      const req = new $OpenApiUtil.OpenApiRequest({ body });
      const res = (await client.callApi(params, req, runtimeOptions(timeoutMs))) as { body?: unknown };
      return asObject(res.body);
    });
  }

  /** A typed ECS call: `fn` calls one `…WithOptions` method of the client. Returns the body as wire JSON. */
  ecs(
    action: string,
    fn: (client: EcsClient, runtime: $dara.RuntimeOptions) => Promise<{ body?: Model | undefined }>,
    info: Omit<CallInfo, 'product' | 'action'> = {},
  ): Promise<Record<string, unknown>> {
    return this.opts.pipeline.call({ ...info, product: 'ecs', action }, async (timeoutMs) => {
      const res = await fn(this.ecsClient, runtimeOptions(timeoutMs));
      return res.body ? res.body.toMap() : {};
    });
  }
}

function runtimeOptions(timeoutMs: number): $dara.RuntimeOptions {
  return new $dara.RuntimeOptions({
    readTimeout: timeoutMs,
    connectTimeout: Math.min(5000, timeoutMs),
    autoretry: false,
    maxAttempts: 0,
    keepAlive: true,
  });
}

function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

/** What the SDK (or the network) threw → a typed CloudError with the cloud's code, message and RequestId. */
export function sdkErrorToCloudError(err: unknown, info: CallInfo): CloudError {
  if (err instanceof CloudError) return err;
  const e = (err ?? {}) as {
    code?: unknown;
    statusCode?: unknown;
    data?: unknown;
    message?: unknown;
    requestId?: unknown;
    retryAfter?: unknown;
    name?: unknown;
  };
  const data = asObject(e.data);
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof data.Code === 'string' ? data.Code : typeof e.code === 'string' ? e.code : undefined;
  if (status !== undefined && code !== undefined) {
    return classify(
      {
        code,
        cloudMessage:
          typeof data.Message === 'string' ? data.Message : typeof e.message === 'string' ? e.message : '',
        action: info.action,
        requestId:
          typeof data.RequestId === 'string'
            ? data.RequestId
            : typeof e.requestId === 'string'
              ? e.requestId
              : undefined,
        httpStatus: status,
        retryAfterMs: typeof e.retryAfter === 'number' ? e.retryAfter : undefined,
      },
      info.context,
    );
  }
  // No HTTP answer: a network failure or a timeout. Transient (retried); the message never holds a secret.
  const transport =
    typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'NetworkError';
  return new TransientError({
    code: transport,
    cloudMessage: typeof e.message === 'string' ? e.message.split('\n')[0]!.slice(0, 300) : 'no answer',
    action: info.action,
  });
}
