export { bootInstance, decodeUserData, type BootedNode, type InstanceToBoot } from './boot.js';
export { NodeBootError, readNodeConfig, type NodeConfig } from './node-config.js';
export type { NodeResources } from './register.js';
export { NodeSimulation, type BootOutcome, type NodeSimulationOptions } from './simulation.js';
