import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { PACKAGE_ROOT } from '../../devstack/paths.js';
import type { World } from '../../sim/cloud/index.js';

/** The example the sample pool is made from. */
export const SAMPLE_SOURCE = join(PACKAGE_ROOT, 'examples', 'nodepool-manual.yaml');

export interface SamplePool {
  name: string;
  /** The NodePool manifest. */
  manifest: Record<string, unknown>;
  /** The manifest as YAML, with a header saying where it comes from. */
  yaml: string;
}

interface ExampleShape {
  metadata: { name: string };
  spec: {
    region: string;
    vpcId: string;
    vSwitchIds: string[];
    scaling: { desiredSize?: number };
    instanceTypes: string[];
    securityGroup: { ids?: string[] };
  };
}

/**
 * The manual NodePool example with the simulator's ids in place of its placeholders: the world's first region
 * (or `regionId`), its first VPC, that VPC's first two vSwitches, its Basic (`normal`) security group, and
 * the example's instance types that are sold in those vSwitches' zones (else the first type that is).
 */
export function samplePool(
  world: World,
  opts: { name?: string; desiredSize?: number; regionId?: string; exampleYaml?: string } = {},
): SamplePool {
  const region = opts.regionId ? world.regions.find((r) => r.regionId === opts.regionId) : world.regions[0];
  if (!region) throw new Error(`the simulator's world has no region ${opts.regionId ?? ''}`.trim());
  const vpc = region.vpcs[0];
  if (!vpc) throw new Error(`region ${region.regionId} of the simulator's world has no VPC`);
  const vSwitches = vpc.vSwitches.slice(0, 2);
  if (vSwitches.length === 0) throw new Error(`VPC ${vpc.vpcId} of the simulator's world has no vSwitch`);
  const sg = region.securityGroups.find((g) => g.vpcId === vpc.vpcId && g.type === 'normal');
  if (!sg) throw new Error(`VPC ${vpc.vpcId} of the simulator's world has no Basic security group`);

  const example = parse(opts.exampleYaml ?? readFileSync(SAMPLE_SOURCE, 'utf8')) as ExampleShape;
  const zones = vSwitches.map((v) => region.zones.find((z) => z.zoneId === v.zoneId));
  const sold = (type: string): boolean => zones.some((z) => (z?.offerings[type]?.onDemand ?? 0) > 0);
  const types = example.spec.instanceTypes.filter(sold);
  if (types.length === 0) {
    const any = world.instanceTypes.find((t) => sold(t.instanceType));
    if (!any)
      throw new Error(
        `no instance type is sold in the zones of ${vSwitches.map((v) => v.vSwitchId).join(', ')}`,
      );
    types.push(any.instanceType);
  }
  const name = opts.name ?? 'sample';
  const manifest = {
    ...example,
    metadata: { ...example.metadata, name },
    spec: {
      ...example.spec,
      region: region.regionId,
      vpcId: vpc.vpcId,
      vSwitchIds: vSwitches.map((v) => v.vSwitchId),
      scaling: { ...example.spec.scaling, desiredSize: opts.desiredSize ?? 2 },
      instanceTypes: types,
      securityGroup: { ...example.spec.securityGroup, ids: [sg.securityGroupId] },
    },
  };
  const header = [
    '# Applied by `nodepool-operator dev` (npm start): examples/nodepool-manual.yaml with the ids of the',
    "# simulator's world (.dev/sim-world.yaml) in place of the placeholders.",
  ].join('\n');
  return { name, manifest, yaml: `${header}\n${stringify(manifest)}` };
}
