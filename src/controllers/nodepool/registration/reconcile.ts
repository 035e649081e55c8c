import { Reason } from '../../../apis/v1beta1/index.js';
import { bootstrapProgress, describeBootstrap } from '../../../bootstrap/progress.js';
import { parseDuration } from '../../disruption/duration.js';
import type { PoolDeps, PoolReconcile } from '../context.js';
import { wasReady } from '../../node/health/health.js';
import type { Member } from '../observe.js';
import { planRegistration } from './health.js';

/** Why an instance did not register, from its serial console (what its bootstrap printed); read once. */
export function storyOf(d: PoolDeps): (instanceId: string) => Promise<string> {
  return (id) =>
    d.state.story(id, async () => {
      try {
        return describeBootstrap(bootstrapProgress(await d.cloud.consoleOutput(id)));
      } catch (err) {
        return `its console output could not be read (${err instanceof Error ? err.message : String(err)})`;
      }
    });
}

/**
 * Registration health — only instances whose Node never became Ready (`wasReady`): `status.registration` up
 * to date (`planRegistration`); for each instance that just went past `registrationTimeout`, its story is the
 * count's `last`; a Subscription one, or one of the pool's `existingInstances`, is reported once with a Warning
 * (it is kept). Removing the others is the `registration` disruption method's.
 */
export async function reconcileRegistration(
  d: PoolDeps,
  r: PoolReconcile,
  members: readonly Member[],
): Promise<void> {
  const timeoutText = r.pool.spec.registrationTimeout ?? '10m';
  const plan = planRegistration({
    prior: r.prior.registration,
    // a Node that was Ready once joined: NotReady now is repair's business, never a failed registration
    members: members.map((m) => ({
      instanceId: m.instance.instanceId,
      ready: m.ready || wasReady(m.node),
      running: m.instance.status === 'Running' && m.instance.lifecycleState === 'InService',
    })),
    now: d.clock.now(),
    timeoutMs: parseDuration(timeoutText),
    generation: r.generation ?? 0,
  });
  const story = storyOf(d);
  for (const id of plan.newlyLate) {
    const why = await story(id);
    plan.status.last = `${id}: ${why}`;
    d.logger.warn({ pool: r.name, instance: id, action: 'registration', why }, 'instance did not register');
    const m = members.find((x) => x.instance.instanceId === id);
    if (m?.instance.chargeType === 'PrePaid') {
      await d.events.warning(
        r.subject,
        Reason.RegistrationFailed,
        'Replace',
        `instance ${id} did not become a Ready node within ${timeoutText}; ${why}: kept (Subscription instances are never released): see the instance, or delete its Node to detach it`,
      );
    } else if (r.pool.spec.existingInstances?.includes(id)) {
      await d.events.warning(
        r.subject,
        Reason.RegistrationFailed,
        'Replace',
        `existing instance ${id} did not become a Ready node within ${timeoutText}; ${why}: kept (the pool's existingInstances are never removed for this): see the instance`,
      );
    }
  }
  if (plan.waiting.length > 0)
    r.progress.push(`${plan.waiting.length} instance(s) running, waiting for their nodes to register`);
  if (Object.keys(plan.status).length > 0) r.status.registration = plan.status;
  else delete r.status.registration;
}
