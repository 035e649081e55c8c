export { ensureBinaries, cachedBinaries, type Binaries, type Reporter } from './build.js';
export {
  DevStack,
  KWOK_NODE_ANNOTATION,
  KWOK_NODE_ANNOTATION_VALUE,
  POD_CIDR,
  SERVICE_CIDR,
  type ClusterAccess,
  type DevStackOptions,
} from './controlplane.js';
export { DevstackError } from './errors.js';
export { KUBELET_STOPPED, SIM_KUBELET_ANNOTATION, type SimKubeletState } from './kwok-stages.js';
export { cachedHelm, ensureHelm } from './helm.js';
export { EnvFile } from './env-file.js';
export { cacheRoot } from './paths.js';
export { cleanStale, cleanStaleUnder } from './runfolder.js';
export { VERSIONS } from './versions.js';
