import type { PoolImage } from '../../../apis/v1beta1/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { decideImage, type FamilyImage, type ImagePolicy } from '../../disruption/rotation/image.js';
import type { ConditionValue } from '../status/conditions.js';

/** Where the pool's spec says its image comes from: a family (the image type, by CPU) or a Custom image id. */
export type ImageSource =
  | { kind: 'family'; family: string }
  | { kind: 'custom'; id: string; name?: string | undefined; version?: string | undefined };

export interface PinInput {
  source: ImageSource;
  /** `status.image` as the pool last recorded it. */
  prior: DeepReadonly<PoolImage> | undefined;
  /** The family's available images (family sources only). */
  family: readonly FamilyImage[];
  /**
   * The image the pool's active scaling configuration launches, read only when there is no `prior` and the
   * group exists (a pool created before pinning, or a status lost): that is what the pool runs, so it is pinned.
   */
  configurationImage: string | undefined;
  policy: ImagePolicy;
  now: number;
}

/** What changed, for the pool's Events. */
export type PinChange =
  | { kind: 'pinned'; image: PoolImage }
  | { kind: 'spec'; image: PoolImage; from: string }
  | { kind: 'adopted'; image: PoolImage; from: string; by: 'autoUpgrade' | 'autoPatch' };

export interface PinResult {
  /** The image the pool launches from now on (`status.image`). */
  image: PoolImage;
  change?: PinChange | undefined;
  /** The `UpgradeAvailable` condition. */
  upgradeAvailable: ConditionValue;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function recordOf(
  i: FamilyImage,
  family: string,
  adoptedBy: NonNullable<PoolImage['adoptedBy']>,
  now: number,
  reason?: string,
): PoolImage {
  return {
    id: i.id,
    name: i.name,
    ...(i.version ? { version: i.version } : {}),
    family,
    ...(i.kubeletVersion ? { kubeletVersion: i.kubeletVersion } : {}),
    ...(i.containerdVersion ? { containerdVersion: i.containerdVersion } : {}),
    adoptedBy,
    adoptedAt: iso(now),
    ...(reason ? { reason: reason.slice(0, 1024) } : {}),
  };
}

/** A human name of an image: `name (version 2), kubelet v1.34.9`. */
export function imageLabel(i: DeepReadonly<PoolImage>): string {
  const version = i.version ? ` (version ${i.version})` : '';
  return `${i.name ?? i.id}${version}${i.kubeletVersion ? `, kubelet ${i.kubeletVersion}` : ''}`;
}

const newestOf = (family: readonly FamilyImage[]): FamilyImage | undefined =>
  [...family].sort((a, b) => b.created - a.created || a.id.localeCompare(b.id))[0];

function pinCustom(s: Extract<ImageSource, { kind: 'custom' }>, input: PinInput): PinResult {
  const { prior, now } = input;
  const condition: ConditionValue = [
    false,
    'CustomImage',
    `a Custom image (spec.image.id ${s.id}) is pinned by the spec: change spec.image.id to move the pool to another image`,
  ];
  if (prior?.id === s.id && prior.family === undefined)
    return { image: { ...prior }, upgradeAvailable: condition };
  const adoptedBy = prior ? 'Spec' : input.configurationImage === s.id ? 'Configuration' : 'Resolved';
  const image: PoolImage = {
    id: s.id,
    ...(s.name ? { name: s.name } : {}),
    ...(s.version ? { version: s.version } : {}),
    adoptedBy,
    adoptedAt: iso(now),
  };
  const change: PinChange = prior ? { kind: 'spec', image, from: prior.id } : { kind: 'pinned', image };
  return { image, change, upgradeAvailable: condition };
}

/**
 * The pool's image (API.md "Image pinning"), pure. A pool's image is resolved once and recorded: the family's
 * newest for a new pool; what the scaling configuration already launches for a pool that has a group but no
 * record yet (created before pinning existed: no surprise rotation when the operator is upgraded), as long as
 * the family still lists it; the newest again when `spec.image` moves to another family (a spec change is the
 * user's explicit adoption). After that a newer image of the family is adopted only by autoUpgrade (any newer
 * image) or autoPatch (one fixing a CVE of a listed severity) — `decideImage` — and otherwise reported by the
 * condition `UpgradeAvailable`. A pinned image the family no longer lists (deprecated) stays pinned. A Custom
 * image is pinned by its id. Returns undefined when a family source lists no image and nothing is pinned.
 */
export function pinImage(input: PinInput): PinResult | undefined {
  const { source, prior, family, policy, now } = input;
  if (source.kind === 'custom') return pinCustom(source, input);
  const fam = source.family;
  const same = prior !== undefined && prior.family === fam;
  if (!same) {
    const configured =
      prior === undefined ? family.find((i) => i.id === input.configurationImage) : undefined;
    const chosen = configured ?? newestOf(family);
    if (!chosen) return undefined;
    const adoptedBy = configured ? 'Configuration' : prior ? 'Spec' : 'Resolved';
    const image = recordOf(chosen, fam, adoptedBy, now);
    const change: PinChange = prior ? { kind: 'spec', image, from: prior.id } : { kind: 'pinned', image };
    // the new pin is judged like any other (a configuration's older image may already have a newer one)
    const then = pinImage({ ...input, prior: image });
    return then
      ? { ...then, change: then.change ?? change }
      : { image, change, upgradeAvailable: upToDate(image) };
  }
  const d = decideImage(family, prior.id, policy);
  if (!d || d.kind === 'pin' || d.kind === 'stay')
    return { image: refreshed(prior, family), upgradeAvailable: upToDate(prior) };
  if (d.kind === 'available') {
    return { image: refreshed(prior, family), upgradeAvailable: [true, 'NewerImage', d.message] };
  }
  const by = d.by === 'autoUpgrade' ? 'AutoUpgrade' : 'AutoPatch';
  const image = recordOf(d.image, fam, by, now, `${d.by}: ${d.reason}`);
  return {
    image,
    change: { kind: 'adopted', image, from: prior.id, by: d.by },
    upgradeAvailable: upToDate(image),
  };
}

function upToDate(i: DeepReadonly<PoolImage>): ConditionValue {
  const of = i.family ? ` of family ${i.family}` : '';
  return [false, 'UpToDate', `the pool's image ${imageLabel(i)} is the newest${of}`];
}

/** The prior record, with the family's current name / version / software for it when listed. */
function refreshed(prior: DeepReadonly<PoolImage>, family: readonly FamilyImage[]): PoolImage {
  const listed = family.find((i) => i.id === prior.id);
  const base: PoolImage = { ...prior };
  if (!listed) return base;
  return {
    ...base,
    name: listed.name,
    ...(listed.version ? { version: listed.version } : {}),
    ...(listed.kubeletVersion ? { kubeletVersion: listed.kubeletVersion } : {}),
    ...(listed.containerdVersion ? { containerdVersion: listed.containerdVersion } : {}),
  };
}

/**
 * The pinned image id a pool's status records for its spec's image source, or undefined when none is pinned
 * for it yet (a new pool, or spec.image just changed): what every launch of the pool uses.
 */
export function pinnedFor(
  source: { kind: 'family'; family: string } | { kind: 'custom'; id: string },
  image: DeepReadonly<PoolImage> | undefined,
): string | undefined {
  if (!image) return undefined;
  if (source.kind === 'custom')
    return image.family === undefined && image.id === source.id ? image.id : undefined;
  return image.family === source.family ? image.id : undefined;
}
