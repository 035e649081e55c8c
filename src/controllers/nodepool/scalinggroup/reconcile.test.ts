import { describe, expect, test } from '@jest/globals';
import type { NodePool } from '../../../apis/v1beta1/index.js';
import type { ScalingGroup } from '../../../cloud/types.js';
import { groupSpecFor } from './reconcile.js';

const pool = (existingInstances?: string[]): NodePool =>
  ({
    metadata: { name: 'web' },
    spec: {
      scaling: { mode: 'Manual', desiredSize: 2 },
      billing: { chargeType: 'PayAsYouGo' },
      vSwitchIds: ['vsw-1'],
      ...(existingInstances ? { existingInstances } : {}),
    },
  }) as unknown as NodePool;

// ESS after attaching one existing instance to a group of 2: desired 3, 3 in the group (its own counts)
const group: ScalingGroup = {
  id: 'asg-1',
  name: 'np-c-web',
  state: 'Active',
  minSize: 0,
  maxSize: 2000,
  desiredCapacity: 3,
  activeConfigurationId: 'asc-1',
  vSwitchIds: ['vsw-1'],
  vpcId: 'vpc-1',
  multiAZPolicy: 'PRIORITY',
  scalingPolicy: 'release',
  tags: {},
  deletionProtection: true,
  counts: { total: 3, pending: 0, removing: 0, protected: 0, standby: 0, stopped: 0 },
};

describe('the desired capacity a Manual pool asks ESS for', () => {
  test('an attach the member listing does not show yet does not lower the desired (ESS would remove one itself)', () => {
    // the listing still shows 2 members
    expect(groupSpecFor(pool(['i-own']), 'c', group, 2, 0).spec.desiredCapacity).toBe(3);
  });
  test('listed, the attached instance counts toward desiredSize as before', () => {
    expect(groupSpecFor(pool(['i-own']), 'c', group, 3, 0).spec.desiredCapacity).toBe(3);
  });
  test('without existingInstances the listing alone decides (the spec size when it shows no more)', () => {
    expect(groupSpecFor(pool(), 'c', group, 2, 0).spec.desiredCapacity).toBe(2);
  });
});
