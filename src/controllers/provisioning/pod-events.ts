import type { Pod } from '../../kube/index.js';
import type { EventRecorder } from '../../runtime/events.js';

/** How often the same verdict is told on one pod at most. */
export const POD_EVENT_INTERVAL_MS = 5 * 60_000;
/** Events written per batch at most (10,000 pending pods do not become 10,000 writes at once). */
export const POD_EVENTS_PER_BATCH = 200;

export interface PodEvent {
  pod: Pod;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * Pod Events with cluster-autoscaler's reasons, rate-limited: a pod hears the same verdict at most once per
 * interval, at most POD_EVENTS_PER_BATCH are written per batch, and they are written in the background (the
 * decision never waits for them).
 */
export class PodEvents {
  private readonly told = new Map<string, { message: string; at: number }>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly events: EventRecorder,
    private readonly now: () => number,
  ) {}

  tell(items: readonly PodEvent[]): void {
    const t = this.now();
    const due: PodEvent[] = [];
    for (const it of items) {
      if (due.length >= POD_EVENTS_PER_BATCH) break;
      const key = it.pod.metadata.uid ?? `${it.pod.metadata.namespace}/${it.pod.metadata.name}`;
      const prior = this.told.get(key);
      if (prior && prior.message === `${it.reason}:${it.message}` && t - prior.at < POD_EVENT_INTERVAL_MS)
        continue;
      this.told.set(key, { message: `${it.reason}:${it.message}`, at: t });
      due.push(it);
    }
    if (this.told.size > 50_000)
      for (const [k, v] of this.told) if (t - v.at > POD_EVENT_INTERVAL_MS) this.told.delete(k);
    if (due.length === 0) return;
    this.queue = this.queue.then(async () => {
      for (const it of due) {
        const subject = {
          apiVersion: 'v1',
          kind: 'Pod',
          name: it.pod.metadata.name,
          namespace: it.pod.metadata.namespace,
          uid: it.pod.metadata.uid,
        };
        await this.events.record(subject, it.type, it.reason, 'ScaleUp', it.message).catch(() => undefined);
      }
    });
  }

  /** Wait for the queued Events (tests, shutdown). */
  flush(): Promise<void> {
    return this.queue;
  }

  forget(key: string): void {
    this.told.delete(key);
  }
}
