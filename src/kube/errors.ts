import { z } from 'zod';

/** The `Status` object the API server returns with an error. */
export const StatusSchema = z.looseObject({
  kind: z.literal('Status').optional(),
  status: z.string().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().optional(),
  details: z
    .looseObject({
      retryAfterSeconds: z.number().optional(),
      causes: z
        .array(z.looseObject({ message: z.string().optional(), field: z.string().optional() }))
        .optional(),
    })
    .optional(),
});
export type Status = z.infer<typeof StatusSchema>;

/** An error answer of the Kubernetes API: HTTP status, the Status `reason` and its message. */
export class KubeApiError extends Error {
  readonly statusCode: number;
  readonly reason: string | undefined;
  readonly status: Status | undefined;

  constructor(statusCode: number, message: string, status?: Status, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.reason = status?.reason;
    this.status = status;
  }
}

/** 404: the object (or its namespace, or the resource) does not exist. */
export class NotFoundError extends KubeApiError {
  override readonly name = 'NotFoundError';
}
/** 409: a resourceVersion precondition failed, or the object already exists (`reason` says which). */
export class ConflictError extends KubeApiError {
  override readonly name = 'ConflictError';
  get alreadyExists(): boolean {
    return this.reason === 'AlreadyExists';
  }
}
/** 429: throttled, or an eviction a PodDisruptionBudget blocks. `retryAfterSeconds` when the server said. */
export class TooManyRequestsError extends KubeApiError {
  override readonly name = 'TooManyRequestsError';
  get retryAfterSeconds(): number | undefined {
    return this.status?.details?.retryAfterSeconds;
  }
}
/** 410: the requested resourceVersion is too old (a watch must relist). */
export class GoneError extends KubeApiError {
  override readonly name = 'GoneError';
}
/** 403: RBAC denies it (or an admission plugin forbids it). */
export class ForbiddenError extends KubeApiError {
  override readonly name = 'ForbiddenError';
}
/** 422: the object is invalid; `status.details.causes` names the fields. Also 400 Bad Request. */
export class InvalidError extends KubeApiError {
  override readonly name = 'InvalidError';
}
/** 401: credentials missing or rejected. */
export class UnauthorizedError extends KubeApiError {
  override readonly name = 'UnauthorizedError';
}

/** The typed error for an HTTP status and (when the server sent one) its Status body. */
export function errorForStatus(statusCode: number, body: unknown, context: string): KubeApiError {
  const parsed = StatusSchema.safeParse(typeof body === 'string' ? safeJson(body) : body);
  const status = parsed.success ? parsed.data : undefined;
  const message = `${context}: ${statusCode} ${status?.reason ?? ''} ${status?.message ?? ''}`
    .replace(/\s+/g, ' ')
    .trim();
  switch (statusCode) {
    case 400:
    case 422:
      return new InvalidError(statusCode, message, status);
    case 401:
      return new UnauthorizedError(statusCode, message, status);
    case 403:
      return new ForbiddenError(statusCode, message, status);
    case 404:
      return new NotFoundError(statusCode, message, status);
    case 409:
      return new ConflictError(statusCode, message, status);
    case 410:
      return new GoneError(statusCode, message, status);
    case 429:
      return new TooManyRequestsError(statusCode, message, status);
    default:
      return new KubeApiError(statusCode, message, status);
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return { message: s.slice(0, 500) };
  }
}

/**
 * Any error from talking to the API server, as a typed error: KubeClient already throws KubeApiErrors (the
 * subclass for the HTTP status), which pass through; anything else (network errors) is returned as is.
 */
export function toKubeError(err: unknown): unknown {
  return err;
}

export const isNotFound = (err: unknown): boolean => toKubeError(err) instanceof NotFoundError;
export const isConflict = (err: unknown): boolean => toKubeError(err) instanceof ConflictError;
export const isGone = (err: unknown): boolean => toKubeError(err) instanceof GoneError;
