import type { Cloud } from './cloud.js';
import * as catalogue from './ecs/catalogue-calls.js';
import { describeInstanceAutoRenewAttribute, modifyInstanceAutoRenewAttribute } from './ecs/auto-renew.js';
import { describeInstanceHistoryEvents } from './ecs/history-events.js';
import { acceptInquiredSystemEvent, describeInstancesFullStatus } from './ecs/instance-events.js';
import { replaceSystemDisk } from './ecs/replace-system-disk.js';
import { joinResourceGroup } from './ecs/resource-groups.js';
import { describeSecurityGroups } from './ecs/security-groups.js';
import { describeSpotPriceHistory } from './ecs/spot-price-history.js';
import * as instances from './ecs/instances.js';
import { getInstanceConsoleOutput } from './ecs/console-output.js';
import { runInstances } from './ecs/run-instances.js';
import * as tagging from './ecs/tag-resources.js';
import { EssEngine } from './ess/engine.js';
import * as essConfigs from './ess/configurations.js';
import * as essGroups from './ess/groups.js';
import * as essHooks from './ess/hooks.js';
import * as essMembers from './ess/members.js';
import { EssState } from './ess/model.js';
import type { Authenticator } from './auth.js';
import type { CloudAssistant } from './ecs/cloud-assistant.js';
import { ECS, ESS, STS, VPC } from './products.js';
import { assumeRoleWithOidc, type OidcProvider } from './sts.js';
import { type ApiBody, type Call, Router } from './server.js';
import * as vpc from './vpc.js';

type CloudHandler = (cloud: Cloud, call: Call) => ApiBody;

type EssHandler = (ess: essGroups.Ess, call: Call) => ApiBody;

/** ESS's state and engine for one cloud (the engine ticks on the simulated clock once started). */
export function createEss(cloud: Cloud, tickSeconds = 5): essGroups.Ess {
  const state = new EssState();
  return { cloud, state, engine: new EssEngine(cloud, state, tickSeconds) };
}

/** Every API action the simulator serves, bound to one cloud. */
export function buildRouter(
  cloud: Cloud,
  ess: essGroups.Ess,
  assistant: CloudAssistant,
  sts: { providers: readonly OidcProvider[]; auth: Authenticator },
): Router {
  const r = new Router();
  r.add(ECS, 'RunCommand', (call) => assistant.runCommand(call));
  r.add(ECS, 'CreateCommand', (call) => assistant.createCommand(call));
  r.add(ECS, 'InvokeCommand', (call) => assistant.invokeCommand(call));
  r.add(ECS, 'DescribeInvocations', (call) => assistant.describeInvocations(call));
  r.add(STS, 'AssumeRoleWithOIDC', (call) => assumeRoleWithOidc(sts.providers, sts.auth, call), {
    anonymous: true,
  });
  r.add(STS, 'GetCallerIdentity', (call) => ({
    AccountId: cloud.world.accountId,
    Arn: call.credential.principal ?? `acs:ram::${cloud.world.accountId}:user/sim`,
    IdentityType: call.credential.securityToken ? 'AssumedRoleUser' : 'Account',
    PrincipalId: call.credential.accessKeyId,
  }));
  const ecs: Record<string, CloudHandler> = {
    RunInstances: runInstances,
    DescribeInstances: instances.describeInstances,
    DescribeInstanceStatus: instances.describeInstanceStatus,
    GetInstanceConsoleOutput: getInstanceConsoleOutput,
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
    JoinResourceGroup: joinResourceGroup,
    ListTagResources: tagging.listTagResources,
    DescribeRegions: catalogue.describeRegions,
    DescribeZones: catalogue.describeZones,
    DescribeInstanceTypes: catalogue.describeInstanceTypes,
    DescribeAvailableResource: catalogue.describeAvailableResource,
    DescribeSecurityGroups: describeSecurityGroups,
    DescribeImages: catalogue.describeImages,
    DescribePrice: catalogue.describePrice,
    DescribeInstanceHistoryEvents: describeInstanceHistoryEvents,
    DescribeInstancesFullStatus: describeInstancesFullStatus,
    AcceptInquiredSystemEvent: acceptInquiredSystemEvent,
    ReplaceSystemDisk: replaceSystemDisk,
    DescribeSpotPriceHistory: describeSpotPriceHistory,
    DescribeInstanceAutoRenewAttribute: describeInstanceAutoRenewAttribute,
    ModifyInstanceAutoRenewAttribute: modifyInstanceAutoRenewAttribute,
  };
  for (const [action, h] of Object.entries(ecs)) r.add(ECS, action, (call) => h(cloud, call));
  r.add(VPC, 'DescribeVpcs', (call) => vpc.describeVpcs(cloud, call));
  r.add(VPC, 'DescribeVSwitches', (call) => vpc.describeVSwitches(cloud, call));
  const essActions: Record<string, EssHandler> = {
    CreateScalingGroup: essGroups.createScalingGroup,
    ModifyScalingGroup: essGroups.modifyScalingGroup,
    ChangeResourceGroup: essGroups.changeResourceGroup,
    EnableScalingGroup: essGroups.enableScalingGroup,
    DisableScalingGroup: essGroups.disableScalingGroup,
    DeleteScalingGroup: essGroups.deleteScalingGroup,
    DescribeScalingGroups: essGroups.describeScalingGroups,
    ScaleWithAdjustment: essGroups.scaleWithAdjustment,
    CreateScalingConfiguration: essConfigs.createScalingConfiguration,
    ModifyScalingConfiguration: essConfigs.modifyScalingConfiguration,
    DeleteScalingConfiguration: essConfigs.deleteScalingConfiguration,
    DescribeScalingConfigurations: essConfigs.describeScalingConfigurations,
    DescribeScalingInstances: essMembers.describeScalingInstances,
    RemoveInstances: essMembers.removeInstances,
    AttachInstances: essMembers.attachInstances,
    DetachInstances: essMembers.detachInstances,
    SetInstancesProtection: essMembers.setInstancesProtection,
    EnterStandby: essMembers.enterStandby,
    ExitStandby: essMembers.exitStandby,
    DescribeScalingActivities: essMembers.describeScalingActivities,
    CreateLifecycleHook: essHooks.createLifecycleHook,
    DeleteLifecycleHook: essHooks.deleteLifecycleHook,
    DescribeLifecycleHooks: essHooks.describeLifecycleHooks,
    CompleteLifecycleAction: essHooks.completeLifecycleAction,
    RecordLifecycleActionHeartbeat: essHooks.recordLifecycleActionHeartbeat,
    DescribeLifecycleActions: essHooks.describeLifecycleActions,
  };
  for (const [action, h] of Object.entries(essActions)) r.add(ESS, action, (call) => h(ess, call));
  return r;
}
