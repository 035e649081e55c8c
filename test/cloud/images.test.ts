import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { eventually } from '../support/kube.js';
import { cloudFor, launchSpec, log, type TestCloud } from './support.js';

// What rotation and repair read and do through the real SDK: a family's images with their versions and fixed
// CVEs (from tags), and RebootInstance.

let sim: Simulator;
let cloud: TestCloud;

beforeAll(async () => {
  sim = await startSimulator({ log, timeScale: 200 });
  cloud = cloudFor(sim);
});
afterAll(async () => {
  await sim.stop();
});

describe('familyImages', () => {
  it('lists the family with creation times; a published image is the newest, with its versions and CVEs', async () => {
    const family = 'acs:containeros_3_x64';
    const before = await cloud.provider.familyImages(family);
    expect(before.length).toBeGreaterThan(0);
    const image = sim.publishImage({
      family,
      version: '3.7',
      kubeletVersion: 'v1.34.9',
      containerdVersion: '1.7.29',
      fixedCves: [
        { id: 'CVE-2026-11111', severity: 'High' },
        { id: 'CVE-2026-22222', severity: 'Medium' },
        { id: 'CVE-2026-33333', severity: 'High' },
      ],
    });
    const after = await cloud.provider.familyImages(family);
    const newest = [...after].sort((a, b) => b.created - a.created)[0];
    expect(newest).toEqual({
      id: image.imageId,
      name: image.imageName,
      version: '3.7',
      created: Date.parse(image.creationTime),
      kubeletVersion: 'v1.34.9',
      containerdVersion: '1.7.29',
      fixedCves: [
        { id: 'CVE-2026-11111', severity: 'High' },
        { id: 'CVE-2026-33333', severity: 'High' },
        { id: 'CVE-2026-22222', severity: 'Medium' },
      ],
    });
    expect(newest!.created).toBeGreaterThan(Math.max(...before.map((i) => i.created)));
    expect(await cloud.provider.familyImages('acs:no_such_family')).toEqual([]);
  });
});

describe('rebootInstance', () => {
  it('a failed (unresponsive) instance is running again after a reboot', async () => {
    const { instanceTypes, ...launch } = launchSpec(sim);
    const [id] = await cloud.provider.runInstances(
      {
        ...launch,
        instanceType: instanceTypes[0]!,
        vSwitchId: sim.world.regions[0]!.vpcs[0]!.vSwitches[0]!.vSwitchId,
        chargeType: 'PostPaid',
        amount: 1,
      },
      { operationId: 'reboot-test' },
    );
    await eventually('running', async () => sim.cloud.instances.get(id!)?.status === 'Running' || undefined);
    sim.failInstance(id!);
    expect(sim.cloud.instances.get(id!)?.failed).toBe(true);
    await cloud.provider.rebootInstance(id!);
    await eventually('running again, not failed', async () => {
      const i = sim.cloud.instances.get(id!);
      return i?.status === 'Running' && !i.failed ? true : undefined;
    });
  });
});
