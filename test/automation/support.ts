import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../src/devstack/paths.js';
import { testCluster } from '../support/access.js';
import { getJson } from '../support/kube.js';
import { pool, type PoolJson } from '../nodepool/poll.js';

/** What the automation tests read of a pool's `status.automation.<method>`. */
export interface AutomationJson {
  enabled?: boolean;
  lastAction?: { action?: string; nodes?: string[]; message?: string; time?: string };
  next?: {
    action?: string;
    nodes?: string[];
    reason?: string;
    blockedBy?: { kind: string; message: string }[];
  };
}

export const automation = async (name: string, method: string): Promise<AutomationJson | undefined> =>
  ((await pool(name)) as PoolJson & { status?: { automation?: Record<string, AutomationJson> } }).status
    ?.automation?.[method];

export interface EventJson {
  reason?: string;
  note?: string;
  type?: string;
  regarding?: { name?: string; kind?: string };
}

/** Events (events.k8s.io/v1) about an object, in `default` (cluster-scoped objects' Events land there). */
export const eventsOf = async (name: string): Promise<EventJson[]> =>
  (await getJson<{ items: EventJson[] }>(['events.v1.events.k8s.io', '-n', 'default'])).items.filter(
    (e) => e.regarding?.name === name,
  );

/** `nodepool-operator ARGS` against the test cluster: its stdout. */
export async function runCli(args: string[]): Promise<string> {
  const env = { ...process.env, KUBECONFIG: testCluster().kubeconfig };
  const r = await promisify(execFile)(process.execPath, [`${PACKAGE_ROOT}/bin/nodepool-operator.js`, ...args], { env }); // prettier-ignore
  return r.stdout;
}
