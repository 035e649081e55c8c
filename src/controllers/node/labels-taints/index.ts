export {
  adoptApplied,
  desiredMetadataOf,
  poolNodeSelector,
  appliedAnnotations,
  appliedOrAdopted,
  formatTaint,
  nodeMetadataPatch,
  planNodeMetadata,
  readApplied,
  type AppliedMetadata,
  type DesiredMetadata,
  type NodeMetadataPlan,
  type NodeMetadataView,
  type NodeTaint,
  type TaintRef,
} from './plan.js';
export {
  NO_EXECUTE_TAINT_ADDED,
  syncNodeMetadata,
  type NodeMetadataSyncDeps,
  type NodeMetadataSyncRequest,
  type NodeMetadataSyncResult,
} from './sync.js';
