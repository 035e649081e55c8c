import OpenApiModule, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';

const OpenApi = OpenApiModule.default;

export interface Target {
  endpoint: string;
  adminUrl: string;
  accessKeyId: string;
  accessKeySecret: string;
  regionId: string;
}

const clients = new Map<string, InstanceType<typeof OpenApi>>();

/** A generic RPC call (ESS by default) through openapi-core's callApi, as the operator makes it. */
export async function rpc(
  t: Target,
  action: string,
  args: Record<string, unknown>,
  version = '2014-08-28',
): Promise<Record<string, unknown>> {
  let c = clients.get(t.endpoint);
  if (!c) {
    c = new OpenApi(
      new $OpenApiUtil.Config({
        accessKeyId: t.accessKeyId,
        accessKeySecret: t.accessKeySecret,
        endpoint: t.endpoint,
        protocol: 'http',
      }),
    );
    clients.set(t.endpoint, c);
  }
  const params = new $OpenApiUtil.Params({
    action,
    version,
    protocol: 'HTTPS',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const req = new $OpenApiUtil.OpenApiRequest({ body: OpenApiUtil.query({ RegionId: t.regionId, ...args }) });
  const res = (await c.callApi(params, req, new $dara.RuntimeOptions({}))) as {
    body: Record<string, unknown>;
  };
  return res.body;
}
