import type { Pod } from '../../kube/index.js';
import type { Clock } from '../../runtime/clock.js';
import type { ProvisioningMetrics } from './metrics.js';

/**
 * A pod decided before (counted on a node launched for it) that is pending again — the scheduler gave that room
 * to other pods as the nodes became Ready one by one — is planned again only once no launched node is still
 * booting (the scheduler has then placed all it could), or after this long: re-planning while nodes boot chases
 * the scheduler's placements and launches far more than the deficit.
 */
export const REPLAN_HOLD_MS = 120_000;

const keyOf = (p: Pod): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

/**
 * The pending pods' decision clock: when the operator first saw each pod unschedulable (the decision-latency
 * histogram runs from there to the scale-out call made for it) and when each was first decided (held from
 * re-plans while nodes boot, `REPLAN_HOLD_MS`). Monotonic milliseconds, by pod UID.
 */
export class PendingPods {
  private readonly firstSeen = new Map<string, number>();
  private readonly decidedAt = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly metrics: ProvisioningMetrics,
    private readonly podByKey: (key: string) => Pod | undefined,
  ) {}

  /** A pod was added or changed: true when it is newly pending (a batch should open). */
  seen(p: Pod, pending: boolean): boolean {
    if (!pending) {
      this.forget(p);
      return false;
    }
    const uid = p.metadata.uid ?? keyOf(p);
    if (this.firstSeen.has(uid)) return false;
    this.firstSeen.set(uid, this.clock.monotonic());
    return true;
  }

  forget(p: Pod): void {
    this.firstSeen.delete(p.metadata.uid ?? '');
    this.decidedAt.delete(p.metadata.uid ?? '');
  }

  /** The pending pods held from a re-plan now (decided less than REPLAN_HOLD_MS ago while nodes boot), by key. */
  held(pending: readonly Pod[], booting: boolean): Set<string> {
    const now = this.clock.monotonic();
    const isHeld = (p: Pod): boolean => {
      const at = this.decidedAt.get(p.metadata.uid ?? '');
      return booting && at !== undefined && now - at < REPLAN_HOLD_MS;
    };
    return new Set(pending.filter(isHeld).map(keyOf));
  }

  /**
   * The decision latency of a pod's first decision (a launch for it, or its place on a node launched before);
   * a pod decided before and launched for again — the scheduler gave the room counted for it to other pods —
   * is counted as re-planned instead.
   */
  decided(podKey: string, now: number, launch = false): void {
    const uid = this.podByKey(podKey)?.metadata.uid ?? podKey;
    const seen = this.firstSeen.get(uid);
    if (!this.decidedAt.has(uid)) this.decidedAt.set(uid, now);
    if (seen !== undefined && seen < 0 && launch) this.metrics.replanned.inc();
    if (seen === undefined || seen < 0) return;
    this.metrics.decision.observe(Math.max(0, now - seen) / 1000);
    this.firstSeen.set(uid, -1); // observed once
  }
}
