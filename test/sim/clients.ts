import EcsModule, * as $Ecs from '@alicloud/ecs20140526';
import OpenApiModule, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import type { Simulator } from '../../src/sim/cloud/index.js';

// The SDKs are CommonJS: under Node's ESM loader their default export is `module.exports`, whose `default` is
// the client class.
const Ecs = EcsModule.default;
const OpenApi = OpenApiModule.default;

export { $Ecs, $dara };

export type SignatureVersion = 'v3' | 'v1';

export interface SdkOptions {
  signature?: SignatureVersion;
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
  /** Call without a signature (authType Anonymous), as STS AssumeRoleWithOIDC is called. */
  anonymous?: boolean;
}

function config(sim: Simulator, o: SdkOptions): $OpenApiUtil.Config {
  return new $OpenApiUtil.Config({
    accessKeyId: o.accessKeyId ?? sim.credentials.accessKeyId,
    accessKeySecret: o.accessKeySecret ?? sim.credentials.accessKeySecret,
    ...(o.securityToken === undefined ? {} : { securityToken: o.securityToken, type: 'sts' }),
    endpoint: sim.endpoint,
    protocol: 'http',
    regionId: sim.regionId,
    readTimeout: 10_000,
    connectTimeout: 5_000,
    ...(o.signature === 'v1' ? { signatureAlgorithm: 'v2' } : {}),
  });
}

/** The typed ECS client (`@alicloud/ecs20140526`) pointed at the simulator. */
export function ecsClient(sim: Simulator, o: SdkOptions = {}): InstanceType<typeof Ecs> {
  return new Ecs(config(sim, o));
}

const VERSIONS = { ess: '2014-08-28', vpc: '2016-04-28', sts: '2015-04-01', ecs: '2014-05-26' } as const;

export type Product = keyof typeof VERSIONS;

/** A generic RPC caller (`@alicloud/openapi-core` callApi), as the operator calls ESS and VPC. */
export function rpcClient(sim: Simulator, product: Product, o: SdkOptions = {}) {
  const client = new OpenApi(config(sim, o));
  return async (
    action: string,
    args: Record<string, unknown> = {},
    extra: { headers?: Record<string, string>; query?: Record<string, string> } = {},
  ): Promise<Record<string, unknown>> => {
    const params = new $OpenApiUtil.Params({
      action,
      version: VERSIONS[product],
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: o.anonymous ? 'Anonymous' : 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const req = new $OpenApiUtil.OpenApiRequest({
      query: { ...(extra.query ?? {}) },
      body: OpenApiUtil.query({ RegionId: sim.regionId, ...args }),
      ...(extra.headers ? { headers: extra.headers } : {}),
    });
    const res = (await client.callApi(params, req, new $dara.RuntimeOptions({}))) as {
      body: Record<string, unknown>;
    };
    return res.body;
  };
}

/** The error the SDK throws, with the fields tests look at. */
export interface SdkError {
  code: string;
  statusCode: number;
  data: Record<string, unknown>;
  message: string;
}

export async function sdkError(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the call to fail');
}
