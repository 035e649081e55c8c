import { consolidationMethod, type ConsolidationDeps } from '../consolidation/method.js';
import type { SharedReads } from '../reads/shared-reads.js';
import type { Method } from '../types.js';
import { deletion } from './deletion.js';
import { essHook } from './ess-hook.js';
import { registrationMethod } from './registration.js';
import { repairMethod } from './repair.js';
import { rotationMethod } from './rotation.js';
import { scaleIn } from './scale-in.js';
import { spotInterruptionMethod } from './spot-interruption.js';
import { systemEventsMethod } from './system-events.js';

export { deletedNode, deletedNodeCommands } from './deleted-node.js';
export { deletion } from './deletion.js';
export { essHook } from './ess-hook.js';
export { registrationMethod } from './registration.js';
export { isActive, scaleIn } from './scale-in.js';
export { rotationMethod, rotationOwner } from './rotation.js';
export { REBOOT_GRACE_MS, repairMethod } from './repair.js';
export { SYSTEM_EVENT_TIMES, systemEventsMethod } from './system-events.js';
export { SPOT_DRAIN_LEAD_MS, SPOT_NOTICE_MS, spotInterruptionMethod } from './spot-interruption.js';

export interface MethodDeps {
  /** How far an instance's bootstrap got (its serial console), for the registration Events. */
  story: (instanceId: string) => Promise<string>;
  /** The system events and spot notices of every pool, one batched read per interval (shared by the pools). */
  reads: SharedReads;
  /** The cluster and the offerings consolidation reads (absent: no consolidation, e.g. in unit tests). */
  consolidation?: ConsolidationDeps | undefined;
}

/**
 * The methods a pool's engine runs, in the order their commands are carried out: the involuntary ones first
 * (ESS hooks, failed registrations, pool deletion, system events, spot interruption), then the voluntary ones
 * (repair before scale-in: a broken node is mended first; then consolidation and the upgrade and patch
 * rotations), which share the budget. A new method is added here. `kubectl delete node` (`deletedNode`) runs in
 * the Node termination controller, keyed by Node.
 */
export function poolMethods(deps: MethodDeps): Method[] {
  return [
    essHook,
    registrationMethod(deps.story),
    deletion,
    systemEventsMethod(deps.reads),
    spotInterruptionMethod(deps.reads),
    repairMethod(),
    scaleIn,
    ...(deps.consolidation ? [consolidationMethod(deps.consolidation)] : []),
    rotationMethod('upgrade'),
    rotationMethod('patch'),
  ];
}
