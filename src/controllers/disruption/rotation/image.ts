/** An image of the pool's image family, as the cloud lists it. */
export interface FamilyImage {
  id: string;
  name: string;
  version?: string | undefined;
  /** Creation time (ms): the newest image of a family is the one created last. */
  created: number;
  kubeletVersion?: string | undefined;
  containerdVersion?: string | undefined;
  /** CVEs this image fixes over the ones before it. */
  fixedCves?: readonly { id: string; severity: string }[] | undefined;
}

export interface ImagePolicy {
  autoUpgrade: boolean;
  /** `autoPatch.enabled` and its severities (`High`, `Medium`, `Low`); empty = off. */
  patchSeverities: readonly string[];
}

export type ImageDecision =
  /** The pool has no pinned image yet: pin the newest. */
  | { kind: 'pin'; image: FamilyImage }
  /** The pinned image is the newest (or nothing newer matters): stay. */
  | { kind: 'stay'; image: FamilyImage }
  /** Rotate the pool onto `image`. */
  | { kind: 'rotate'; image: FamilyImage; from: string; by: 'autoUpgrade' | 'autoPatch'; reason: string }
  /** A newer image exists that the policy does not adopt: reported as `UpgradeAvailable`. */
  | { kind: 'available'; image: FamilyImage; pinned: FamilyImage | undefined; message: string };

const label = (i: FamilyImage): string =>
  `${i.name}${i.version ? ` (version ${i.version})` : ''}${i.kubeletVersion ? `, kubelet ${i.kubeletVersion}` : ''}`;

/**
 * Which image the pool should run. A pool's image is pinned when first resolved; a newer image of the family is
 * adopted by `autoUpgrade` (any newer image), or by `autoPatch` (a newer image fixing a CVE of a listed
 * severity), and otherwise only reported. A pinned image that disappeared from the family (deprecated) is kept
 * as long as the cloud still has it: the caller resolves it by id. Pure.
 */
export function decideImage(
  family: readonly FamilyImage[],
  pinnedId: string | undefined,
  policy: ImagePolicy,
): ImageDecision | undefined {
  const newest = [...family].sort((a, b) => b.created - a.created || a.id.localeCompare(b.id))[0];
  if (!newest) return undefined;
  const pinned = pinnedId === undefined ? undefined : family.find((i) => i.id === pinnedId);
  if (pinnedId === undefined) return { kind: 'pin', image: newest };
  if (newest.id === pinnedId) return { kind: 'stay', image: newest };
  const since = pinned?.created ?? Number.NEGATIVE_INFINITY;
  const newer = family.filter((i) => i.created > since);
  if (newer.length === 0) return pinned ? { kind: 'stay', image: pinned } : undefined;
  if (policy.autoUpgrade) {
    return {
      kind: 'rotate',
      image: newest,
      from: pinnedId,
      by: 'autoUpgrade',
      reason: `a newer image of the family: ${label(newest)}`,
    };
  }
  const wanted = new Set(policy.patchSeverities);
  const fixes = newer.flatMap((i) => (i.fixedCves ?? []).filter((c) => wanted.has(c.severity)));
  if (fixes.length > 0) {
    const ids = [...new Set(fixes.map((c) => `${c.id} (${c.severity})`))].sort().join(', ');
    return {
      kind: 'rotate',
      image: newest,
      from: pinnedId,
      by: 'autoPatch',
      reason: `${label(newest)} fixes ${ids}`,
    };
  }
  const all = [
    ...new Set(newer.flatMap((i) => (i.fixedCves ?? []).map((c) => `${c.id} (${c.severity})`))),
  ].sort();
  const message = `a newer image is available: ${label(newest)}${all.length > 0 ? `, fixing ${all.join(', ')}` : ''}; enable autoUpgrade (or autoPatch for these severities) or change the image to adopt it`;
  return { kind: 'available', image: newest, pinned, message };
}
