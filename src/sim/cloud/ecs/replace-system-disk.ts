import type { Cloud } from '../cloud.js';
import { ApiError, invalidParameter, missingParameter } from '../errors.js';
import { resourceId } from '../ids.js';
import type { ApiBody, Call } from '../server.js';
import { idempotent } from './run-instances.js';

/**
 * ReplaceSystemDisk (ECS API reference and the ecs20140526 SDK model ReplaceSystemDiskRequest): re-images the
 * system disk of a **Stopped** instance (else 403 IncorrectInstanceStatus) with `ImageId` (required); `SystemDisk.Size`
 * from Max{20, image size} to 2048, default Max{40, image size}; `KeyPairName` / `Password`; `ClientToken` replays the
 * first answer. Answers the new disk's `DiskId`. The instance keeps its id, IP and user data; its image and system
 * disk are the new ones. An image of another architecture than the instance type is 403
 * `InvalidInstanceType.NotSupported` (as RunInstances; unverified for this call).
 */
export function replaceSystemDisk(cloud: Cloud, call: Call): ApiBody {
  const p = call.params;
  return idempotent(cloud, call, () => {
    // the request has no RegionId (SDK model): the instance names it
    const id = p.required('InstanceId');
    const found = cloud.instances.get(id);
    if (!found)
      throw new ApiError('InvalidInstanceId.NotFound', `The specified InstanceId "${id}" does not exist.`);
    const region = cloud.region(found.regionId);
    const i = cloud.instance(region.regionId, id);
    const imageId = p.str('ImageId');
    if (imageId === undefined) throw missingParameter('ImageId');
    const image = cloud.image(region, imageId);
    if (!image)
      throw new ApiError('InvalidImageId.NotFound', `The specified ImageId "${imageId}" does not exist.`);
    const type = cloud.instanceType(i.instanceType);
    if (type && (image.architecture === 'arm64') !== (type.architecture === 'ARM')) {
      throw new ApiError(
        'InvalidInstanceType.NotSupported',
        `The image ${imageId} (${image.architecture}) does not support the instance type ${i.instanceType} (${type.architecture}).`,
        403,
      );
    }
    if (i.status !== 'Stopped') {
      throw new ApiError(
        'IncorrectInstanceStatus',
        `The current status of the resource does not support this operation: ${i.instanceId} is ${i.status}, it must be Stopped.`,
      );
    }
    const min = Math.max(20, image.sizeGiB);
    const size = p.int('SystemDisk.Size') ?? Math.max(40, image.sizeGiB);
    if (size < min || size > 2048) {
      throw invalidParameter(
        'SystemDisk.Size',
        `must be from ${min} (Max{20, image size}) to 2048`,
        'InvalidSystemDiskSize.ValueNotSupported',
      );
    }
    const keyPairName = p.text('KeyPairName', { max: 128 });
    const password = p.str('Password');
    if (password !== undefined && (password.length < 8 || password.length > 30)) {
      throw invalidParameter(
        'Password',
        'a password is 8 to 30 characters with three of: upper, lower, digits, symbols',
        'InvalidPassword.Malformed',
      );
    }
    const diskId = resourceId('d', region.regionId);
    i.imageId = imageId;
    i.systemDisk = { ...i.systemDisk, size, diskId };
    if (keyPairName !== undefined) i.keyPairName = keyPairName;
    else if (password !== undefined) delete i.keyPairName;
    return { DiskId: diskId };
  });
}
