import { Registry } from 'prom-client';
import { createCloud, type Cloud, type CloudSettings } from '../../src/cloud/index.js';
import type { LaunchSpec, ScalingGroupSpec } from '../../src/cloud/types.js';
import { createLogger } from '../../src/log.js';
import type { Simulator } from '../../src/sim/cloud/index.js';

export const log = createLogger({ level: 'silent' });
export const IMAGE = 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd';

/** The settings `.dev/env` gives the operator for this simulator. */
export function simSettings(sim: Simulator, over: Partial<CloudSettings> = {}): CloudSettings {
  return {
    region: sim.regionId,
    accessKeyId: sim.credentials.accessKeyId,
    accessKeySecret: sim.credentials.accessKeySecret,
    ecsEndpoint: sim.endpoint,
    essEndpoint: sim.endpoint,
    vpcEndpoint: sim.endpoint,
    stsEndpoint: sim.endpoint,
    cloudProtocol: 'http',
    cloudQps: 500,
    cloudBurst: 500,
    cloudMaxConcurrency: 16,
    cloudTimeout: 10_000,
    cloudMaxAttempts: 6,
    ...over,
  };
}

export interface TestCloud extends Cloud {
  registry: Registry;
  /** Sum of `alibabacloud_api_requests_total` for an action (attempts, whatever their result). */
  attempts(action: string): Promise<number>;
  retries(action: string): Promise<number>;
}

export function cloudFor(
  sim: Simulator,
  over: Partial<CloudSettings> = {},
  pipeline: Partial<Cloud['pipeline']['options']> = {},
): TestCloud {
  // prettier-ignore
  const registry = new Registry();
  const cloud = createCloud(simSettings(sim, over), {
    registry,
    log,
    pipeline: { initialBackoffMs: 20, maxBackoffMs: 500, ...pipeline },
  });
  const sum = async (name: string, action: string): Promise<number> => {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    return (m?.values ?? []).filter((v) => v.labels.action === action).reduce((a, v) => a + v.value, 0);
  };
  return {
    ...cloud,
    registry,
    attempts: (action) => sum('alibabacloud_api_requests_total', action),
    retries: (action) => sum('alibabacloud_api_retries_total', action),
  };
}

export function world(sim: Simulator): { vSwitchIds: string[]; securityGroupId: string; zones: string[] } {
  const region = sim.world.regions[0]!;
  const vsw = region.vpcs[0]!.vSwitches.filter((v) => v.name.startsWith('nodes-'));
  return {
    vSwitchIds: vsw.map((v) => v.vSwitchId),
    zones: vsw.map((v) => v.zoneId),
    securityGroupId: region.securityGroups[0]!.securityGroupId,
  };
}

export function groupSpec(
  sim: Simulator,
  name: string,
  over: Partial<ScalingGroupSpec> = {},
): ScalingGroupSpec {
  return {
    name,
    minSize: 0,
    maxSize: 2000,
    desiredCapacity: 0,
    vSwitchIds: world(sim).vSwitchIds,
    multiAZPolicy: 'PRIORITY',
    scalingPolicy: 'release',
    tags: { 'nodepool.alicloud.dev/cluster': 'c-test', 'nodepool.alicloud.dev/pool': name },
    scaleInHook: { name: 'drain', heartbeatTimeoutSeconds: 600, defaultResult: 'CONTINUE' },
    ...over,
  };
}

export function launchSpec(sim: Simulator, over: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    imageId: IMAGE,
    instanceTypes: ['ecs.g7.large'],
    securityGroupIds: [world(sim).securityGroupId],
    systemDisk: { category: 'cloud_essd', sizeGiB: 40 },
    dataDisks: [],
    userData: Buffer.from('#!/bin/bash\necho hello\n').toString('base64'),
    tags: { team: 'infra' },
    ...over,
  };
}
