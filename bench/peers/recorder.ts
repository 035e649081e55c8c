// What the bench sees, on its one clock: every pod of the workload namespace and every Node (watches), the
// capacity requests a system reports (NodeClaims created, cloud scale-out calls), and the controller's process
// (/proc). Figures are computed from these by figures.ts.
import type { KubeClient, Node, Pod } from '../../src/kube/index.js';
import { NodeSchema, PodSchema, Resources } from '../../src/kube/index.js';
import type { Logger } from '../../src/log.js';
import { procOf } from '../process.js';
import { Informer } from '../../src/runtime/informer.js';
import { cpuM, memMiB } from './catalogue.js';
import type { NodeTimes, PodTimes, ProcessFigures } from './figures.js';
import { round } from './figures.js';

const t0 = performance.now();
/** Seconds since the bench started: the one clock of every timestamp. */
export const now = (): number => (performance.now() - t0) / 1000;

/** Peak RSS and mean CPU of a process between `begin()` and `end()` (RSS sampled every second as well). */
export class ProcessMeter {
  private start = { t: 0, cpuS: 0 };
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: number) {}

  async begin(): Promise<void> {
    const p = await procOf(this.pid);
    this.start = { t: now(), cpuS: p.cpuS };
    this.peak = p.rssMB;
    this.timer = setInterval(() => {
      procOf(this.pid).then(
        (q) => (this.peak = Math.max(this.peak, q.rssMB)),
        () => undefined,
      );
    }, 1000);
  }

  async end(): Promise<ProcessFigures> {
    clearInterval(this.timer);
    const p = await procOf(this.pid);
    const seconds = Math.max(0.001, now() - this.start.t);
    // VmHWM covers the peaks between samples (it is the process's peak since it started)
    return { peakRssMB: round(Math.max(this.peak, p.rssMB, p.hwmMB), 1), meanCpuCores: round((p.cpuS - this.start.cpuS) / seconds, 3) }; // prettier-ignore
  }
}

function requestsOf(p: Pod): { cpuM: number; memoryMiB: number } {
  let cpu = 0;
  let mem = 0;
  for (const c of p.spec?.containers ?? []) {
    cpu += cpuM(c.resources?.requests?.cpu ?? '0');
    mem += memMiB(c.resources?.requests?.memory ?? '0');
  }
  return { cpuM: cpu, memoryMiB: mem };
}

const isReady = (n: Node): boolean => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false; // prettier-ignore
const unschedulable = (p: Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable') ?? false; // prettier-ignore

export class Recorder {
  readonly pods = new Map<string, PodTimes>();
  readonly nodes = new Map<string, NodeTimes>();
  /** Capacity requests the system made (seconds on the bench's clock). */
  readonly requests: number[] = [];
  /** Machines the system asked for, one entry each (NodeClaims created, instances launched). */
  readonly machines: number[] = [];
  private readonly informers: [Informer<Pod>, Informer<Node>];

  constructor(client: KubeClient, namespace: string, log: Logger) {
    const pods = new Informer({ client, ref: Resources.pods, schema: PodSchema, logger: log, namespace });
    const nodes = new Informer({ client, ref: Resources.nodes, schema: NodeSchema, logger: log });
    pods.addEventHandler({ add: (p) => this.onPod(p), update: (_, p) => this.onPod(p), delete: (p) => this.onPodGone(p) }); // prettier-ignore
    nodes.addEventHandler({ add: (n) => this.onNode(n), update: (_, n) => this.onNode(n), delete: (n) => this.onNodeGone(n) }); // prettier-ignore
    this.informers = [pods, nodes];
  }

  async start(): Promise<void> {
    for (const i of this.informers) i.start();
    await Promise.all(this.informers.map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  request(at = now()): void {
    this.requests.push(at);
  }

  machine(at = now()): void {
    this.machines.push(at);
  }

  private onPod(p: Pod): void {
    const name = p.metadata.name;
    let rec = this.pods.get(name);
    if (!rec) this.pods.set(name, (rec = { seenAt: now(), ...requestsOf(p) }));
    if (rec.unschedulableAt === undefined && unschedulable(p)) rec.unschedulableAt = now();
    if (p.spec?.nodeName) rec.node = p.spec.nodeName;
    if (rec.runningAt === undefined && p.status?.phase === 'Running') rec.runningAt = now();
    if (p.metadata.deletionTimestamp && rec.deletedAt === undefined) rec.deletedAt = now();
  }

  private onPodGone(p: Pod): void {
    const rec = this.pods.get(p.metadata.name);
    if (rec && rec.deletedAt === undefined) rec.deletedAt = now();
  }

  private onNode(n: Node): void {
    const name = n.metadata.name;
    let rec = this.nodes.get(name);
    if (!rec) {
      const labels = n.metadata.labels ?? {};
      const a = n.status?.allocatable ?? {};
      rec = {
        seenAt: now(),
        type: labels['node.kubernetes.io/instance-type'] ?? 'unknown',
        zone: labels['topology.kubernetes.io/zone'] ?? 'unknown',
        cpuM: cpuM(a.cpu ?? '0'),
        memoryMiB: memMiB(a.memory ?? '0'),
      };
      this.nodes.set(name, rec);
    }
    if (rec.readyAt === undefined && isReady(n)) rec.readyAt = now();
    if (n.metadata.deletionTimestamp && rec.deletedAt === undefined) rec.deletedAt = now();
  }

  private onNodeGone(n: Node): void {
    const rec = this.nodes.get(n.metadata.name);
    if (rec && rec.deletedAt === undefined) rec.deletedAt = now();
  }

  /** Nodes alive now, by name. */
  liveNodes(): [string, NodeTimes][] {
    return [...this.nodes].filter(([, n]) => n.deletedAt === undefined);
  }

  /** The time of the last node change (added or removed). */
  lastNodeChange(): number {
    let t = 0;
    for (const n of this.nodes.values()) t = Math.max(t, n.seenAt, n.deletedAt ?? 0);
    return t;
  }
}
