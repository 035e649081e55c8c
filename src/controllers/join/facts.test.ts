import { describe, expect, test } from '@jest/globals';
import { poolFields } from './facts.js';

describe("poolFields: what the approver reads of a pool object from the informer's cache", () => {
  const obj = (over: Record<string, unknown> = {}) => ({
    metadata: { name: 'web' },
    spec: { region: 'cn-hangzhou', customNodeName: { prefix: 'web-' }, scaling: { mode: 'Manual' } },
    status: { scalingGroupId: 'asg-1', phase: 'Active' },
    ...over,
  });
  test('region, custom node name, scaling group, not deleting', () => {
    expect(poolFields(obj())).toEqual({
      name: 'web',
      region: 'cn-hangzhou',
      customNodeName: { prefix: 'web-' },
      scalingGroupId: 'asg-1',
      deleting: false,
    });
  });
  test('a pool being deleted; a pool with no status yet', () => {
    const f = poolFields(obj({ metadata: { name: 'web', deletionTimestamp: '2026-01-01T00:00:00Z' } }));
    expect(f.deleting).toBe(true);
    expect(poolFields(obj({ status: undefined })).scalingGroupId).toBeUndefined();
  });
  test('a spec without a region is an error naming the pool (never a guess)', () => {
    expect(() => poolFields(obj({ spec: { scaling: {} } }))).toThrow(/pool web/);
  });
});
