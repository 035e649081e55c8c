/**
 * The cloud layer's typed errors. Controllers branch on these classes, never on SDK classes or raw code
 * strings. Every error keeps the cloud's code, message and RequestId (what a support ticket needs) and never
 * carries credentials.
 */

export type CloudErrorKind =
  | 'NotFound'
  | 'Throttled'
  | 'NoStock'
  | 'QuotaExceeded'
  | 'InvalidConfiguration'
  | 'Conflict'
  | 'AuthFailed'
  | 'IdempotencyMismatch'
  | 'Rejected'
  | 'Transient';

export interface CloudErrorDetails {
  /** The cloud's error code (`OperationDenied.NoStock`), or a transport code (`ECONNRESET`, `Timeout`). */
  code: string;
  /** The cloud's message, as it said it. */
  cloudMessage: string;
  /** The API action (`RunInstances`). */
  action: string;
  requestId?: string | undefined;
  httpStatus?: number | undefined;
  /** How long the cloud asked us to wait (`x-acs-retry-after`), in ms. */
  retryAfterMs?: number | undefined;
}

export abstract class CloudError extends Error {
  abstract readonly kind: CloudErrorKind;
  /** True when the same call may succeed later without any change (throttling, 5xx, network). */
  abstract readonly retryable: boolean;
  readonly code: string;
  readonly cloudMessage: string;
  readonly action: string;
  readonly requestId: string | undefined;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(d: CloudErrorDetails, summary?: string) {
    const rid = d.requestId ? ` (RequestId ${d.requestId})` : '';
    super(`${d.action}: ${summary ?? `${d.code}: ${d.cloudMessage}`}${rid}`);
    this.name = new.target.name;
    this.code = d.code;
    this.cloudMessage = d.cloudMessage;
    this.action = d.action;
    this.requestId = d.requestId;
    this.httpStatus = d.httpStatus;
    this.retryAfterMs = d.retryAfterMs;
  }
}

/** The thing asked about does not exist (instance, scaling group, configuration, activity). */
export class NotFoundError extends CloudError {
  readonly kind = 'NotFound' as const;
  readonly retryable = false;
}

/** The cloud's flow control said no; retried by the pipeline, surfaced only when retries run out. */
export class ThrottledError extends CloudError {
  readonly kind = 'Throttled' as const;
  readonly retryable = true;
}

/** No stock for an instance type in a zone (or the type / zone is not on sale). */
export class NoStockError extends CloudError {
  readonly kind = 'NoStock' as const;
  readonly retryable = false;
  constructor(
    d: CloudErrorDetails,
    readonly instanceType?: string,
    readonly zoneId?: string,
  ) {
    const where = [instanceType, zoneId && `in ${zoneId}`].filter(Boolean).join(' ');
    super(d, where ? `no stock for ${where}: ${d.code}: ${d.cloudMessage}` : undefined);
  }
}

/** A quota ran out (vCPUs, scaling groups, configurations per group, tags, free IPs). */
export class QuotaExceededError extends CloudError {
  readonly kind = 'QuotaExceeded' as const;
  readonly retryable = false;
}

/**
 * What the pool asks for is wrong (bad vSwitch, image, security group, instance type, parameter): fatal until
 * the spec changes. The message names the parameter when the cloud did.
 */
export class InvalidConfigurationError extends CloudError {
  readonly kind = 'InvalidConfiguration' as const;
  readonly retryable = false;
}

/** The resource is busy (activity in progress, wrong state): retry later, with the same parameters. */
export class ConflictError extends CloudError {
  readonly kind = 'Conflict' as const;
  readonly retryable = false;
}

/** The credentials are wrong, disabled or not allowed: fatal until they change. Never retried. */
export class AuthFailedError extends CloudError {
  readonly kind = 'AuthFailed' as const;
  readonly retryable = false;
}

/** A ClientToken was reused with other parameters: a bug in how operation ids are chosen. */
export class IdempotencyMismatchError extends CloudError {
  readonly kind = 'IdempotencyMismatch' as const;
  readonly retryable = false;
}

/** Any other refusal (4xx) of this exact request. Not retried. */
export class RejectedError extends CloudError {
  readonly kind = 'Rejected' as const;
  readonly retryable = false;
}

/** 5xx, a timeout or a network failure: retried by the pipeline, surfaced only when retries run out. */
export class TransientError extends CloudError {
  readonly kind = 'Transient' as const;
  readonly retryable = true;
}

const AUTH = [
  /^InvalidAccessKeyId/,
  /^SignatureDoesNotMatch$/,
  /^IncompleteSignature$/,
  /^InvalidSecurityToken/,
  /^Forbidden/,
  /^NoPermission/,
  /^InvalidCredentials$/,
  /^InvalidTimeStamp/,
  /^Account\.Arrearage$/,
  /^InvalidIdentityToken/,
  /^AuthenticationFail/,
];
const NO_STOCK = [
  /NoStock/,
  /^Zone\.NotOnSale$/,
  /^InvalidInstanceType\.ZoneNotSupported$/,
  /^InvalidZoneId\.NotOnSale$/,
  /^OperationDenied\.InsufficientBalance$/,
];
const QUOTA = [
  /^QuotaExceed/,
  /QuotaExceed/,
  /^NumberExceed/,
  /^InvalidVSwitchId\.IpNotEnough$/,
  /^InvalidTagCount$/,
];
/** NotFound codes that mean the pool's configuration points at something that does not exist. */
const CONFIG_NOT_FOUND = [
  /^InvalidVSwitchId\.NotFound$/,
  /^InvalidImageId\.NotFound$/,
  /^InvalidSecurityGroupId\.NotFound$/,
  /^InvalidRegionId\.NotFound$/,
  /^InvalidKeyPairName\.NotFound$/,
  /^InvalidRamRole\.NotFound$/,
  /^InvalidResourceGroup\.NotFound$/,
  /^InvalidDeploymentSetId\.NotFound$/,
  /^InvalidVpcId\.NotFound$/,
];
const CONFIG = [
  /^InvalidParameter/,
  /^MissingParameter/,
  /^InvalidInstanceType/,
  /^InvalidImageId/,
  /^InvalidSecurityGroupId/,
  /^InvalidVSwitchId/,
  /^InvalidUserData/,
  /^InvalidSystemDisk/,
  /^InvalidDataDisk/,
  /^InvalidDiskCategory/,
  /^InvalidPassword/,
  /^InvalidHostName/,
  /^InvalidTag/,
  /^Duplicate\.TagKey$/,
  /^InvalidScalingGroupName\.Duplicate$/,
  /^InvalidSpot/,
  /^InvalidPeriod/,
  /^ChargeTypeViolation$/,
  /^InvalidInstanceChargeType/,
  /^IncorrectCapacity\./,
];
const CONFLICT = [
  /^IncorrectScalingGroupStatus$/,
  /^ScalingActivityInProgress$/,
  /^OperationConflict$/,
  /^LastTokenProcessing$/,
  /^IncorrectInstanceStatus$/,
  /^InstanceInUse$/,
  /^IncorrectInstanceLifecycleState$/,
  /^InvalidOperation\.DeletionProtection$/,
  /^IncorrectStatus/,
  /InProgress$/,
];

const match = (code: string, list: RegExp[]): boolean => list.some((r) => r.test(code));

/** Parameters of the request that help describe a NoStock error. */
export interface ErrorContext {
  instanceType?: string | undefined;
  zoneId?: string | undefined;
}

/** Classifies a cloud answer (code + HTTP status) as one of our error classes. */
export function classify(d: CloudErrorDetails, ctx: ErrorContext = {}): CloudError {
  const { code } = d;
  const status = d.httpStatus;
  if (/Throttling/i.test(code) || code === 'ServiceUnavailable.Throttling') return new ThrottledError(d);
  if (code === 'IdempotentParameterMismatch') return new IdempotencyMismatchError(d);
  if (match(code, AUTH)) return new AuthFailedError(d);
  if (match(code, NO_STOCK)) {
    const m = /(ecs\.[a-z0-9-]+\.[a-z0-9]+)/.exec(d.cloudMessage);
    return new NoStockError(d, ctx.instanceType ?? m?.[1], ctx.zoneId);
  }
  if (match(code, QUOTA)) return new QuotaExceededError(d);
  if (match(code, CONFIG_NOT_FOUND)) return new InvalidConfigurationError(d);
  if (/NotFound$|NotExist$|\.NotFound\.|^InvalidInstanceId\./.test(code) || status === 404)
    return new NotFoundError(d);
  if (match(code, CONFLICT) || status === 409) return new ConflictError(d);
  if (status !== undefined && status >= 500) return new TransientError(d);
  if (/^(InternalError|ServiceUnavailable|UnknownError)/.test(code)) return new TransientError(d);
  if (match(code, CONFIG)) return new InvalidConfigurationError(d);
  return new RejectedError(d);
}
