import type { Cloud } from './cloud.js';
import type { ApiBody, Call } from './server.js';

function ids(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function describeVpcs(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const want = ids(p.str('VpcId'));
  const name = p.str('VpcName');
  const isDefault = p.bool('IsDefault');
  const pageSize = p.int('PageSize', { min: 1, max: 50 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const all = region.vpcs.filter(
    (v) =>
      (!want || want.includes(v.vpcId)) &&
      (name === undefined || v.name === name) &&
      (isDefault === undefined || v.isDefault === isDefault),
  );
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    Vpcs: {
      Vpc: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((v) => ({
        VpcId: v.vpcId,
        VpcName: v.name,
        RegionId: region.regionId,
        CidrBlock: v.cidrBlock,
        Status: 'Available',
        IsDefault: v.isDefault,
        Description: '',
        CreationTime: '2025-01-01T00:00:00Z',
        ResourceGroupId: '',
        VSwitchIds: { VSwitchId: v.vSwitches.map((s) => s.vSwitchId) },
        UserCidrs: { UserCidr: [] },
        NatGatewayIds: { NatGatewayIds: [] },
        RouterTableIds: { RouterTableIds: [] },
        SecondaryCidrBlocks: { SecondaryCidrBlock: [] },
        Tags: { Tag: [] },
      })),
    },
  };
}

/**
 * DescribeVSwitches (VPC 2016-04-28, API reference): `VSwitchId` names **one** vSwitch ("the ID of the vSwitch to
 * query"); it is matched as it is, so a comma list matches none. `VpcId`, `ZoneId`, `VSwitchName`, `IsDefault`;
 * `PageNumber` / `PageSize` (1–50, default 10).
 */
export function describeVSwitches(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const vpcId = p.str('VpcId');
  const one = p.str('VSwitchId');
  const want = one === undefined ? undefined : [one];
  const zoneId = p.str('ZoneId');
  const pageSize = p.int('PageSize', { min: 1, max: 50 }) ?? 10;
  const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
  const all = region.vpcs.flatMap((v) =>
    v.vSwitches
      .filter(
        (s) =>
          (vpcId === undefined || v.vpcId === vpcId) &&
          (!want || want.includes(s.vSwitchId)) &&
          (zoneId === undefined || s.zoneId === zoneId),
      )
      .map((s) => ({ v, s })),
  );
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    VSwitches: {
      VSwitch: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map(({ v, s }) => ({
        VSwitchId: s.vSwitchId,
        VSwitchName: s.name,
        VpcId: v.vpcId,
        ZoneId: s.zoneId,
        RegionId: region.regionId,
        CidrBlock: s.cidrBlock,
        AvailableIpAddressCount: cloud.ips.free(s),
        Status: 'Available',
        IsDefault: false,
        Description: '',
        CreationTime: '2025-01-01T00:00:00Z',
        ResourceGroupId: '',
        ShareType: '',
        NetworkAclId: '',
        RouteTable: { RouteTableId: '', RouteTableType: 'System' },
        Tags: { Tag: [] },
      })),
    },
  };
}
