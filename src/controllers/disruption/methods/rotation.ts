import type { PoolImage } from '../../../apis/v1beta1/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { budgetLimit, isDisrupting } from '../budget.js';
import { deleteOutcome } from '../disposal.js';
import { describeWindows, mayActNow } from '../maintenance/window.js';
import { planRotation, scaled, type RotationNode } from '../rotation/plan.js';
import type { Blocker, Candidate, Command, Method, PoolView, Proposal, Target } from '../types.js';
import { isActive } from './scale-in.js';

/** The two rotation methods: `upgrade` (autoUpgrade) and `patch` (autoPatch); one implementation. */
export type RotationName = 'upgrade' | 'patch';
const ROTATIONS: readonly string[] = ['upgrade', 'patch'];

/** ESS's largest group: the room a Manual pool has for replacements launched first. */
const ESS_MAX_SIZE = 2000;

/**
 * Which rotation replaces the pool's nodes that run another image than the pinned one (`status.image`): `patch`
 * when autoPatch adopted that image (and is still on), else `upgrade` when autoUpgrade is on; none otherwise
 * (without autoUpgrade, a change of spec.image reaches new nodes only, as before).
 */
export function rotationOwner(view: PoolView): RotationName | undefined {
  const m = view.pool.spec.management;
  if (!m || !view.status.image) return undefined;
  if (view.status.image.adoptedBy === 'AutoPatch' && m.autoPatch.enabled) return 'patch';
  return m.autoUpgrade.enabled ? 'upgrade' : undefined;
}

/** Members rotation may replace: admitted, in service, launched by the pool (the Delete table releases them). */
function rotatable(c: Candidate): boolean {
  return (
    isActive(c) &&
    c.node !== undefined &&
    c.instance.lifecycleState === 'InService' &&
    c.instance.imageId !== undefined &&
    deleteOutcome(c.instance).outcome === 'release'
  );
}

function rotationNode(c: Candidate): RotationNode {
  const node = c.node!;
  return {
    name: node.metadata.name,
    version: c.instance.imageId!,
    created: Date.parse(node.metadata.creationTimestamp ?? '') || 0,
    disrupting: c.claim !== undefined || isDisrupting(node),
    rotating: c.claim !== undefined && ROTATIONS.includes(c.claim.method),
    ready: c.ready,
  };
}

function reasonOf(name: RotationName, image: DeepReadonly<PoolImage>, outdated: number): string {
  const version = image.version ? ` (version ${image.version})` : '';
  const kubelet = image.kubeletVersion ? `, kubelet ${image.kubeletVersion}` : '';
  const by = name === 'patch' ? 'autoPatch' : 'autoUpgrade';
  const why =
    image.reason ?? (image.adoptedBy === 'Spec' ? `${by}: spec.image changed` : `${by}: the pool's image`);
  return `${why}; ${outdated} node(s) run another image than ${image.id} (${image.name ?? image.id}${version}${kubelet})`;
}

/** The maintenance window holds new rotations: the preview's next action, with the next opening. */
function windowPending(
  view: PoolView,
  todo: readonly RotationNode[],
  reason: string,
  opensAt: number | undefined,
): Proposal['pending'] {
  const windows = view.pool.spec.management?.maintenance.windows ?? [];
  const when = opensAt === undefined ? 'never (no window day)' : new Date(opensAt).toISOString();
  return {
    action: 'Replace',
    nodes: todo.slice(0, 50).map((n) => n.name),
    reason,
    ...(opensAt !== undefined ? { notBefore: new Date(opensAt).toISOString() } : {}),
    blockedBy: [
      {
        kind: 'MaintenanceWindow',
        message: `outside the maintenance windows ${describeWindows(windows)}; the next opens at ${when}`,
      },
    ],
  };
}

function command(name: RotationName, nodes: Target[], first: boolean, reason: string): Command {
  return {
    method: name,
    nodes,
    replacementsFirst: first,
    reason,
    voluntary: true,
    // a replacement launched first raised the desired capacity: it goes down with the old node; a node drained
    // first (maxUnavailable) is replaced by ESS at the same desired capacity, with the pinned image
    disposal: { kind: 'remove', replace: !first },
  };
}

/**
 * Rotation (API.md "autoUpgrade", "autoPatch"): nodes whose instance runs another image than the pool's pinned
 * one are replaced like a Deployment's rolling update over nodes (`rotation/plan.ts`): at most `maxSurge`
 * replacements launched and Ready first, at most `maxUnavailable` nodes drained without one, oldest first,
 * within the disruption budget (voluntary), and only while a maintenance window is open (no windows: any
 * time). Rotations already started go on when a window closes. The surge is capped by the room the group has
 * (`maxSize` of an Auto pool). Subscription and attached instances are never rotated (the Delete table would
 * only detach them). Kubelet and containerd versions come with the image.
 */
export function rotationMethod(name: RotationName): Method {
  return {
    name,
    voluntary: true,
    enabled: (view) =>
      name === 'upgrade'
        ? view.pool.spec.management?.autoUpgrade.enabled === true
        : view.pool.spec.management?.autoPatch.enabled === true,
    propose: (view) => proposeRotation(name, view),
  };
}

function proposeRotation(name: RotationName, view: PoolView): Proposal {
  const image = view.status.image;
  if (view.deleting || !image) return { commands: [] };
  const members = view.candidates.filter(rotatable);
  const mine = members.filter((c) => c.claim?.method === name);
  const owner = rotationOwner(view) === name;
  const nodes = members.map(rotationNode);
  const outdated = nodes.filter((n) => n.version !== image.id);
  if (outdated.length === 0 && mine.length === 0) return { commands: [] };
  const reason = reasonOf(name, image, outdated.length);
  const m = view.pool.spec.management!;
  const maxSize =
    view.pool.spec.scaling.mode === 'Auto' ? (view.pool.spec.scaling.maxSize ?? ESS_MAX_SIZE) : ESS_MAX_SIZE;
  const room = Math.max(0, maxSize - view.desired);
  const admitted = view.candidates.filter((c) => c.node).length;
  const inFlight = view.candidates.filter(
    (c) => c.node && (c.claim !== undefined || isDisrupting(c.node)),
  ).length;
  const budgetLeft = Math.max(0, budgetLimit(view.pool.spec.disruption?.budget, admitted) - inFlight);
  const surge = Math.min(scaled(m.autoUpgrade.maxSurge, view.desired, true), room);
  const unavailable = scaled(m.autoUpgrade.maxUnavailable, view.desired, false);
  const window = mayActNow(m.maintenance.windows, view.now);
  const plan =
    owner && window.open
      ? planRotation(nodes, { target: image.id, maxSurge: surge, maxUnavailable: unavailable, budgetLeft })
      : { commands: [], outdated: outdated.length };
  const first = new Set(mine.filter((c) => c.claim?.replacementsFirst).map((c) => c.instanceId));
  const drained = new Set(mine.filter((c) => !c.claim?.replacementsFirst).map((c) => c.instanceId));
  for (const c of plan.commands) {
    const id = members.find((x) => x.node?.metadata.name === c.node)!.instanceId;
    (c.replacementsFirst ? first : drained).add(id);
  }
  const targets = (ids: Set<string>): Target[] =>
    members
      .filter((c) => ids.has(c.instanceId))
      .map((c) => ({ instanceId: c.instanceId, node: c.node!.metadata.name }));
  const commands: Command[] = [];
  if (first.size > 0) commands.push(command(name, targets(first), true, reason));
  if (drained.size > 0) commands.push(command(name, targets(drained), false, reason));
  const todo = outdated.filter((n) => !n.disrupting);
  if (!owner || todo.length === 0) return { commands };
  if (!window.open) return { commands, pending: windowPending(view, todo, reason, window.opensAt) };
  if (plan.commands.length > 0 || !plan.waiting) return { commands };
  const blocker: Blocker =
    budgetLeft <= 0
      ? {
          kind: 'Budget',
          message: `disruption.budget ${String(view.pool.spec.disruption?.budget ?? '10%')} allows ${budgetLimit(view.pool.spec.disruption?.budget, admitted)} node(s) at once; ${inFlight} in flight`,
        }
      : surge === 0 && unavailable === 0
        ? {
            kind: 'MaxSize',
            message: `no room for a replacement first: the pool is at maxSize ${maxSize} and maxUnavailable is 0`,
          }
        : { kind: 'Replacement', message: plan.waiting };
  return {
    commands,
    pending: { action: 'Replace', nodes: todo.slice(0, 50).map((n) => n.name), reason, blockedBy: [blocker] },
  };
}
