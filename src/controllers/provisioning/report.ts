import type { ElasticityLaunch, ElasticityStatus } from '../../apis/v1beta1/index.js';
import type { InFlight } from './inflight.js';
import type { PlannedNode, PoolReason } from './scheduling/index.js';

const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * `status.automation.elasticity` of a pool (API.md's automation shape): enabled, the last scale-out, what it
 * does next and what holds it (`blockedBy` kinds: `PoolNotReady` — no Active scaling group yet; `NodesNotReady` —
 * launched nodes not Ready yet), and the launch records in flight.
 */
export function elasticityStatus(o: {
  records: readonly ElasticityLaunch[];
  lastAction: { time: string; action: string; nodes: string[]; message: string } | undefined;
  flight: InFlight | undefined;
  blocked: string | undefined;
  now: number;
}): ElasticityStatus {
  const ids = o.records.flatMap((r) => r.instanceIds ?? []);
  const waiting = o.records.reduce((a, r) => a + r.count, 0);
  const attaching =
    o.flight !== undefined && o.flight.toAttach.length > 0 ? '; attaching them to the scaling group' : '';
  const next: ElasticityStatus['next'] = o.blocked
    ? { action: 'ScaleOut', notBefore: iso(o.now), blockedBy: [{ kind: 'PoolNotReady', message: o.blocked }] }
    : waiting > 0
      ? {
          action: 'AwaitNodesReady',
          notBefore: iso(o.now),
          nodes: ids.slice(0, 50),
          blockedBy: [
            { kind: 'NodesNotReady', message: `${waiting} launched node(s) not Ready yet${attaching}` },
          ],
        }
      : undefined;
  return {
    enabled: true,
    ...(o.lastAction ? { lastAction: { ...o.lastAction, nodes: o.lastAction.nodes.slice(0, 50) } } : {}),
    ...(next ? { next } : {}),
    inFlight: o.records.map((r) => ({ ...r })),
  };
}

/** cluster-autoscaler's TriggeredScaleUp, with the pool, count and type. */
export function triggeredMessage(n: PlannedNode, count: number, onDemandFallback = false): string {
  const how = onDemandFallback ? ' pay-as-you-go (no spot instance available)' : '';
  return `pod triggered scale-up: pool ${n.pool} +${count} node(s) of ${n.instanceType} in ${n.zoneId}${how}`;
}

/** TriggeredScaleUp for a pod placed on a Stopped member of an economical pool, started again for it. */
export function restartedMessage(pool: string, node: string): string {
  return `pod triggered scale-up: pool ${pool} starts its stopped node ${node} again (economical mode)`;
}

/** cluster-autoscaler's NotTriggerScaleUp, with each pool's reason. */
export function notTriggeredMessage(reasons: readonly PoolReason[]): string {
  if (reasons.length === 0)
    return 'pod did not trigger scale-up: no Auto pool (NodePool scaling.mode Auto, or ManagedNodePool) exists';
  const text = reasons.map((r) => `pool ${r.pool}: ${r.reason}`).join('; ');
  return `pod did not trigger scale-up: ${text}`.slice(0, 1024);
}
