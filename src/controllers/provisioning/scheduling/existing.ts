import type { Node, Pod } from '../../../kube/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { cpuMillis, mebibytes, parseQuantity } from '../../../util/quantity.js';
import { GPU_RESOURCE, podRequests } from './pod.js';
import type { ExistingNode, Resources } from './types.js';

type P = DeepReadonly<Pod>;

const finished = (p: P): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** What pods request together (finished pods hold nothing; terminating ones still do, as the scheduler counts). */
export function requestedBy(pods: readonly P[]): Resources {
  const r: Resources = { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 };
  for (const p of pods) {
    if (finished(p)) continue;
    const q = podRequests(p as Pod);
    r.cpuMilli += q.cpuMilli;
    r.memoryMiB += q.memoryMiB;
    r.gpus += q.gpus;
    r.pods += 1;
  }
  return r;
}

/** A Node's allocatable (what its kubelet registered) in the simulation's units. */
export function allocatableOfNode(n: DeepReadonly<Node>): Resources {
  const a = n.status?.allocatable ?? {};
  const q = (s: string | undefined, f: (x: string) => number | undefined): number => (s ? (f(s) ?? 0) : 0);
  return {
    cpuMilli: q(a.cpu, cpuMillis),
    memoryMiB: q(a.memory, mebibytes),
    gpus: q(a[GPU_RESOURCE], parseQuantity),
    pods: q(a.pods, parseQuantity),
  };
}

function hostPortsOf(pods: readonly P[]): string[] {
  const out: string[] = [];
  for (const p of pods) {
    if (finished(p)) continue;
    for (const c of [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])]) {
      for (const port of c.ports ?? [])
        if (port.hostPort) out.push(`${port.protocol ?? 'TCP'}/${port.hostIP ?? '0.0.0.0'}/${port.hostPort}`);
    }
  }
  return out;
}

/**
 * A registered Node as the simulation sees it: its labels, taints (the kubelet's not-ready and unreachable
 * taints left out), allocatable, and what the pods bound to it (DaemonSet pods included) already take — requests, members
 * for anti-affinity and spread, host ports. Provisioning uses it for nodes in flight, consolidation for the
 * nodes a node's pods could move to.
 */
export function existingNodeOf(
  n: DeepReadonly<Node>,
  pods: readonly P[],
  pool: string | undefined,
): ExistingNode {
  const live = pods.filter((p) => !finished(p));
  return {
    name: n.metadata.name,
    pool,
    labels: n.metadata.labels ?? {},
    // the kubelet's not-ready / unreachable taints go once it is Ready (a restarted member's Node carries them)
    taints: (n.spec?.taints ?? []).filter(
      (t) => !/^node\.kubernetes\.io\/(not-ready|unreachable)/.test(t.key),
    ),
    allocatable: allocatableOfNode(n),
    used: requestedBy(live),
    // the simulation only reads these (informer objects are read-only by type)
    pods: (live as Pod[]).map((p) => ({
      namespace: p.metadata.namespace ?? 'default',
      labels: p.metadata.labels ?? {},
      antiAffinity: p.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [],
    })),
    hostPorts: hostPortsOf(live),
  };
}
