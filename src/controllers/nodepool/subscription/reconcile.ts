import { randomUUID } from 'node:crypto';
import type { NodePool } from '../../../apis/v1beta1/index.js';
import { CloudError } from '../../../cloud/errors.js';
import { RETAINED_TAG } from '../../disruption/disposal.js';
import type { ScalingGroup } from '../../../cloud/types.js';
import type { PoolDeps, PoolReconcile } from '../context.js';
import { launchSpecOf } from '../launch.js';
import { activeMembers, joinMembers } from '../observe.js';
import { writeStatus } from '../status/write.js';

const nowIso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Subscription pools: ESS cannot create PrePaid instances, so the operator launches the missing ones with
 * RunInstances under a persisted `status.operation` (the ClientToken's seed) and attaches them once Running;
 * instances launched before a crash but not attached are found by their tags and attached.
 */
export async function reconcileSubscription(
  d: PoolDeps,
  r: PoolReconcile,
  group: ScalingGroup,
): Promise<void> {
  if (r.pool.spec.billing.chargeType !== 'Subscription') return;
  const active = activeMembers(joinMembers(r.instances, []));
  const s = r.pool.spec.scaling;
  const want =
    s.mode === 'Manual' ? (s.desiredSize ?? active.length) : Math.max(s.minSize ?? 0, active.length);
  const tagged = await d.cloud.findInstancesByTags({
    'nodepool.alicloud.dev/pool': r.name,
    'nodepool.alicloud.dev/cluster': d.cluster,
  });
  const inGroup = new Set(active.map((m) => m.instance.instanceId));
  // retained ones (detached on purpose: scale-in, a deleted Node) are not the pool's any more
  const retained = new Set((r.status.retainedInstances ?? []).map((x) => x.instanceId));
  const loose = tagged.filter(
    (i) =>
      !inGroup.has(i.instanceId) &&
      !retained.has(i.instanceId) &&
      i.tags[RETAINED_TAG] === undefined &&
      i.chargeType === 'PrePaid' &&
      i.status !== 'Deleted',
  );
  const running = loose.filter((i) => i.status === 'Running').map((i) => i.instanceId);
  if (running.length > 0) {
    await d.cloud.attachInstances(group.id, running, {
      operationId: `${r.uid}/attach/${[...running].sort().join(',')}`,
    });
    delete r.status.operation;
    r.progress.push(`attaching ${running.length} Subscription instance(s)`);
    return;
  }
  if (loose.length > 0) return void r.progress.push(`${loose.length} Subscription instance(s) starting`);
  const missing = want - active.length;
  if (missing <= 0) {
    if (r.status.operation?.action === 'LaunchSubscription') delete r.status.operation;
    return;
  }
  await launch(d, r, missing, active.length);
}

async function launch(d: PoolDeps, r: PoolReconcile, missing: number, active: number): Promise<void> {
  if (r.status.operation?.action !== 'LaunchSubscription') {
    r.status.operation = { id: randomUUID(), action: 'LaunchSubscription', startedAt: nowIso(d.clock.now()) };
    const written = await writeStatus(d.poolApi, d.kind.kind, r.obj, r.status);
    if (written) r.obj = written;
  }
  const op = r.status.operation;
  const sub =
    r.pool.spec.billing.chargeType === 'Subscription' ? r.pool.spec.billing.subscription : undefined;
  const vSwitchId = r.pool.spec.vSwitchIds[active % r.pool.spec.vSwitchIds.length]!;
  const { instanceTypes, ...rest } = launchSpecOf(r.pool as NodePool, {
    cluster: d.cluster,
    imageId: r.resolved!.imageId,
    userData: r.resolved!.userData,
    password: r.resolved!.password?.value,
  });
  let lastErr: unknown;
  for (const instanceType of instanceTypes) {
    try {
      const ids = await d.cloud.runInstances(
        {
          ...rest,
          instanceType,
          vSwitchId,
          amount: Math.min(missing, 100),
          chargeType: 'PrePaid',
          subscription: {
            period: sub?.period ?? 1,
            periodUnit: sub?.periodUnit ?? 'Month',
            autoRenew: sub?.autoRenew ?? false,
            autoRenewPeriod: sub?.autoRenewPeriod,
          },
        },
        { operationId: `${op.id}/${instanceType}` },
      );
      r.log.info({ action: 'launch-subscription', instances: ids }, 'launched Subscription instances');
      await d.events.normal(
        r.subject,
        'SubscriptionInstancesLaunched',
        'Scale',
        `launched ${ids.length} Subscription instance(s) (${instanceType}): ${ids.join(', ')}; they are attached to the scaling group once running`,
      );
      // the operation stays until they are seen (attached): a look that does not see them yet (lagging reads)
      // launches again with the same ClientToken, which the cloud answers with these same instances
      r.progress.push(`launched ${ids.length} Subscription instance(s)`);
      return;
    } catch (err) {
      lastErr = err;
      // The user data changed since this operation's first try (the ClientToken does not hash it: it holds the
      // rotating bootstrap token): whatever that try launched is found by its tags first (loose instances,
      // above) at the next look; this one starts anew.
      if (err instanceof CloudError && err.kind === 'IdempotencyMismatch') {
        delete r.status.operation;
        return void r.progress.push('the launch changed since it was first tried: launching anew');
      }
      if (!(err instanceof CloudError) || err.kind !== 'NoStock') throw err;
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
}

/** Subscription instances that do not renew themselves: a Warning Event from 7 days before they expire. */
export async function warnExpiry(d: PoolDeps, r: PoolReconcile): Promise<void> {
  const soon = d.clock.now() + 7 * 24 * 3600_000;
  // each instance's own renewal setting (it may differ from the pool's: set in the console, or attached)
  const expiring = activeMembers(joinMembers(r.instances, [])).filter(
    (m) =>
      m.instance.chargeType === 'PrePaid' &&
      m.instance.autoRenew !== true &&
      m.instance.expiredTime &&
      Date.parse(m.instance.expiredTime) < soon,
  );
  if (expiring.length === 0) return;
  // the recorder folds repeats into one Event's series, so a reconcile every 30 s does not flood
  await d.events.warning(
    r.subject,
    'SubscriptionExpiring',
    'Expire',
    `Subscription instance(s) that do not renew expire within 7 days: ${expiring.map((m) => `${m.instance.instanceId} (${m.instance.expiredTime})`).join(', ')}`,
  );
}
