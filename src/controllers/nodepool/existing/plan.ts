import { GROUP } from '../../../apis/v1beta1/constants.js';

/**
 * The ECS tag the operator sets on an existing instance once it re-initialized it for a pool (the value: the pool's
 * uid): its system disk is the pool's image and its user data the pool's. The cloud remembers the step, so a
 * restart mid-way finishes the job without re-imaging twice; a pool re-created under the same name (a new uid)
 * re-initializes again.
 */
export const REINITIALIZED_TAG = `${GROUP}/reinitialized-for`;

/** What an existing instance needs next (pure `planExisting`). */
export type ExistingStep =
  /** In the group: nothing (its Node joins by the normal path). */
  | { kind: 'member' }
  /** The pool detached it on purpose (a scale-in, a deleted Node): not attached again. */
  | { kind: 'retained' }
  /** Between two states (Pending, Starting, Stopping, …): look again. */
  | { kind: 'wait'; status: string }
  /** Running, not yet re-initialized: StopInstance (ECS re-images only a Stopped instance). */
  | { kind: 'stop' }
  /** Stopped, not yet re-initialized: the pool's user data, ReplaceSystemDisk with its image, then the tag. */
  | { kind: 'reinitialize' }
  /** Stopped and re-initialized: StartInstance (the new disk's first boot runs the pool's user data). */
  | { kind: 'start' }
  /** Running and re-initialized: AttachInstances (not entrusted: the operator never releases it). */
  | { kind: 'attach' };

export interface ExistingObserved {
  /** A member of the pool's scaling group. */
  member: boolean;
  /** Listed in `status.retainedInstances`: the pool let it go. */
  retained: boolean;
  /** ECS status and tags (the instance exists: unknown ones are refused before planning). */
  instance: { status: string; tags: Readonly<Record<string, string>> };
  poolUid: string;
}

/** The next step of one existing instance, from what the cloud says of it now. Pure. */
export function planExisting(o: ExistingObserved): ExistingStep {
  if (o.member) return { kind: 'member' };
  if (o.retained) return { kind: 'retained' };
  const done = o.instance.tags[REINITIALIZED_TAG] === o.poolUid;
  switch (o.instance.status) {
    case 'Running':
      return done ? { kind: 'attach' } : { kind: 'stop' };
    case 'Stopped':
      return done ? { kind: 'start' } : { kind: 'reinitialize' };
    default:
      return { kind: 'wait', status: o.instance.status };
  }
}

/** The step's words in the pool's Progressing condition (which step of four). */
export function describeStep(id: string, s: ExistingStep): string | undefined {
  switch (s.kind) {
    case 'stop':
      return `existing instance ${id}: stopping it to re-initialize it (step 1 of 4: stop, re-image, start, attach)`;
    case 'reinitialize':
      return `existing instance ${id}: re-imaging it with the pool's image and user data (step 2 of 4)`;
    case 'start':
      return `existing instance ${id}: starting it on its new system disk (step 3 of 4)`;
    case 'attach':
      return `existing instance ${id}: attaching it to the scaling group (step 4 of 4)`;
    case 'wait':
      return `existing instance ${id}: waiting while it is ${s.status}`;
    default:
      return undefined;
  }
}
