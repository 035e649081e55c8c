export {
  KubeConfig,
  KubeConfigError,
  loadKubeConfig,
  type Cluster,
  type Context,
  type Credentials,
  type User,
} from './config.js';
export { ExecCredentialError } from './exec-credential.js';
export {
  KubeClient,
  KubeTransportError,
  PatchType,
  type ListOptions,
  type Query,
  type RawWatchEvent,
  type RequestOptions,
  type WatchOptions,
} from './client.js';
export {
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidError,
  KubeApiError,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
  errorForStatus,
  isConflict,
  isGone,
  isNotFound,
  toKubeError,
  type Status,
} from './errors.js';
export { evictPod } from './eviction.js';
export { Resources, apiVersionOf, crd, resourceName, resourcePath, type ResourceRef } from './resources.js';
export * from './schemas.js';
export { FIELD_MANAGER, SchemaError, TypedResource, parseAs, type JsonPatchOp } from './typed.js';
