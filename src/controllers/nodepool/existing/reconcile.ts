import type { CloudInstance, ScalingGroup } from '../../../cloud/types.js';
import { CloudError, ConflictError } from '../../../cloud/errors.js';
import type { PoolDeps, PoolReconcile } from '../context.js';
import { existingInstancesProblem } from '../cloud-policy.js';
import { poolTags } from '../launch.js';
import type { NodePool } from '../../../apis/v1beta1/index.js';
import { ReferenceError } from '../resolve.js';
import { describeStep, planExisting, REINITIALIZED_TAG, type ExistingStep } from './plan.js';

/** The Degraded reason of an existing instance the cloud refused to re-initialize or attach. */
export const EXISTING_FAILED = 'ExistingInstanceFailed';

/** A step the cloud refused (not a race, not a throttle): the pool is Degraded naming the instance. */
export class ExistingInstanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExistingInstanceError';
  }
}

/**
 * `existingInstances` join the pool for real, one level-triggered step per look (plan.ts): each listed instance
 * that is not a member yet is stopped, re-imaged with the pool's image (ReplaceSystemDisk; a Warning Event first:
 * its system disk's data is lost) with the pool's user data, tagged as re-initialized, started — its new disk's
 * first boot runs the pool's bootstrap — and attached to the group (not entrusted: never released by the
 * operator); its Node then registers through the normal join path. Unknown instances, another group's, or ones
 * their owner did not tag `nodepool.alicloud.dev/attachable=true` are refused (Degraded, naming them:
 * cloud-policy.ts). A step the cloud refuses makes the pool Degraded (EXISTING_FAILED) and is not tried again
 * for the same spec generation: no loop of destructive retries.
 */
export async function attachExisting(d: PoolDeps, r: PoolReconcile, group: ScalingGroup): Promise<void> {
  const wanted = r.pool.spec.existingInstances ?? [];
  if (wanted.length === 0) return;
  const inGroup = new Set(r.instances.map((i) => i.instanceId));
  const missing = wanted.filter((id) => !inGroup.has(id));
  if (missing.length === 0) return;
  const failed = priorFailure(d, r);
  if (failed) throw new ExistingInstanceError(failed);
  const found = await d.cloud.describeInstances(missing);
  const problem = existingInstancesProblem(missing, found, group.id, d.cloud.region);
  if (problem) throw new ReferenceError(problem);
  const retained = new Set((r.status.retainedInstances ?? []).map((x) => x.instanceId));
  const steps = found.map((i) => ({
    i,
    step: planExisting({ member: false, retained: retained.has(i.instanceId), instance: i, poolUid: r.uid }),
  }));
  for (const { i, step } of steps) {
    const words = describeStep(i.instanceId, step);
    if (words) r.progress.push(words);
    if (step.kind === 'retained')
      r.log.info(
        { instance: i.instanceId, action: 'existing' },
        'existing instance detached by the pool earlier (retained): not attached again',
      );
    else await act(d, r, i, step);
  }
  const attach = steps.filter((s) => s.step.kind === 'attach').map((s) => s.i.instanceId);
  if (attach.length === 0) return;
  await refusedAs(attach.join(', '), 'attach', () =>
    d.cloud.attachInstances(group.id, attach, {
      operationId: `${r.uid}/existing-attach/${[...attach].sort().join(',')}`,
    }),
  );
  r.log.info({ instance: attach.join(','), action: 'existing-attach' }, 'existing instances attached');
}

/** One instance's step (attach is done for all at once by the caller). */
async function act(d: PoolDeps, r: PoolReconcile, i: CloudInstance, step: ExistingStep): Promise<void> {
  const id = i.instanceId;
  const log = r.log.child({ instance: id, action: `existing-${step.kind}` });
  if (step.kind === 'stop') {
    await refusedAs(id, 'stop', () => d.cloud.stopInstance(id));
    log.info('existing instance stopping');
  } else if (step.kind === 'reinitialize') {
    await reinitialize(d, r, id);
    log.info({ imageId: r.resolved!.imageId }, 'existing instance re-initialized');
  } else if (step.kind === 'start') {
    await refusedAs(id, 'start', () => d.cloud.startInstance(id));
    log.info('existing instance starting');
  }
}

/**
 * The destructive step, once: the Warning Event, ReplaceSystemDisk (its ClientToken from the pool and the instance:
 * a retry after a crash replays it), the pool's user data (run by the new disk's first boot), then the tags that
 * record it — the operator's own (so the join approver knows the instance as the pool's before it is attached)
 * and REINITIALIZED_TAG.
 */
async function reinitialize(d: PoolDeps, r: PoolReconcile, id: string): Promise<void> {
  const { imageId, userData, password } = r.resolved!;
  await d.events.warning(
    r.subject,
    'ExistingInstanceReinitialized',
    'Reinitialize',
    `re-initializing existing instance ${id} with the pool's image ${imageId} and user data: the data on its system disk is lost`,
  );
  const keyPairName = r.pool.spec.login?.keyPairName;
  const spec = { imageId, ...(keyPairName ? { keyPairName } : password ? { password: password.value } : {}) };
  const operationId = `${r.uid}/existing/${id}`;
  // the re-image first: a refused one (another architecture, …) leaves the instance as its owner had it, only stopped
  if (!(await refusedAs(id, 're-image', () => d.cloud.replaceSystemDisk(id, spec, { operationId })))) return;
  if (!(await refusedAs(id, 'set the user data of', () => d.cloud.setUserData(id, userData)))) return;
  // (an instance with too many tags of its own is refused here, QuotaExceed.Tags: Degraded, not re-imaged again)
  const tags = { ...poolTags(r.pool as NodePool, d.cluster), [REINITIALIZED_TAG]: r.uid };
  r.tagged = await refusedAs(id, 'tag', () => d.cloud.tagInstances([id], tags));
}

/**
 * Runs a step; a refusal that is not a race (a state changed under us: the next look plans again) nor a throttle
 * (the pipeline retried it already) becomes an ExistingInstanceError naming the instance and the cloud's words.
 */
async function refusedAs(ids: string, what: string, call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if (err instanceof ConflictError) return false;
    if (err instanceof CloudError && !err.retryable)
      throw new ExistingInstanceError(
        `spec.existingInstances: could not ${what} instance ${ids}: ${err.code}: ${err.cloudMessage} (not tried again until the pool's spec changes)`,
      );
    throw err;
  }
}

/** The message of this generation's earlier refusal (the Degraded condition keeps it), if any. */
function priorFailure(d: PoolDeps, r: PoolReconcile): string | undefined {
  const remembered = d.state.existingFailed.get(r.name);
  if (remembered?.key === r.version) return remembered.message;
  const c = r.prior.conditions?.find((x) => x.type === 'Degraded');
  if (c?.status !== 'True' || c.reason !== EXISTING_FAILED || c.observedGeneration !== r.generation)
    return undefined;
  return c.message;
}
