export {
  ClusterJoinError,
  caFromClusterInfo,
  caFromKubeconfig,
  readClusterCa,
  readKubernetesVersion,
} from './cluster.js';
export { newClusterJoinProvider, type ClusterJoinDeps, type ClusterJoinProvider } from './provider.js';
export {
  BOOTSTRAPPERS_GROUP,
  POOL_GROUP_PREFIX,
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_TYPE,
  REUSE_MIN_REMAINING_MS,
  TOKEN_POOL_LABEL,
  TOKEN_TTL_MS,
  generateToken,
  parseTokenSecret,
  pickReusable,
  poolGroup,
  poolOfGroups,
  tokenSecretManifest,
  tokenSecretName,
  type PoolOwner,
  type PoolToken,
} from './token.js';
