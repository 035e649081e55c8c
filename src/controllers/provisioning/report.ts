import type { ElasticityLaunch } from '../../apis/v1beta1/index.js';
import type { InFlight } from './inflight.js';
import type { PlannedNode, PoolReason } from './scheduling/index.js';

const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');

/** `status.automation.elasticity` of a pool: enabled, the last scale-out, what it waits for, the launches in flight. */
export function elasticityStatus(o: {
  records: readonly ElasticityLaunch[];
  lastAction: { time: string; action: string; nodes: string[]; message: string } | undefined;
  flight: InFlight | undefined;
  blocked: string | undefined;
  now: number;
}): Record<string, unknown> {
  const ids = o.records.flatMap((r) => r.instanceIds ?? []);
  const waiting = o.records.reduce((a, r) => a + r.count, 0);
  const next = o.blocked
    ? { action: 'ScaleOut', notBefore: iso(o.now), blockedBy: o.blocked }
    : waiting > 0
      ? { action: 'AwaitNodesReady', notBefore: iso(o.now), nodes: ids.slice(0, 100), blockedBy: `${waiting} launched node(s) not Ready yet${o.flight && o.flight.toAttach.length > 0 ? '; attaching to the scaling group' : ''}` } // prettier-ignore
      : null;
  return {
    enabled: true,
    ...(o.lastAction ? { lastAction: o.lastAction } : {}),
    next,
    inFlight: o.records.map((r) => ({ ...r })),
  };
}

/** cluster-autoscaler's TriggeredScaleUp, with the pool, count and type. */
export function triggeredMessage(n: PlannedNode, count: number): string {
  return `pod triggered scale-up: pool ${n.pool} +${count} node(s) of ${n.instanceType} in ${n.zoneId}`;
}

/** cluster-autoscaler's NotTriggerScaleUp, with each pool's reason. */
export function notTriggeredMessage(reasons: readonly PoolReason[]): string {
  if (reasons.length === 0) return 'pod did not trigger scale-up: no Auto pool (NodePool scaling.mode Auto, or ManagedNodePool) exists'; // prettier-ignore
  const text = reasons.map((r) => `pool ${r.pool}: ${r.reason}`).join('; ');
  return `pod did not trigger scale-up: ${text}`.slice(0, 1024);
}
