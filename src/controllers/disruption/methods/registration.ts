import { wasReady } from '../../node/health/health.js';
import type { Method, PoolView, Proposal } from '../types.js';

/**
 * Failed registration: an instance running in service whose Node never became Ready (no `was-ready` mark) for
 * `registrationTimeout` (its wait recorded in `status.registration`, so a restart does not start it over) is
 * removed by the Delete table and ESS launches a replacement; the Event names the instance and how far its
 * bootstrap got (its serial console, `story`). A Subscription instance, or one of the pool's `existingInstances`,
 * is never removed here: it is kept and reported once (by the registration health). Involuntary: a machine that
 * never joined serves nobody.
 */
export function registrationMethod(story: (instanceId: string) => Promise<string>): Method {
  return {
    name: 'registration',
    voluntary: false,
    enabled: () => true,
    async propose(view: PoolView): Promise<Proposal> {
      if (view.deleting) return { commands: [] };
      const timeout = view.pool.spec.registrationTimeout ?? '10m';
      const late = new Set(
        (view.status.registration?.waiting ?? []).filter((w) => w.late).map((w) => w.instanceId),
      );
      // a Node that was Ready once is never released here (repair's business): only machines that never joined;
      // the user's existingInstances are kept and reported, as Subscription ones
      const mine = new Set(view.pool.spec.existingInstances ?? []);
      const going = view.candidates.filter(
        (c) =>
          late.has(c.instanceId) &&
          !c.ready &&
          !wasReady(c.node) &&
          c.instance.chargeType !== 'PrePaid' &&
          !mine.has(c.instanceId) &&
          c.instance.lifecycleState === 'InService',
      );
      const commands = [];
      for (const c of going.sort((a, b) => a.instanceId.localeCompare(b.instanceId))) {
        commands.push({
          method: 'registration' as const,
          nodes: [{ instanceId: c.instanceId, node: c.node?.metadata.name }],
          replacementsFirst: false,
          reason: `instance ${c.instanceId} did not become a Ready node within ${timeout}; ${await story(c.instanceId)}`,
          voluntary: false,
          disposal: { kind: 'remove' as const, replace: true },
        });
      }
      return { commands };
    },
  };
}
