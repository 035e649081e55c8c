import * as z from 'zod';
import { PHASES } from './constants.js';
import { api } from './rules.js';

const Id = (what: string) => api(z.string().max(128), what).optional();
const Count = (what: string) => api(z.int().min(0).max(100000), what).optional();
const Time = (what: string) => api(z.string().max(64), what).optional();

export const Condition = api(
  z.object({
    type: api(z.string().max(316), 'Ready, Progressing or Degraded.'),
    status: api(z.enum(['True', 'False', 'Unknown']), 'True, False or Unknown.'),
    observedGeneration: api(z.int().min(0), 'The .metadata.generation the condition was set for.').optional(),
    lastTransitionTime: api(z.string().max(64), 'When the status last changed (RFC 3339).'),
    reason: api(z.string().max(1024), 'A CamelCase reason.'),
    message: api(z.string().max(32768), 'What happened, for a human.'),
  }),
  'A condition in the metav1.Condition shape.',
);
export type Condition = z.output<typeof Condition>;

export const PoolStatus = api(
  z.object({
    observedGeneration: api(z.int().min(0), 'The .metadata.generation the status describes.').optional(),
    phase: api(z.enum(PHASES), 'Initializing, Active, Updating, Scaling, Deleting or Degraded.').optional(),
    scalingGroupId: Id('The ESS scaling group of the pool.'),
    scalingConfigurationId: Id('The active ESS scaling configuration.'),
    desiredSize: Count('The number of nodes the pool aims for.'),
    currentSize: Count('Instances in the scaling group.'),
    readySize: Count('Instances that are Ready nodes.'),
    zones: api(
      z
        .array(
          api(
            z.object({
              zoneId: Id('The zone.'),
              vSwitchId: Id('The vSwitch.'),
              currentSize: Count('Instances in the zone.'),
              readySize: Count('Ready nodes in the zone.'),
            }),
            'Counts in one zone.',
          ),
        )
        .max(16),
      'Per-zone counts.',
    ).optional(),
    instanceTypes: api(
      z
        .array(
          api(
            z.object({
              instanceType: Id('The instance type.'),
              currentSize: Count('Instances of this type.'),
            }),
            'Counts of one instance type.',
          ),
        )
        .max(16),
      'Per-instance-type counts.',
    ).optional(),
    retainedInstances: api(
      z
        .array(
          api(
            z.object({
              instanceId: Id('The ECS instance.'),
              chargeType: Id('Its charge type.'),
              expiresAt: Time('When a subscription instance expires.'),
              reason: api(z.string().max(1024), 'Why it was retained.').optional(),
            }),
            'An instance detached from the pool but kept.',
          ),
        )
        .max(2000),
      'Instances the pool detached but did not release (subscription, attached ones).',
    ).optional(),
    lastScalingActivity: api(
      z.object({
        id: Id('The ESS scaling activity id.'),
        status: Id('Its status.'),
        cause: api(z.string().max(4096), 'What started it.').optional(),
        description: api(z.string().max(4096), 'What it did, or why it failed.').optional(),
        startTime: Time('When it started.'),
        endTime: Time('When it ended.'),
      }),
      'The last scaling activity and its outcome.',
    ).optional(),
    operation: api(
      z.object({
        id: api(z.string().max(128), 'A random id, the seed of the ClientTokens of this operation.'),
        action: api(z.string().max(128), 'What it does (CreateScalingGroup, LaunchInstances, ...).'),
        startedAt: Time('When it started.'),
      }),
      'The cloud operation in progress that creates something: persisted before the write, so a retry after a crash reuses its ClientToken and never creates a second group or instance.',
    ).optional(),
    appliedTagKeys: api(
      z.array(api(z.string().max(128), 'A tag key.')).max(64),
      'The ECS tag keys the pool last applied to its instances (a key dropped from spec.tags is removed from them; others are left alone).',
    ).optional(),
    conditions: api(
      z.array(Condition).max(16),
      'Ready, Progressing and Degraded; on a ManagedNodePool also AutomationActive (which automation runs).',
      [],
      {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      },
    ).optional(),
  }),
  'The observed state of the pool, written by the operator only.',
);
export type PoolStatus = z.output<typeof PoolStatus>;
