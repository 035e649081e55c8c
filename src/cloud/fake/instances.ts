import type { PoolInstance } from '../types.js';

/**
 * A pool member as the cloud lists it, for table tests of the planners and methods: a running pay-as-you-go
 * instance in service, created by its group, with `over` changed.
 */
export function poolInstance(id: string, over: Partial<PoolInstance> = {}): PoolInstance {
  return {
    instanceId: id,
    status: 'Running',
    zoneId: 'z',
    instanceType: 't',
    chargeType: 'PostPaid',
    spotStrategy: 'NoSpot',
    privateIp: undefined,
    vSwitchId: undefined,
    hostName: undefined,
    imageId: undefined,
    tags: {},
    locks: [],
    creationTime: undefined,
    expiredTime: undefined,
    deletionProtection: false,
    lifecycleState: 'InService',
    healthy: true,
    creationType: 'AutoCreated',
    scalingConfigurationId: undefined,
    reclaiming: false,
    ...over,
  };
}
