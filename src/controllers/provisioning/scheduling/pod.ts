import type { Pod } from '../../../kube/index.js';
import { cpuMillis, mebibytes } from '../../../util/quantity.js';
import { ZONE_LABEL, HOSTNAME_LABEL } from './labels.js';
import type { Resources, SimPod, Spread } from './types.js';

export const GPU_RESOURCE = 'nvidia.com/gpu';
/** Above this a request is refused as absurd (no instance type has 100k cores or 100 TiB). */
const LIMITS = { cpuMilli: 1e8, memoryMiB: 1e8, gpus: 1e4 } as const;

type Container = NonNullable<NonNullable<Pod['spec']>['containers']>[number];

/** One container's requests (a limit stands for a missing request, as the API server defaults it). */
function requestsOf(
  c: Container | { resources?: Container['resources'] },
  problems: string[],
  where: string,
): Resources {
  // prettier-ignore
  const req = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
  const out: Resources = { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 };
  const read = (name: string, parse: (s: string) => number | undefined): number => {
    const text = req[name];
    if (text === undefined) return 0;
    const n = parse(text);
    if (n === undefined || n < 0) {
      problems.push(`${where} requests ${name}: "${text.slice(0, 40)}" is not a quantity`);
      return 0;
    }
    return n;
  };
  out.cpuMilli = read('cpu', cpuMillis);
  out.memoryMiB = read('memory', mebibytes);
  out.gpus = read(GPU_RESOURCE, (s) => {
    const n = Number(s);
    return Number.isInteger(n) ? n : undefined;
  });
  return out;
}

const add = (a: Resources, b: Resources): Resources => ({
  cpuMilli: a.cpuMilli + b.cpuMilli,
  memoryMiB: a.memoryMiB + b.memoryMiB,
  gpus: a.gpus + b.gpus,
  pods: a.pods + b.pods,
});
const max = (a: Resources, b: Resources): Resources => ({
  cpuMilli: Math.max(a.cpuMilli, b.cpuMilli),
  memoryMiB: Math.max(a.memoryMiB, b.memoryMiB),
  gpus: Math.max(a.gpus, b.gpus),
  pods: Math.max(a.pods, b.pods),
});

/**
 * A pod's effective requests, the scheduler's way: the containers' sum plus the sidecars (init containers with
 * `restartPolicy: Always`), or the largest init container (with the sidecars started before it) if more; plus
 * the pod overhead; one pod.
 */
export function podRequests(pod: Pod, problems: string[] = []): Resources {
  const spec = pod.spec ?? {};
  let containers: Resources = { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 };
  for (const c of spec.containers ?? [])
    containers = add(containers, requestsOf(c, problems, `container ${c.name}`));
  let sidecars: Resources = { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 };
  let init: Resources = { cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 };
  for (const c of spec.initContainers ?? []) {
    const r = requestsOf(c, problems, `init container ${c.name}`);
    if (c.restartPolicy === 'Always') {
      sidecars = add(sidecars, r);
      init = max(init, sidecars);
    } else init = max(init, add(r, sidecars));
  }
  const overhead = requestsOf({ resources: { requests: spec.overhead ?? {} } }, problems, 'overhead');
  return { ...add(max(add(containers, sidecars), init), overhead), pods: 1 };
}

function hostPortsOf(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const p of c.ports ?? [])
      if (p.hostPort) out.push(`${p.protocol ?? 'TCP'}/${p.hostIP ?? '0.0.0.0'}/${p.hostPort}`);
  }
  return out;
}

/** The pod's required anti-affinity terms the simulation understands; other topology keys are a problem. */
function antiAffinityOf(pod: Pod, problems: string[]): SimPod['antiAffinity'] {
  const terms = pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  for (const t of terms)
    if (t.topologyKey !== HOSTNAME_LABEL && t.topologyKey !== ZONE_LABEL)
      problems.push(
        `required pod anti-affinity on ${t.topologyKey} (only ${HOSTNAME_LABEL} and ${ZONE_LABEL} are simulated)`,
      );
  return terms;
}

/**
 * The pod's required pod affinity terms the simulation understands: topology hostname or zone, namespaces
 * listed or the pod's own; other topology keys and namespace selectors are a problem (not simulated).
 */
function affinityOf(pod: Pod, problems: string[]): SimPod['affinity'] {
  const terms = pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  for (const t of terms) {
    if (t.topologyKey !== HOSTNAME_LABEL && t.topologyKey !== ZONE_LABEL)
      problems.push(
        `required pod affinity on ${t.topologyKey} (only ${HOSTNAME_LABEL} and ${ZONE_LABEL} are simulated)`,
      );
    if (t.namespaceSelector !== undefined)
      problems.push('required pod affinity with a namespaceSelector is not simulated');
  }
  return terms;
}

/** Hard (DoNotSchedule) spread constraints on zone or hostname; ScheduleAnyway ones do not block a node. */
function spreadOf(pod: Pod, problems: string[]): Spread[] {
  const hard = (pod.spec?.topologySpreadConstraints ?? []).filter(
    (c) => c.whenUnsatisfiable === 'DoNotSchedule',
  );
  for (const c of hard)
    if (c.topologyKey !== ZONE_LABEL && c.topologyKey !== HOSTNAME_LABEL)
      problems.push(
        `topology spread on ${c.topologyKey} (only ${HOSTNAME_LABEL} and ${ZONE_LABEL} are simulated)`,
      );
  return hard.map((c) => ({
    topologyKey: c.topologyKey,
    maxSkew: Math.max(1, c.maxSkew),
    selector: c.labelSelector,
  }));
}

/** Digest a Pod for the simulation; `volumeZones`: the zones of its bound PersistentVolumes, if any. */
export function simPodOf(pod: Pod, volumeZones?: readonly string[]): SimPod {
  const problems: string[] = [];
  const requests = podRequests(pod, problems);
  if (
    requests.cpuMilli > LIMITS.cpuMilli ||
    requests.memoryMiB > LIMITS.memoryMiB ||
    requests.gpus > LIMITS.gpus
  )
    problems.push(
      `requests ${requests.cpuMilli / 1000} CPU / ${Math.round(requests.memoryMiB / 1024)} GiB / ${requests.gpus} GPU: beyond any instance type`,
    );
  const ns = pod.metadata.namespace ?? 'default';
  return {
    key: `${ns}/${pod.metadata.name}`,
    namespace: ns,
    labels: pod.metadata.labels ?? {},
    requests,
    nodeSelector: pod.spec?.nodeSelector ?? {},
    nodeAffinity:
      pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    tolerations: pod.spec?.tolerations ?? [],
    antiAffinity: antiAffinityOf(pod, problems),
    affinity: affinityOf(pod, problems),
    spread: spreadOf(pod, problems),
    hostPorts: hostPortsOf(pod),
    volumeZones,
    ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
  };
}
