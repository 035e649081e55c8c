import { Annotation } from '../../apis/v1beta1/constants.js';
import {
  ConflictError,
  KubeApiError,
  NodeSchema,
  NotFoundError,
  PodSchema,
  Resources,
  TooManyRequestsError,
  TypedResource,
  evictPod,
  type KubeClient,
  type Node,
  type Pod,
} from '../../kube/index.js';
import type { Logger } from '../../log.js';
import type { Clock } from '../../runtime/clock.js';
import type { EventRecorder, EventSubject } from '../../runtime/events.js';
import type { DrainMetrics } from './metrics.js';
import { isUnreachable } from '../node/health/health.js';
import { doNotDisruptBy, podDisposition } from './pods.js';

/** Event reasons of a drain. */
export const DrainEvent = {
  /** Normal, on the Node and the pool: the operator cordoned the Node and started evicting its pods. */
  Draining: 'Draining',
  /** Warning, on the Node and the pool: the drain is past drainTimeout; the note names the pods and why. */
  DrainBlocked: 'DrainBlocked',
  /** Normal, on the Node and the pool: every pod that had to go is gone. */
  Drained: 'Drained',
  /** Warning, on the Node and the pool: terminating pods of an unreachable Node being released were deleted. */
  PodsForceDeleted: 'PodsForceDeleted',
} as const;

export interface PodRef {
  namespace: string;
  name: string;
}

/**
 * Why a pod is still on the Node: a PodDisruptionBudget refused its eviction (429), it is annotated
 * do-not-disrupt (never evicted), it is terminating (evicted or deleted, waiting for it to go), or its eviction
 * failed otherwise (the message says how).
 */
export type BlockReason = 'PodDisruptionBudget' | 'DoNotDisrupt' | 'Terminating' | 'EvictionFailed';

export interface DrainBlocker {
  pod: PodRef;
  reason: BlockReason;
  message: string;
  /** The budget's name when the API server named it. */
  pdb?: string;
}

interface StepBase {
  node: string;
  /** When the drain started (the Node's drain-started annotation). */
  startedAt: string;
  /** Pods whose eviction this step requested. */
  evicted: PodRef[];
  /** Finished pods this step deleted. */
  deleted: PodRef[];
  /** Terminating pods of an unreachable Node this step deleted with grace 0 (`abandonUnreachable`). */
  forced?: PodRef[];
}

export type DrainResult =
  | (StepBase & { state: 'done' })
  | (StepBase & {
      state: 'waiting';
      /** Every pod still to go and why, including ones evicted this step (Terminating). */
      blockers: DrainBlocker[];
      /** When to call drainStep again. */
      retryAfterMs: number;
      elapsedMs: number;
      /** The drain has taken longer than drainTimeout: it is reported blocked (and keeps waiting). */
      pastTimeout: boolean;
    })
  | { state: 'gone'; node: string };

export interface DrainerDeps {
  client: KubeClient;
  clock: Clock;
  logger: Logger;
  /** Events on the Node and the pool; without it the drain only logs. */
  events?: EventRecorder | undefined;
  /** Eviction and drain counters; optional. */
  metrics?: DrainMetrics | undefined;
}

export interface DrainRequest {
  node: string;
  /** The pool's name (logs). */
  pool: string;
  /** The pool object, to put the Events on it too. */
  poolRef?: EventSubject | undefined;
  /** After this long since the drain started, the result is `pastTimeout` with a DrainBlocked Warning. */
  drainTimeoutMs: number;
  /**
   * The Node's machine is being released (the caller says so): when the Node is unreachable (Ready Unknown, or
   * the `node.kubernetes.io/unreachable` taint), its pods that are terminating past their deletion grace are
   * deleted with grace 0 — their kubelet is gone and will never confirm it, so the drain could never end. Only
   * then: never for a reachable Node, a pod still within its grace, or a machine that is kept.
   */
  abandonUnreachable?: boolean | undefined;
}

/** What one drain step did and what still blocks it. */
interface StepActions {
  evicted: PodRef[];
  deleted: PodRef[];
  blockers: DrainBlocker[];
}

/** The pods that still have to leave the Node: not ignored, and not force-deleted by this step. */
function podsToMove(items: readonly Pod[], forced: readonly PodRef[]): Pod[] {
  return items.filter(
    (p) =>
      podDisposition(p) !== 'ignore' &&
      !forced.some((f) => f.name === p.metadata.name && f.namespace === (p.metadata.namespace ?? 'default')),
  );
}

/** Every pod still to go, sorted: the blockers, and the pods this step evicted or deleted (now terminating). */
function blockersAfter(step: StepActions): DrainBlocker[] {
  const blockers = [...step.blockers];
  for (const ref of [...step.evicted, ...step.deleted])
    blockers.push({
      pod: ref,
      reason: 'Terminating',
      message: step.evicted.includes(ref) ? 'evicted' : 'deleted (finished)',
    });
  return blockers.sort((a, b) =>
    `${a.pod.namespace}/${a.pod.name}`.localeCompare(`${b.pod.namespace}/${b.pod.name}`),
  );
}

/** Retry hints (ms) by what the drain waits for. */
const RETRY = {
  afterAction: 1_000,
  terminating: 2_000,
  pdb: 5_000,
  failed: 5_000,
  protected: 30_000,
} as const;

/** How often (ms) the DrainBlocked Warning of one drain is repeated at most. */
const BLOCKED_EVENT_INTERVAL = 60_000;

/**
 * Drains Nodes as a level-triggered step function: `drainStep` does what can be done now (cordon, evict, delete
 * finished pods) and says whether the Node is drained or what it waits for; the controller calls it on every
 * reconcile and requeues after `retryAfterMs`. Nothing sleeps inside. The drain's start is recorded on the Node
 * (`nodepool.alicloud.dev/drain-started`), so an operator restart continues the same drain and its timeout.
 * Protected pods (do-not-disrupt, or a PodDisruptionBudget refusing) are never deleted, even past the timeout.
 */
export class Drainer {
  private readonly nodes: TypedResource<typeof NodeSchema>;
  private readonly pods: TypedResource<typeof PodSchema>;
  private readonly lastBlockedEvent = new Map<string, number>();
  private readonly reportedDrained = new Set<string>();

  constructor(private readonly deps: DrainerDeps) {
    this.nodes = new TypedResource(deps.client, Resources.nodes, NodeSchema);
    this.pods = new TypedResource(deps.client, Resources.pods, PodSchema);
  }

  /** One step of draining `req.node`: cordon it (once), then evict or delete what still has to go. */
  async drainStep(req: DrainRequest): Promise<DrainResult> {
    const log = this.deps.logger.child({ pool: req.pool, node: req.node });
    const started = await this.cordon(req, log);
    if (!started) return { state: 'gone', node: req.node };
    const { node, startedAt, fresh } = started;

    const { items } = await this.pods.list({ fieldSelector: `spec.nodeName=${req.node}` });
    const unreachable = req.abandonUnreachable === true && isUnreachable(node);
    const forced = unreachable ? await this.forceDeletePastGrace(items, req, node, log) : [];
    const todo = podsToMove(items, forced);
    if (fresh) {
      this.deps.metrics?.drain(req.pool, 'started');
      await this.event(
        node,
        req,
        'Normal',
        DrainEvent.Draining,
        `cordoned node ${req.node} and draining it: ${todo.length} pod(s) to move`,
      );
    }
    const step: StepActions = { evicted: [], deleted: [], blockers: [] };
    await Promise.all(todo.map((pod) => this.movePod(pod, req, log, step)));

    const { evicted, deleted } = step;
    const base = { node: req.node, startedAt, evicted, deleted, ...(forced.length > 0 ? { forced } : {}) };
    if (todo.length === 0) {
      await this.reportDrained(node, req, startedAt, log);
      return { ...base, state: 'done' };
    }
    const blockers = blockersAfter(step);
    const elapsedMs = Math.max(0, this.deps.clock.now() - Date.parse(startedAt));
    const pastTimeout = elapsedMs >= req.drainTimeoutMs;
    if (pastTimeout) await this.reportBlocked(node, req, blockers, elapsedMs, log);
    return {
      ...base,
      state: 'waiting',
      blockers,
      retryAfterMs: retryAfter(blockers, evicted.length + deleted.length > 0),
      elapsedMs,
      pastTimeout,
    };
  }

  /** What one pod of the draining Node needs now, by its disposition; what was done or blocks goes in `step`. */
  private async movePod(pod: Pod, req: DrainRequest, log: Logger, step: StepActions): Promise<void> {
    const ref = refOf(pod);
    switch (podDisposition(pod)) {
      case 'terminating':
        step.blockers.push({ pod: ref, reason: 'Terminating', message: 'terminating' });
        return;
      case 'protected':
        step.blockers.push({
          pod: ref,
          reason: 'DoNotDisrupt',
          message: `annotated ${doNotDisruptBy(pod) ?? Annotation.doNotDisrupt}: never evicted`,
        });
        return;
      case 'delete':
        if (await this.deleteFinished(pod)) {
          step.deleted.push(ref);
          this.deps.metrics?.eviction(req.pool, 'finished_deleted');
          log.info(
            { action: 'delete-finished-pod', pod: `${ref.namespace}/${ref.name}` },
            'deleted a finished pod of a draining node',
          );
        }
        return;
      case 'evict':
        return this.evictForDrain(pod, ref, req, log, step);
      case 'ignore':
        return;
    }
  }

  private async evictForDrain(
    pod: Pod,
    ref: PodRef,
    req: DrainRequest,
    log: Logger,
    step: StepActions,
  ): Promise<void> {
    const outcome = await this.evict(pod);
    if (outcome === 'evicted') {
      step.evicted.push(ref);
      this.deps.metrics?.eviction(req.pool, 'evicted');
      log.info({ action: 'evict', pod: `${ref.namespace}/${ref.name}` }, 'evicted a pod of a draining node');
    } else if (outcome !== 'gone') {
      step.blockers.push({ pod: ref, ...outcome });
      this.deps.metrics?.eviction(
        req.pool,
        outcome.reason === 'PodDisruptionBudget' ? 'pdb_blocked' : 'failed',
      );
      log.info(
        {
          action: 'evict-blocked',
          pod: `${ref.namespace}/${ref.name}`,
          reason: outcome.reason,
          message: outcome.message,
        },
        'an eviction was refused',
      );
    }
  }

  /** The Drained log line, metric and Event: once per drain (node and start time). */
  private async reportDrained(node: Node, req: DrainRequest, startedAt: string, log: Logger): Promise<void> {
    const key = `${req.node}@${startedAt}`;
    if (this.reportedDrained.has(key)) return;
    this.reportedDrained.add(key);
    if (this.reportedDrained.size > 4096)
      this.reportedDrained.delete(this.reportedDrained.values().next().value!);
    log.info({ action: 'drained' }, 'the node is drained');
    this.deps.metrics?.drain(req.pool, 'done');
    await this.event(node, req, 'Normal', DrainEvent.Drained, `node ${req.node} is drained`);
  }

  /**
   * Abort a drain: remove the drain annotations and, only when the operator cordoned the Node, un-cordon it
   * (a Node someone else cordoned stays cordoned). Returns false when there was nothing to undo.
   */
  async cancelDrain(nodeName: string, opts: { pool: string }): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      let node: Node;
      try {
        node = await this.nodes.get(nodeName);
      } catch (err) {
        if (err instanceof NotFoundError) return false;
        throw err;
      }
      const a = node.metadata.annotations ?? {};
      const ours = a[Annotation.cordoned] === 'true';
      if (!ours && a[Annotation.drainStarted] === undefined) return false;
      try {
        await this.nodes.mergePatch(nodeName, {
          metadata: {
            resourceVersion: node.metadata.resourceVersion,
            annotations: { [Annotation.cordoned]: null, [Annotation.drainStarted]: null },
          },
          ...(ours ? { spec: { unschedulable: false } } : {}),
        });
        this.deps.logger.info(
          { pool: opts.pool, node: nodeName, action: 'cancel-drain', uncordoned: ours },
          'cancelled a drain',
        );
        return true;
      } catch (err) {
        if (err instanceof NotFoundError) return false;
        if (!(err instanceof ConflictError) || attempt >= 5) throw err;
      }
    }
  }

  /**
   * Cordon the Node and record the drain's start, unless done already (then re-cordon if someone un-cordoned
   * it meanwhile). `fresh` is true on the step that started the drain. Undefined when the Node is gone.
   */
  private async cordon(
    req: DrainRequest,
    log: Logger,
  ): Promise<{ node: Node; startedAt: string; fresh: boolean } | undefined> {
    for (let attempt = 1; ; attempt++) {
      let node: Node;
      try {
        node = await this.nodes.get(req.node);
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
      const a = node.metadata.annotations ?? {};
      const recorded = a[Annotation.drainStarted];
      const started = recorded !== undefined && !Number.isNaN(Date.parse(recorded)) ? recorded : undefined;
      const unschedulable = node.spec?.unschedulable === true;
      if (started && unschedulable) return { node, startedAt: started, fresh: false };
      const startedAt = started ?? new Date(this.deps.clock.now()).toISOString();
      const annotations: Record<string, string> = { [Annotation.drainStarted]: startedAt };
      // mark the cordon as ours only when we set it: an abort then un-cordons only what we cordoned
      if (!unschedulable) annotations[Annotation.cordoned] = 'true';
      try {
        const updated = await this.nodes.mergePatch(req.node, {
          metadata: { resourceVersion: node.metadata.resourceVersion, annotations },
          spec: { unschedulable: true },
        });
        log.info(
          { action: 'cordon', startedAt, alreadyCordoned: unschedulable },
          started ? 'cordoned the draining node again' : 'cordoned the node and started draining it',
        );
        return { node: updated, startedAt, fresh: !started };
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        if (!(err instanceof ConflictError) || attempt >= 5) throw err;
      }
    }
  }

  private async evict(pod: Pod): Promise<'evicted' | 'gone' | Omit<DrainBlocker, 'pod'>> {
    const { namespace, name } = refOf(pod);
    try {
      await evictPod(this.deps.client, namespace, name);
      return 'evicted';
    } catch (err) {
      if (err instanceof NotFoundError) return 'gone';
      if (err instanceof TooManyRequestsError) {
        const causes = (err.status?.details?.causes ?? [])
          .map((c) => c.message)
          .filter((m): m is string => !!m);
        const text = causes.join('; ') || err.status?.message || err.message;
        const pdb = /disruption budget ([a-z0-9]([-a-z0-9.]*[a-z0-9])?)/.exec(text)?.[1];
        return { reason: 'PodDisruptionBudget', message: text, ...(pdb ? { pdb } : {}) };
      }
      if (err instanceof KubeApiError) {
        return { reason: 'EvictionFailed', message: err.status?.message ?? err.message };
      }
      throw err;
    }
  }

  /**
   * `abandonUnreachable` on an unreachable Node: its terminating pods past their deletion grace (the API server's
   * deletionTimestamp is when the grace ends) are deleted with grace 0 and a uid precondition; a Warning names
   * them. Returns the pods deleted.
   */
  private async forceDeletePastGrace(
    items: readonly Pod[],
    req: DrainRequest,
    node: Node,
    log: Logger,
  ): Promise<PodRef[]> {
    const now = this.deps.clock.now();
    const stuck = items.filter(
      (p) => podDisposition(p) === 'terminating' && Date.parse(p.metadata.deletionTimestamp ?? '') <= now,
    );
    const out: PodRef[] = [];
    for (const pod of stuck) {
      const ref = refOf(pod);
      try {
        await this.pods.delete(ref.name, {
          namespace: ref.namespace,
          gracePeriodSeconds: 0,
          ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
        });
      } catch (err) {
        if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) throw err;
      }
      out.push(ref);
      this.deps.metrics?.eviction(req.pool, 'force_deleted');
    }
    if (out.length === 0) return out;
    const list = out.map((r) => `${r.namespace}/${r.name}`).join(', ');
    log.warn(
      { action: 'force-delete-unreachable', pods: list },
      'deleted terminating pods of an unreachable node being released',
    );
    await this.event(
      node,
      req,
      'Warning',
      DrainEvent.PodsForceDeleted,
      `node ${req.node} is unreachable (its kubelet stopped posting status) and its machine is released: its pods past their deletion grace can never finish terminating and were deleted: ${list}`,
    );
    return out;
  }

  private async deleteFinished(pod: Pod): Promise<boolean> {
    const { namespace, name } = refOf(pod);
    try {
      await this.pods.delete(name, { namespace, ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) });
      return true;
    } catch (err) {
      // gone, or replaced by a pod of the same name (the uid precondition failed)
      if (err instanceof NotFoundError || err instanceof ConflictError) return false;
      throw err;
    }
  }

  private async reportBlocked(
    node: Node,
    req: DrainRequest,
    blockers: readonly DrainBlocker[],
    elapsedMs: number,
    log: Logger,
  ): Promise<void> {
    const key = req.node;
    const last = this.lastBlockedEvent.get(key);
    const now = this.deps.clock.monotonic();
    if (last !== undefined && now - last < BLOCKED_EVENT_INTERVAL) return;
    this.lastBlockedEvent.set(key, now);
    this.deps.metrics?.drain(req.pool, 'blocked_past_timeout');
    if (this.lastBlockedEvent.size > 4096)
      this.lastBlockedEvent.delete(this.lastBlockedEvent.keys().next().value!);
    const list = blockers.map((b) => `${b.pod.namespace}/${b.pod.name} (${describeBlocker(b)})`).join(', ');
    const minutes = Math.floor(elapsedMs / 60_000);
    log.warn(
      {
        action: 'drain-blocked',
        elapsedMs,
        blockers: blockers.map((b) => ({
          pod: `${b.pod.namespace}/${b.pod.name}`,
          reason: b.reason,
          message: b.message,
        })),
      },
      'the drain is blocked past its timeout',
    );
    await this.event(
      node,
      req,
      'Warning',
      DrainEvent.DrainBlocked,
      `drain of node ${req.node} blocked past drainTimeout (${minutes}m so far); waiting for ${list}`,
    );
  }

  private async event(
    node: Node,
    req: DrainRequest,
    type: 'Normal' | 'Warning',
    reason: string,
    note: string,
  ): Promise<void> {
    const events = this.deps.events;
    if (!events) return;
    const subject: EventSubject = {
      apiVersion: 'v1',
      kind: 'Node',
      name: node.metadata.name,
      uid: node.metadata.uid,
    };
    await events.record(subject, type, reason, 'Drain', note);
    if (req.poolRef) await events.record(req.poolRef, type, reason, 'Drain', note);
  }
}

/** A short human reason for a blocker (Events and status messages). */
export function describeBlocker(b: DrainBlocker): string {
  switch (b.reason) {
    case 'PodDisruptionBudget':
      return b.pdb
        ? `blocked by PodDisruptionBudget ${b.pdb}`
        : `blocked by a PodDisruptionBudget: ${b.message}`;
    case 'DoNotDisrupt':
      return 'do-not-disrupt';
    case 'Terminating':
      return 'terminating';
    case 'EvictionFailed':
      return `eviction failed: ${b.message}`;
  }
}

function refOf(pod: Pod): PodRef {
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name };
}

function retryAfter(blockers: readonly DrainBlocker[], acted: boolean): number {
  // nothing left to wait for (pods gone between the list and the eviction) or something just done: look soon
  let ms: number = acted || blockers.length === 0 ? RETRY.afterAction : RETRY.protected;
  for (const b of blockers) {
    const hint =
      b.reason === 'Terminating'
        ? RETRY.terminating
        : b.reason === 'PodDisruptionBudget'
          ? RETRY.pdb
          : b.reason === 'EvictionFailed'
            ? RETRY.failed
            : RETRY.protected;
    ms = Math.min(ms, hint);
  }
  return ms;
}
