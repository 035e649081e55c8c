import type { Cloud } from './cloud.js';
import * as catalogue from './ecs/catalogue-calls.js';
import { describeInstanceHistoryEvents } from './ecs/history-events.js';
import * as instances from './ecs/instances.js';
import { runInstances } from './ecs/run-instances.js';
import * as tagging from './ecs/tag-resources.js';
import { ECS, VPC } from './products.js';
import { type ApiBody, type Call, Router } from './server.js';
import * as vpc from './vpc.js';

type CloudHandler = (cloud: Cloud, call: Call) => ApiBody;

/** Every API action the simulator serves, bound to one cloud. */
export function buildRouter(cloud: Cloud): Router {
  const r = new Router();
  const ecs: Record<string, CloudHandler> = {
    RunInstances: runInstances,
    DescribeInstances: instances.describeInstances,
    DescribeInstanceStatus: instances.describeInstanceStatus,
    StartInstance: instances.startInstance,
    StopInstance: instances.stopInstance,
    RebootInstance: instances.rebootInstance,
    StartInstances: instances.startInstances,
    StopInstances: instances.stopInstances,
    RebootInstances: instances.rebootInstances,
    DeleteInstance: instances.deleteInstance,
    DeleteInstances: instances.deleteInstances,
    ModifyInstanceChargeType: instances.modifyInstanceChargeType,
    ModifyInstanceAttribute: instances.modifyInstanceAttribute,
    TagResources: tagging.tagResources,
    UntagResources: tagging.untagResources,
    ListTagResources: tagging.listTagResources,
    DescribeRegions: catalogue.describeRegions,
    DescribeZones: catalogue.describeZones,
    DescribeInstanceTypes: catalogue.describeInstanceTypes,
    DescribeAvailableResource: catalogue.describeAvailableResource,
    DescribeSecurityGroups: catalogue.describeSecurityGroups,
    DescribeImages: catalogue.describeImages,
    DescribePrice: catalogue.describePrice,
    DescribeInstanceHistoryEvents: describeInstanceHistoryEvents,
  };
  for (const [action, h] of Object.entries(ecs)) r.add(ECS, action, (call) => h(cloud, call));
  r.add(VPC, 'DescribeVpcs', (call) => vpc.describeVpcs(cloud, call));
  r.add(VPC, 'DescribeVSwitches', (call) => vpc.describeVSwitches(cloud, call));
  return r;
}
