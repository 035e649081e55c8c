/**
 * The errors the simulator answers with: the real API's codes, messages and HTTP statuses
 * (see docs/simulator.md and the design card ALIBABA-CLOUD.md).
 */

const STATUS: Record<string, number> = {
  'InvalidAccessKeyId.NotFound': 404,
  'InvalidAction.NotFound': 404,
  'InvalidRegionId.NotFound': 404,
  'InvalidInstanceId.NotFound': 404,
  'InvalidVSwitchId.NotFound': 404,
  'InvalidVpcId.NotFound': 404,
  'InvalidImageId.NotFound': 404,
  'InvalidSecurityGroupId.NotFound': 404,
  'InvalidZoneId.NotFound': 404,
  'InvalidScalingGroupId.NotFound': 404,
  'InvalidScalingConfigurationId.NotFound': 404,
  'InvalidResourceGroup.NotFound': 404,
  'InvalidResourceId.NotFound': 404,
  'InvalidResourceType.NotFound': 404,
  'OperationDenied.NoStock': 403,
  'QuotaExceed.ElasticQuota': 403,
  'QuotaExceed.Tags': 403,
  'Forbidden.RAM': 403,
  'Forbidden.Unauthorized': 403,
  'Forbidden.AccessKeyDisabled': 403,
  IncorrectInstanceStatus: 403,
  ChargeTypeViolation: 403,
  'InvalidInstanceType.ZoneNotSupported': 403,
  'InvalidInstanceType.NotSupported': 403,
  'Zone.NotOnSale': 403,
  'InvalidOperation.DeletionProtection': 403,
  LastTokenProcessing: 403,
  'InvalidSecurityToken.Expired': 400,
  'InvalidSecurityToken.Malformed': 400,
  'InvalidSecurityToken.MismatchWithAccessKey': 400,
  'IncorrectVSwitchStatus.NoFreeIp': 403,
  'InvalidVSwitchId.IpNotEnough': 403,
  'InvalidOperation.InstanceLocked': 403,
  OperationConflict: 409,
  InternalError: 500,
  ServiceUnavailable: 503,
};

/**
 * Statuses that differ by product. ESS's common error table: `InvalidAccessKeyId.NotFound` 400,
 * `SignatureDoesNotMatch` 403 (ESS API reference, "Response results", common error codes). ECS, VPC and STS keep
 * 404 for an unknown AccessKey (what the real gateway answers; the design card) and 400 for a bad signature (the
 * design card: "likely 400"; no ECS table found).
 */
const PRODUCT_STATUS: Record<string, Record<string, number>> = {
  Ess: { 'InvalidAccessKeyId.NotFound': 400, SignatureDoesNotMatch: 403 },
};

/** The status of a code in one product when it differs from statusOf's, else undefined. */
export function productStatus(product: string, code: string): number | undefined {
  return PRODUCT_STATUS[product]?.[code];
}

/** The HTTP status the real API answers a code with (400 for every code not listed). */
export function statusOf(code: string): number {
  return STATUS[code] ?? 400;
}

/** An error the API reports to the caller: becomes `{RequestId, HostId, Code, Message, Recommend}`. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra response headers (e.g. `x-acs-retry-after` on throttling). */
  readonly headers: Record<string, string>;
  constructor(
    code: string,
    message: string,
    status: number = statusOf(code),
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.headers = headers;
  }
}

export function missingParameter(name: string): ApiError {
  return new ApiError(
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );
}

export function invalidParameter(name: string, rule: string, code = 'InvalidParameter'): ApiError {
  return new ApiError(code, `The specified parameter "${name}" is not valid: ${rule}.`);
}
