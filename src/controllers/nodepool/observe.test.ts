import { describe, expect, it } from '@jest/globals';
import type { PoolInstance } from '../../cloud/types.js';
import { poolInstance } from '../../cloud/fake/instances.js';
import type { Node } from '../../kube/index.js';
import { groupCountsKey, membersAtRest } from './observe.js';

const instance = (id: string, lifecycleState = 'InService'): PoolInstance =>
  poolInstance(id, {
    zoneId: 'cn-hangzhou-h',
    instanceType: 'ecs.g7.xlarge',
    lifecycleState,
    scalingConfigurationId: 'asc-1',
  });

const node = (id: string, ready = true, deleting = false): Node => ({
  metadata: { name: `n-${id}`, ...(deleting ? { deletionTimestamp: '2026-11-23T00:00:00Z' } : {}) },
  spec: { providerID: `cn-hangzhou.${id}` },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('membersAtRest', () => {
  const two = [instance('i-a'), instance('i-b')];

  it('is true when every instance is In Service with its Ready Node and no other Node is there', () => {
    expect(membersAtRest(two, [node('i-a'), node('i-b')])).toBe(true);
    expect(membersAtRest([], [])).toBe(true);
  });

  it('is false for anything the reconcile acts on', () => {
    expect(membersAtRest(two, [node('i-a')])).toBe(false); // an instance without a Node
    expect(membersAtRest(two, [node('i-a'), node('i-b', false)])).toBe(false); // a Node not Ready
    expect(membersAtRest(two, [node('i-a'), node('i-b', true, true)])).toBe(false); // a Node being deleted
    expect(membersAtRest(two, [node('i-a'), node('i-b'), node('i-c')])).toBe(false); // a Node of no instance
    expect(
      membersAtRest([instance('i-a'), instance('i-b', 'Removing:Wait')], [node('i-a'), node('i-b')]),
    ).toBe(false);
    expect(membersAtRest(two, [node('i-a'), node('i-x')])).toBe(false); // a Node of another instance
  });
});

describe('groupCountsKey', () => {
  const g = {
    state: 'Active',
    desiredCapacity: 2,
    activeConfigurationId: 'asc-1',
    counts: { total: 2, pending: 0, removing: 0 },
  };
  it('changes with the counts, the desired capacity, the configuration and the state', () => {
    const k = groupCountsKey(g);
    expect(groupCountsKey({ ...g })).toBe(k);
    expect(groupCountsKey({ ...g, counts: { ...g.counts, removing: 1 } })).not.toBe(k);
    expect(groupCountsKey({ ...g, desiredCapacity: 3 })).not.toBe(k);
    expect(groupCountsKey({ ...g, activeConfigurationId: 'asc-2' })).not.toBe(k);
    expect(groupCountsKey({ ...g, state: 'Inactive' })).not.toBe(k);
  });
});
