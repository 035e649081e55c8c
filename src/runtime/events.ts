import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, ObjectMetaSchema, Resources, TypedResource, type KubeClient } from '../kube/index.js';
import type { Logger } from '../log.js';
import { microTime } from './leaderelection.js';
import { systemClock, type Clock } from './clock.js';

/** The object an Event is about. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

export const EventSchema = z.object({
  metadata: ObjectMetaSchema,
  reason: z.string().optional(),
  note: z.string().optional(),
  type: z.string().optional(),
  action: z.string().optional(),
  reportingController: z.string().optional(),
  series: z.object({ count: z.number(), lastObservedTime: z.string() }).optional(),
  regarding: z
    .object({ kind: z.string().optional(), name: z.string().optional(), namespace: z.string().optional() })
    .optional(),
});

export interface EventRecorderOptions {
  client: KubeClient;
  /** `reportingController` of every Event. */
  controller: string;
  /** `reportingInstance`: this replica. */
  instance: string;
  logger: Logger;
  clock?: Clock;
  /** A repeat within this window updates the first Event's series instead of creating one (default 10 min). */
  dedupeWindowMs?: number;
  newName?: (subject: EventSubject) => string;
}

/**
 * Records events.k8s.io/v1 Events. A repeat of the same (object, type, reason, action, note) within the dedupe
 * window does not create another Event: it bumps `series.count` and `series.lastObservedTime` of the first one.
 * Recording never throws: an Event is best effort, and failures are logged.
 */
export class EventRecorder {
  private readonly events: TypedResource<typeof EventSchema>;
  private readonly clock: Clock;
  private readonly seen = new Map<string, { name: string; namespace: string; count: number; at: number }>();

  constructor(private readonly opts: EventRecorderOptions) {
    this.events = new TypedResource(opts.client, Resources.events, EventSchema);
    this.clock = opts.clock ?? systemClock;
  }

  normal(subject: EventSubject, reason: string, action: string, note: string): Promise<void> {
    return this.record(subject, 'Normal', reason, action, note);
  }

  warning(subject: EventSubject, reason: string, action: string, note: string): Promise<void> {
    return this.record(subject, 'Warning', reason, action, note);
  }

  async record(
    subject: EventSubject,
    type: 'Normal' | 'Warning',
    reason: string,
    action: string,
    note: string,
  ): Promise<void> {
    // prettier-ignore
    const key = JSON.stringify([subject.uid ?? '', subject.kind, subject.namespace ?? '', subject.name, type, reason, action, note]);
    const now = this.clock.now();
    const window = this.opts.dedupeWindowMs ?? 600_000;
    const prior = this.seen.get(key);
    try {
      if (prior && this.clock.monotonic() - prior.at < window) {
        prior.count++;
        try {
          await this.events.mergePatch(
            prior.name,
            { series: { count: prior.count, lastObservedTime: microTime(now) } },
            { namespace: prior.namespace },
          );
          return;
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          this.seen.delete(key); // the Event expired (TTL): start a new one
        }
      }
      const namespace = subject.namespace ?? 'default';
      const name = this.opts.newName?.(subject) ?? `${subject.name}.${randomBytes(8).toString('hex')}`;
      await this.events.create(
        {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name, namespace },
          eventTime: microTime(now),
          reportingController: this.opts.controller,
          reportingInstance: this.opts.instance.slice(0, 128),
          action,
          reason,
          type,
          note: note.slice(0, 1024),
          regarding: {
            apiVersion: subject.apiVersion,
            kind: subject.kind,
            name: subject.name,
            namespace: subject.namespace,
            uid: subject.uid,
          },
        },
        namespace,
      );
      this.seen.delete(key);
      this.seen.set(key, { name, namespace, count: 1, at: this.clock.monotonic() });
      if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value!);
    } catch (err) {
      this.opts.logger.warn(
        { err: err instanceof Error ? err.message : String(err), reason, object: subject.name },
        'could not record an event',
      );
    }
  }
}
