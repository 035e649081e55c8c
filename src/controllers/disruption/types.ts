import { AUTOMATION_KEYS, type AutomationKey } from '../../apis/v1beta1/status.js';
/**
 * The disruption engine's contract: every removal of a node is a **method** that proposes **commands**; one
 * executor carries them out (API.md "One disruption engine"). The shape follows Karpenter's
 * `pkg/controllers/disruption/types.go` (a Method that computes commands, one executor for all of them), in
 * this project's words.
 *
 * A method is small and mostly pure: it reads a `PoolView` (the pool's spec, its members joined with their
 * admitted Nodes and the pods on them, the clock) and says which nodes it wants gone, why, and how. It never
 * cordons, drains, releases or writes status itself. The executor (`executor.ts`) alone:
 * - counts every voluntary command in flight against `disruption.budget`, across methods;
 * - launches replacements first and waits until they are Ready when a command asks;
 * - cordons and drains (Eviction API, PodDisruptionBudgets, the do-not-disrupt annotations);
 * - releases or detaches by the instance's real charge type (the Delete table, `disposal.ts`), or stops it
 *   (economical mode), or lets ESS go on (a SCALE_IN hook);
 * - deletes the Node, and records what it did (Events, `status.automation.<method>`).
 *
 * Adding a method (consolidation, repair, rotation, system events, spot interruption…): implement `Method`,
 * add its name to `MethodName` (and to `AUTOMATION_KEYS` in the API when it has a status block), and register
 * it in the engine's list (`methods/index.ts`). Nothing else changes.
 */
import type { NodePool, PoolStatus } from '../../apis/v1beta1/index.js';
import type { LifecycleAction, PoolInstance, ScalingGroup } from '../../cloud/types.js';
import type { Node, Pod } from '../../kube/index.js';
import type { DeepReadonly } from '../../util/readonly.js';
import type { Window } from './windows.js';

/** Every disruption method, by the name its status block and Events use: every automation but elasticity. */
export type MethodName = Exclude<AutomationKey, 'elasticity'>;
export const METHOD_NAMES: readonly MethodName[] = AUTOMATION_KEYS.filter(
  (k): k is MethodName => k !== 'elasticity',
);

/**
 * A member of the pool as the engine sees it: the scaling group's instance, its Node when one registered and
 * was **admitted** (providerID → instance → private IP and name checked; `node/admission`), and the pods bound
 * to that Node. A Node that claims an instance but was not admitted never appears here: nothing destructive
 * is ever keyed on it.
 */
export interface Candidate {
  readonly instanceId: string;
  readonly instance: DeepReadonly<PoolInstance>;
  /** The admitted Node of the instance, if any. */
  readonly node: DeepReadonly<Node> | undefined;
  /** The Node is Ready. */
  readonly ready: boolean;
  /** The command already carrying this member out, as recorded on its Node (survives restarts). */
  readonly claim: Claim | undefined;
}

/** Everything a method may read about one pool; built once per reconcile, never changed by a method. */
export interface PoolView {
  readonly kind: 'NodePool' | 'ManagedNodePool';
  /** The pool's spec in NodePool terms (a ManagedNodePool mapped; `kinds.ts`), validated. */
  readonly pool: DeepReadonly<NodePool>;
  readonly uid: string;
  readonly status: DeepReadonly<PoolStatus>;
  /** The scaling group, when it exists. */
  readonly group: DeepReadonly<ScalingGroup> | undefined;
  /** Every member of the group (in service, pending, stopped, being removed). */
  readonly candidates: readonly Candidate[];
  /** How many members the spec asks for now (Manual: desiredSize; Auto: within min/max). */
  readonly desired: number;
  /** ESS-started removals held by the pool's SCALE_IN hook. */
  readonly lifecycleActions: readonly DeepReadonly<LifecycleAction>[];
  /** The pool is being deleted. */
  readonly deleting: boolean;
  /** The engine's clock, in ms. */
  readonly now: number;
  /**
   * The weekly windows voluntary automation is confined to (`management.maintenance.windows`, a ManagedNodePool's `maintenance.windows`; none =
   * at any time). Consolidation starts nothing outside them.
   */
  readonly windows?: readonly Window[] | undefined;
  /** The pods bound to these Nodes (the pods-by-node index); read only by methods that need them. */
  podsOn(nodes: readonly string[]): Promise<ReadonlyMap<string, readonly DeepReadonly<Pod>[]>>;
}

/** One node (or a nodeless instance) a command removes. */
export interface Target {
  readonly instanceId: string;
  /** The admitted Node's name; absent for an instance that never registered (nothing to drain). */
  readonly node?: string | undefined;
}

/**
 * What becomes of a target's instance once its Node is drained:
 * - `remove`: out of the scaling group by the Delete table (`disposal.ts`): released when the pool created it,
 *   detached and kept when it is Subscription or was attached by the user. `replace`: ESS keeps its desired
 *   capacity and launches another (a failed or deleted node); otherwise the desired capacity goes down with it
 *   (a smaller pool, or a replacement launched first).
 * - `stop`: economical mode — RemoveInstances with the recycle policy: the instance stops, stays in the group
 *   and keeps its Node (cordoned), which it re-uses when a scale-out starts it again.
 * - `hook`: ESS started the removal and holds it in the SCALE_IN hook; once drained the executor answers
 *   CONTINUE and ESS goes on. While the drain is blocked the hook is kept alive with
 *   RecordLifecycleActionHeartbeat (at most 20 times, 6 h in all: ESS's limits).
 * - `drain`: only drain (pool deletion: the group's ForceDelete releases, the executor detaches the kept).
 */
export type Disposal =
  | { readonly kind: 'remove'; readonly replace: boolean }
  | { readonly kind: 'stop' }
  | { readonly kind: 'hook'; readonly hookId: string; readonly token: string; readonly activityId: string }
  | { readonly kind: 'drain' }
  /**
   * `reboot`: not a removal — RebootInstance (repair with `maintenance.allowReboot`), the instance protected from
   * ESS's health check while it restarts; the command counts against the budget until the Node is Ready again
   * or the method replaces it. No drain: the pods stay bound and start again with the kubelet.
   */
  | { readonly kind: 'reboot'; readonly unhealthySince: number };

/** What a method asks the executor to do. */
export interface Command {
  readonly method: MethodName;
  readonly nodes: readonly Target[];
  /**
   * Launch one like-for-like replacement per target and wait until it is a Ready node before the target is
   * cordoned (the pool's desired capacity is raised by the number of such targets in flight).
   */
  readonly replacementsFirst: boolean;
  /** Why, for a human: Events, status and the preview (`desiredSize lowered from 4 to 3`). */
  readonly reason: string;
  /**
   * Voluntary commands are held by `disruption.budget` (and, for automation, maintenance windows);
   * involuntary ones (the instance is going anyway: deleted Node, ESS hook, failed registration, pool
   * deletion) are not held, but are still drained.
   */
  readonly voluntary: boolean;
  readonly disposal: Disposal;
  /** The command may not start before this time (ms; the preview's `notBefore`). */
  readonly notBefore?: number | undefined;
  /**
   * With `replacementsFirst`: the drain starts at this time (ms) at the latest, the replacement Ready or not
   * ("replacement first, but drained by the deadline regardless": a system event, a spot reclamation). A
   * deadline already past means the replacement is launched alongside and the drain starts at once. Recorded
   * in the claim (the earliest one wins), so a restart keeps it.
   */
  readonly drainBy?: number | undefined;
  /**
   * With `replacementsFirst`: the ONE replacement node to launch, of exactly this type and vSwitch
   * (RunInstances + entrusted AttachInstances, as elasticity launches; consolidation's cheaper node) instead of
   * a like-for-like one from the scaling group. Recorded in the claim before the launch (its ClientToken). With
   * several targets (consolidation's multi-node command) it is ONE node for all of them: every target's claim
   * carries the same record, and they all drain once it is a Ready member.
   */
  readonly replacement?: ReplacementSpec | undefined;
}

/** A replacement of a chosen type (a consolidation's cheaper node). */
export interface ReplacementSpec {
  readonly instanceType: string;
  readonly zoneId: string;
  readonly vSwitchId: string;
}

/** A typed replacement as the claim records it: launched with ClientToken from `id`, attached, then waited for. */
export interface ReplacementRecord extends ReplacementSpec {
  readonly id: string;
  /** RFC 3339: when the record was written (before the launch). */
  readonly startedAt: string;
  readonly instanceIds?: readonly string[] | undefined;
  readonly attached?: boolean | undefined;
}

/**
 * A command's progress recorded on the target's Node (annotation `nodepool.alicloud.dev/disruption`), so a
 * restarted operator goes on with the same command and counts it against the budget.
 */
export interface Claim {
  readonly method: MethodName;
  readonly reason: string;
  readonly voluntary: boolean;
  readonly replacementsFirst: boolean;
  readonly disposal: Disposal['kind'];
  /** When the command claimed the node (RFC 3339). */
  readonly since: string;
  /**
   * ESS hook: when the operator first saw the hook's wait (RFC 3339), heartbeats recorded so far, and when ESS
   * goes on by itself unless another heartbeat comes (RFC 3339).
   */
  readonly hookSince?: string | undefined;
  readonly heartbeats?: number | undefined;
  readonly hookDeadline?: string | undefined;
  /** The command's drain deadline (RFC 3339), when it has one (`Command.drainBy`). */
  readonly drainBy?: string | undefined;
  /** A typed replacement launched first (consolidation): what was launched and whether it is attached. */
  readonly replacement?: ReplacementRecord | undefined;
}

/** Why a command (or the next one) does not run now: the preview's `blockedBy`. */
export interface Blocker {
  readonly kind:
    | 'Budget'
    | 'PodDisruptionBudget'
    | 'DoNotDisrupt'
    | 'MaintenanceWindow'
    | 'Replacement'
    | 'MinSize'
    | 'MaxSize'
    | 'NotBefore'
    | 'Terminating'
    | 'EvictionFailed'
    | 'MaxUnhealthy'
    | 'Rebooting'
    | 'PodsWouldNotFit'
    | 'NotEvictable';
  /** What exactly: `pdb web/guard`, `pod web/db-0`, `window Sat 01:00 Asia/Shanghai`, `budget 1 of 10%`. */
  readonly message: string;
}

/** What a method would do next (`status.automation.<method>.next`), even when nothing runs now. */
export interface NextAction {
  readonly action: string;
  readonly nodes: readonly string[];
  readonly reason: string;
  /** RFC 3339; absent = as soon as nothing blocks it. */
  readonly notBefore?: string | undefined;
  readonly blockedBy: readonly Blocker[];
}

/**
 * Something a user must see that is not a command (repair held back by maxUnhealthy, a billing system event):
 * the engine records it as an Event on the pool, once per `key` while the process runs.
 */
export interface Notice {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  /** Recorded once per key (an event id, a held-back episode). */
  readonly key: string;
  /** For the automation metrics: what the method did about it (`held`, `warned`). */
  readonly outcome: string;
}

/** A method's answer for one pool. */
export interface Proposal {
  readonly commands: readonly Command[];
  /** What it waits to do (a node not yet empty long enough, a window not open): for the preview only. */
  readonly pending?: NextAction | undefined;
  /** Events to record (each once per key). */
  readonly notices?: readonly Notice[] | undefined;
  /**
   * Bookkeeping a method keeps on Nodes (e.g. consolidation's "empty since"), written by the engine: annotation
   * → value, `null` removes it. A method itself writes nothing.
   */
  readonly marks?: readonly NodeMark[] | undefined;
  /** When the method wants to look again although nothing happened (a node becomes due), ms. */
  readonly requeueAfterMs?: number | undefined;
}

/** Annotations a method keeps on a Node. */
export interface NodeMark {
  readonly node: string;
  readonly annotations: Readonly<Record<string, string | null>>;
}

/** A disruption method. */
export interface Method {
  readonly name: MethodName;
  /** Voluntary methods' commands are held by the budget. */
  readonly voluntary: boolean;
  /** Whether the method runs for this pool at all (`status.automation.<name>.enabled`). */
  enabled(view: PoolView): boolean;
  /**
   * The commands the method wants carried out now. Proposing a command again while it is in flight is
   * expected (the executor goes on with the claimed nodes and ignores repeats); a method may read the cloud
   * or other caches of its own (it is given them when built), but writes nothing.
   */
  propose(view: PoolView): Proposal | Promise<Proposal>;
}

/** What the executor did or waits for, per command, this reconcile. */
export interface CommandOutcome {
  readonly command: Command;
  /** Targets finished (instance removed / stopped / let go by the hook), with what became of them. */
  readonly done: readonly {
    readonly target: Target;
    readonly outcome: 'released' | 'retained' | 'stopped' | 'continued' | 'drained' | 'rebooted';
  }[];
  /** Targets under way, and what holds them. */
  readonly waiting: readonly {
    readonly target: Target;
    readonly step: string;
    readonly blockedBy: readonly Blocker[];
  }[];
  /** Not started: held by the budget (or another blocker) before anything happened. */
  readonly held: readonly Blocker[];
  /** When to look again (the drain's retryAfterMs, the replacement's boot…), ms. */
  readonly retryAfterMs: number | undefined;
}
