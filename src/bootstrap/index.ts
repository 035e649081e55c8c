export { caCertHash } from './ca-hash.js';
export {
  BootstrapInput,
  ExternalJoin,
  ImageType,
  ManagedJoin,
  packageManager,
  type BootstrapInputSource,
} from './input.js';
export { POOL_LABEL, kubeletMaySetLabel, splitLabels } from './labels.js';
export {
  USER_DATA_LIMIT,
  UserDataError,
  kubeletConfiguration,
  renderUserData,
  type RenderedUserData,
} from './render.js';
export {
  SandboxError,
  runInSandbox,
  type InstanceMetadata,
  type SandboxOptions,
  type SandboxResult,
} from './sandbox.js';
