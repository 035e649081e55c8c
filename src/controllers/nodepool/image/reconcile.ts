import { InvalidConfigurationError } from '../../../cloud/errors.js';
import { ConditionType, type NodePool } from '../../../apis/v1beta1/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import type { ImagePolicy } from '../../disruption/rotation/image.js';
import type { PoolDeps, PoolReconcile } from '../context.js';
import { ReferenceError, imageSourceOf } from '../resolve.js';
import { imageLabel, pinImage, type ImageSource, type PinChange } from './pin.js';

/** What autoUpgrade / autoPatch adopt (`spec.management`; a ManagedNodePool's blocks are mapped there). */
export function imagePolicyOf(pool: DeepReadonly<NodePool>): ImagePolicy {
  const m = pool.spec.management;
  return {
    autoUpgrade: m?.autoUpgrade.enabled === true,
    patchSeverities: m?.autoPatch.enabled ? [...m.autoPatch.severities] : [],
  };
}

/** The spec's image source, a Custom image checked to exist (with its name). */
async function sourceOf(
  d: PoolDeps,
  pool: DeepReadonly<NodePool>,
  arm: boolean | undefined,
): Promise<ImageSource> {
  const s = imageSourceOf(pool as NodePool, arm);
  if (s.kind === 'family') return s;
  const [found] = await d.images.images([s.id]);
  if (!found) throw new ReferenceError(`spec.image.id: image ${s.id} does not exist in ${d.cloud.region}`);
  return { kind: 'custom', id: s.id, name: found.name, version: found.version };
}

/** The image the group's active scaling configuration launches (read once, for a pool without a record). */
async function configurationImage(d: PoolDeps, r: PoolReconcile): Promise<string | undefined> {
  const groupId = r.prior.scalingGroupId;
  if (r.prior.image || !groupId) return undefined;
  const configs = await d.cloud.scalingConfigurations(groupId).catch(() => []);
  return configs.find((c) => c.active)?.imageId;
}

function changeEvent(c: PinChange, rotates: boolean): [string, string] {
  const rotation = rotates
    ? 'nodes running another image are replaced by rotation (maxSurge, maxUnavailable, the disruption budget, inside the maintenance windows)'
    : 'existing nodes are not replaced (autoUpgrade is off)';
  switch (c.kind) {
    case 'pinned':
      return [
        'ImagePinned',
        `the pool's image is pinned to ${c.image.id} (${imageLabel(c.image)}); a newer image of its family is adopted only by autoUpgrade / autoPatch or a change of spec.image`,
      ];
    case 'spec':
      return [
        'ImageChanged',
        `spec.image changed: new nodes launch with ${c.image.id} (${imageLabel(c.image)}) instead of ${c.from}; ${rotation}`,
      ];
    case 'adopted':
      return [
        'ImageAdopted',
        `${c.image.reason ?? c.by}: new nodes launch with ${c.image.id} instead of ${c.from}; ${rotation}`,
      ];
  }
}

/**
 * Image pinning (API.md "Image pinning"): the pool's image is resolved once and kept in `status.image`; the
 * scaling configuration launches that id. A newer image of the family is adopted by autoUpgrade / autoPatch
 * (the rotation method then replaces the nodes running another image) or by a change of spec.image; otherwise
 * the condition UpgradeAvailable reports it. The family is listed at most once per `--image-check-interval`
 * for all pools of that family. Leaves `r.status.image`, `r.upgradeAvailable`, and the id in `r.pinnedImage`.
 */
export async function reconcileImage(d: PoolDeps, r: PoolReconcile): Promise<string> {
  const source = await sourceOf(d, r.pool, r.arm);
  const family = source.kind === 'family' ? await d.images.familyImages(source.family) : [];
  const policy = imagePolicyOf(r.pool);
  const res = pinImage({
    source,
    prior: r.prior.image,
    family,
    configurationImage: await configurationImage(d, r),
    policy,
    now: d.clock.now(),
  });
  if (!res) {
    const family0 = source.kind === 'family' ? source.family : '';
    throw new InvalidConfigurationError({
      code: 'InvalidImageId.NotFound',
      cloudMessage: `no image of family ${family0} in ${d.cloud.region}`,
      action: 'DescribeImages',
    });
  }
  r.status.image = res.image;
  r.upgradeAvailable = res.upgradeAvailable;
  if (res.change) {
    const [reason, message] = changeEvent(res.change, policy.autoUpgrade || res.change.kind === 'adopted');
    await d.events.normal(r.subject, reason, 'Image', message);
    r.log.info(
      {
        action: 'image',
        image: res.image.id,
        change: res.change.kind,
        from: 'from' in res.change ? res.change.from : undefined,
      },
      message,
    );
  }
  const prior = r.prior.conditions?.find((c) => c.type === ConditionType.UpgradeAvailable);
  const [available, , message] = res.upgradeAvailable;
  if (available && (prior?.status !== 'True' || prior.message !== message)) {
    await d.events.normal(r.subject, 'UpgradeAvailable', 'Image', message);
  }
  return res.image.id;
}
