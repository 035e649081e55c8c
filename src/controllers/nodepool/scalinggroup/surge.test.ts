import { describe, expect, test } from '@jest/globals';
import type { NodePool } from '../../../apis/v1beta1/index.js';
import type { ScalingGroup } from '../../../cloud/types.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { groupSpecFor } from './reconcile.js';

// The desired capacity with replacements launched first (rotation's surge, a consolidation's replacement):
// the spec's size plus one per replacementsFirst claim, the same whether ESS already has the raise or not.

const pool = (scaling: Record<string, unknown>): DeepReadonly<NodePool> =>
  ({
    metadata: { name: 'web' },
    spec: {
      region: 'cn-hangzhou',
      vpcId: 'vpc-1',
      vSwitchIds: ['vsw-a'],
      scaling,
      instanceTypes: ['ecs.g7.xlarge'],
      billing: { chargeType: 'PayAsYouGo' },
      image: { type: 'ContainerOS' },
      systemDisk: { category: 'cloud_essd', sizeGiB: 40 },
      securityGroup: { type: 'Basic', ids: ['sg-1'] },
      bootstrap: { mode: 'Managed' },
    },
  }) as unknown as DeepReadonly<NodePool>;
const group = (desired: number): ScalingGroup => ({
  id: 'asg-1',
  name: 'np-c-web',
  state: 'Active',
  minSize: 0,
  maxSize: 10,
  desiredCapacity: desired,
  activeConfigurationId: 'asc-1',
  vSwitchIds: ['vsw-a'],
  vpcId: 'vpc-1',
  multiAZPolicy: 'PRIORITY',
  scalingPolicy: 'release',
  tags: {},
  deletionProtection: true,
  counts: { total: desired, pending: 0, removing: 0, protected: 0, standby: 0, stopped: 0 },
});
const manual = pool({ mode: 'Manual', desiredSize: 5 });
const auto = pool({ mode: 'Auto', minSize: 0, maxSize: 10 });

describe('groupSpecFor with replacements first', () => {
  const cases: [
    string,
    DeepReadonly<NodePool>,
    number,
    number,
    number,
    number | undefined,
    number,
    number,
  ][] = [
    // name, pool, ESS desired, members, surge, status.desiredSize → ESS desired asked, wanted
    ['Manual, no surge', manual, 5, 5, 0, 5, 5, 5],
    ['Manual, 3 claims: the spec + 3', manual, 5, 5, 3, 5, 8, 5],
    ['Manual, 3 claims, ESS already raised', manual, 8, 8, 3, 5, 8, 5],
    ['Auto, no surge: ESS decides', auto, 5, 5, 0, 4, 5, 5],
    ['Auto, 3 claims just written (ESS not raised yet): 5 + 3', auto, 5, 5, 3, 5, 8, 5],
    ['Auto, 3 claims, ESS raised: stays 8', auto, 8, 8, 3, 5, 8, 5],
    ['Auto, one of 3 removed (ESS lowered with it): 5 + 2', auto, 7, 7, 2, 5, 7, 5],
    ['Auto, surge capped by maxSize', auto, 9, 9, 3, 9, 10, 9],
    ['Auto, an attach during the surge is kept (never below what runs)', auto, 9, 9, 3, 5, 9, 5],
    ['Auto, no status yet: ESS less the surge (as before)', auto, 8, 8, 3, undefined, 8, 5],
  ];
  test.each(cases)('%s', (_n, p, essDesired, members, surge, base, asked, wanted) => {
    const r = groupSpecFor(p, 'c', group(essDesired), members, surge, base);
    expect([r.spec.desiredCapacity, r.wanted]).toEqual([asked, wanted]);
  });
});
