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

/** What one automation (a disruption method, or elasticity) did last and will do next (API.md "Status"). */
const Blocker = api(
  z.object({
    kind: api(
      z.string().max(64),
      'Budget, PodDisruptionBudget, DoNotDisrupt, MaintenanceWindow, Replacement, MinSize, MaxSize, NotBefore, Terminating, EvictionFailed, MaxUnhealthy or Rebooting.',
    ),
    message: api(
      z.string().max(1024),
      'What exactly holds it: the budget, which PodDisruptionBudget, which pod, which window.',
    ),
  }),
  'One thing that holds the next action back.',
);

export const AutomationStatus = api(
  z.object({
    enabled: api(z.boolean(), 'Whether this automation runs for the pool.').optional(),
    lastAction: api(
      z.object({
        time: Time('When it was carried out (RFC 3339).'),
        action: api(
          z.string().max(128),
          'What was done (Released, Retained, Stopped, Continued, Drained, Rebooted).',
        ).optional(),
        nodes: api(
          z.array(api(z.string().max(253), 'A node or instance.')).max(50),
          'The nodes (or instances) it acted on.',
        ).optional(),
        message: api(z.string().max(2048), 'Why, and what became of them.').optional(),
      }),
      'The last command this automation carried out.',
    ).optional(),
    next: api(
      z.object({
        action: api(
          z.string().max(128),
          'What it will do (Remove, Stop, Drain, Reboot, Repair…).',
        ).optional(),
        reason: api(z.string().max(1024), 'Why.').optional(),
        notBefore: Time('The earliest time it may happen (RFC 3339); absent: as soon as nothing blocks it.'),
        nodes: api(
          z.array(api(z.string().max(253), 'A node or instance.')).max(50),
          'The nodes (or instances) it will act on.',
        ).optional(),
        blockedBy: api(z.array(Blocker).max(20), 'What holds it back now (empty: under way).').optional(),
      }),
      'What this automation will do next, and what holds it.',
    ).optional(),
  }),
  'One automation: enabled, its last action and its next one.',
);
export type AutomationStatus = z.output<typeof AutomationStatus>;

/** A launch instant elasticity made and has not seen through yet (persisted before the cloud call). */
export const ElasticityLaunch = api(
  z.object({
    id: api(
      z.string().max(128),
      'The launch id: the seed of its ClientTokens (a retry after a crash launches nothing twice).',
    ),
    action: api(
      z.enum(['Launch', 'Restart']),
      "Launch: new instances (RunInstances, then attached). Restart: an economical pool's Stopped members started again by an ESS scale-out (ScaleWithAdjustment); instanceIds are the ones planned on. Absent: Launch.",
    ).optional(),
    instanceType: api(z.string().max(64), 'The instance type launched.'),
    zoneId: api(z.string().max(64), 'The zone.'),
    vSwitchId: api(z.string().max(64), 'The vSwitch.'),
    count: api(z.int().min(1).max(100), 'How many instances.'),
    chargeType: api(
      z.enum(['PayAsYouGo', 'Spot', 'Subscription']),
      "How they are bought: the pool's charge type, or PayAsYouGo for a Spot pool's on-demand fallback (billing.spot.onDemandFallback).",
    ).optional(),
    instanceIds: api(
      z.array(api(z.string().max(64), 'An instance id.')).max(100),
      'The instances, once launched.',
    ).optional(),
    attached: api(
      z.boolean(),
      'Whether they were attached to the scaling group (Restart: whether the scale-out was asked for).',
    ).optional(),
    startedAt: Time('When it was decided.'),
  }),
  'One launch in flight.',
);
export type ElasticityLaunch = z.output<typeof ElasticityLaunch>;

/** Elasticity's status: an automation's, plus the launches in flight. */
export const ElasticityStatus = api(
  AutomationStatus.extend({
    inFlight: api(
      z.array(ElasticityLaunch).max(200),
      'Launches not yet Ready nodes: counted so one pod never starts two nodes, also across an operator restart.',
    ).optional(),
  }),
  'Instant elasticity: its last scale-out, what it waits for, and the launches in flight.',
);
export type ElasticityStatus = z.output<typeof ElasticityStatus>;

/** The automations with a status block: the disruption methods, and elasticity (scale-out). */
export const AUTOMATION_KEYS = [
  'elasticity',
  'scaleIn',
  'deletedNode',
  'essHook',
  'registration',
  'deletion',
  'consolidation',
  'repair',
  'upgrade',
  'patch',
  'systemEvents',
  'spotInterruption',
] as const;
export type AutomationKey = (typeof AUTOMATION_KEYS)[number];

export const Automation = api(
  z.object(
    Object.fromEntries(
      AUTOMATION_KEYS.map((k) => [k, (k === 'elasticity' ? ElasticityStatus : AutomationStatus).optional()]),
    ) as Record<AutomationKey, z.ZodOptional<typeof AutomationStatus>>,
  ),
  'Per automation (each disruption method, and elasticity): what it did last and what it will do next, with what holds it back. `nodepool-operator disruptions` prints it.',
);
export type Automation = z.output<typeof Automation>;

export const RegistrationStatus = api(
  z.object({
    failures: Count(
      'Instances in a row that did not become Ready nodes within registrationTimeout (since a node last registered or the spec changed).',
    ),
    generation: api(
      z.int().min(0),
      'The .metadata.generation the count is for (a spec change starts it over).',
    ).optional(),
    last: api(z.string().max(2048), 'The last such instance and how far its bootstrap got.').optional(),
    waiting: api(
      z
        .array(
          api(
            z.object({
              instanceId: api(z.string().max(64), 'The instance.'),
              since: Time('When the operator first saw it running without a Ready node (RFC 3339).'),
              late: api(
                z.boolean(),
                'It is past registrationTimeout (counted once; a Subscription instance is kept, any other removed).',
              ).optional(),
            }),
            'An instance running without a Ready node yet.',
          ),
        )
        .max(2000),
      'Instances running without a Ready node, and since when: the registration timeout counts from here, also across operator restarts.',
    ).optional(),
  }),
  'Registration health: the state of the registration timeout, kept in the status so a restart does not forget it.',
);
export type RegistrationStatus = z.output<typeof RegistrationStatus>;

/** The image the pool launches, pinned when first resolved (API.md "Image pinning"). */
export const PoolImage = api(
  z.object({
    id: api(z.string().max(128), "The image id new nodes launch with (the scaling configuration's)."),
    name: api(z.string().max(256), 'The image name.').optional(),
    version: api(z.string().max(64), 'The image version, when the image has one.').optional(),
    family: api(
      z.string().max(128),
      'The image family it was resolved from (absent for a Custom image): a spec change to another family resolves again.',
    ).optional(),
    kubeletVersion: api(
      z.string().max(64),
      'The kubelet version the image carries, when its tags say so.',
    ).optional(),
    containerdVersion: api(
      z.string().max(64),
      'The containerd version the image carries, when its tags say so.',
    ).optional(),
    adoptedBy: api(
      z.enum(['Resolved', 'Configuration', 'Spec', 'AutoUpgrade', 'AutoPatch']),
      "How the pool came to run it: Resolved (the family's newest when the pool was created), Configuration (what the scaling configuration already ran when the pin was first recorded), Spec (a change of spec.image), AutoUpgrade or AutoPatch (adopted by rotation).",
    ).optional(),
    adoptedAt: Time('When it was pinned or adopted (RFC 3339).'),
    reason: api(z.string().max(1024), 'Why it was adopted (the newer image, the CVEs it fixes).').optional(),
  }),
  'The pinned image: a newer image of the family is adopted only by autoUpgrade / autoPatch (rotation) or a change of spec.image, and otherwise reported by the condition UpgradeAvailable.',
);
export type PoolImage = z.output<typeof PoolImage>;

export const PoolStatus = api(
  z.object({
    observedGeneration: api(z.int().min(0), 'The .metadata.generation the status describes.').optional(),
    phase: api(z.enum(PHASES), 'Initializing, Active, Updating, Scaling, Deleting or Degraded.').optional(),
    scalingGroupId: Id('The ESS scaling group of the pool.'),
    createdWith: api(
      z.record(z.string().max(128), z.string().max(256)),
      "The values the pool's immutable fields had when its scaling group was created, by spec path (recorded once by the controller). A change that reached the controller anyway (an object older than a rule, a CRD without its rules) makes the pool Degraded with reason ImmutableFieldChanged, and nothing is changed in the cloud.",
      [],
      { maxProperties: 16 },
    ).optional(),
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
    automation: Automation.optional(),
    registration: RegistrationStatus.optional(),
    image: PoolImage.optional(),
    conditions: api(
      z.array(Condition).max(16),
      'Ready, Progressing and Degraded; UpgradeAvailable (a newer image of the family that the pool does not adopt by itself); AutomationActive (which automation runs) on a ManagedNodePool, and on a NodePool whose management turns a block on or that is billed Spot (spot interruption).',
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
