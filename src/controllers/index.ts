import type { Controller } from '../runtime/controller.js';
import type { ControllerDeps } from './deps.js';
import {
  MANAGEDNODEPOOL_CONTROLLER,
  NODEPOOL_CONTROLLER,
  newNodePoolController,
} from './nodepool/controller.js';
import { CSR_APPROVER_CONTROLLER, newCsrApprover } from './join/approver.js';
import { NODE_TERMINATION_CONTROLLER, newNodeTerminationController } from './node/termination/controller.js';
import { PROVISIONING_CONTROLLER, newProvisioningController } from './provisioning/controller.js';
import { RUNTIME_PROBE_CONTROLLER, newRuntimeProbeController } from './runtimeprobe/controller.js';

export type { ControllerDeps };

/** A controller the operator can run, by name. */
export interface ControllerEntry {
  name: string;
  /** False when its settings turn it off (it is then not built at all). */
  enabled(deps: ControllerDeps): boolean;
  build(deps: ControllerDeps): Controller;
}

/** Every controller of the operator, in one place. */
export const CONTROLLERS: readonly ControllerEntry[] = [
  {
    name: NODEPOOL_CONTROLLER,
    // Needs the cloud (region + credentials) and the join material (cluster id, API server endpoint).
    enabled: (d) => d.cloud !== undefined && d.join !== undefined,
    build: (d) => newNodePoolController({ ...d, cloud: d.cloud!, join: d.join! }),
  },
  {
    name: MANAGEDNODEPOOL_CONTROLLER,
    // The NodePool lifecycle for ManagedNodePools (an Auto pool); elasticity is the provisioning controller's.
    enabled: (d) => d.cloud !== undefined && d.join !== undefined,
    build: (d) => newNodePoolController({ ...d, cloud: d.cloud!, join: d.join! }, 'ManagedNodePool'),
  },
  {
    name: NODE_TERMINATION_CONTROLLER,
    // `kubectl delete node` of a pool Node: drained and its instance removed, keyed by Node (needs the cloud).
    enabled: (d) => d.cloud !== undefined,
    build: (d) => newNodeTerminationController({ ...d, cloud: d.cloud! }),
  },
  {
    name: PROVISIONING_CONTROLLER,
    // Instant elasticity for the Auto pools of both kinds: pending pods → batcher → simulation → launches.
    enabled: (d) => d.cloud !== undefined && d.join !== undefined,
    build: (d) => newProvisioningController({ ...d, cloud: d.cloud!, join: d.join! }),
  },
  {
    name: CSR_APPROVER_CONTROLLER,
    // Approves the kubelet certificates of the pools' new nodes (nothing else does: docs/security.md). It
    // checks requests against the pools' instances in the cloud, so it runs where the NodePool controller does.
    enabled: (d) => d.cloud !== undefined && d.join !== undefined,
    build: (d) => newCsrApprover({ ...d, cloud: d.cloud! }),
  },
  {
    name: RUNTIME_PROBE_CONTROLLER,
    enabled: (d) => d.settings.runtimeProbe,
    build: newRuntimeProbeController,
  },
];

/** Build the controllers this process runs: the enabled ones, filtered by `--controllers` ('*' = all). */
export function newControllers(deps: ControllerDeps): Controller[] {
  const wanted = deps.settings.controllers;
  const all = wanted.includes('*');
  const unknown = wanted.filter((w) => w !== '*' && !CONTROLLERS.some((c) => c.name === w));
  if (unknown.length > 0) {
    throw new Error(
      `--controllers: unknown controller(s) ${unknown.join(', ')}; known: ${CONTROLLERS.map((c) => c.name).join(', ')}`,
    );
  }
  return CONTROLLERS.filter((c) => (all || wanted.includes(c.name)) && c.enabled(deps)).map((c) =>
    c.build(deps),
  );
}
