export * from './types.js';
export * from './labels.js';
export { simulate, type SimulationInput } from './simulate.js';
export { simPodOf, podRequests, GPU_RESOURCE } from './pod.js';
export { nodeMatches, selectorMatches, tolerates, untoleratedTaint, taintText } from './requirements.js';
export { existingNodeOf, allocatableOfNode, requestedBy } from './existing.js';
