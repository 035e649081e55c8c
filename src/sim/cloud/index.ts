import { createLogger, type Logger } from '../../log.js';
import { buildRouter } from './api.js';
import { Authenticator, type Credential } from './auth.js';
import { SimClock } from './clock.js';
import { Cloud, DEFAULT_LATENCIES, type Latencies } from './cloud.js';
import { ApiServer, LatencyRecorder } from './server.js';
import { defaultWorld, loadWorld, saveWorld, type World } from './world.js';

export type { Cloud, Instance, LifecycleEvent, Latencies } from './cloud.js';
export type { World } from './world.js';
export { SimClock } from './clock.js';
export { ApiError } from './errors.js';
export { defaultWorld, loadWorld, saveWorld, parseWorld, worldToYaml, WorldFileError } from './world.js';

/** The development AccessKey pair the simulator accepts unless told otherwise. */
export const DEFAULT_CREDENTIAL = {
  accessKeyId: 'LTAI5tSimDevAccessKey01',
  accessKeySecret: 'simDevAccessKeySecretForLocalUse0001',
} as const;

export interface SimulatorOptions {
  /** Port of the cloud endpoint (default: a free one). Always 127.0.0.1. */
  port?: number;
  /** Port of the admin HTTP API (default: a free one). */
  adminPort?: number;
  /** AccessKey pairs accepted (default: DEFAULT_CREDENTIAL). */
  credentials?: { accessKeyId: string; accessKeySecret: string }[];
  /** The world to start from (default: `worldFile`, else the default world). */
  world?: World;
  worldFile?: string;
  /** Write the world the simulator starts with to this file (YAML), e.g. for a person to read and edit. */
  writeWorldTo?: string;
  /** Simulated seconds per wall second (default 1). */
  timeScale?: number;
  latencies?: Partial<Latencies>;
  /** Default region for the env (default cn-hangzhou). */
  regionId?: string;
  log?: Logger;
}

export interface Simulator {
  /** `127.0.0.1:PORT`: the endpoint for every product (ECS, ESS, VPC, STS); protocol http. */
  endpoint: string;
  adminUrl: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
  regionId: string;
  world: World;
  clock: SimClock;
  cloud: Cloud;
  latency: LatencyRecorder;
  /** The `.dev/env` variables that point clients at this simulator. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

/** Starts the simulated Alibaba Cloud on 127.0.0.1. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const log = opts.log ?? createLogger({ name: 'sim' });
  const world = opts.world ?? (opts.worldFile ? await loadWorld(opts.worldFile) : defaultWorld());
  if (opts.writeWorldTo) await saveWorld(opts.writeWorldTo, world);
  const clock = new SimClock({ scale: opts.timeScale ?? 1 });
  const cloud = new Cloud(world, clock, { ...DEFAULT_LATENCIES, ...opts.latencies });
  const creds: Credential[] = (opts.credentials ?? [DEFAULT_CREDENTIAL]).map((c) => ({ ...c }));
  const first = creds[0];
  if (!first) throw new Error('the simulator needs at least one AccessKey pair');
  const auth = new Authenticator(creds);
  const latency = new LatencyRecorder();
  const api = new ApiServer({ router: buildRouter(cloud), auth, log, latency });
  const endpoint = await api.listen(opts.port ?? 0);
  const regionId = opts.regionId ?? world.regions[0]?.regionId ?? 'cn-hangzhou';
  const adminUrl = '';
  log.info({ endpoint, timeScale: clock.scale }, 'cloud simulator listening');
  return {
    endpoint,
    adminUrl,
    credentials: { accessKeyId: first.accessKeyId, accessKeySecret: first.accessKeySecret },
    regionId,
    world,
    clock,
    cloud,
    latency,
    env: () => ({
      ALIBABA_CLOUD_ACCESS_KEY_ID: first.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: first.accessKeySecret,
      ALIBABA_CLOUD_REGION_ID: regionId,
      ALIBABA_CLOUD_ECS_ENDPOINT: endpoint,
      ALIBABA_CLOUD_ESS_ENDPOINT: endpoint,
      ALIBABA_CLOUD_VPC_ENDPOINT: endpoint,
      ALIBABA_CLOUD_STS_ENDPOINT: endpoint,
      ALIBABA_CLOUD_PROTOCOL: 'http',
      SIM_ADMIN_URL: adminUrl,
    }),
    stop: async () => {
      clock.stop();
      cloud.stopAll();
      await api.close();
    },
  };
}
