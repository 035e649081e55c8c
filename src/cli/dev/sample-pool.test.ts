import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { validateObject } from '../../apis/v1beta1/index.js';
import { defaultWorld } from '../../sim/cloud/index.js';
import { samplePool } from './sample-pool.js';

describe('samplePool', () => {
  test("the example with the simulator's ids: a valid NodePool whose every id exists in the world", () => {
    const world = defaultWorld();
    const s = samplePool(world);
    const v = validateObject(parse(s.yaml));
    if (!v.ok || v.kind !== 'NodePool') throw new Error(`not a valid NodePool: ${JSON.stringify(v)}`);
    const spec = v.value.spec;
    const region = world.regions[0]!;
    const vpc = region.vpcs[0]!;
    expect(v.value.metadata.name).toBe('sample');
    expect(spec.region).toBe(region.regionId);
    expect(spec.vpcId).toBe(vpc.vpcId);
    expect(spec.vSwitchIds).toEqual(vpc.vSwitches.slice(0, 2).map((x) => x.vSwitchId));
    const sg = region.securityGroups.find((g) => g.securityGroupId === spec.securityGroup.ids?.[0]);
    expect(sg?.type).toBe('normal');
    expect(spec.scaling).toMatchObject({ mode: 'Manual', desiredSize: 2 });
    // only types sold in the chosen zones (the example's g6 is not in the default world)
    const zones = new Set(vpc.vSwitches.slice(0, 2).map((x) => x.zoneId));
    expect(spec.instanceTypes.length).toBeGreaterThan(0);
    for (const t of spec.instanceTypes) {
      expect(region.zones.some((z) => zones.has(z.zoneId) && (z.offerings[t]?.onDemand ?? 0) > 0)).toBe(true);
    }
    expect(s.yaml).not.toMatch(/bp1example|bp1zone/);
  });

  test('another region, name and size; a world without a Basic security group is an error', () => {
    const world = defaultWorld();
    const s = samplePool(world, { regionId: 'cn-shanghai', name: 'other', desiredSize: 5 });
    expect(s.manifest).toMatchObject({
      metadata: { name: 'other' },
      spec: { region: 'cn-shanghai', vpcId: world.regions[1]!.vpcs[0]!.vpcId, scaling: { desiredSize: 5 } },
    });
    const noSg = { ...world, regions: [{ ...world.regions[0]!, securityGroups: [] }] };
    expect(() => samplePool(noSg)).toThrow(/no Basic security group/);
  });
});
