import { ApiError, invalidParameter } from '../errors.js';
import type { Tag } from '../cloud.js';
import type { Params } from '../params.js';

export const MAX_TAGS_PER_RESOURCE = 20;
const RESERVED = ['aliyun', 'acs:', 'http://', 'https://'];

export function checkTagKey(key: string, field: string): void {
  if (key.length < 1 || key.length > 128)
    throw invalidParameter(field, 'a tag key is 1 to 128 characters', 'InvalidTagKey.Malformed');
  const lower = key.toLowerCase();
  if (RESERVED.some((p) => lower.startsWith(p))) {
    throw new ApiError(
      'InvalidTagKey.Malformed',
      `The specified parameter "${field}" is not valid: a tag key cannot start with aliyun, acs:, http:// or https://.`,
    );
  }
}

function checkTagValue(value: string, field: string): void {
  if (value.length > 128)
    throw invalidParameter(field, 'a tag value is at most 128 characters', 'InvalidTagValue.Malformed');
  const lower = value.toLowerCase();
  if (lower.startsWith('http://') || lower.startsWith('https://')) {
    throw invalidParameter(
      field,
      'a tag value cannot start with http:// or https://',
      'InvalidTagValue.Malformed',
    );
  }
}

/**
 * `Tag.N.Key` / `Tag.N.Value` of a write call (RunInstances, TagResources): at most 20, unique keys, no
 * reserved prefixes. `required` makes at least one mandatory.
 */
export function readTags(p: Params, opts: { required?: boolean; allowSystem?: boolean } = {}): Tag[] {
  const raw = p.structList('Tag', 1000);
  if (raw.length > MAX_TAGS_PER_RESOURCE) {
    throw new ApiError(
      'InvalidTagCount',
      `The specified tags are beyond the permitted range: at most ${MAX_TAGS_PER_RESOURCE} tags.`,
    );
  }
  if (opts.required && raw.length === 0)
    throw new ApiError(
      'MissingParameter',
      'The input parameter "Tag.N.Key" that is mandatory for processing this request is not supplied.',
    );
  const seen = new Set<string>();
  return raw.map((t, idx) => {
    const key = t.Key;
    if (key === undefined || key === '') {
      throw new ApiError(
        'MissingParameter',
        `The input parameter "Tag.${idx + 1}.Key" that is mandatory for processing this request is not supplied.`,
      );
    }
    if (!opts.allowSystem) checkTagKey(key, `Tag.${idx + 1}.Key`);
    const value = t.Value ?? '';
    checkTagValue(value, `Tag.${idx + 1}.Value`);
    if (seen.has(key))
      throw new ApiError('Duplicate.TagKey', `The Tag.${idx + 1}.Key "${key}" is duplicated.`);
    seen.add(key);
    return { key, value };
  });
}

/** Tag filters of Describe calls: key and optional value. */
export function readTagFilters(p: Params): { key: string; value?: string }[] {
  return p
    .structList('Tag', 20)
    .flatMap((t) =>
      t.Key === undefined || t.Key === ''
        ? []
        : [{ key: t.Key, ...(t.Value === undefined ? {} : { value: t.Value }) }],
    );
}

export function matchesTags(
  tags: readonly Tag[],
  filters: readonly { key: string; value?: string }[],
): boolean {
  return filters.every((f) =>
    tags.some((t) => t.key === f.key && (f.value === undefined || t.value === f.value)),
  );
}

/**
 * Merges tags (same key overwrites) and enforces the 20-tag limit. The limit counts every tag of the resource,
 * the system's `acs:` tags (e.g. `acs:autoscaling:scalingGroupId`) included ("each resource can have up to 20
 * tags": ECS API reference, TagResources); over it: 403 `QuotaExceed.Tags`.
 */
export function mergeTags(existing: readonly Tag[], add: readonly Tag[], resourceId: string): Tag[] {
  const out = existing.map((t) => ({ ...t }));
  for (const t of add) {
    const cur = out.find((x) => x.key === t.key);
    if (cur) cur.value = t.value;
    else out.push({ ...t });
  }
  if (out.length > MAX_TAGS_PER_RESOURCE) {
    const system = out.filter((t) => t.key.startsWith('acs:')).length;
    throw new ApiError(
      'QuotaExceed.Tags',
      `The resource ${resourceId} would have ${out.length} tags (${system} of them system tags), more than ${MAX_TAGS_PER_RESOURCE}.`,
    );
  }
  return out;
}
