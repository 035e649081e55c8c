import type { ElasticityLaunch } from '../../apis/v1beta1/index.js';
import type { PoolInstance } from '../../cloud/types.js';
import type { Node } from '../../kube/index.js';
import { HOSTNAME_LABEL, type ExistingNode, type Offering } from './scheduling/index.js';

/** A Stopped member of an economical pool, as a node the simulation may place pods on (it is started for them). */
export interface Restartable {
  pool: string;
  instance: PoolInstance;
  /** Its Node (kept, cordoned, when ESS stopped it), if it registered before. */
  nodeName: string | undefined;
  node: ExistingNode;
}

/**
 * Economical pools (`scaling.economical`): scale-out starts the pool's Stopped members before launching new
 * instances (API.md). Pure: which Stopped members are offered to the simulation — those with an offering the
 * catalogue knows, not already being started by a Restart record, at most the pool's room — each as the node
 * it will be again: its Node's labels (or the offering's), the offering's allocatable, the pool's taints, and the
 * DaemonSets that will land on it. They come after the nodes in flight and before any new node (no price).
 */
export function restartableOf(o: {
  pool: string;
  stopped: readonly PoolInstance[];
  records: readonly ElasticityLaunch[];
  room: number;
  nodeOf: (instanceId: string) => Node | undefined;
  offering: (m: PoolInstance) => Offering | undefined;
  taints: ExistingNode['taints'];
}): Restartable[] {
  const starting = new Set(
    o.records.filter((r) => r.action === 'Restart').flatMap((r) => r.instanceIds ?? []),
  );
  const out: Restartable[] = [];
  for (const m of o.stopped) {
    if (out.length >= o.room) break;
    if (starting.has(m.instanceId)) continue;
    const offering = o.offering(m);
    if (!offering) continue;
    const n = o.nodeOf(m.instanceId);
    const name = n?.metadata.name ?? `stopped-${m.instanceId}`;
    const labels = n
      ? { ...offering.labels, ...(n.metadata.labels ?? {}) }
      : { ...offering.labels, [HOSTNAME_LABEL]: name };
    out.push({
      pool: o.pool,
      instance: m,
      nodeName: n?.metadata.name,
      node: {
        name,
        pool: o.pool,
        labels,
        taints: o.taints,
        allocatable: offering.allocatable,
        used: { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 },
        pods: [],
        hostPorts: [],
        inFlight: true,
        daemonSetsPending: true,
      },
    });
  }
  return out;
}

/** The Stopped members a plan placed pods on, by pool (plan.onExisting: pod → node name). */
export function chosenRestarts(
  restartable: readonly Restartable[],
  onExisting: ReadonlyMap<string, string>,
): Map<string, Restartable[]> {
  const used = new Set(onExisting.values());
  const out = new Map<string, Restartable[]>();
  for (const r of restartable) {
    if (!used.has(r.node.name)) continue;
    out.set(r.pool, [...(out.get(r.pool) ?? []), r]);
  }
  return out;
}
