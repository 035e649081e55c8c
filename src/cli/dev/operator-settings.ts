import { resolveSettings, type Settings } from '../../operator/settings.js';
import type { World } from '../../sim/cloud/index.js';

/** The cluster id of the development cluster (tags the simulator's resources). */
export const DEV_CLUSTER_ID = 'c-dev';

export interface DevOperatorInput {
  kubeconfig: string;
  /** The dev API server URL: what the simulated nodes join. */
  apiServer: string;
  /** The simulator's `.dev/env` variables (region, endpoints, AccessKey, protocol). */
  simEnv: Record<string, string>;
  world: World;
  logLevel?: string | undefined;
}

/**
 * The in-process operator's settings in `dev`, resolved by the same rules as `run`: the dev kubeconfig,
 * namespace kube-system, cluster `c-dev`, the simulator's region and its VPC, the dev API server as the join
 * endpoint, the simulator's endpoints and AccessKey, probes and metrics on free loopback ports, JSON logs.
 * Nothing is read from the caller's environment but LOG_LEVEL (a stray ALIBABA_CLOUD_* must not point the
 * dev operator at a real cloud).
 */
export function devOperatorSettings(input: DevOperatorInput): Settings {
  const regionId = input.simEnv.ALIBABA_CLOUD_REGION_ID ?? input.world.regions[0]?.regionId;
  const region = input.world.regions.find((r) => r.regionId === regionId) ?? input.world.regions[0];
  const vpcId = region?.vpcs[0]?.vpcId;
  return resolveSettings(
    {
      kubeconfig: input.kubeconfig,
      namespace: 'kube-system',
      identity: 'dev',
      clusterId: DEV_CLUSTER_ID,
      region: region?.regionId,
      vpcId,
      apiserverEndpoint: input.apiServer,
      healthProbeBindAddress: '127.0.0.1:0',
      metricsBindAddress: '127.0.0.1:0',
      logFormat: 'json',
      gracefulShutdownTimeout: '10s',
      ...(input.logLevel ? { logLevel: input.logLevel } : {}),
    },
    { ...input.simEnv },
  );
}

/** The `.dev/env` lines that let `nodepool-operator run` (and tools) find the same cluster settings. */
export function devOperatorEnv(s: Settings): Record<string, string> {
  const out: Record<string, string> = {};
  if (s.clusterId) out.NODEPOOL_CLUSTER_ID = s.clusterId;
  if (s.vpcId) out.NODEPOOL_VPC_ID = s.vpcId;
  if (s.apiserverEndpoint) out.NODEPOOL_APISERVER_ENDPOINT = s.apiserverEndpoint;
  return out;
}
