import * as z from 'zod';
import { countOrPercent, str, uniqueList } from './common.js';
import { P } from './patterns.js';
import { api } from './rules.js';

/**
 * The automation blocks of API.md ("ManagedNodePool"): maintenance windows, autoRepair, autoUpgrade, autoPatch
 * and systemEvents. A ManagedNodePool has them at the top of its spec, on by default; a NodePool has the same
 * shapes under `spec.management`, off by default (seed 001's standard "managed node pool" mode is opt-in).
 */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export const PATCH_SEVERITIES = ['High', 'Medium', 'Low'] as const;

/** Milliseconds of a Go duration string matched by P.duration. */
export function goDurationMs(d: string): number {
  let ms = 0;
  for (const m of d.matchAll(/([0-9]+)(ms|s|m|h)/g)) {
    const n = Number(m[1]);
    ms += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
  }
  return ms;
}

export const MaintenanceWindow = api(
  z.strictObject({
    days: api(uniqueList(z.enum(WEEKDAYS), 1, 7, 'day'), 'Days of the week: Mon..Sun.', [], {
      'x-kubernetes-list-type': 'set',
    }),
    start: api(
      str(P.hhmm, 5, 'a time like 02:00 (24-hour HH:MM)'),
      'Start time, HH:MM (24-hour), in timeZone.',
    ),
    duration: api(str(P.duration, 16, 'a duration like 4h'), 'How long the window lasts, 1h to 24h.', [
      {
        cel: "duration(self) >= duration('1h') && duration(self) <= duration('24h')",
        message: 'a maintenance window lasts 1h to 24h',
        check: (d) => {
          const ms = goDurationMs(d);
          return ms >= 3_600_000 && ms <= 86_400_000;
        },
      },
    ]),
    timeZone: api(
      str(P.timeZone, 64, 'an IANA time zone like Asia/Shanghai'),
      'IANA time zone, e.g. Asia/Shanghai (default UTC).',
    ).default('UTC'),
  }),
  'A weekly window in which automation may disrupt nodes.',
);

/** The five blocks, with `enabled` defaulting to `on` (ManagedNodePool: true; NodePool's management: false). */
// eslint-disable-next-line @typescript-eslint/explicit-module-boundary-types -- five zod schemas: their types are what zod infers
function blocks(on: boolean) {
  const byDefault = on ? 'on by default' : 'off by default';
  const Maintenance = api(
    z.strictObject({
      windows: api(
        z.array(MaintenanceWindow).max(7),
        'When voluntary automation (upgrade and patch rotations, consolidation) may start disrupting nodes; none = at any time. What started inside a window finishes the nodes it took; nothing new starts outside. Repair, system events and spot interruption act whenever needed.',
      ).optional(),
      allowReboot: api(
        z.boolean().default(false),
        'Fault recovery may reboot a node first (else it replaces it).',
      ),
    }),
    'When and how automation may disrupt nodes.',
  );
  const AutoRepair = api(
    z.strictObject({
      enabled: api(z.boolean().default(on), `Repair unhealthy nodes (${byDefault}).`),
      notReadyTimeout: api(
        str(P.duration, 16, 'a duration like 10m'),
        'A node that was Ready and is NotReady (or reports a failing condition) this long is repaired.',
      ).default('10m'),
      maxUnhealthy: countOrPercent(
        'Repair nothing while more than this many (or this share) of the nodes are unhealthy: a zone outage is not fixed by replacing every node.',
      ).default('20%'),
    }),
    'Self-healing: reboot (if allowed) or replace nodes NotReady beyond notReadyTimeout, within the disruption budget.',
    [
      {
        cel: "!self.enabled || !(string(self.maxUnhealthy) in ['0', '0%'])",
        message:
          'maxUnhealthy 0 would never repair anything: one unhealthy node is already more than it; use at least 1',
        fieldPath: '.maxUnhealthy',
        check: (r) => !r.enabled || !['0', '0%'].includes(String(r.maxUnhealthy)),
      },
    ],
  );
  const AutoUpgrade = api(
    z.strictObject({
      enabled: api(
        z.boolean().default(on),
        `Adopt newer images of the pool's image family (new kubelet and containerd versions with them): new nodes launch with the newer image at once, and the nodes running another image are replaced (${byDefault}). Off: a newer image is only reported by the condition UpgradeAvailable.`,
      ),
      maxSurge: countOrPercent(
        "Replacements launched and Ready before their nodes are drained, at once (count, or percentage of the pool's size rounded up; an Auto pool's is capped by maxSize).",
      ).default(1),
      maxUnavailable: countOrPercent(
        "Nodes drained without a replacement first, at once (count, or percentage of the pool's size rounded down); unready nodes count against it.",
      ).default(0),
    }),
    'Automatic OS image rotation by node replacement: oldest first, maxSurge / maxUnavailable at once, within disruption.budget, drained through the Eviction API (PodDisruptionBudgets, graceful termination), inside the maintenance windows.',
    [
      {
        cel: "!(string(self.maxSurge) in ['0', '0%'] && string(self.maxUnavailable) in ['0', '0%'])",
        message: 'maxSurge and maxUnavailable cannot both be 0: a rotation could never progress',
        fieldPath: '.maxSurge',
        check: (u) =>
          !(['0', '0%'].includes(String(u.maxSurge)) && ['0', '0%'].includes(String(u.maxUnavailable))),
      },
    ],
  );
  const AutoPatch = api(
    z.strictObject({
      enabled: api(
        z.boolean().default(on),
        `Apply CVE fixes by node rotation: a newer image of the family that fixes a CVE of a listed severity (read from the image's nodepool.alicloud.dev/fixes-high|medium|low tags) is adopted and rolled through the pool (${byDefault}).`,
      ),
      severities: api(
        uniqueList(z.enum(PATCH_SEVERITIES), 1, 3, 'severity'),
        'Which CVE severities to patch: High, Medium, Low.',
        [],
        { 'x-kubernetes-list-type': 'set' },
      ).default(['High', 'Medium', 'Low']),
    }),
    'CVE patching by rotation (maxSurge and maxUnavailable of autoUpgrade), inside the maintenance windows.',
  );
  const SystemEvents = api(
    z.strictObject({
      enabled: api(
        z.boolean().default(on),
        `Cordon, drain and replace nodes ahead of scheduled ECS system events (${byDefault}).`,
      ),
    }),
    'Handling of ECS system events (maintenance reboots and redeploys, hardware failures): the node is replaced before the event executes when time allows.',
  );
  return { Maintenance, AutoRepair, AutoUpgrade, AutoPatch, SystemEvents };
}

/** The five blocks' zod shapes. */
export type AutomationBlocks = ReturnType<typeof blocks>;
export const automationBlocks: (on: boolean) => AutomationBlocks = blocks;

const off = automationBlocks(false);

/** NodePool's opt-in automation: the ManagedNodePool blocks, every one off by default. */
export const Management = api(
  z.strictObject({
    maintenance: off.Maintenance.prefault({}),
    autoRepair: off.AutoRepair.prefault({}),
    autoUpgrade: off.AutoUpgrade.prefault({}),
    autoPatch: off.AutoPatch.prefault({}),
    systemEvents: off.SystemEvents.prefault({}),
  }),
  "Opt-in automation, the same blocks as a ManagedNodePool's, all off by default: maintenance windows, autoRepair, autoUpgrade, autoPatch, systemEvents. Refused where they could do nothing: autoUpgrade and autoPatch with billing.chargeType Subscription (rotation never releases a Subscription instance), autoPatch with a Custom image (no family to patch from).",
);
