import { afterAll, describe, expect, it } from '@jest/globals';
import { SimClock } from '../clock.js';
import { Cloud, type Instance } from '../cloud.js';
import { defaultWorld } from '../world.js';
import { describeInstance, describeInstanceJson } from './format.js';

const clock = new SimClock();
const cloud = new Cloud(defaultWorld(), clock);
afterAll(() => clock.stop());

/** An instance with every optional field set, so that every field is changed below. */
function sample(): Instance {
  return {
    instanceId: 'i-bp1sample0000000001',
    seq: 1,
    regionId: 'cn-hangzhou',
    zoneId: 'cn-hangzhou-h',
    instanceType: 'ecs.g7.large',
    imageId: 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd',
    vpcId: 'vpc-a',
    vSwitchId: 'vsw-a',
    privateIp: '10.0.0.5',
    securityGroupIds: ['sg-a'],
    instanceName: 'node-1',
    hostName: 'node-1',
    description: '',
    status: 'Running',
    chargeType: 'PostPaid',
    spotStrategy: 'NoSpot',
    spotPriceLimit: 0,
    spotDuration: 0,
    spotInterruptionBehavior: 'Terminate',
    creationTime: Date.UTC(2026, 0, 1),
    startTime: Date.UTC(2026, 0, 1, 0, 1),
    expiredTime: Date.UTC(2026, 1, 1),
    autoRenew: false,
    autoRenewPeriod: 1,
    tags: [{ key: 'a', value: '1' }],
    userData: 'IyEvYmluL3No',
    keyPairName: 'kp',
    loginAsNonRoot: false,
    deletionProtection: false,
    ramRoleName: 'role',
    metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'optional', httpPutResponseHopLimit: 1 },
    operationLocks: [],
    stoppedMode: 'KeepCharging',
    systemDisk: { category: 'cloud_essd', size: 40 },
    dataDisks: [],
    internetMaxBandwidthOut: 5,
    internetChargeType: 'PayByTraffic',
    publicIp: '47.96.0.1',
    deploymentSetId: 'ds-1',
    resourceGroupId: '',
    failed: false,
  };
}

/** A different value of the same kind (strings stay valid where the answer looks them up). */
function changed(key: string, value: unknown): unknown {
  if (key === 'instanceType') return 'ecs.c7.xlarge';
  if (key === 'status') return value === 'Running' ? 'Stopped' : 'Running';
  if (key === 'chargeType') return 'PrePaid';
  if (key === 'spotStrategy') return 'SpotAsPriceGo';
  if (key === 'regionId') return 'cn-shanghai';
  if (typeof value === 'string') return `${value}x`;
  if (typeof value === 'number') return value + 60_000;
  if (typeof value === 'boolean') return !value;
  if (Array.isArray(value)) return [...(value as unknown[]), value[0] ?? 'added'];
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, changed(k, v)]));
  return value;
}

const fresh = (i: Instance): string => JSON.stringify(describeInstance(cloud, i));
const cached = (i: Instance): string => describeInstanceJson(cloud, i).bytes.toString('utf8');

describe('describeInstanceJson', () => {
  it('is the same text as serializing the answer', () => {
    const i = sample();
    expect(cached(i)).toBe(fresh(i));
    expect(cached(i)).toBe(fresh(i));
  });

  it.each(Object.keys(sample()))('follows a change of %s', (key) => {
    const i = sample();
    cached(i);
    (i as unknown as Record<string, unknown>)[key] = changed(
      key,
      (i as unknown as Record<string, unknown>)[key],
    );
    expect(cached(i)).toBe(fresh(i));
  });

  it('follows changes made in place (tags, locks, groups, metadata options) and unset fields', () => {
    const i = sample();
    const steps: ((x: Instance) => void)[] = [
      (x) => x.tags.push({ key: 'b', value: '2' }),
      (x) => {
        const t = x.tags[0];
        if (t) t.value = 'changed';
      },
      (x) => x.operationLocks.push('Recycling'),
      (x) => x.securityGroupIds.splice(0, 1, 'sg-b'),
      (x) => {
        x.metadataOptions.httpTokens = 'required';
      },
      (x) => {
        delete x.startTime;
        delete x.expiredTime;
        delete x.keyPairName;
      },
    ];
    for (const step of steps) {
      cached(i);
      step(i);
      expect(cached(i)).toBe(fresh(i));
    }
  });

  it('keeps the cached bytes while nothing changes', () => {
    const i = sample();
    const a = describeInstanceJson(cloud, i);
    i.userData = 'changed but not described';
    i.failed = true;
    expect(describeInstanceJson(cloud, i)).toBe(a);
  });
});
