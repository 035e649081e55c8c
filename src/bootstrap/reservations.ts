import { cpuMillis, mebibytes } from '../util/quantity.js';

/**
 * What a node keeps for itself, in ONE place: the bootstrap renderer (the kubelet's `kubeReserved`, computed on
 * the node from its own CPUs and memory by the shell function `kubeReservedShell()` renders from the tiers
 * below), the provisioning planner (the allocatable a new node of a pool will register) and the simulated nodes
 * (the allocatable they register) all use it.
 *
 * The formula is tiered, as ACK's (and GKE's, which ACK's default follows in shape) — larger machines keep a
 * smaller share:
 * - CPU: 6 % of the first core, 1 % of the second, 0.5 % of the third and fourth, 0.25 % of every core above;
 * - memory: 25 % of the first 4 GiB, 20 % of the next 4 GiB, 10 % of the next 8 GiB, 6 % of the next 112 GiB
 *   (up to 128 GiB), 2 % above;
 * - plus the kubelet's hard eviction threshold, `memory.available` 100Mi unless the pool sets another.
 * A pool's `kubelet.kubeReserved` replaces the formula; `kubelet.systemReserved` is subtracted as well;
 * `kubelet.maxPods` (default 110, the kubelet's) caps the pods.
 * Allocatable = capacity − kubeReserved − systemReserved − evictionHard (the kubelet's own rule).
 */
export const CPU_TIERS: readonly (readonly [millicores: number, share: number])[] = [
  [1000, 0.06],
  [1000, 0.01],
  [2000, 0.005],
  [Number.POSITIVE_INFINITY, 0.0025],
];
export const MEMORY_TIERS: readonly (readonly [mebibytes: number, share: number])[] = [
  [4096, 0.25],
  [4096, 0.2],
  [8192, 0.1],
  [114688, 0.06],
  [Number.POSITIVE_INFINITY, 0.02],
];
export const DEFAULT_EVICTION_MEMORY_MIB = 100;
export const DEFAULT_MAX_PODS = 110;

/** The tiers applied to `amount` (whole units), in the shell's integer arithmetic: shares in 1/100000. */
function tiered(amount: number, tiers: readonly (readonly [number, number])[]): number {
  let left = Math.floor(amount);
  let out = 0;
  for (const [size, share] of tiers) {
    const part = Math.min(left, size);
    out += part * Math.round(share * 100000);
    left -= part;
    if (left <= 0) break;
  }
  return Math.floor(out / 100000);
}

/** The formula's kube-reserved for a machine (whole millicores and MiB, rounded down as the shell does). */
export function kubeReservedFor(
  cpuMilli: number,
  memoryMiB: number,
): { cpuMilli: number; memoryMiB: number } {
  return { cpuMilli: tiered(cpuMilli, CPU_TIERS), memoryMiB: tiered(memoryMiB, MEMORY_TIERS) };
}

/** The kubelet settings of a pool that change what a node can hold (quantities as the API has them). */
export interface KubeletReservations {
  maxPods?: number | undefined;
  kubeReserved?: Record<string, string> | undefined;
  systemReserved?: Record<string, string> | undefined;
  evictionHard?: Record<string, string> | undefined;
}

/** A machine's capacity. */
export interface MachineShape {
  cpuMilli: number;
  memoryMiB: number;
  gpus?: number | undefined;
}

/** What the kubelet of a new node registers as allocatable. */
export interface Allocatable {
  cpuMilli: number;
  memoryMiB: number;
  gpus: number;
  pods: number;
}

const cpuOf = (m: Record<string, string> | undefined): number => (m?.cpu ? (cpuMillis(m.cpu) ?? 0) : 0);
const memOf = (m: Record<string, string> | undefined): number => (m?.memory ? (mebibytes(m.memory) ?? 0) : 0);

/** The allocatable a node of this shape registers under these kubelet settings (never below zero). */
export function allocatableOf(shape: MachineShape, kubelet: KubeletReservations = {}): Allocatable {
  const formula = kubeReservedFor(shape.cpuMilli, shape.memoryMiB);
  const kubeCpu = kubelet.kubeReserved ? cpuOf(kubelet.kubeReserved) : formula.cpuMilli;
  const kubeMem = kubelet.kubeReserved ? memOf(kubelet.kubeReserved) : formula.memoryMiB;
  const evictionText = kubelet.evictionHard?.['memory.available'];
  const eviction =
    evictionText === undefined
      ? DEFAULT_EVICTION_MEMORY_MIB
      : evictionText.endsWith('%')
        ? (shape.memoryMiB * Number(evictionText.slice(0, -1))) / 100
        : (mebibytes(evictionText) ?? 0);
  return {
    cpuMilli: Math.max(0, shape.cpuMilli - kubeCpu - cpuOf(kubelet.systemReserved)),
    memoryMiB: Math.max(0, Math.floor(shape.memoryMiB - kubeMem - memOf(kubelet.systemReserved) - eviction)),
    gpus: shape.gpus ?? 0,
    pods: kubelet.maxPods ?? DEFAULT_MAX_PODS,
  };
}

const shellTiers = (tiers: readonly (readonly [number, number])[]): string =>
  tiers.map(([size, share]) => `${Number.isFinite(size) ? size : 0}:${Math.round(share * 100000)}`).join(' ');

/**
 * A bash function, `npo_kube_reserved CPU_MILLI MEMORY_MIB`, printing `<cpu>m <memory>Mi` by the same
 * tiers (integer arithmetic; shares in 1/100000). The bootstrap runs it with the node's own `nproc` and
 * `MemTotal` when the pool sets no `kubelet.kubeReserved`.
 */
export function kubeReservedShell(): string {
  return [
    'npo_tiered() {',
    '  local left=$1 out=0 tier size share part',
    '  for tier in $2; do',
    '    size=${tier%%:*} share=${tier##*:}',
    '    if [ "$size" -eq 0 ] || [ "$left" -lt "$size" ]; then part=$left; else part=$size; fi',
    '    out=$((out + part * share))',
    '    left=$((left - part))',
    '    [ "$left" -le 0 ] && break',
    '  done',
    '  echo $((out / 100000))',
    '}',
    'npo_kube_reserved() {',
    `  echo "$(npo_tiered "$1" '${shellTiers(CPU_TIERS)}')m $(npo_tiered "$2" '${shellTiers(MEMORY_TIERS)}')Mi"`,
    '}',
  ].join('\n');
}
