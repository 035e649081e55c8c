import { ecsTime } from '../clock.js';
import type { Cloud } from '../cloud.js';
import { invalidParameter } from '../errors.js';
import type { ApiBody, Call } from '../server.js';

function token(n: number): string {
  return Buffer.from(`sg:${n}`).toString('base64url');
}

/**
 * DescribeSecurityGroups (ECS API reference and the ecs20140526 SDK model): `SecurityGroupIds` (a JSON array, ≤ 100),
 * `SecurityGroupId`, `VpcId`, `SecurityGroupType`; pages by `MaxResults` (≤ 100, default 10) + `NextToken` — the
 * documented way — or, when neither is given, by the deprecated `PageNumber` / `PageSize` (≤ 50).
 */
export function describeSecurityGroups(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const vpcId = p.str('VpcId');
  const ids = p.jsonStringArray('SecurityGroupIds', 100);
  const single = p.str('SecurityGroupId');
  const type = p.oneOf('SecurityGroupType', ['normal', 'enterprise'] as const);
  const all = region.securityGroups.filter(
    (g) =>
      (vpcId === undefined || g.vpcId === vpcId) &&
      (!ids || ids.includes(g.securityGroupId)) &&
      (single === undefined || g.securityGroupId === single) &&
      (type === undefined || g.type === type),
  );
  let page: typeof all;
  let nextToken = '';
  let pageNumber = 1;
  let pageSize: number;
  if (p.has('MaxResults') || p.has('NextToken')) {
    pageSize = p.int('MaxResults', { min: 1, max: 100 }) ?? 10;
    const t = p.str('NextToken');
    let from = 0;
    if (t !== undefined) {
      const m = /^sg:(\d+)$/.exec(Buffer.from(t, 'base64url').toString('utf8'));
      if (!m?.[1])
        throw invalidParameter(
          'NextToken',
          `"${t}" was not returned by this API`,
          'InvalidParameter.NextToken',
        );
      from = Number(m[1]);
    }
    page = all.slice(from, from + pageSize);
    if (from + pageSize < all.length) nextToken = token(from + pageSize);
  } else {
    pageSize = p.int('PageSize', { min: 1, max: 50 }) ?? 10;
    pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
    page = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  }
  return {
    RegionId: region.regionId,
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    NextToken: nextToken,
    SecurityGroups: {
      SecurityGroup: page.map((g) => ({
        SecurityGroupId: g.securityGroupId,
        SecurityGroupName: g.name,
        SecurityGroupType: g.type,
        VpcId: g.vpcId,
        Description: '',
        CreationTime: ecsTime(Date.UTC(2025, 0, 1)),
        ServiceManaged: false,
        ResourceGroupId: '',
        Tags: { Tag: [] },
      })),
    },
  };
}
