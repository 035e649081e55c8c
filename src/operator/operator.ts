import { cloudConfigured, createCloud } from '../cloud/index.js';
import { newControllers } from '../controllers/index.js';
import { newClusterJoinProvider } from '../controllers/join/index.js';
import { KubeClient, loadKubeConfig } from '../kube/index.js';
import { createLogger, type Logger } from '../log.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import type { Controller } from '../runtime/controller.js';
import { EventRecorder } from '../runtime/events.js';
import { InformerFactory } from '../runtime/informer-factory.js';
import { LeaderElector } from '../runtime/leaderelection.js';
import { startMemoryRelease } from '../runtime/memory.js';
import { RuntimeMetrics } from '../runtime/metrics.js';
import { serve, type HttpEndpoint } from './http.js';
import { redactedSettings, type Settings } from './settings.js';

/** The `reportingController` of the operator's Events. */
export const REPORTING_CONTROLLER = 'nodepool.alicloud.dev/operator';

/** Exit codes of `run`. */
export const EXIT = { ok: 0, failed: 1, lostLease: 2 } as const;

export interface OperatorHandle {
  /** Resolves with the exit code when the operator has stopped (after `stop()`, a lost lease or a failure). */
  readonly exited: Promise<number>;
  /** Graceful stop: intake stops, in-flight reconciles finish (up to the deadline), the lease is released. */
  stop(): Promise<number>;
  readonly healthPort: number | undefined;
  readonly metricsPort: number | undefined;
  readonly identity: string;
  isLeader(): boolean;
}

export interface OperatorOptions {
  logger?: Logger;
  clock?: Clock;
  /**
   * Called the instant the Lease is lost, after every write has been fenced off (`run` ends the process
   * within 2 s of it, whatever is still pending).
   */
  onLeaseLost?: () => void;
}

/** What the operator is made of: the API client, informers, Events, metrics, the cloud and the controllers. */
interface Parts {
  log: Logger;
  clock: Clock;
  metrics: RuntimeMetrics;
  fence: AbortController;
  client: KubeClient;
  informers: InformerFactory;
  controllers: Controller[];
}

function buildParts(settings: Settings, opts: OperatorOptions): Parts {
  const log =
    opts.logger ?? createLogger({ level: settings.logLevel, pretty: settings.logFormat === 'pretty' });
  const clock = opts.clock ?? systemClock;
  const metrics = new RuntimeMetrics({ processMetrics: true });
  // Fencing (src/runtime/fence.ts): the moment the Lease is lost, no cloud call and no API write starts.
  const fence = new AbortController();
  const client = new KubeClient(loadKubeConfig({ kubeconfig: settings.kubeconfig }), { fence: fence.signal });
  const informers = new InformerFactory({ client, logger: log, clock, metrics, resyncPeriodMs: 10 * 60_000 });
  const events = new EventRecorder({
    client,
    controller: REPORTING_CONTROLLER,
    instance: settings.identity,
    logger: log,
    clock,
  });
  log.info({ settings: redactedSettings(settings) }, 'starting');

  const cloud = cloudConfigured(settings)
    ? createCloud(settings, {
        log: log.child({ component: 'cloud' }),
        registry: metrics.registry,
        clock,
        fence: fence.signal,
      }).provider
    : undefined;
  if (!cloud)
    log.warn('no cloud configured (region and credentials): controllers that need the cloud stay off');
  // Managed joining needs the cluster's id (token ownership and tags); the API server defaults to the kubeconfig's.
  const join = settings.clusterId
    ? newClusterJoinProvider({ client, clock, logger: log, settings })
    : undefined;
  if (cloud && !join) log.warn('no cluster id (NODEPOOL_CLUSTER_ID): the NodePool controller stays off');
  const controllers: Controller[] = newControllers({
    client,
    informers,
    events,
    settings,
    logger: log,
    clock,
    metrics,
    identity: settings.identity,
    cloud,
    join,
  });
  return { log, clock, metrics, fence, client, informers, controllers };
}

/** `/healthz` and `/readyz` (every informer synced, not shutting down), and `/metrics`, where the settings say. */
async function serveEndpoints(
  settings: Settings,
  p: Parts,
  stopping: () => boolean,
): Promise<{ health?: HttpEndpoint | undefined; metrics?: HttpEndpoint | undefined }> {
  const health = settings.healthProbeBindAddress
    ? await serve(settings.healthProbeBindAddress, {
        '/healthz': async () => ({ status: 200, body: 'ok\n' }),
        '/readyz': async () => {
          const unsynced = p.informers.unsynced();
          if (stopping()) return { status: 503, body: 'shutting down\n' };
          return unsynced.length === 0
            ? { status: 200, body: 'ok\n' }
            : { status: 503, body: `caches not synced: ${unsynced.join(', ')}\n` };
        },
      })
    : undefined;
  try {
    const metrics = settings.metricsBindAddress
      ? await serve(settings.metricsBindAddress, {
          '/metrics': async () => {
            const m = await p.metrics.text();
            return { status: 200, body: m.body, contentType: m.contentType };
          },
        })
      : undefined;
    return { health, metrics };
  } catch (err) {
    await health?.close();
    throw err;
  }
}

function newElector(settings: Settings, p: Parts): LeaderElector | undefined {
  if (!settings.leaderElect) return undefined;
  return new LeaderElector({
    client: p.client,
    namespace: settings.leaderElectionNamespace,
    name: settings.leaderElectionId,
    identity: settings.identity,
    leaseDurationMs: settings.leaseDuration,
    renewDeadlineMs: settings.renewDeadline,
    retryPeriodMs: settings.retryPeriod,
    clock: p.clock,
    logger: p.log,
    metrics: p.metrics,
    fence: p.fence,
  });
}

/**
 * The controllers' run: they start once the Lease is held (at once without leader election) and run until
 * `holdStop` aborts, or the Lease is lost (then they are stopped at once: another replica may be reconciling).
 */
async function runControllers(
  settings: Settings,
  p: Parts,
  elector: LeaderElector | undefined,
  signals: { acquireStop: AbortSignal; holdStop: AbortSignal },
): Promise<number> {
  try {
    if (elector) {
      if (!(await elector.acquire(signals.acquireStop))) return EXIT.ok;
    } else {
      p.metrics.leaderStatus(settings.leaderElectionId, true);
    }
    for (const c of p.controllers) void c.start();
    if (!elector) {
      await new Promise<void>((resolve) =>
        signals.holdStop.addEventListener('abort', () => resolve(), { once: true }),
      );
      return EXIT.ok;
    }
    const outcome = await elector.hold(signals.holdStop);
    if (outcome === 'lost') {
      // another replica may already be reconciling: stop at once, do not wait for in-flight work
      await stopAll(p.controllers, 0);
      return EXIT.lostLease;
    }
    return EXIT.ok;
  } catch (err) {
    p.log.error({ err }, 'the operator failed');
    return EXIT.failed;
  }
}

async function stopAll(controllers: readonly Controller[], deadlineMs: number): Promise<void> {
  await Promise.all(controllers.map((c) => c.stop(deadlineMs)));
}

/**
 * Starts the informers (at once on every replica: a standby has warm caches) and the heap release; `cleanup`
 * stops them, closes the endpoints served and the API client.
 */
function startRunning(p: Parts): { endpoints: HttpEndpoint[]; cleanup: () => Promise<void> } {
  p.informers.start();
  // what bursts of reconciles grow V8's heap by is given back once they are over (memory.ts)
  const stopMemoryRelease = startMemoryRelease({
    clock: p.clock,
    onRelease: (slack) => p.log.debug({ slackMB: Math.round(slack / 1048576) }, 'released unused heap'),
  });
  const endpoints: HttpEndpoint[] = [];
  const cleanup = async (): Promise<void> => {
    stopMemoryRelease();
    await p.informers.stop();
    await Promise.all(endpoints.map((e) => e.close()));
    await p.client.close();
  };
  return { endpoints, cleanup };
}

/**
 * The manager: shared informers start at once on every replica (a standby has warm caches), `/healthz`,
 * `/readyz` (every informer synced) and `/metrics` are served, and the controllers run only while this replica
 * holds the Lease. Losing the lease stops the controllers and ends the operator with EXIT.lostLease.
 */
export async function startOperator(settings: Settings, opts: OperatorOptions = {}): Promise<OperatorHandle> {
  const p = buildParts(settings, opts);
  const { log } = p;
  const running = startRunning(p);
  let stopping = false;
  let served: Awaited<ReturnType<typeof serveEndpoints>>;
  try {
    served = await serveEndpoints(settings, p, () => stopping);
  } catch (err) {
    await running.cleanup();
    throw err;
  }
  const { health, metrics: metricsEndpoint } = served;
  for (const e of [health, metricsEndpoint]) if (e) running.endpoints.push(e);
  log.info({ healthPort: health?.port, metricsPort: metricsEndpoint?.port }, 'serving probes and metrics');

  // acquiring stops at once on shutdown; renewing goes on until the controllers have stopped, so the lease
  // never lapses while a reconcile is still finishing
  const acquireStop = new AbortController();
  const holdStop = new AbortController();
  const elector = newElector(settings, p);
  p.fence.signal.addEventListener('abort', () => opts.onLeaseLost?.(), { once: true });
  const exited = runControllers(settings, p, elector, {
    acquireStop: acquireStop.signal,
    holdStop: holdStop.signal,
  });

  let stopped: Promise<number> | undefined;
  const stop = (): Promise<number> => {
    stopped ??= (async () => {
      stopping = true;
      log.info({ deadlineMs: settings.gracefulShutdownTimeout }, 'shutting down');
      acquireStop.abort();
      await stopAll(p.controllers, settings.gracefulShutdownTimeout);
      holdStop.abort();
      const code = await exited;
      await elector?.release();
      await running.cleanup();
      log.info('stopped');
      return code;
    })();
    return stopped;
  };

  // a lost lease or a failure ends the operator by itself; after a lost lease nothing waits for the cleanup
  // (a connection to an API server it cannot reach would hold it): every write is fenced off already
  const done = exited.then(async (code) => {
    if (stopping) return code;
    if (code === EXIT.lostLease) {
      void stop();
      return code;
    }
    return stop().then(() => code);
  });

  return {
    exited: done,
    stop: async () => {
      await stop();
      return done;
    },
    healthPort: health?.port,
    metricsPort: metricsEndpoint?.port,
    identity: settings.identity,
    isLeader: () => elector?.isLeader ?? true,
  };
}
