import { ApiError, missingParameter } from '../errors.js';
import type { Cloud, Instance } from '../cloud.js';
import type { ApiBody, Call } from '../server.js';
import { checkTagKey, matchesTags, mergeTags, readTagFilters, readTags } from './tags.js';

function resources(cloud: Cloud, call: Call, max: number): Instance[] {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  const type = p.required('ResourceType');
  if (type.toLowerCase() !== 'instance') {
    throw new ApiError(
      'InvalidResourceType.NotSupported',
      `The simulator tags instances only, not "${type}".`,
    );
  }
  const ids = p.list('ResourceId', max);
  if (ids.length === 0) throw missingParameter('ResourceId.N');
  return ids.map((id) => cloud.instance(region.regionId, id));
}

export function tagResources(cloud: Cloud, call: Call): ApiBody {
  const targets = resources(cloud, call, 50);
  const tags = readTags(call.params, { required: true });
  const merged = targets.map((i) => mergeTags(i.tags, tags, i.instanceId));
  targets.forEach((i, k) => (i.tags = merged[k] ?? i.tags));
  return {};
}

export function untagResources(cloud: Cloud, call: Call): ApiBody {
  const targets = resources(cloud, call, 50);
  const p = call.params;
  const keys = p.list('TagKey', 20);
  const all = p.bool('All') ?? false;
  if (!all && keys.length === 0) throw missingParameter('TagKey.N');
  keys.forEach((k, idx) => checkTagKey(k, `TagKey.${idx + 1}`));
  for (const i of targets) {
    i.tags = i.tags.filter((t) => t.key.startsWith('acs:') || (!all && !keys.includes(t.key)));
  }
  return {};
}

export function listTagResources(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const region = cloud.region(p.str('RegionId'));
  p.required('ResourceType');
  const ids = p.list('ResourceId', 50);
  const filters = readTagFilters(p);
  if (ids.length === 0 && filters.length === 0) throw missingParameter('ResourceId.N');
  const max = p.int('MaxResults', { min: 1, max: 1000 }) ?? 50;
  const offset = p.has('NextToken')
    ? Number(Buffer.from(p.required('NextToken'), 'base64url').toString())
    : 0;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new ApiError('InvalidParameter.NextToken', 'The specified parameter "NextToken" is not valid.');
  }
  const rows: Record<string, string>[] = [];
  const source =
    ids.length > 0 ? ids.flatMap((id) => cloud.instances.get(id) ?? []) : [...cloud.instances.values()];
  for (const i of source) {
    if (i.regionId !== region.regionId) continue;
    if (filters.length > 0 && !matchesTags(i.tags, filters)) continue;
    for (const t of i.tags) {
      rows.push({
        ResourceId: i.instanceId,
        ResourceType: 'ALIYUN::ECS::INSTANCE',
        TagKey: t.key,
        TagValue: t.value,
      });
    }
  }
  const page = rows.slice(offset, offset + max);
  return {
    NextToken: offset + max < rows.length ? Buffer.from(String(offset + max)).toString('base64url') : '',
    TagResources: { TagResource: page },
  };
}
