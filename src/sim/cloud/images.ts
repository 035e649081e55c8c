import { z } from 'zod';
import type { Cloud } from './cloud.js';
import { ApiError } from './errors.js';
import { stableId } from './ids.js';
import type { Image } from './world.js';

/**
 * Publishing a newer image in a family, as Alibaba Cloud does when it releases a ContainerOS or Alibaba Cloud
 * Linux update (or a platform team when its image pipeline builds one): DescribeImages lists it with its creation
 * time, so "the newest image of the family" moves; a node booted from it reports its kubelet and containerd
 * versions in `status.nodeInfo`.
 *
 * Where the operator learns what an image fixes: DescribeImages has no CVE field. The simulator writes the fixed
 * CVEs as image tags, one per severity (`nodepool.alicloud.dev/fixes-high: CVE-2026-0001 CVE-2026-0002`), the
 * form a platform team's image pipeline can write on its own images with TagResources; the kubelet and
 * containerd versions likewise (`nodepool.alicloud.dev/kubelet-version`, `.../containerd-version`).
 */
export const publishImageSchema = z.object({
  regionId: z.string().optional(),
  /** The image family, e.g. `acs:containeros_3_x64`; the new image copies its newest image's OS and architecture. */
  family: z.string().min(1),
  version: z.string().max(40).optional(),
  kubeletVersion: z.string().max(40).optional(),
  containerdVersion: z.string().max(40).optional(),
  fixedCves: z
    .array(
      z.object({ id: z.string().regex(/^CVE-\d{4}-\d{4,}$/), severity: z.enum(['High', 'Medium', 'Low']) }),
    )
    .max(100)
    .default([]),
});
export type PublishImage = z.input<typeof publishImageSchema>;

export const IMAGE_TAG = {
  kubelet: 'nodepool.alicloud.dev/kubelet-version',
  containerd: 'nodepool.alicloud.dev/containerd-version',
  fixes: (severity: string): string => `nodepool.alicloud.dev/fixes-${severity.toLowerCase()}`,
} as const;

/** Publishes a newer image in a family of a region; its creation time is the simulated clock's now. */
export function publishImage(cloud: Cloud, input: PublishImage): Image {
  const p = publishImageSchema.parse(input);
  const region = cloud.region(p.regionId ?? cloud.world.regions[0]!.regionId);
  const family = region.images.filter((i) => i.imageFamily === p.family);
  const newest = [...family].sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime))[0];
  if (!newest) {
    throw new ApiError(
      'InvalidImageFamily.NotFound',
      `The specified ImageFamily "${p.family}" does not exist.`,
      404,
    );
  }
  const created = new Date(cloud.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
  const version = p.version ?? String(family.length + 1);
  const image: Image = {
    ...newest,
    imageId: stableId('m', region.regionId, `${p.family}/${version}/${created}`),
    imageName: `${newest.imageName.replace(/\.vhd$/, '')}_v${version}.vhd`,
    imageVersion: version,
    creationTime: created,
    fixedCves: p.fixedCves,
    ...(p.kubeletVersion ? { kubeletVersion: p.kubeletVersion } : {}),
    ...(p.containerdVersion ? { containerdVersion: p.containerdVersion } : {}),
  };
  region.images.push(image);
  return image;
}

/** The image's tags as DescribeImages shows them: its versions and, per severity, the CVEs it fixes. */
export function imageTags(i: Image): { TagKey: string; TagValue: string }[] {
  const tags: { TagKey: string; TagValue: string }[] = [];
  if (i.kubeletVersion) tags.push({ TagKey: IMAGE_TAG.kubelet, TagValue: i.kubeletVersion });
  if (i.containerdVersion) tags.push({ TagKey: IMAGE_TAG.containerd, TagValue: i.containerdVersion });
  for (const severity of ['High', 'Medium', 'Low']) {
    const ids = i.fixedCves.filter((c) => c.severity === severity).map((c) => c.id);
    // a tag value holds at most 128 characters: the ids that fit (the severity is what decides)
    let value = '';
    for (const id of ids) if (`${value} ${id}`.trim().length <= 128) value = `${value} ${id}`.trim();
    if (value) tags.push({ TagKey: IMAGE_TAG.fixes(severity), TagValue: value });
  }
  return tags;
}
