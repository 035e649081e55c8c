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

/** One automation's report (API.md: `status.automation.<name>`): whether it runs, what it did, what is next. */
export const AutomationReport = (what: string, extra: Record<string, z.ZodType> = {}): z.ZodObject =>
  api(
    z.object({
      enabled: api(z.boolean(), 'Whether this automation runs for the pool.').optional(),
      lastAction: api(
        z.object({
          time: Time('When.'),
          action: Id('What it did (e.g. ScaleOut).'),
          nodes: api(z.array(api(z.string().max(253), 'A node or instance.')).max(100), 'The nodes or instances it acted on (at most 100 listed).').optional(), // prettier-ignore
          message: api(z.string().max(4096), 'What happened, for a human.').optional(),
        }),
        'The last thing it did.',
      ).optional(),
      next: api(
        z.object({
          action: Id('What it will do next.'),
          notBefore: Time('Not before this time.'),
          nodes: api(z.array(api(z.string().max(253), 'A node or instance.')).max(100), 'The nodes it concerns.').optional(), // prettier-ignore
          blockedBy: api(z.string().max(4096), 'What holds it back, if anything.').optional(),
        }),
        'What it will do next, and what holds it back.',
      ).optional(),
      ...extra,
    }),
    what,
  );

/** A launch instant elasticity made and has not seen through yet (persisted before the cloud call). */
export const ElasticityLaunch = api(
  z.object({
    id: api(z.string().max(128), 'The launch id: the seed of its ClientTokens (a retry after a crash launches nothing twice).'), // prettier-ignore
    instanceType: api(z.string().max(64), 'The instance type launched.'),
    zoneId: api(z.string().max(64), 'The zone.'),
    vSwitchId: api(z.string().max(64), 'The vSwitch.'),
    count: api(z.int().min(1).max(100), 'How many instances.'),
    instanceIds: api(z.array(api(z.string().max(64), 'An instance id.')).max(100), 'The instances, once launched.').optional(), // prettier-ignore
    attached: api(z.boolean(), 'Whether they were attached to the scaling group.').optional(),
    startedAt: Time('When it was decided.'),
  }),
  'One launch in flight.',
);
export type ElasticityLaunch = z.output<typeof ElasticityLaunch>;

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
    automation: api(
      z.object({
        elasticity: AutomationReport('Instant elasticity (Auto pools): scale-out for pending pods.', {
          inFlight: api(z.array(ElasticityLaunch).max(200), 'Launches not yet Ready nodes: counted so one pod never starts two nodes, also across an operator restart.').optional(), // prettier-ignore
        }).optional(),
      }),
      "What the pool's automation did last and will do next.",
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
