import PQueue from 'p-queue';
import type { Logger } from '../../log.js';
import type { LifecycleEvent, Simulator } from '../cloud/index.js';
import { bootInstance, type BootedNode } from './boot.js';
import { BootCache, type BootCacheStats } from './boot-cache.js';
import { kubeletAgent } from './kube-http.js';
import { NodeBootError } from './node-config.js';

export interface NodeSimulationOptions {
  /** The API server nodes reach (loopback). */
  apiServer: string;
  log: Logger;
  /** Boots running at once (each is a sandboxed bash run; default 2, one per core). */
  concurrency?: number;
  /** What the images already have (default: containerd 1.7.20 and kubelet v1.34.4). */
  installed?: Partial<Record<'containerd' | 'kubelet' | 'nvidia-smi', string>>;
  /** Answers for URLs a boot fetches (an External pool's join script). */
  http?: Record<string, string>;
  /**
   * Replay a script's verified output for further instances of the same pool and placement instead of running
   * it again (see BootCache; default on). Off: every instance runs its user data in the sandbox.
   */
  cacheBoots?: boolean;
}

export interface BootOutcome {
  instanceId: string;
  node?: BootedNode;
  error?: NodeBootError | Error;
}

/**
 * The simulated machines: follows the simulator's instance lifecycle feed and boots every instance that
 * reaches Running from its real user data (see bootInstance). Instances without user data are left alone,
 * as a bare ECS instance would never join a cluster.
 */
export class NodeSimulation {
  private readonly queue: PQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly booted = new Map<string, BootOutcome>();
  private readonly listeners = new Set<(o: BootOutcome) => void>();
  private readonly cache: BootCache | undefined;
  /** The TLS bootstrap's token requests share kept-alive connections (see bootInstance). */
  private readonly bootstrapAgent = kubeletAgent();

  constructor(
    private readonly sim: Simulator,
    private readonly opts: NodeSimulationOptions,
  ) {
    this.queue = new PQueue({ concurrency: opts.concurrency ?? 2 });
    this.cache = opts.cacheBoots === false ? undefined : new BootCache();
  }

  start(): void {
    this.unsubscribe = this.sim.onLifecycle((e) => this.onEvent(e));
  }

  /** Outcomes so far, by instance id. */
  outcomes(): ReadonlyMap<string, BootOutcome> {
    return this.booted;
  }

  /** How many boots ran their script and how many replayed a verified template. */
  cacheStats(): BootCacheStats | undefined {
    return this.cache ? { ...this.cache.stats } : undefined;
  }

  onBoot(fn: (o: BootOutcome) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private onEvent(e: LifecycleEvent): void {
    if (e.type !== 'running' || !e.instance.userData || this.booted.has(e.instance.instanceId)) return;
    const i = e.instance;
    const type = this.sim.world.instanceTypes.find((t) => t.instanceType === i.instanceType);
    const record = this.sim.cloud.instances.get(i.instanceId);
    const dataDisks = record?.dataDisks.length ?? 0;
    const disks = [
      { name: '/dev/vda', system: true },
      ...Array.from({ length: dataDisks }, (_, n) => ({ name: `/dev/vd${String.fromCharCode(98 + n)}` })),
    ];
    void this.queue.add(async () => {
      const log = this.opts.log.child({ instance: i.instanceId });
      let outcome: BootOutcome;
      try {
        const node = await bootInstance(
          {
            metadata: {
              instanceId: i.instanceId,
              regionId: i.regionId,
              zoneId: i.zoneId,
              privateIp: i.privateIp,
              instanceType: i.instanceType,
            },
            userDataBase64: i.userData ?? '',
            resources: {
              cpu: type?.vcpu ?? 2,
              memoryMiB: Math.round((type?.memoryGiB ?? 4) * 1024),
              gpus: type?.gpuAmount ?? 0,
            },
            disks,
            ...(this.opts.installed ? { installed: this.opts.installed } : {}),
            ...(this.opts.http ? { http: this.opts.http } : {}),
            onConsole: (text) => {
              const rec = this.sim.cloud.instances.get(i.instanceId);
              if (rec) rec.consoleOutput = { text, updatedAt: this.sim.cloud.clock.now() };
            },
          },
          { apiServer: this.opts.apiServer, bootstrapAgent: this.bootstrapAgent },
          this.cache,
        );
        log.info({ node: node.nodeName, action: 'register' }, 'node registered');
        outcome = { instanceId: i.instanceId, node };
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        log.warn(
          {
            action: 'boot',
            err: error.message,
            step: err instanceof NodeBootError ? err.lastStep : undefined,
          },
          'node failed to join',
        );
        outcome = { instanceId: i.instanceId, error };
      }
      this.booted.set(i.instanceId, outcome);
      for (const l of this.listeners) l(outcome);
    });
  }

  /** Resolves when no boot is queued or running. */
  idle(): Promise<void> {
    return this.queue.onIdle();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.queue.clear();
    await this.queue.onIdle();
    this.bootstrapAgent.destroy();
  }
}
