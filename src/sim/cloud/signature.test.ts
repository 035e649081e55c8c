import { describe, expect, it } from '@jest/globals';
import { OpenApiUtil } from '@alicloud/openapi-core';
import {
  canonicalRequestV3,
  parseQuery,
  parseV3Authorization,
  sha256Hex,
  signV1,
  signV3,
} from './signature.js';
import { stringify } from 'node:querystring';

// The SDK's own signing functions are the reference: the simulator must compute the same signatures from what
// arrives on the wire (the query string as the SDK's HTTP layer writes it).
const tricky = {
  RegionId: 'cn-hangzhou',
  Name: "a b*c'd(e)f!g~h",
  Unicode: '节点池',
  Plus: '1+1=2&x',
  'Tag.1.Key': 'k8s.io/cluster-autoscaler',
};

describe('V3 ACS3-HMAC-SHA256', () => {
  it('computes the signature the SDK computes, from the wire query', () => {
    const headers = {
      host: '127.0.0.1:1234',
      'x-acs-action': 'DescribeInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2026-11-22T21:00:00Z',
      'x-acs-signature-nonce': 'abc',
      'x-acs-content-sha256': sha256Hex(''),
      'user-agent': 'not signed',
    };
    const auth = OpenApiUtil.getAuthorization(
      { pathname: '/', method: 'POST', query: tricky, headers } as never,
      'ACS3-HMAC-SHA256',
      sha256Hex(''),
      'AK',
      'secret',
    );
    const parsed = parseV3Authorization(auth);
    expect(parsed?.signedHeaders).toEqual([
      'host',
      'x-acs-action',
      'x-acs-content-sha256',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-version',
    ]);
    const wire = parseQuery(stringify(tricky));
    const mine = signV3(
      'secret',
      canonicalRequestV3({
        method: 'POST',
        pathname: '/',
        query: wire,
        headers,
        signedHeaders: parsed?.signedHeaders ?? [],
        payloadHashHex: sha256Hex(''),
      }),
    );
    expect(mine).toBe(parsed?.signature);
    // one changed character in a parameter changes the signature
    const other = signV3(
      'secret',
      canonicalRequestV3({
        method: 'POST',
        pathname: '/',
        query: parseQuery(stringify({ ...tricky, Name: 'x' })),
        headers,
        signedHeaders: parsed?.signedHeaders ?? [],
        payloadHashHex: sha256Hex(''),
      }),
    );
    expect(other).not.toBe(parsed?.signature);
  });
});

describe('V1 HMAC-SHA1', () => {
  it('computes the signature the SDK computes', () => {
    const params = {
      ...tricky,
      Action: 'DescribeVpcs',
      Version: '2016-04-28',
      Timestamp: '2026-11-22T21:00:00Z',
    };
    const expected = OpenApiUtil.getRPCSignature(params, 'POST', 'secret');
    const wire = new Map(parseQuery(stringify(params)));
    expect(signV1('secret', 'POST', wire)).toBe(expected);
    expect(signV1('other', 'POST', wire)).not.toBe(expected);
  });
});
