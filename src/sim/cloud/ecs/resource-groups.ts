import { ApiError } from '../errors.js';
import type { Cloud } from '../cloud.js';
import type { ApiBody, Call } from '../server.js';

/** The ResourceType values JoinResourceGroup takes (case-sensitive). */
const TYPES = [
  'instance',
  'disk',
  'snapshot',
  'image',
  'securitygroup',
  'ddh',
  'ddhcluster',
  'eni',
  'keypair',
  'launchtemplate',
];

/** JoinResourceGroup's MissingParameter is a 403 (its error table), unlike the 400 of most actions. */
function missing(name: string): ApiError {
  return new ApiError(
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    403,
  );
}

/**
 * JoinResourceGroup: moves one ECS resource to a resource group (ECS API reference 2014-05-26 "JoinResourceGroup",
 * ecs20140526 JoinResourceGroupRequest: RegionId, ResourceType, ResourceId, ResourceGroupId; no ClientToken). Its
 * error table: 403 MissingParameter (ResourceId, ResourceGroupId, RegionId), 404 InvalidResourceType.NotFound,
 * 404 InvalidResourceGroup.NotFound, 404 InvalidResourceId.NotFound. The simulator keeps resource groups for
 * instances only (DescribeInstances answers `ResourceGroupId`): another documented type answers
 * InvalidResourceId.NotFound, since it holds no such resource.
 */
export function joinResourceGroup(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  const regionId = p.str('RegionId');
  if (regionId === undefined) throw missing('RegionId');
  const region = cloud.region(regionId);
  const id = p.str('ResourceId');
  if (id === undefined) throw missing('ResourceId');
  const group = p.str('ResourceGroupId');
  if (group === undefined) throw missing('ResourceGroupId');
  // the page gives no default for an absent ResourceType: the simulator takes `instance` (unverified)
  const type = p.str('ResourceType') ?? 'instance';
  if (!TYPES.includes(type))
    throw new ApiError(
      'InvalidResourceType.NotFound',
      'The ResourceType provided does not exist in our records.',
    );
  const resourceGroupId = cloud.resourceGroup(group);
  const i = type === 'instance' ? cloud.instances.get(id) : undefined;
  if (!i || i.regionId !== region.regionId)
    throw new ApiError(
      'InvalidResourceId.NotFound',
      'The ResourceId provided does not exist in our records.',
    );
  i.resourceGroupId = resourceGroupId;
  return {};
}
