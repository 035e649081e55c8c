export {
  KEPT_POD_ANNOTATIONS,
  PODS_BY_NODE,
  PODS_UNSCHEDULABLE,
  podInformer,
  podsOnNode,
  trimPod,
  unschedulablePods,
} from './informer.js';
export { REASON_UNSCHEDULABLE, isUnschedulable } from './pending.js';
