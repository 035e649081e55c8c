import type { z } from 'zod';
import { resourceName, type KubeClient, type ResourceRef } from '../kube/index.js';
import type { Logger } from '../log.js';
import type { Clock } from './clock.js';
import { Informer, type InformerOptions } from './informer.js';
import type { KeyedObject } from './keys.js';
import type { RuntimeMetrics } from './metrics.js';

/**
 * One informer per (kind, namespace, selector), shared by every controller that asks for it: one watch and
 * one cache per kind in the process. Later requests for the same informer may add indexers.
 */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<KeyedObject>>();
  private started = false;

  constructor(
    private readonly deps: {
      client: KubeClient;
      logger: Logger;
      clock?: Clock;
      metrics?: RuntimeMetrics;
      resyncPeriodMs?: number;
    },
  ) {}

  informer<T extends KeyedObject>(
    ref: ResourceRef,
    schema: z.ZodType<T>,
    opts: Omit<InformerOptions<T>, 'client' | 'ref' | 'schema' | 'logger' | 'clock' | 'metrics'> = {},
  ): Informer<T> {
    const key = `${resourceName(ref)}|${opts.namespace ?? ''}|${opts.labelSelector ?? ''}|${opts.fieldSelector ?? ''}`;
    const existing = this.informers.get(key) as Informer<T> | undefined;
    if (existing) {
      for (const [name, fn] of Object.entries(opts.indexers ?? {})) existing.addIndexer(name, fn);
      return existing;
    }
    const inf = new Informer<T>({
      resyncPeriodMs: this.deps.resyncPeriodMs ?? 0,
      ...opts,
      client: this.deps.client,
      ref,
      schema,
      logger: this.deps.logger,
      ...(this.deps.clock ? { clock: this.deps.clock } : {}),
      ...(this.deps.metrics ? { metrics: this.deps.metrics } : {}),
    });
    this.informers.set(key, inf as unknown as Informer<KeyedObject>);
    if (this.started) inf.start();
    return inf;
  }

  all(): Informer<KeyedObject>[] {
    return [...this.informers.values()];
  }

  start(): void {
    this.started = true;
    for (const i of this.informers.values()) i.start();
  }

  /** Names of informers that have not synced yet (empty when all have). */
  unsynced(): string[] {
    return this.all()
      .filter((i) => !i.hasSynced())
      .map((i) => i.name);
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((i) => i.stop()));
  }
}
