import { ADMITTED_LABEL, Annotation } from '../../apis/v1beta1/constants.js';
import type { CloudProvider } from '../../cloud/provider.js';
import {
  ConflictError,
  InvalidError,
  NodeSchema,
  NotFoundError,
  Resources,
  TypedResource,
  type KubeClient,
  type Node,
} from '../../kube/index.js';
import type { Logger } from '../../log.js';
import type { Clock } from '../../runtime/clock.js';
import type { EventRecorder, EventSubject } from '../../runtime/events.js';
import { finalizerPatch } from '../../runtime/finalizers.js';
import type { DeepReadonly } from '../../util/readonly.js';
import { budgetLimit, isDisrupting } from './budget.js';
import { randomUUID } from 'node:crypto';
import { claimOf, claimPatch, newClaim } from './claim.js';
import { RETAINED_TAG, deleteOutcome, retainedOf, type RetainedInstance } from './disposal.js';
import { describeBlocker, type DrainBlocker, type Drainer } from './drain.js';
import { drainTimeoutMs } from './duration.js';
import { planHeartbeat } from './hook.js';
import type { AutomationMetrics } from './metrics.js';
import { isReady, rebootOf, rebootRecord } from '../node/health/health.js';
import type {
  Blocker,
  Candidate,
  Claim,
  Command,
  CommandOutcome,
  NodeMark,
  Notice,
  PoolView,
  ReplacementRecord,
  Target,
} from './types.js';

/** The Node finalizer the operator owns on admitted Nodes (the termination controller removes it). */
export const NODE_FINALIZER = 'nodepool.alicloud.dev/instance';

/** The Events the executor records on the pool when a command's targets are done, by method. */
const DONE_EVENT: Record<string, { reason: string; type: 'Normal' | 'Warning' }> = {
  scaleIn: { reason: 'ScaledIn', type: 'Normal' },
  deletedNode: { reason: 'NodeDeleted', type: 'Normal' },
  essHook: { reason: 'ScaleInHookContinued', type: 'Normal' },
  registration: { reason: 'RegistrationFailed', type: 'Warning' },
  deletion: { reason: 'PoolNodeDrained', type: 'Normal' },
  upgrade: { reason: 'NodeRotated', type: 'Normal' },
  patch: { reason: 'NodeRotated', type: 'Normal' },
  repair: { reason: 'NodeRepaired', type: 'Normal' },
  systemEvents: { reason: 'SystemEventHandled', type: 'Normal' },
  spotInterruption: { reason: 'SpotInterruptionHandled', type: 'Normal' },
  consolidation: { reason: 'Consolidated', type: 'Normal' },
};

/** The metrics' `action` of a command: what it does to the node. */
export function actionOf(command: Command): string {
  const d = command.disposal;
  if (d.kind === 'remove') return d.replace || command.replacementsFirst ? 'replace' : 'remove';
  return d.kind;
}

/** The Node writes the executor makes (the API server in production; in memory in unit tests). */
export interface NodeOps {
  get(name: string): Promise<DeepReadonly<Node> | undefined>;
  /** Records (or removes) a command on a Node, guarded by its resourceVersion; false when the Node is gone. */
  claim(node: DeepReadonly<Node>, claim: Claim | undefined): Promise<boolean>;
  /** Removes the operator's finalizer, then the Node (gone is fine). */
  deleteNode(node: DeepReadonly<Node>): Promise<void>;
  /** The operator's finalizer, admission label and claim removed; the Node stays. */
  letGo(node: DeepReadonly<Node>): Promise<void>;
  dropFinalizer(node: DeepReadonly<Node>): Promise<void>;
  /**
   * Sets (or, with null, removes) annotations on a Node (the operator's records, a method's marks; no
   * precondition: single keys); false when the Node is gone.
   */
  annotate(name: string, annotations: Readonly<Record<string, string | null>>): Promise<boolean>;
}

export interface ExecutorDeps {
  cloud: CloudProvider;
  clock: Clock;
  logger: Logger;
  events: Pick<EventRecorder, 'record' | 'normal' | 'warning'>;
  drainer: Pick<Drainer, 'drainStep' | 'cancelDrain'>;
  /** The Node writes; default: the API server through `client`. */
  nodes?: NodeOps | undefined;
  client?: KubeClient | undefined;
  /** `nodepool_automation_actions_total`; optional. */
  metrics?: AutomationMetrics | undefined;
}

/** NodeOps over the API server. */
export class KubeNodeOps implements NodeOps {
  private readonly api: TypedResource<typeof NodeSchema>;

  constructor(client: KubeClient) {
    this.api = new TypedResource(client, Resources.nodes, NodeSchema);
  }

  get(name: string): Promise<DeepReadonly<Node> | undefined> {
    return this.api.get(name).catch((e: unknown) => {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    });
  }

  async claim(node: DeepReadonly<Node>, claim: Claim | undefined): Promise<boolean> {
    try {
      await this.api.mergePatch(node.metadata.name, claimPatch(node, claim));
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err; // a Conflict: the Node moved since the read; the next reconcile sees it fresh
    }
  }

  async deleteNode(node: DeepReadonly<Node>): Promise<void> {
    await this.dropFinalizer(node);
    await this.api.delete(node.metadata.name).catch((e: unknown) => {
      if (!(e instanceof NotFoundError)) throw e;
    });
  }

  async letGo(node: DeepReadonly<Node>): Promise<void> {
    await this.dropFinalizer(node);
    await this.api
      .mergePatch(node.metadata.name, {
        metadata: { labels: { [ADMITTED_LABEL]: null }, annotations: { [Annotation.disruption]: null } },
      })
      .catch((e: unknown) => {
        if (!(e instanceof NotFoundError)) throw e;
      });
  }

  async annotate(name: string, annotations: Readonly<Record<string, string | null>>): Promise<boolean> {
    try {
      await this.api.mergePatch(name, { metadata: { annotations } });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** A guarded patch; gone is fine; a Node that moved is read again (up to 3 times). */
  async dropFinalizer(node: DeepReadonly<Node>): Promise<void> {
    let n: DeepReadonly<Node> | undefined = node;
    for (let attempt = 0; attempt < 3 && n; attempt++) {
      const ops = finalizerPatch(n.metadata, NODE_FINALIZER, 'remove');
      if (!ops) return;
      try {
        await this.api.jsonPatch(n.metadata.name, ops);
        return;
      } catch (err) {
        if (err instanceof NotFoundError) return;
        if (!(err instanceof InvalidError) && !(err instanceof ConflictError)) throw err;
        n = await this.get(n.metadata.name);
      }
    }
  }
}

/** Where a pool's commands run: the pool's identity and what its group and annotations allow. */
export interface ExecutionContext {
  view: PoolView;
  poolRef: EventSubject;
  groupId: string | undefined;
  /** The pool carries `nodepool.alicloud.dev/force-drain: "true"` (honoured only for pool deletion). */
  forceDrain: boolean;
  /** Launches typed replacements (`Command.replacement`) into this pool; required when a command has one. */
  replacements?: ReplacementLauncher | undefined;
}

/** What launches a command's typed replacement into one pool (the pool controller gives it, per reconcile). */
export interface ReplacementLauncher {
  /** RunInstances of the record's type and vSwitch, ClientToken from its id (a retry replays the answer). */
  launch(
    r: ReplacementRecord,
  ): Promise<{ ok: true; ids: string[] } | { ok: false; unavailable: boolean; message: string }>;
  /** The instances' ECS status (`Pending`, `Running`, … ; absent: not seen). */
  statuses(ids: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Entrusted AttachInstances into the pool's group (raises its desired capacity by the count). */
  attach(r: ReplacementRecord, ids: readonly string[]): Promise<void>;
  /** Releases launched instances that were never attached (a cancelled consolidation). */
  release(r: ReplacementRecord, ids: readonly string[]): Promise<void>;
}

/** A launched replacement the cloud does not show yet is given this long before it counts as lost. */
export const REPLACEMENT_UNSEEN_MS = 5 * 60_000;

export interface ExecutionResult {
  outcomes: CommandOutcome[];
  /** Instances detached and kept by these commands: `status.retainedInstances`. */
  retained: RetainedInstance[];
}

type Done = CommandOutcome['done'][number];
type Waiting = CommandOutcome['waiting'][number];
interface Progress {
  done: Done[];
  waiting: Waiting[];
  held: Blocker[];
  ready: { target: Target; cand: Candidate | undefined; node: DeepReadonly<Node> | undefined }[];
  retry: number | undefined;
  /**
   * A command with a typed replacement and several targets (consolidation's multi-node command) launches ONE
   * replacement: its record is shared by every target's claim (`record`: the furthest along of them; `recordId`
   * for new claims), and its step runs once per round (`step`), for every target.
   */
  record?: ReplacementRecord | undefined;
  recordId?: string | undefined;
  step?: TypedStep | undefined;
}

type TypedStep =
  | { state: 'ready' }
  | { state: 'waiting'; step: string; message: string }
  | { state: 'abandoned'; message: string };

/** The record of a command's typed replacement furthest along among its targets' claims (attached, launched, written). */
function sharedRecord(command: Command, view: PoolView): ReplacementRecord | undefined {
  if (!command.replacement) return undefined;
  const rank = (r: ReplacementRecord): number => (r.attached ? 2 : r.instanceIds?.length ? 1 : 0);
  const records = command.nodes.flatMap((t) => {
    const r = view.candidates.find((c) => c.instanceId === t.instanceId)?.claim?.replacement;
    return r ? [r] : [];
  });
  return records.sort((a, b) => rank(b) - rank(a))[0];
}

/** What a pool may still start this round: the budget's limit, what is in flight, what is left. */
interface Budget {
  allowed: number;
  limit: number;
  inFlight: number;
  claimedNow: Set<string>;
}

/** A command's drain deadline: the earlier of the command's and the one recorded in its claim. */
export function drainByOf(command: Command, claim: Claim | undefined): number | undefined {
  const recorded = claim?.drainBy ? Date.parse(claim.drainBy) : NaN;
  const times = [command.drainBy, Number.isNaN(recorded) ? undefined : recorded].filter(
    (t): t is number => t !== undefined,
  );
  return times.length > 0 ? Math.min(...times) : undefined;
}

const minRetry = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/** A drain's blocker in the preview's words. */
export function blockerOf(b: DrainBlocker): Blocker {
  const pod = `${b.pod.namespace}/${b.pod.name}`;
  switch (b.reason) {
    case 'PodDisruptionBudget':
      return {
        kind: 'PodDisruptionBudget',
        message: b.pdb
          ? `PodDisruptionBudget ${b.pod.namespace}/${b.pdb} (pod ${pod})`
          : `a PodDisruptionBudget (pod ${pod}): ${b.message}`,
      };
    case 'DoNotDisrupt':
      return { kind: 'DoNotDisrupt', message: `pod ${pod}: ${b.message}` };
    case 'Terminating':
      return { kind: 'Terminating', message: `pod ${pod} is terminating` };
    case 'EvictionFailed':
      return { kind: 'EvictionFailed', message: `pod ${pod}: ${b.message}` };
  }
}

/**
 * The one disruption executor: every removal of a node goes through `execute`. Per command and target it
 * claims the Node (the command recorded on it, counted against the budget from then on), waits for a
 * replacement when asked, drains (one step; the drain's `retryAfterMs` becomes the requeue), then disposes of
 * the instance — by the Delete table for `remove`, stopped for `stop`, CONTINUE for an ESS hook — deletes or
 * lets go of the Node, and records an Event. Voluntary commands start only while `disruption.budget` allows:
 * every Node already claimed, cordoned or draining by the operator, or being deleted, counts, whatever method
 * started it. Level-triggered: each call does what can be done now and says what it waits for.
 */
export class DisruptionExecutor {
  private readonly nodes: NodeOps;
  /** Notices already recorded (pool uid / method / key), so each is one Event while the process runs. */
  private readonly noticed = new Set<string>();

  constructor(private readonly deps: ExecutorDeps) {
    if (!deps.nodes && !deps.client) throw new Error('DisruptionExecutor: give it a client or NodeOps');
    this.nodes = deps.nodes ?? new KubeNodeOps(deps.client!);
  }

  /** How many more voluntary disruptions may start in this pool now. */
  allowance(view: PoolView): { limit: number; inFlight: number; allowed: number } {
    const admitted = view.candidates.filter((c) => c.node);
    const limit = budgetLimit(view.pool.spec.disruption?.budget, admitted.length);
    const inFlight = admitted.filter((c) => c.claim !== undefined || isDisrupting(c.node as Node)).length;
    return { limit, inFlight, allowed: Math.max(0, limit - inFlight) };
  }

  async execute(ctx: ExecutionContext, commands: readonly Command[]): Promise<ExecutionResult> {
    /** Instances claimed by this call (the view does not show those claims yet); one executor serves many pools. */
    const claimedNow = new Set<string>();
    const budget = this.allowance(ctx.view);
    let allowed = budget.allowed;
    const outcomes: CommandOutcome[] = [];
    const retained: RetainedInstance[] = [];
    const taken = new Set<string>();
    for (const command of commands) {
      const record = sharedRecord(command, ctx.view);
      const p: Progress = {
        done: [],
        waiting: [],
        held: [],
        ready: [],
        retry: undefined,
        record,
        recordId: command.replacement ? (record?.id ?? randomUUID()) : undefined,
      };
      for (const target of command.nodes) {
        if (taken.has(target.instanceId)) continue; // an earlier command of this round has it
        taken.add(target.instanceId);
        const r = await this.prepare(
          ctx,
          command,
          target,
          { limit: budget.limit, inFlight: budget.inFlight, allowed, claimedNow },
          p,
        );
        if (r === 'started') allowed--;
      }
      await this.dispose(ctx, command, p, retained);
      outcomes.push({ command, done: p.done, waiting: p.waiting, held: p.held, retryAfterMs: p.retry });
    }
    return { outcomes, retained };
  }

  /** Claim, replacement, drain: the target joins `p.ready` once nothing holds it. */
  private async prepare(
    ctx: ExecutionContext,
    command: Command,
    target: Target,
    budget: Budget,
    p: Progress,
  ): Promise<'started' | 'going' | 'held'> {
    const { view } = ctx;
    const cand = view.candidates.find((c) => c.instanceId === target.instanceId);
    const node = target.node ? cand?.node : undefined;
    if (command.notBefore !== undefined && view.now < command.notBefore) {
      p.held.push({ kind: 'NotBefore', message: `not before ${new Date(command.notBefore).toISOString()}` });
      return 'held';
    }
    if (!node) {
      p.ready.push({ target, cand, node: undefined }); // nothing to drain
      return 'going';
    }
    if (p.step?.state === 'abandoned' && !cand?.claim) {
      p.held.push({ kind: 'Replacement', message: p.step.message }); // the command's one replacement failed
      return 'held';
    }
    const c = await this.claimFor(ctx, command, target, cand, node, budget, p);
    if (c.state !== 'claimed') return c.state;
    const res = c.started ? 'started' : 'going';
    if (!cand?.claim) budget.claimedNow.add(target.instanceId);
    if (command.disposal.kind === 'reboot') {
      p.ready.push({ target, cand, node }); // not a removal: no replacement, no drain
      return res;
    }
    if (command.replacement) {
      // a typed replacement (consolidation's cheaper node): launched, attached and Ready before the drain
      const claim =
        p.record && c.claim.replacement?.id === p.record.id ? { ...c.claim, replacement: p.record } : c.claim;
      p.step ??= await this.typedReplacement(ctx, command, node, claim);
      const r = p.step;
      if (r.state !== 'ready') {
        if (r.state === 'abandoned') p.held.push({ kind: 'Replacement', message: r.message });
        else
          p.waiting.push({ target, step: r.step, blockedBy: [{ kind: 'Replacement', message: r.message }] });
        p.retry = minRetry(p.retry, 5_000);
        return res;
      }
    } else {
      const surged = cand?.claim?.replacementsFirst === true; // claimed before this round: its replacement is asked for
      if (!this.drainMayStart(view, command, c.claim, surged, target, budget.claimedNow, p)) return res;
    }
    await this.drainTarget(ctx, command, target, cand, node, c.claim, p);
    return res;
  }

  /**
   * The target's claim: the command's own (its disposal brought up to date when the method changed its mind: a
   * reboot that did not help becomes a replacement), a new one when the budget allows, or held.
   */
  private async claimFor(
    ctx: ExecutionContext,
    command: Command,
    target: Target,
    cand: Candidate | undefined,
    node: DeepReadonly<Node>,
    budget: Budget,
    p: Progress,
  ): Promise<{ state: 'claimed'; claim: Claim; started: boolean } | { state: 'held' | 'going' }> {
    const { view } = ctx;
    const claim = cand?.claim;
    if (claim?.method === command.method) {
      if (claim.disposal === command.disposal.kind) return { state: 'claimed', claim, started: false };
      const next: Claim = { ...newClaim(command, view.now), since: claim.since };
      if (await this.nodes.claim(node, next)) return { state: 'claimed', claim: next, started: false };
      p.done.push({ target, outcome: 'drained' }); // the Node is gone
      return { state: 'going' };
    }
    if (claim && command.voluntary) {
      p.waiting.push({ target, step: `claimed by ${claim.method}`, blockedBy: [] });
      return { state: 'held' };
    }
    let started = false;
    if (command.voluntary && !claim && !isDisrupting(node)) {
      if (budget.allowed <= 0) {
        p.held.push({
          kind: 'Budget',
          message: `disruption.budget ${String(view.pool.spec.disruption?.budget ?? '10%')} allows ${budget.limit} node(s) at once; ${budget.inFlight} in flight`,
        });
        return { state: 'held' };
      }
      started = true;
    }
    const id = p.recordId;
    const fresh = newClaim(command, view.now, id ? () => id : undefined);
    const written = await this.writeClaim(node, fresh, ctx, command);
    if (!written) {
      p.done.push({ target, outcome: 'drained' }); // the Node is gone
      return { state: 'going' };
    }
    return { state: 'claimed', claim: written, started };
  }

  /**
   * Replacement first: the drain may start once the pool, without the claimed nodes, has its desired number of
   * Ready nodes — or once the command's `drainBy` (the earlier of the command's and the claim's) has come and
   * the replacement has been asked for (`surged`: the claim existed when this reconcile sized the group; a node
   * removed before that would lower the desired capacity without a replacement ever launched).
   */
  private drainMayStart(
    view: PoolView,
    command: Command,
    claim: Claim,
    surged: boolean,
    target: Target,
    claimedNow: ReadonlySet<string>,
    p: Progress,
  ): boolean {
    if (!command.replacementsFirst || replacementReady(view, claimedNow)) return true;
    const by = drainByOf(command, claim);
    if (by !== undefined && view.now >= by && surged) return true;
    if (by !== undefined && view.now >= by) {
      p.waiting.push({
        target,
        step: 'launching its replacement',
        blockedBy: [
          {
            kind: 'Replacement',
            message: 'the replacement is being launched; the drain starts at once after',
          },
        ],
      });
      p.retry = minRetry(p.retry, 1_000);
      return false;
    }
    const until = by === undefined ? '' : `; drained at ${new Date(by).toISOString()} at the latest`;
    p.waiting.push({
      target,
      step: `waiting for its replacement to be Ready${until}`,
      blockedBy: [
        {
          kind: 'Replacement',
          message: `a replacement node is launched and not Ready yet (${readyUnclaimed(view, claimedNow)} of ${view.desired} Ready)${until}`,
        },
      ],
    });
    p.retry = minRetry(p.retry, by === undefined ? 5_000 : Math.max(1_000, Math.min(5_000, by - view.now)));
    return false;
  }

  /** One drain step; the target joins `p.ready` when drained (or force-drained by a deleting pool's annotation). */
  private async drainTarget(
    ctx: ExecutionContext,
    command: Command,
    target: Target,
    cand: Candidate | undefined,
    node: DeepReadonly<Node>,
    claim: Claim,
    p: Progress,
  ): Promise<void> {
    const { view } = ctx;
    // the machine is going (released by the Delete table, by ESS, or by the group's deletion): pods of an
    // unreachable Node, past their deletion grace, never finish terminating and are deleted (drain.ts)
    const releasing =
      command.disposal.kind !== 'stop' &&
      cand !== undefined &&
      deleteOutcome(cand.instance).outcome === 'release';
    const r = await this.deps.drainer.drainStep({
      node: node.metadata.name,
      pool: view.pool.metadata.name,
      poolRef: ctx.poolRef,
      drainTimeoutMs: drainTimeoutMs(view.pool.spec.disruption?.drainTimeout),
      abandonUnreachable: releasing,
    });
    if (r.state === 'waiting') {
      const forced = command.method === 'deletion' && ctx.forceDrain && r.pastTimeout;
      if (!forced) {
        p.waiting.push({
          target,
          step: `draining ${node.metadata.name}${r.pastTimeout ? ' (blocked past drainTimeout)' : ''}`,
          blockedBy: r.blockers.map(blockerOf),
        });
        p.retry = minRetry(p.retry, r.retryAfterMs);
        if (command.disposal.kind === 'hook') await this.keepHook(ctx, command, node, claim, r.blockers);
        return;
      }
      await this.deps.events.warning(
        ctx.poolRef,
        'ForceDrain',
        'Drain',
        `annotation ${Annotation.forceDrain}: the drain of node ${node.metadata.name} is past drainTimeout and ends without waiting for ${r.blockers.map((b) => `${b.pod.namespace}/${b.pod.name} (${describeBlocker(b)})`).join(', ')}; its instance is removed with them`,
      );
      this.deps.logger.warn(
        {
          pool: view.pool.metadata.name,
          node: node.metadata.name,
          action: 'force-drain',
          pods: r.blockers.map((b) => `${b.pod.namespace}/${b.pod.name}`),
        },
        'drain forced by the pool annotation',
      );
    }
    p.ready.push({ target, cand, node });
  }

  /**
   * A typed replacement, one step at a time (level-triggered): launched (ClientToken from the record written in
   * the claim before the call: a crash replays it), its instance ids recorded in the claim, attached (entrusted)
   * once running, then waited for as a Ready member. A launch the cloud refuses (no stock, quota) or an instance
   * lost on the way abandons the command: the claim is removed and the next plan decides again.
   */
  private async typedReplacement(
    ctx: ExecutionContext,
    command: Command,
    node: DeepReadonly<Node>,
    claim: Claim,
  ): Promise<TypedStep> {
    // prettier-ignore
    const rec = claim.replacement;
    const L = ctx.replacements;
    if (!rec || !L)
      throw new Error(`node ${node.metadata.name}: a replacement command without its record or launcher`);
    const what = `${rec.instanceType} in ${rec.zoneId}`;
    const waiting = (step: string, message: string) => ({ state: 'waiting' as const, step, message });
    if (!rec.instanceIds?.length) {
      const out = await L.launch(rec);
      if (!out.ok) {
        if (!out.unavailable)
          return waiting(
            'launching its replacement',
            `the launch of ${what} failed (${out.message}); tried again with the same ClientToken`,
          );
        return this.abandon(ctx, node, `the replacement ${what} cannot be launched: ${out.message}`, command);
      }
      await this.updateRecord(command, node, claim, { ...rec, instanceIds: out.ids });
      return waiting(
        'its replacement launched',
        `replacement ${out.ids.join(', ')} (${what}) launched, not running yet`,
      );
    }
    const ids = rec.instanceIds;
    const member = ctx.view.candidates.find((c) => ids.includes(c.instanceId));
    if (rec.attached && member?.ready && member.node && !member.node.metadata.deletionTimestamp)
      return { state: 'ready' };
    const st = await L.statuses(ids);
    const unseenTooLong = ctx.view.now - Date.parse(rec.startedAt) > REPLACEMENT_UNSEEN_MS;
    const lost = ids.filter(
      (id) => st.get(id) === 'Deleted' || st.get(id) === 'Stopped' || (!st.has(id) && unseenTooLong),
    );
    if (lost.length > 0) {
      const alive = ids.filter((id) => !lost.includes(id) && st.has(id));
      if (!rec.attached && alive.length > 0) await L.release(rec, alive);
      return this.abandon(
        ctx,
        node,
        `the replacement ${ids.join(', ')} (${what}) was lost before it became a Ready node`,
        command,
      );
    }
    if (!rec.attached) {
      if (!ids.every((id) => st.get(id) === 'Running'))
        return waiting('its replacement starting', `replacement ${ids.join(', ')} (${what}) is starting`);
      await L.attach(rec, ids);
      await this.updateRecord(command, node, claim, { ...rec, attached: true });
      this.deps.logger.info(
        {
          pool: ctx.view.pool.metadata.name,
          node: node.metadata.name,
          action: 'attach-replacement',
          instances: ids,
        },
        'a replacement was attached to the scaling group',
      );
    }
    return waiting(
      'waiting for its replacement to be Ready',
      `replacement ${ids.join(', ')} (${what}) is not a Ready node yet`,
    );
  }

  /** A command given up before its node was touched: the claim removed, so the next plan decides afresh. */
  private async abandon(
    ctx: ExecutionContext,
    node: DeepReadonly<Node>,
    message: string,
    command: Command,
  ): Promise<{ state: 'abandoned'; message: string }> {
    const fresh = await this.nodes.get(node.metadata.name);
    const id = fresh ? claimOf(fresh)?.replacement?.id : undefined;
    if (fresh) await this.nodes.claim(fresh, undefined);
    for (const s of id ? await this.siblings(command, node, id) : [])
      await this.nodes.claim(s.node, undefined);
    await this.deps.events.warning(
      ctx.poolRef,
      'DisruptionAbandoned',
      'Replace',
      `node ${node.metadata.name}: ${message}; the node stays`,
    );
    return { state: 'abandoned', message };
  }

  /** Writes a changed claim on the Node as it is now (the claim written earlier in this round moved it). */
  private async updateClaim(node: DeepReadonly<Node>, claim: Claim): Promise<void> {
    const fresh = await this.nodes.get(node.metadata.name);
    if (!fresh) return;
    if (!(await this.nodes.claim(fresh, claim))) return;
  }

  /** A typed replacement's record updated in the claim of `node` and of every other target sharing it. */
  private async updateRecord(
    command: Command,
    node: DeepReadonly<Node>,
    claim: Claim,
    rec: ReplacementRecord,
  ): Promise<void> {
    await this.updateClaim(node, { ...claim, replacement: rec });
    for (const s of await this.siblings(command, node, rec.id))
      await this.nodes.claim(s.node, { ...s.claim, replacement: rec });
  }

  /** The command's other targets whose claims share the replacement record `id` (as their Nodes are now). */
  private async siblings(
    command: Command,
    node: DeepReadonly<Node>,
    id: string,
  ): Promise<{ node: DeepReadonly<Node>; claim: Claim }[]> {
    const out: { node: DeepReadonly<Node>; claim: Claim }[] = [];
    for (const t of command.nodes) {
      if (!t.node || t.node === node.metadata.name) continue;
      const n = await this.nodes.get(t.node);
      const c = claimOf(n);
      if (n && c?.replacement?.id === id) out.push({ node: n, claim: c });
    }
    return out;
  }

  /** A method's bookkeeping on a Node (consolidation's "empty since"). */
  async mark(m: NodeMark): Promise<void> {
    await this.nodes.annotate(m.node, m.annotations);
  }

  /** Records the command on the Node; undefined when the Node is gone. */
  private async writeClaim(
    node: DeepReadonly<Node>,
    claim: Claim,
    ctx: ExecutionContext,
    command: Command,
  ): Promise<Claim | undefined> {
    if (!(await this.nodes.claim(node, claim))) return undefined;
    this.deps.logger.info(
      {
        pool: ctx.view.pool.metadata.name,
        node: node.metadata.name,
        action: 'claim',
        method: command.method,
        reason: command.reason,
      },
      'a disruption command claimed the node',
    );
    this.deps.metrics?.action(ctx.view.pool.metadata.name, command.method, actionOf(command), 'started');
    await this.deps.events.normal(
      ctx.poolRef,
      'DisruptionStarted',
      command.method,
      `${command.method}: ${command.reason}: node ${node.metadata.name}${command.replacementsFirst ? ' (a replacement first)' : ''}`,
    );
    return claim;
  }

  /** A blocked drain inside an ESS SCALE_IN hook: heartbeats keep ESS waiting, within its limits. */
  private async keepHook(
    ctx: ExecutionContext,
    command: Command,
    node: DeepReadonly<Node>,
    claim: Claim,
    blockers: readonly DrainBlocker[],
  ): Promise<void> {
    if (command.disposal.kind !== 'hook') return;
    const now = ctx.view.now;
    const since = Date.parse(claim.hookSince ?? claim.since);
    const deadline = claim.hookDeadline ? Date.parse(claim.hookDeadline) : since + 3600_000;
    const plan = planHeartbeat({ since, heartbeats: claim.heartbeats ?? 0, deadline }, now);
    if (plan.kind === 'wait') return;
    const what = blockers.map((b) => `${b.pod.namespace}/${b.pod.name} (${describeBlocker(b)})`).join(', ');
    if (plan.kind === 'exhausted') {
      await this.deps.events.warning(
        ctx.poolRef,
        'ScaleInHookExpiring',
        'Drain',
        `the drain of node ${node.metadata.name} is still blocked by ${what}; ESS allows no more waiting (20 heartbeats, 6 h in all) and removes its instance at ${new Date(plan.deadline).toISOString()}`,
      );
      return;
    }
    const { hookId, token } = command.disposal;
    const beat = await this.deps.cloud.recordLifecycleHeartbeat({
      hookId,
      token,
      timeoutSeconds: plan.timeoutSeconds,
    });
    if (beat === 'gone') return; // the wait ended meanwhile: ESS went on
    const next: Claim = {
      ...claim,
      hookSince: new Date(since).toISOString(),
      heartbeats: plan.heartbeats,
      hookDeadline: new Date(plan.deadline).toISOString(),
    };
    const fresh = await this.nodes.get(node.metadata.name);
    if (fresh) await this.nodes.claim(fresh, next);
    await this.deps.events.warning(
      ctx.poolRef,
      'ScaleInHookExtended',
      'Drain',
      `the drain of node ${node.metadata.name} is blocked by ${what}: the ESS SCALE_IN hook is kept waiting until ${new Date(plan.deadline).toISOString()} (heartbeat ${plan.heartbeats} of 20; ESS goes on at the latest 6 h after the removal started)`,
    );
  }

  /** The cloud side of the targets that are ready, then their Nodes, then one Event for the command. */
  private async dispose(
    ctx: ExecutionContext,
    command: Command,
    p: Progress,
    retained: RetainedInstance[],
  ): Promise<void> {
    const { view } = ctx;
    if (p.ready.length === 0) return;
    const d = command.disposal;
    if (d.kind === 'hook') {
      if (p.waiting.length > 0 || p.held.length > 0) return; // ESS goes on once every instance of the action is drained
      await this.deps.cloud.completeLifecycleAction({ hookId: d.hookId, token: d.token, result: 'CONTINUE' });
      for (const r of p.ready) p.done.push({ target: r.target, outcome: 'continued' });
    } else if (d.kind === 'drain') {
      for (const r of p.ready) p.done.push({ target: r.target, outcome: 'drained' });
    } else if (d.kind === 'reboot') {
      await this.reboot(ctx, command, d.unhealthySince, p);
    } else {
      if (!ctx.groupId)
        throw new Error(`${command.method}: the pool has no scaling group to remove instances from`);
      const members = p.ready.filter((r) => r.cand !== undefined);
      const kept = members.filter((r) => deleteOutcome(r.cand!.instance).outcome === 'retain');
      const gone = members.filter((r) => deleteOutcome(r.cand!.instance).outcome === 'release');
      const op = (what: string, rs: typeof members): string =>
        `${view.uid}/${command.method}/${what}/${rs
          .map((r) => `${r.target.instanceId}@${r.cand?.claim?.since ?? ''}`)
          .sort()
          .join(',')}`;
      const ids = (rs: typeof members): string[] => rs.map((r) => r.target.instanceId);
      const decrease = d.kind === 'stop' || !d.replace;
      // a node repair rebooted is protected from ESS's health check while it restarts: lifted before it goes
      const rebooted = members.filter(
        (r) => r.cand!.instance.lifecycleState === 'Protected' && rebootOf(r.node),
      );
      if (rebooted.length > 0) await this.deps.cloud.setScaleInProtection(ctx.groupId, ids(rebooted), false);
      if (gone.length > 0)
        await this.deps.cloud.removeInstances(ctx.groupId, ids(gone), {
          policy: d.kind === 'stop' ? 'recycle' : 'release',
          decreaseDesired: decrease,
          operationId: op(d.kind, gone),
        });
      if (kept.length > 0) await this.deps.cloud.tagInstances(ids(kept), { [RETAINED_TAG]: 'true' });
      if (kept.length > 0)
        await this.deps.cloud.detachInstances(ctx.groupId, ids(kept), {
          decreaseDesired: decrease,
          operationId: op('detach', kept),
        });
      for (const r of gone) {
        if (d.kind === 'stop') p.done.push({ target: r.target, outcome: 'stopped' });
        else {
          if (r.node) await this.deleteNode(r.node);
          p.done.push({ target: r.target, outcome: 'released' });
        }
      }
      for (const r of kept) {
        retained.push(retainedOf(r.cand!.instance, deleteOutcome(r.cand!.instance).reason));
        if (r.node) await this.letGo(r.node);
        p.done.push({ target: r.target, outcome: 'retained' });
      }
    }
    await this.record(ctx, command, p.done);
  }

  /**
   * A reboot (repair with `maintenance.allowReboot`; not a removal, but counted against the budget while it
   * runs): the instance is protected from ESS's health check (an instance that is not Running is unhealthy to
   * ESS, which would replace it), the reboot recorded on the Node (a restart remembers it and never reboots
   * twice for it), then RebootInstance. Done when the Node is Ready again: protection lifted, record and claim
   * removed. A node still unhealthy after the grace is the method's to replace.
   */
  private async reboot(
    ctx: ExecutionContext,
    command: Command,
    unhealthySince: number,
    p: Progress,
  ): Promise<void> {
    const { view } = ctx;
    for (const r of p.ready) {
      const node = r.node;
      if (!node) continue;
      const id = r.target.instanceId;
      const rec = rebootOf(node);
      if (rec && isReady(node)) {
        await this.endReboot(ctx, r.cand, node);
        p.done.push({ target: r.target, outcome: 'rebooted' });
        continue;
      }
      const at = rec?.at ?? view.now;
      p.waiting.push({
        target: r.target,
        step: `rebooting ${node.metadata.name}`,
        blockedBy: [
          {
            kind: 'Rebooting',
            message: `instance ${id} rebooted at ${new Date(at).toISOString()}; waiting for node ${node.metadata.name} to be Ready again`,
          },
        ],
      });
      p.retry = minRetry(p.retry, 5_000);
      if (rec) continue;
      if (ctx.groupId && r.cand?.instance.lifecycleState === 'InService')
        await this.deps.cloud.setScaleInProtection(ctx.groupId, [id], true);
      if (
        !(await this.nodes.annotate(node.metadata.name, {
          [Annotation.repairReboot]: rebootRecord(view.now, unhealthySince),
        }))
      )
        continue;
      await this.deps.cloud.rebootInstance(id);
      this.deps.logger.info(
        { pool: view.pool.metadata.name, node: node.metadata.name, instance: id, action: 'reboot' },
        'repair rebooted the instance',
      );
      await this.deps.events.normal(
        ctx.poolRef,
        'NodeRebooting',
        command.method,
        `${command.reason}: rebooting instance ${id} of node ${node.metadata.name} (protected from ESS's health check while it restarts)`,
      );
    }
  }

  /** The end of a reboot: protection lifted, the record and the claim removed. */
  private async endReboot(
    ctx: ExecutionContext,
    cand: Candidate | undefined,
    node: DeepReadonly<Node>,
  ): Promise<void> {
    if (ctx.groupId && cand?.instance.lifecycleState === 'Protected')
      await this.deps.cloud.setScaleInProtection(ctx.groupId, [cand.instanceId], false);
    await this.nodes.annotate(node.metadata.name, {
      [Annotation.repairReboot]: null,
      [Annotation.disruption]: null,
    });
  }

  /** Notices of the methods (repair held back, a billing event): an Event each (once per key), counted. */
  async notice(ctx: ExecutionContext, method: string, n: Notice): Promise<void> {
    const key = `${ctx.view.uid}/${method}/${n.key}`;
    if (this.noticed.has(key)) return;
    this.noticed.add(key);
    if (this.noticed.size > 10_000) this.noticed.delete(this.noticed.values().next().value!);
    await this.deps.events.record(ctx.poolRef, n.type, n.reason, method, n.message);
    this.deps.metrics?.action(ctx.view.pool.metadata.name, method, n.reason, n.outcome);
    this.deps.logger.info(
      { pool: ctx.view.pool.metadata.name, action: method, reason: n.reason, outcome: n.outcome },
      n.message,
    );
  }

  private async record(ctx: ExecutionContext, command: Command, done: readonly Done[]): Promise<void> {
    if (done.length === 0) return;
    for (const x of done)
      this.deps.metrics?.action(ctx.view.pool.metadata.name, command.method, actionOf(command), x.outcome);
    const e = DONE_EVENT[command.method] ?? { reason: 'NodeDisrupted', type: 'Normal' as const };
    const what = describeDone(command, done);
    await this.deps.events.record(
      ctx.poolRef,
      e.type,
      e.reason,
      command.method,
      `${command.reason}: ${what}`,
    );
    if (done.some((x) => x.outcome === 'retained')) {
      await this.deps.events.warning(
        ctx.poolRef,
        'InstancesRetained',
        command.method,
        `detached and kept (never released): ${done
          .filter((x) => x.outcome === 'retained')
          .map((x) => x.target.instanceId)
          .join(', ')}`,
      );
    }
    this.deps.logger.info(
      {
        pool: ctx.view.pool.metadata.name,
        action: command.method,
        instances: done.map((x) => `${x.target.instanceId}:${x.outcome}`),
      },
      'disruption carried out',
    );
  }

  /** Deletes a Node whose instance is released (its finalizer first; gone is fine). */
  deleteNode(node: DeepReadonly<Node>): Promise<void> {
    return this.nodes.deleteNode(node);
  }

  /** A retained instance's Node stays (drained): the operator no longer manages it. */
  letGo(node: DeepReadonly<Node>): Promise<void> {
    return this.nodes.letGo(node);
  }

  dropFinalizer(node: DeepReadonly<Node>): Promise<void> {
    return this.nodes.dropFinalizer(node);
  }

  /**
   * Before a claim with a typed replacement is cancelled: a replacement launched and never attached would run
   * outside any pool, so it is released (a launch whose answer was lost is replayed with its ClientToken first).
   * False when that cannot be done now (no launcher: the claim stays until a reconcile that has one).
   */
  private async dropReplacement(ctx: ExecutionContext, claim: Claim, dropped: Set<string>): Promise<boolean> {
    const rec = claim.replacement;
    if (!rec || rec.attached || dropped.has(rec.id)) return true; // a multi-node command's nodes share it
    const L = ctx.replacements;
    if (!L) return false;
    let ids = rec.instanceIds ? [...rec.instanceIds] : [];
    if (ids.length === 0) {
      const out = await L.launch(rec);
      if (!out.ok && !out.unavailable) return false;
      ids = out.ok ? out.ids : [];
    }
    if (ids.length > 0) await L.release(rec, ids);
    dropped.add(rec.id);
    return true;
  }

  /**
   * Claims no command proposes any more on members back in service (a desired size raised again, an economical
   * node started again): un-cordoned (only if the operator cordoned it) and the claim removed.
   */
  async cancelStale(ctx: ExecutionContext, live: ReadonlySet<string>): Promise<string[]> {
    const out: string[] = [];
    const dropped = new Set<string>();
    for (const c of ctx.view.candidates) {
      if (!c.claim || !c.node || live.has(c.instanceId) || c.node.metadata.deletionTimestamp) continue;
      const rebooting = c.claim.disposal === 'reboot';
      if (
        !['InService', ...(rebooting ? ['Protected'] : [])].includes(c.instance.lifecycleState) ||
        c.instance.status !== 'Running'
      )
        continue;
      if (c.claim.method === 'deletedNode' || c.claim.method === 'deletion') continue;
      if (rebooting) await this.endReboot(ctx, c, c.node);
      if (!(await this.dropReplacement(ctx, c.claim, dropped))) continue;
      await this.deps.drainer.cancelDrain(c.node.metadata.name, { pool: ctx.view.pool.metadata.name });
      const fresh = await this.nodes.get(c.node.metadata.name);
      if (fresh) await this.nodes.claim(fresh, undefined);
      this.deps.logger.info(
        {
          pool: ctx.view.pool.metadata.name,
          node: c.node.metadata.name,
          action: 'cancel',
          method: c.claim.method,
        },
        'a disruption no longer wanted was cancelled',
      );
      out.push(c.node.metadata.name);
    }
    return out;
  }
}

/**
 * Ready, in-service members not claimed by any command (nor by `claimedNow`, this round's new claims): the
 * pool's strength without the nodes going.
 */
export function readyUnclaimed(view: PoolView, claimedNow: ReadonlySet<string> = new Set()): number {
  return view.candidates.filter(
    (c) =>
      c.ready &&
      c.node &&
      !c.claim &&
      !claimedNow.has(c.instanceId) &&
      !c.node.metadata.deletionTimestamp &&
      c.instance.lifecycleState === 'InService',
  ).length;
}

/** A command's replacement is Ready when the pool, without every claimed node, is at its desired size. */
export function replacementReady(view: PoolView, claimedNow: ReadonlySet<string> = new Set()): boolean {
  return readyUnclaimed(view, claimedNow) >= view.desired;
}

/** What became of a command's targets, for its Event (names left out when the reason already names them). */
function describeDone(command: Command, done: readonly Done[]): string {
  const named = (d: Done): boolean =>
    command.reason.includes(d.target.instanceId) ||
    (d.target.node !== undefined && command.reason.includes(d.target.node));
  const by = (o: Done['outcome']): string => {
    const xs = done.filter((d) => d.outcome === o);
    return xs.every(named) ? '' : ` ${xs.map((d) => d.target.node ?? d.target.instanceId).join(', ')}`;
  };
  const has = (o: Done['outcome']): boolean => done.some((d) => d.outcome === o);
  const parts: string[] = [];
  const replace = command.disposal.kind === 'remove' && command.disposal.replace;
  if (has('released'))
    parts.push(`released${by('released')}${replace ? '; ESS launches a replacement' : ''}`);
  if (has('retained')) parts.push(`detached and kept${by('retained')} (never released)`);
  if (has('stopped'))
    parts.push(`stopped${by('stopped')} (economical mode: kept with their Nodes for the next scale-out)`);
  if (has('continued')) parts.push(`drained${by('continued')}; ESS goes on with the removal`);
  if (has('drained')) parts.push(`drained${by('drained')}`);
  if (has('rebooted')) parts.push(`rebooted${by('rebooted')}: Ready again`);
  return parts.join('; ');
}
