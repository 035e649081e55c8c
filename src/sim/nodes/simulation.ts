import PQueue from 'p-queue';
import type { Logger } from '../../log.js';
import { SIM_KUBELET_ANNOTATION, type SimKubeletState } from '../../devstack/kwok-stages.js';
import type { LifecycleEvent, NodeFaultInput, Simulator } from '../cloud/index.js';
import { VERSIONS } from '../../devstack/versions.js';
import { bootInstance, type BootedNode } from './boot.js';
import type { NodeSoftware } from './register.js';

/** containerd of the images that do not say (what the bootstrap sandbox has installed). */
const DEFAULT_CONTAINERD = '1.7.20';
import { BootCache, type BootCacheStats } from './boot-cache.js';
import { kubeletAgent } from './kube-http.js';
import { KubeletStates } from './kubelet-state.js';
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
  /**
   * An admin kubeconfig (embedded certificates) for what the simulation itself writes: whether a machine's
   * kubelet is gone (instance stopped, failed or released: the Node goes NotReady/Unknown, kwok no longer keeps
   * it Ready; started again: Ready again). Without it Nodes follow no power changes (kwok keeps them Ready).
   */
  kubeconfig?: string;
  /**
   * Equal boot (the peer benchmark, bench/peers): every Node registers this long after its instance was launched
   * (the cloud's create), the fixed boot time kwok-based autoscalers are given, however long the boot itself
   * took — unless it took longer. Boots then wait outside the queue (only script runs take its slots).
   * Unset: a Node registers as soon as its boot is done.
   */
  registerAfterLaunchMs?: number;
}

/** When a boot may register and where its script runs (equal boot); empty: at once, in the caller's slot. */
interface BootTiming {
  registerAt?: number;
  scriptSlot?: <T>(run: () => Promise<T>) => Promise<T>;
}

export interface BootOutcome {
  instanceId: string;
  node?: BootedNode;
  error?: NodeBootError | Error;
}

/** A Node's kubelet state change the simulation made (SIM_KUBELET_ANNOTATION; `undefined`: kwok's kubelet). */
export interface KubeletChange {
  instanceId: string;
  nodeName: string;
  state: SimKubeletState | undefined;
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
  /** The system disk each boot ran from: a start on a new disk (ReplaceSystemDisk) is a first boot again. */
  private readonly bootDisks = new Map<string, string | undefined>();
  private readonly listeners = new Set<(o: BootOutcome) => void>();
  private readonly cache: BootCache | undefined;
  /** The TLS bootstrap's token requests share kept-alive connections (see bootInstance). */
  private readonly bootstrapAgent = kubeletAgent();
  private readonly booting = new Set<string>();
  /** Per instance: the kubelet-state sync in flight (they run one after another). */
  private readonly syncs = new Map<string, Promise<void>>();
  private readonly kubeletListeners = new Set<(c: KubeletChange) => void>();
  private kubelets: Promise<KubeletStates | undefined>;
  /** Equal boot: when each instance was launched, and the boots running outside the queue. */
  private readonly launchedAt = new Map<string, number>();
  private readonly unqueued = new Set<Promise<void>>();

  constructor(
    private readonly sim: Simulator,
    private readonly opts: NodeSimulationOptions,
  ) {
    this.queue = new PQueue({ concurrency: opts.concurrency ?? 2 });
    this.cache = opts.cacheBoots === false ? undefined : new BootCache();
    this.kubelets = opts.kubeconfig
      ? KubeletStates.fromKubeconfig(opts.kubeconfig)
      : Promise.resolve(undefined);
    this.kubelets.catch(() => undefined); // reported where it is awaited
  }

  /**
   * Injects a machine failure (the simulator keeps it: `sim.addNodeFault`, admin `POST /node-faults`):
   * `bootstrap-fails` or `never-ready`, for one instance or the next launches of a scaling group or tag.
   */
  injectFault(input: NodeFaultInput): ReturnType<Simulator['addNodeFault']> {
    return this.sim.addNodeFault(input);
  }

  /** Called after each kubelet state change the simulation wrote to a Node. */
  onKubeletChange(fn: (c: KubeletChange) => void): () => void {
    this.kubeletListeners.add(fn);
    return () => this.kubeletListeners.delete(fn);
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
    const id = e.instance.instanceId;
    if (!e.instance.userData) return; // a bare instance never joins: no Node to follow
    if (e.type === 'launched' && this.opts.registerAfterLaunchMs !== undefined)
      this.launchedAt.set(id, Date.now());
    // a re-imaged instance (ReplaceSystemDisk) boots its new disk as a first boot: cloud-init runs the user data
    // current at this start (ECS: "runs its user data again"; ModifyInstanceAttribute's user data runs only so)
    const disk = this.sim.cloud.instances.get(id)?.systemDisk.diskId;
    if (e.type === 'running' && this.booted.has(id) && this.bootDisks.get(id) !== disk)
      this.booted.delete(id);
    if (e.type === 'running' && !this.booted.has(id) && !this.booting.has(id)) this.boot(e);
    else if (e.type === 'running' || e.type === 'stopped' || e.type === 'failed' || e.type === 'released') {
      if (this.booting.has(id)) return; // a boot in progress syncs when it ends
      // started again (economical mode's restart): the kubelet registers its Node again if it is gone
      if (e.type === 'running')
        this.syncs.set(
          id,
          (this.syncs.get(id) ?? Promise.resolve()).then(() => this.reregister(id)),
        );
      this.syncKubelet(id);
    }
  }

  /**
   * What the instance's kubelet is now, from the cloud's view of the machine: gone when the instance is not
   * Running or stopped responding, `not-ready` with that fault, else kwok's.
   */
  private wantedKubelet(instanceId: string): SimKubeletState | undefined {
    const rec = this.sim.cloud.instances.get(instanceId);
    if (!rec || rec.status !== 'Running' || rec.failed) return 'stopped';
    return this.sim.nodeFaults.forInstance(instanceId)?.kind === 'never-ready' ? 'not-ready' : undefined;
  }

  /** A restarted machine's kubelet re-creates its Node when the Node object is gone (a 409 leaves it as it is). */
  private async reregister(instanceId: string): Promise<void> {
    const node = this.booted.get(instanceId)?.node;
    if (!node) return;
    try {
      await node.reregister();
    } catch (err) {
      this.opts.log.warn(
        {
          instance: instanceId,
          node: node.nodeName,
          action: 'reregister',
          err: err instanceof Error ? err.message : String(err),
        },
        'the node could not register again',
      );
    }
  }

  /** Brings the instance's Node (if it has one) to the kubelet state the machine is in; one sync at a time. */
  private syncKubelet(instanceId: string): void {
    const prev = this.syncs.get(instanceId) ?? Promise.resolve();
    const next = prev.then(async () => {
      const kubelets = await this.kubelets;
      if (!kubelets) return;
      const outcome = this.booted.get(instanceId);
      if (outcome?.error) return; // its bootstrap failed: it never registered
      const nodeName = outcome?.node?.nodeName ?? (await kubelets.nodeOf(instanceId));
      if (!nodeName) return;
      const state = this.wantedKubelet(instanceId);
      if (!(await kubelets.set(nodeName, state))) return;
      this.opts.log.info(
        { instance: instanceId, node: nodeName, action: 'kubelet', state: state ?? 'kwok' },
        'kubelet state',
      );
      for (const l of this.kubeletListeners) l({ instanceId, nodeName, state });
    });
    const tracked = next
      .catch((err: unknown) => {
        this.opts.log.warn(
          { instance: instanceId, action: 'kubelet', err: err instanceof Error ? err.message : String(err) },
          'kubelet state not written',
        );
      })
      .finally(() => {
        if (this.syncs.get(instanceId) === tracked) this.syncs.delete(instanceId);
      });
    this.syncs.set(instanceId, tracked);
  }

  /** What a node booted from the image reports in `status.nodeInfo` (versions the image carries, else defaults). */
  private softwareOf(regionId: string, imageId: string): NodeSoftware | undefined {
    const region = this.sim.world.regions.find((r) => r.regionId === regionId);
    const image = region?.images.find((x) => x.imageId === imageId);
    if (!image) return undefined;
    return {
      osImage: `${image.osNameEn}${image.imageVersion ? ` (${image.imageVersion})` : ''}`,
      kubeletVersion: image.kubeletVersion ?? VERSIONS.kubernetes,
      containerRuntimeVersion: `containerd://${image.containerdVersion ?? DEFAULT_CONTAINERD}`,
    };
  }

  private boot(e: LifecycleEvent): void {
    const i = e.instance;
    this.booting.add(i.instanceId);
    this.bootDisks.set(i.instanceId, this.sim.cloud.instances.get(i.instanceId)?.systemDisk.diskId);
    const fault = this.sim.nodeFaults.forInstance(i.instanceId);
    const type = this.sim.world.instanceTypes.find((t) => t.instanceType === i.instanceType);
    const record = this.sim.cloud.instances.get(i.instanceId);
    const dataDisks = record?.dataDisks.length ?? 0;
    const software = this.softwareOf(i.regionId, i.imageId);
    const disks = [
      { name: '/dev/vda', system: true },
      ...Array.from({ length: dataDisks }, (_, n) => ({ name: `/dev/vd${String.fromCharCode(98 + n)}` })),
    ];
    this.dispatch(i.instanceId, async (timing) => {
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
            ...(software ? { software } : {}),
            ...(this.opts.installed ? { installed: this.opts.installed } : {}),
            ...(this.opts.http ? { http: this.opts.http } : {}),
            ...(fault?.kind === 'bootstrap-fails' ? { fail: { [fault.command]: fault.exitCode } } : {}),
            ...(fault?.kind === 'never-ready'
              ? { annotations: { [SIM_KUBELET_ANNOTATION]: 'not-ready' satisfies SimKubeletState } }
              : {}),
            onConsole: (text) => {
              const rec = this.sim.cloud.instances.get(i.instanceId);
              if (rec) rec.consoleOutput = { text, updatedAt: this.sim.cloud.clock.now() };
            },
            ...(timing.registerAt === undefined ? {} : { registerAt: timing.registerAt }),
          },
          {
            apiServer: this.opts.apiServer,
            bootstrapAgent: this.bootstrapAgent,
            ...(timing.scriptSlot ? { scriptSlot: timing.scriptSlot } : {}),
          },
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
      this.booting.delete(i.instanceId);
      for (const l of this.listeners) l(outcome);
      // the machine may have stopped while it booted; a restarted simulation finds its Nodes stopped earlier
      if (outcome.node) this.syncKubelet(i.instanceId);
    });
  }

  /**
   * Runs a boot in the queue; with equal boot at once instead, only its script run queued and its registration
   * held until `registerAfterLaunchMs` after the launch.
   */
  private dispatch(instanceId: string, boot: (timing: BootTiming) => Promise<void>): void {
    const after = this.opts.registerAfterLaunchMs;
    const launched = this.launchedAt.get(instanceId) ?? Date.now();
    this.launchedAt.delete(instanceId);
    if (after === undefined) {
      void this.queue.add(() => boot({}));
      return;
    }
    const running = boot({ registerAt: launched + after, scriptSlot: (run) => this.queue.add(run) });
    this.unqueued.add(running);
    void running.finally(() => this.unqueued.delete(running));
  }

  /** Resolves when no boot is queued or running and no kubelet state is being written. */
  async idle(): Promise<void> {
    await this.queue.onIdle();
    while (this.unqueued.size) await Promise.all(this.unqueued);
    while (this.syncs.size) await Promise.all(this.syncs.values());
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.queue.clear();
    await this.queue.onIdle();
    this.bootstrapAgent.destroy();
    await Promise.all(this.syncs.values());
  }
}
