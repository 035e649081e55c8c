import { consolidationMethod, type ConsolidationDeps } from '../consolidation/method.js';
import type { Method } from '../types.js';
import { deletion } from './deletion.js';
import { essHook } from './ess-hook.js';
import { registrationMethod } from './registration.js';
import { scaleIn } from './scale-in.js';

export { deletedNode, deletedNodeCommands } from './deleted-node.js';
export { deletion } from './deletion.js';
export { essHook } from './ess-hook.js';
export { registrationMethod } from './registration.js';
export { isActive, scaleIn } from './scale-in.js';

export interface MethodDeps {
  /** How far an instance's bootstrap got (its serial console), for the registration Events. */
  story: (instanceId: string) => Promise<string>;
  /** The cluster and the offerings consolidation reads (absent: no consolidation, e.g. in unit tests). */
  consolidation?: ConsolidationDeps | undefined;
}

/**
 * The methods a pool's engine runs, in the order their commands are carried out: the involuntary ones first
 * (ESS hooks, failed registrations, pool deletion), then the voluntary ones (scale-in, consolidation), which share the budget. A new
 * method (consolidation, repair, rotation, system events, spot interruption) is added here. `kubectl delete
 * node` (`deletedNode`) runs in the Node termination controller, keyed by Node.
 */
export function poolMethods(deps: MethodDeps): Method[] {
  return [essHook, registrationMethod(deps.story), deletion, scaleIn, ...(deps.consolidation ? [consolidationMethod(deps.consolidation)] : [])]; // prettier-ignore
}
