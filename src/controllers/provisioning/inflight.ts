import type { ElasticityLaunch } from '../../apis/v1beta1/index.js';
import type { CloudInstance } from '../../cloud/types.js';
import type { Node, Pod } from '../../kube/index.js';
import type { ExistingNode, Offering } from './scheduling/index.js';
import { existingNodeOf } from './scheduling/index.js';

/** A Ready node still counts as in flight this long (the scheduler binds the pods it was launched for). */
export const READY_GRACE_MS = 30_000;
/** An instance id the cloud does not know yet is given this long (eventually consistent reads). */
export const UNSEEN_GRACE_MS = 60_000;
/** A restarted member still Stopped this long after the scale-out was asked for: ESS started another one. */
export const RESTART_GRACE_MS = 60_000;
/** A launch is forgotten after this long whatever became of it (registration timeouts take over). */
export const LAUNCH_TTL_MS = 15 * 60_000;

export interface InFlightInput {
  pool: string;
  /** Subscription: the pool controller attaches the instances, not provisioning. */
  prepaid: boolean;
  records: readonly ElasticityLaunch[];
  /** ECS's view of the launched instances (absent: not seen yet, or gone). */
  instances: ReadonlyMap<string, CloudInstance>;
  /** The pool's Nodes by instance id. */
  nodes: ReadonlyMap<string, Node>;
  /** Pods bound to a node (to count what an in-flight Node already holds). */
  podsOn: (node: string) => readonly Pod[];
  /** The offering a record launched (labels and allocatable of its nodes before they register). */
  offering: (r: ElasticityLaunch) => Offering | undefined;
  /** When a record was attached (this process's memory): ESS's counts include it only once its activity ran. */
  attachedAt: (r: ElasticityLaunch) => number | undefined;
  now: number;
}

/** An attach counts as not yet in ESS's counts this long (its activity has to run first). */
export const ATTACH_SETTLE_MS = 30_000;

export interface InFlight {
  /** In-flight nodes for the simulation (pending pods go there first). */
  existing: ExistingNode[];
  /** Records still in flight (the rest are done: Ready, gone, or too old). */
  keep: ElasticityLaunch[];
  /** Running instances to attach to the scaling group (pay-as-you-go and spot; entrusted). */
  toAttach: { record: ElasticityLaunch; ids: string[] }[];
  /** Records whose launch call never answered (a crash, a timeout): launched again with the same ClientToken. */
  toResume: ElasticityLaunch[];
  /** Instances launched and not yet in the scaling group: they take room under maxSize. */
  unattached: number;
  /** Launched instances whose Node is not Ready yet (the scheduler has not had them to place pods on). */
  booting: number;
}

const isReady = (n: Node): { ready: boolean; since: number } => {
  const c = n.status?.conditions?.find((x) => x.type === 'Ready');
  return { ready: c?.status === 'True', since: c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0 };
};

/** An in-flight node from a registered (not yet long Ready) Node. */
function fromNode(pool: string, n: Node, podsOn: InFlightInput['podsOn']): ExistingNode {
  return { ...existingNodeOf(n, podsOn(n.metadata.name), pool), hostPorts: [], inFlight: true };
}

/** An in-flight node from the offering it was launched as (no Node yet). */
function fromOffering(pool: string, name: string, o: Offering, taints: ExistingNode['taints']): ExistingNode {
  return {
    name,
    pool,
    labels: o.labels,
    taints,
    allocatable: o.allocatable,
    used: { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 },
    pods: [],
    hostPorts: [],
    inFlight: true,
    daemonSetsPending: true,
  };
}

/**
 * What a pool's launches still mean (pure): the nodes in flight (launched, not Ready for long), what to attach,
 * what to launch again after a crash, and the room they take. Persisted launch records (pool status) plus the
 * cloud's and the API server's view make it survive an operator restart: a pod never starts two nodes.
 */
export function inFlightOf(input: InFlightInput, taints: ExistingNode['taints']): InFlight {
  const out: InFlight = { existing: [], keep: [], toAttach: [], toResume: [], unattached: 0, booting: 0 };
  for (const r of input.records) {
    const age = input.now - Date.parse(r.startedAt ?? '');
    if (!(age < LAUNCH_TTL_MS)) continue;
    const o = input.offering(r);
    const restart = r.action === 'Restart';
    if (restart && !r.attached) {
      // the scale-out was never asked for (a crash in between): asked again, with the same ClientToken
      out.toResume.push(r);
      out.keep.push(r);
      out.unattached += r.count;
    }
    if (!r.instanceIds || r.instanceIds.length === 0) {
      out.toResume.push(r);
      out.keep.push(r);
      out.unattached += r.count;
      out.booting += r.count;
      if (o)
        for (let i = 0; i < r.count; i++)
          out.existing.push(fromOffering(input.pool, `launch-${r.id}-${i}`, o, taints));
      continue;
    }
    let live = 0;
    const running: string[] = [];
    let starting = 0;
    for (const id of r.instanceIds) {
      const node = input.nodes.get(id);
      const inst = input.instances.get(id);
      // a member planned on that ESS did not start (it started another Stopped one): no longer counted
      if (restart && r.attached && inst?.status === 'Stopped' && age > RESTART_GRACE_MS) continue;
      const alive = inst
        ? inst.status !== 'Deleted' && (inst.status !== 'Stopped' || restart)
        : age < UNSEEN_GRACE_MS;
      if (alive && !(node && isReady(node).ready)) out.booting++;
      if (node) {
        const { ready, since } = isReady(node);
        if (!ready || input.now - since < READY_GRACE_MS)
          out.existing.push(fromNode(input.pool, node, input.podsOn));
        if (!ready || input.now - since < READY_GRACE_MS || !r.attached) live++;
      } else if (alive) {
        live++;
        if (o) out.existing.push(fromOffering(input.pool, id, o, taints));
      }
      if (inst?.status === 'Running') running.push(id);
      else if (!inst || inst.status === 'Pending' || inst.status === 'Starting') starting++;
    }
    if (live === 0) continue;
    if (restart) {
      // ESS counts restarted members itself: nothing to attach; an unasked scale-out was kept above
      if (r.attached) out.keep.push(r);
      continue;
    }
    out.keep.push(r);
    const at = input.attachedAt(r);
    if (!input.prepaid && (!r.attached || (at !== undefined && input.now - at < ATTACH_SETTLE_MS))) {
      out.unattached += r.instanceIds.length;
    }
    if (!r.attached && !input.prepaid) {
      // all at once (one ClientToken per launch), when none is still starting
      if (starting === 0 && running.length > 0) out.toAttach.push({ record: r, ids: running });
    }
  }
  return out;
}
