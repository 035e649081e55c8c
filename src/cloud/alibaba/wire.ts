import { z } from 'zod';

/**
 * zod schemas of the answers the operator reads, as the wire spells them. Lenient where the real API is:
 * numbers may come as strings, a missing list is an empty one, unknown fields are ignored. What the operator
 * relies on is required, so a malformed answer fails loudly at the edge instead of deep in a controller.
 */

const num = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);
const optNum = num.optional();
const str = z.string();
const optStr = z
  .string()
  .optional()
  .nullable()
  .transform((s) => (s === '' || s === null ? undefined : s));
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);

/** `{Outer: {Inner: [...]}}` → the array (missing wrapper → []). */
export function wrapped<T extends z.ZodType>(inner: string, item: T): z.ZodType<z.output<T>[]> {
  return z
    .record(z.string(), z.array(item).optional())
    .optional()
    .nullable()
    .transform((o) => (o?.[inner] ?? []) as z.output<T>[]);
}

const tags = (keyField: string, valueField: string) =>
  wrapped('Tag', z.record(z.string(), z.unknown())).transform((list) => {
    const out: Record<string, string> = {};
    for (const t of list) {
      const k = t[keyField];
      if (typeof k === 'string') out[k] = typeof t[valueField] === 'string' ? t[valueField] : '';
    }
    return out;
  });

// ---------------------------------------------------------------- ESS

export const scalingGroupWire = z.object({
  ScalingGroupId: str,
  ScalingGroupName: str,
  LifecycleState: str,
  MinSize: num,
  MaxSize: num,
  DesiredCapacity: optNum.nullable(),
  ActiveScalingConfigurationId: optStr,
  VSwitchIds: wrapped('VSwitchId', str),
  VpcId: optStr,
  MultiAZPolicy: optStr,
  ScalingPolicy: optStr,
  GroupDeletionProtection: bool.optional(),
  OnDemandBaseCapacity: optNum,
  OnDemandPercentageAboveBaseCapacity: optNum,
  SpotInstancePools: optNum,
  SpotInstanceRemedy: bool.optional(),
  CompensateWithOnDemand: bool.optional(),
  ResourceGroupId: optStr,
  Tags: tags('TagKey', 'TagValue'),
  TotalCapacity: optNum,
  PendingCapacity: optNum,
  RemovingCapacity: optNum,
  ProtectedCapacity: optNum,
  StandbyCapacity: optNum,
  StoppedCapacity: optNum,
});

export const describeScalingGroupsWire = z.object({
  TotalCount: optNum,
  ScalingGroups: wrapped('ScalingGroup', scalingGroupWire),
});

export const scalingConfigurationWire = z.object({
  ScalingConfigurationId: str,
  ScalingConfigurationName: optStr,
  ScalingGroupId: optStr,
  LifecycleState: optStr,
  ImageId: optStr,
});
export const describeScalingConfigurationsWire = z.object({
  TotalCount: optNum,
  ScalingConfigurations: wrapped('ScalingConfiguration', scalingConfigurationWire),
});

export const scalingInstanceWire = z.object({
  InstanceId: str,
  Entrusted: bool.optional(),
  LifecycleState: str,
  HealthStatus: optStr,
  CreationType: optStr,
  ScalingConfigurationId: optStr,
  ZoneId: optStr,
  InstanceType: optStr,
});
export const describeScalingInstancesWire = z.object({
  TotalCount: optNum,
  ScalingInstances: wrapped('ScalingInstance', scalingInstanceWire),
});

export const scalingActivityWire = z.object({
  ScalingActivityId: str,
  StatusCode: str,
  StatusMessage: optStr,
  Progress: optNum,
  Cause: optStr,
  Description: optStr,
  StartTime: optStr,
  EndTime: optStr,
  ErrorCode: optStr,
  ErrorMessage: optStr,
  CreatedInstances: wrapped('CreatedInstance', str),
  DestroyedInstances: wrapped('DestroyedInstance', str),
});
export const describeScalingActivitiesWire = z.object({
  TotalCount: optNum,
  ScalingActivities: wrapped('ScalingActivity', scalingActivityWire),
});

export const lifecycleHookWire = z.object({
  LifecycleHookId: str,
  LifecycleHookName: str,
  LifecycleTransition: str,
  DefaultResult: optStr,
  HeartbeatTimeout: optNum,
});
export const describeLifecycleHooksWire = z.object({
  TotalCount: optNum,
  LifecycleHooks: wrapped('LifecycleHook', lifecycleHookWire),
});

export const describeLifecycleActionsWire = z.object({
  LifecycleActions: wrapped(
    'LifecycleAction',
    z.object({
      LifecycleActionToken: str,
      LifecycleHookId: str,
      LifecycleActionStatus: optStr,
      InstanceIds: wrapped('InstanceId', str),
    }),
  ),
});

/** The id a create call answers with (`ScalingGroupId`, …); a missing or empty one is a malformed answer. */
export function idOf(body: Record<string, unknown>, key: string): string {
  return z.object({ [key]: z.string().min(1) }).parse(body)[key] as string;
}

// ---------------------------------------------------------------- ECS

export const instanceWire = z.object({
  InstanceId: str,
  Status: str,
  ZoneId: optStr,
  InstanceType: optStr,
  InstanceChargeType: optStr,
  SpotStrategy: optStr,
  HostName: optStr,
  ImageId: optStr,
  CreationTime: optStr,
  ExpiredTime: optStr,
  DeletionProtection: bool.optional(),
  ResourceGroupId: optStr,
  VpcAttributes: z
    .object({ VSwitchId: optStr, PrivateIpAddress: wrapped('IpAddress', str) })
    .optional()
    .nullable(),
  Tags: tags('TagKey', 'TagValue'),
  OperationLocks: wrapped('LockReason', z.object({ LockReason: optStr })),
});
export const describeInstancesWire = z.object({
  NextToken: optStr,
  TotalCount: optNum,
  Instances: wrapped('Instance', instanceWire),
});

export const runInstancesWire = z.object({ InstanceIdSets: wrapped('InstanceIdSet', str) });

export const instanceTypeWire = z.object({
  InstanceTypeId: str,
  InstanceTypeFamily: optStr,
  CpuCoreCount: num,
  MemorySize: num,
  GPUAmount: optNum,
  CpuArchitecture: optStr,
  LocalStorageCategory: optStr,
  LocalStorageAmount: optNum,
  EniQuantity: optNum,
});
export const describeInstanceTypesWire = z.object({
  NextToken: optStr,
  InstanceTypes: wrapped('InstanceType', instanceTypeWire),
});

/** DescribePrice: the hourly price of one instance (`PriceUnit=Hour`). */
export const describePriceWire = z.object({
  PriceInfo: z.object({ Price: z.object({ TradePrice: num, OriginalPrice: optNum, Currency: optStr }) }),
});

export const describeAvailableResourceWire = z.object({
  AvailableZones: wrapped(
    'AvailableZone',
    z.object({
      ZoneId: str,
      Status: optStr,
      StatusCategory: optStr,
      AvailableResources: wrapped(
        'AvailableResource',
        z.object({
          Type: optStr,
          SupportedResources: wrapped(
            'SupportedResource',
            z.object({ Value: str, Status: optStr, StatusCategory: optStr }),
          ),
        }),
      ),
    }),
  ),
});

export const describeSecurityGroupsWire = z.object({
  NextToken: optStr,
  SecurityGroups: wrapped(
    'SecurityGroup',
    z.object({ SecurityGroupId: str, VpcId: optStr, SecurityGroupType: optStr }),
  ),
});

export const consoleOutputWire = z.object({
  InstanceId: z.string().optional(),
  ConsoleOutput: z.string().optional(),
  LastUpdateTime: z.string().optional(),
});

export const describeImagesWire = z.object({
  TotalCount: optNum,
  Images: wrapped(
    'Image',
    z.object({
      ImageId: str,
      ImageName: optStr,
      ImageVersion: optStr,
      OSType: optStr,
      Platform: optStr,
      OSName: optStr,
      OSNameEn: optStr,
      Architecture: optStr,
      CreationTime: optStr,
      Tags: tags('TagKey', 'TagValue'),
    }),
  ),
});

export const describeHistoryEventsWire = z.object({
  NextToken: optStr,
  TotalCount: optNum,
  InstanceSystemEventSet: wrapped(
    'InstanceSystemEventType',
    z.object({
      EventId: str,
      InstanceId: str,
      EventType: z.object({ Name: optStr, Code: optNum }).optional().nullable(),
      EventCycleStatus: z.object({ Name: optStr, Code: optNum }).optional().nullable(),
      NotBefore: optStr,
      EventPublishTime: optStr,
      Reason: optStr,
    }),
  ),
});

const eventCodeName = z.object({ Name: optStr, Code: optNum }).optional().nullable();

export const describeInstancesFullStatusWire = z.object({
  TotalCount: optNum,
  InstanceFullStatusSet: wrapped(
    'InstanceFullStatusType',
    z.object({
      InstanceId: str,
      Status: eventCodeName,
      HealthStatus: eventCodeName,
      ScheduledSystemEventSet: wrapped(
        'ScheduledSystemEventType',
        z.object({
          EventId: str,
          EventType: eventCodeName,
          EventCycleStatus: eventCodeName,
          NotBefore: optStr,
          EventPublishTime: optStr,
          Reason: optStr,
        }),
      ),
    }),
  ),
});

export const describeSpotPriceHistoryWire = z.object({
  NextOffset: optNum,
  SpotPrices: wrapped(
    'SpotPriceType',
    z.object({ ZoneId: str, InstanceType: str, SpotPrice: num, OriginPrice: num, Timestamp: str }),
  ),
});

export const describeAutoRenewWire = z.object({
  TotalCount: optNum,
  InstanceRenewAttributes: wrapped(
    'InstanceRenewAttribute',
    z.object({ InstanceId: str, AutoRenewEnabled: bool.optional(), RenewalStatus: optStr }),
  ),
});

export const replaceSystemDiskWire = z.object({ DiskId: z.string().min(1) });

export const invokeWire = z.object({ InvokeId: str });
export const describeInvocationsWire = z.object({
  Invocations: wrapped(
    'Invocation',
    z.object({
      InvokeId: str,
      InvocationStatus: optStr,
      InvokeStatus: optStr,
      InvokeInstances: wrapped(
        'InvokeInstance',
        z.object({
          InstanceId: str,
          InvocationStatus: optStr,
          InstanceInvokeStatus: optStr,
          ExitCode: optNum.nullable(),
          Output: optStr,
        }),
      ),
    }),
  ),
});

// ---------------------------------------------------------------- VPC

export const describeVSwitchesWire = z.object({
  TotalCount: optNum,
  VSwitches: wrapped(
    'VSwitch',
    z.object({
      VSwitchId: str,
      VpcId: str,
      ZoneId: str,
      CidrBlock: str,
      AvailableIpAddressCount: num,
      Status: optStr,
    }),
  ),
});
