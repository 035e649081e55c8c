import type { LabelSelector, NodeSelectorTerm, PodAffinityTerm, Toleration } from '../../../kube/index.js';

/** The resources scheduling counts: CPU (millicores), memory (MiB), GPUs (`nvidia.com/gpu`) and pods. */
export interface Resources {
  cpuMilli: number;
  memoryMiB: number;
  gpus: number;
  pods: number;
}

export const ZERO: Resources = Object.freeze({ cpuMilli: 0, memoryMiB: 0, gpus: 0, pods: 0 });

export interface Taint {
  key: string;
  value?: string | undefined;
  effect: string;
}

/** A topology spread constraint the simulation honours (`whenUnsatisfiable: DoNotSchedule`). */
export interface Spread {
  topologyKey: string;
  maxSkew: number;
  selector: LabelSelector | undefined;
}

/**
 * A pod as the simulation sees it: what it asks for and every constraint on where it may run, digested from
 * the Pod once (`simPodOf`). `problem` set: the pod cannot be simulated (e.g. a malformed quantity) and is
 * reported with that message.
 */
export interface SimPod {
  key: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  requests: Resources;
  nodeSelector: Readonly<Record<string, string>>;
  /** Required node affinity: the node must match one term (ORed); undefined = no constraint. */
  nodeAffinity: readonly NodeSelectorTerm[] | undefined;
  tolerations: readonly Toleration[];
  /** Required pod anti-affinity terms (topology `kubernetes.io/hostname` or `topology.kubernetes.io/zone`). */
  antiAffinity: readonly PodAffinityTerm[];
  /** Required pod affinity terms (topology `kubernetes.io/hostname` or `topology.kubernetes.io/zone`). */
  affinity: readonly PodAffinityTerm[];
  spread: readonly Spread[];
  /** `protocol/hostIP/port` of each host port. */
  hostPorts: readonly string[];
  /** Zones its bound volumes live in (the pod can only run there); undefined = anywhere. */
  volumeZones: readonly string[] | undefined;
  problem?: string | undefined;
}

/** One (instance type, zone) a pool can launch, with what a new node of it will offer. */
export interface Offering {
  instanceType: string;
  zoneId: string;
  vSwitchId: string;
  /** CNY per hour: the pay-as-you-go price, or the spot price for Spot pools. */
  pricePerHour: number;
  /** What the node registers as allocatable (capacity less the reservations; src/bootstrap/reservations.ts). */
  allocatable: Resources;
  /** Every label the new node will carry: the pool's, its own, zone, region, instance type, arch, os. */
  labels: Readonly<Record<string, string>>;
  /** False when out of stock or failed recently: not launched, but named in the reasons. */
  available: boolean;
  unavailableReason?: string | undefined;
  /** How it is bought (the launcher's business; absent: the pool's charge type). */
  market?: 'onDemand' | 'spot' | 'prepaid' | undefined;
}

/** An Auto pool that can add nodes: the simulation's new-node templates. */
export interface PoolTemplate {
  name: string;
  kind: 'NodePool' | 'ManagedNodePool';
  /** `spec.scaling.priority`: higher first. */
  priority: number;
  taints: readonly Taint[];
  offerings: readonly Offering[];
  /** How many more nodes it may have: maxSize less its current and in-flight nodes. */
  room: number;
  /** Set when the pool cannot scale out at all now (e.g. not Active): every pod gets this reason for it. */
  blocked?: string | undefined;
}

/** A node the simulation may place pods on: an existing (or in-flight) node, with what it already holds. */
export interface ExistingNode {
  name: string;
  pool: string | undefined;
  labels: Readonly<Record<string, string>>;
  taints: readonly Taint[];
  allocatable: Resources;
  /** What its pods (DaemonSet pods included) already request. */
  used: Resources;
  pods: readonly {
    namespace: string;
    labels: Readonly<Record<string, string>>;
    antiAffinity: readonly PodAffinityTerm[];
  }[];
  hostPorts: readonly string[];
  /** An instance launched for pending pods and not Ready yet: counted first, so one pod never starts two nodes. */
  inFlight?: boolean | undefined;
  /** Not registered yet: the DaemonSets that will land on it are not in `used`; the simulation adds them. */
  daemonSetsPending?: boolean | undefined;
}

/** Per pool, why a pod cannot go there. */
export interface PoolReason {
  pool: string;
  reason: string;
}

export interface PlannedNode {
  pool: string;
  instanceType: string;
  zoneId: string;
  vSwitchId: string;
  pricePerHour: number;
  /** How it is bought: the offering's market (a Spot pool's pay-as-you-go fallback says `onDemand`). */
  market?: Offering['market'];
  pods: string[];
  /** Other types (same pool and zone) that also hold these pods, cheapest first: the fallback when stock fails. */
  alternatives: string[];
}

export interface Plan {
  /** New nodes to launch, by pool. */
  nodes: PlannedNode[];
  /** Pods placed on existing or in-flight nodes: pod → node name. */
  onExisting: Map<string, string>;
  /** Pods no pool can host, with each pool's reason. */
  unschedulable: Map<string, PoolReason[]>;
}
