import { describe, expect, it } from '@jest/globals';
import { classify, NoStockError } from './errors.js';

describe('classify', () => {
  it.each([
    ['Throttling.User', 400, 'Throttled', true],
    ['Throttling.Api', 400, 'Throttled', true],
    ['InternalError', 500, 'Transient', true],
    ['ServiceUnavailable', 503, 'Transient', true],
    ['OperationDenied.NoStock', 403, 'NoStock', false],
    ['Zone.NotOnSale', 403, 'NoStock', false],
    ['QuotaExceed.ElasticQuota', 403, 'QuotaExceeded', false],
    ['QuotaExceeded.ScalingGroup', 400, 'QuotaExceeded', false],
    ['InvalidVSwitchId.NotFound', 404, 'InvalidConfiguration', false],
    ['InvalidImageId.NotFound', 404, 'InvalidConfiguration', false],
    ['InvalidSecurityGroupId.NotFound', 404, 'InvalidConfiguration', false],
    ['InvalidParameter', 400, 'InvalidConfiguration', false],
    ['InvalidUserData.SizeExceeded', 400, 'InvalidConfiguration', false],
    ['InvalidInstanceId.NotFound', 404, 'NotFound', false],
    ['InvalidScalingGroupId.NotFound', 404, 'NotFound', false],
    ['ScalingActivityInProgress', 400, 'Conflict', false],
    ['IncorrectScalingGroupStatus', 400, 'Conflict', false],
    ['OperationConflict', 409, 'Conflict', false],
    ['InvalidAccessKeyId.NotFound', 404, 'AuthFailed', false],
    ['SignatureDoesNotMatch', 400, 'AuthFailed', false],
    ['Forbidden.RAM', 403, 'AuthFailed', false],
    ['InvalidSecurityToken.Expired', 400, 'AuthFailed', false],
    ['IdempotentParameterMismatch', 400, 'IdempotencyMismatch', false],
    ['SomethingElse', 400, 'Rejected', false],
  ])('%s (%i) is %s', (code, status, kind, retryable) => {
    const e = classify({ code, cloudMessage: 'msg', action: 'A', httpStatus: status, requestId: 'R-1' });
    expect(e.kind).toBe(kind);
    expect(e.retryable).toBe(retryable);
    expect(e.message).toContain('R-1');
  });

  it('NoStock takes the type from the request, or from the message', () => {
    const a = classify(
      { code: 'OperationDenied.NoStock', cloudMessage: 'sold out', action: 'RunInstances' },
      { instanceType: 'ecs.g7.large', zoneId: 'cn-hangzhou-h' },
    );
    expect(a).toBeInstanceOf(NoStockError);
    expect(a.message).toBe(
      'RunInstances: no stock for ecs.g7.large in cn-hangzhou-h: OperationDenied.NoStock: sold out',
    );
    const b = classify({
      code: 'OperationDenied.NoStock',
      cloudMessage: 'The resource ecs.c7.2xlarge is out of stock',
      action: 'X',
    });
    expect((b as NoStockError).instanceType).toBe('ecs.c7.2xlarge');
  });
});
