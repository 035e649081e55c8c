import { Annotation } from '../../../apis/v1beta1/constants.js';
import type { Node } from '../../../kube/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';

type RNode = DeepReadonly<Node>;

/**
 * Conditions a node problem detector (or the kubelet's plugins) reports with status True when the machine is
 * broken in a way a restart or a new machine mends. The kubelet's own pressure conditions (MemoryPressure,
 * DiskPressure, PIDPressure) are not failures: the kubelet evicts pods to relieve them.
 */
export const FAILING_CONDITIONS: readonly string[] = [
  'KernelDeadlock',
  'ReadonlyFilesystem',
  'FrequentKubeletRestart',
  'FrequentContainerdRestart',
  'CorruptDockerOverlay2',
];

/** The Node is Ready (its Ready condition True). */
export function isReady(node: RNode | undefined): boolean {
  return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The operator saw the Node Ready once (annotation `was-ready`): it joined, whatever it is now. */
export function wasReady(node: RNode | undefined): boolean {
  return node?.metadata.annotations?.[Annotation.wasReady] !== undefined || isReady(node);
}

/** The Node's kubelet stopped posting status (Ready Unknown): nothing on it answers, pods cannot terminate. */
export function isUnreachable(node: RNode | undefined): boolean {
  const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'Unknown') return true;
  return node?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable') ?? false;
}

export interface Unhealth {
  /** Since when (ms): the condition's last transition (the operator's `now` when the API does not say). */
  since: number;
  /** What is wrong, in words (`Ready=Unknown (NodeStatusUnknown)`). */
  problem: string;
}

/**
 * Whether the Node is unhealthy, since when and why: Ready False or Unknown (or missing), or a failing condition
 * of FAILING_CONDITIONS True. The earliest such condition gives the time. Undefined when healthy.
 */
export function unhealthOf(node: RNode, now: number): Unhealth | undefined {
  const conditions = node.status?.conditions ?? [];
  const bad = conditions.filter((c) =>
    c.type === 'Ready' ? c.status !== 'True' : FAILING_CONDITIONS.includes(c.type) && c.status === 'True',
  );
  if (!conditions.some((c) => c.type === 'Ready')) return { since: now, problem: 'no Ready condition' };
  if (bad.length === 0) return undefined;
  const at = (t: string | undefined): number => {
    const ms = t ? Date.parse(t) : NaN;
    return Number.isNaN(ms) ? now : Math.min(ms, now);
  };
  const first = [...bad].sort((a, b) => at(a.lastTransitionTime) - at(b.lastTransitionTime))[0]!;
  const problem = bad.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ');
  return { since: at(first.lastTransitionTime), problem };
}

/** A reboot repair made (annotation `repair-reboot`), if any and readable. */
export function rebootOf(node: RNode | undefined): { at: number; unhealthySince: number } | undefined {
  const raw = node?.metadata.annotations?.[Annotation.repairReboot];
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as { at?: unknown; unhealthySince?: unknown };
    const at = typeof v.at === 'string' ? Date.parse(v.at) : NaN;
    const since = typeof v.unhealthySince === 'string' ? Date.parse(v.unhealthySince) : NaN;
    return Number.isNaN(at) || Number.isNaN(since) ? undefined : { at, unhealthySince: since };
  } catch {
    return undefined;
  }
}

/** The annotation value recording a reboot. */
export function rebootRecord(at: number, unhealthySince: number): string {
  return JSON.stringify({
    at: new Date(at).toISOString(),
    unhealthySince: new Date(unhealthySince).toISOString(),
  });
}
