import { createLogger, type Logger } from '../../log.js';
import { AdminServer, failInstance, setStock, type StockChange } from './admin.js';
import { buildRouter, createEss } from './api.js';
import { Authenticator, type Credential } from './auth.js';
import { SimClock } from './clock.js';
import { Cloud, DEFAULT_LATENCIES, type LifecycleEvent, type Latencies } from './cloud.js';
import type { Ess } from './ess/groups.js';
import { Faults, type FaultRule, type FaultRuleInput } from './faults.js';
import { CloudAssistant, type CommandResultRule } from './ecs/cloud-assistant.js';
import { NodeFaults, type NodeFaultInput } from './node-faults.js';
import { ActionCounter, ApiServer, LatencyRecorder } from './server.js';
import { generateOidcProvider, type OidcProvider } from './sts.js';
import { readState, restoreEss, restoreInstances, writeState } from './state-file.js';
import { publishImage, type PublishImage } from './images.js';
import { reclaimSpot, scheduleSystemEvent, type SystemEvent, type SystemEventType } from './system-events.js';
import { defaultWorld, loadWorld, saveWorld, type Image, type World } from './world.js';

export type { Cloud, Instance, LifecycleEvent, Latencies } from './cloud.js';
export type { World } from './world.js';
export type { FaultRule, FaultRuleInput } from './faults.js';
export type { SystemEvent, SystemEventType } from './system-events.js';
export type { StockChange } from './admin.js';
export {
  NODE_FAULT_KINDS,
  NodeFaults,
  type NodeFault,
  type NodeFaultInput,
  type NodeFaultKind,
  type NodeFaultRule,
} from './node-faults.js';
export type { OidcProvider } from './sts.js';
export type { CommandResult, CommandResultRule } from './ecs/cloud-assistant.js';
export type { Ess } from './ess/groups.js';
export { SimClock, runtimeClockOf } from './clock.js';
export { ApiError } from './errors.js';
export {
  defaultWorld,
  loadWorld,
  saveWorld,
  parseWorld,
  worldToYaml,
  WorldFileError,
  priceOf,
} from './world.js';

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
  /** Write the world the simulator starts with to this file (YAML), for a person to read and edit. */
  writeWorldTo?: string;
  /** Persist the whole state to this file (atomically, every `saveIntervalMs` and on stop) and restore it at start. */
  stateFile?: string;
  saveIntervalMs?: number;
  /** Simulated seconds per wall second (default 1). */
  timeScale?: number;
  latencies?: Partial<Latencies>;
  /** OIDC providers STS AssumeRoleWithOIDC trusts (RRSA), besides the one the simulator generates. */
  oidcProviders?: OidcProvider[];
  /** Simulated seconds between ESS engine passes (default 5). */
  essTickSeconds?: number;
  /** Default region for the env (default: the world's first region, cn-hangzhou). */
  regionId?: string;
  log?: Logger;
}

export interface Simulator {
  /** `127.0.0.1:PORT`: the endpoint for every product (ECS, ESS, VPC, STS); protocol http. */
  endpoint: string;
  /** `http://127.0.0.1:PORT` of the admin HTTP API. */
  adminUrl: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
  regionId: string;
  world: World;
  clock: SimClock;
  cloud: Cloud;
  /** ESS state (groups, configurations, members, activities, hooks) and its engine. */
  ess: Ess;
  faults: Faults;
  latency: LatencyRecorder;
  /** Calls answered, by action (`/stats` shows them too). */
  calls: ActionCounter;
  /** The `.dev/env` variables that point clients at this simulator. */
  env(): Record<string, string>;
  /** Subscribes to the instance lifecycle feed; returns the unsubscribe function. */
  onLifecycle(fn: (e: LifecycleEvent) => void): () => void;
  addFault(rule: FaultRuleInput): FaultRule;
  /**
   * Lagging reads: for `seconds` (wall time) after they are made, new instances, scaling groups, group members
   * and tags are invisible to DescribeInstances / DescribeScalingGroups / DescribeScalingInstances (0: off).
   */
  setReadLag(seconds: number): void;
  setStock(change: StockChange): void;
  /** Spot reclamation: `Recycling` lock now, release after `noticeSeconds` (simulated, default 300). */
  reclaimSpot(instanceId: string, noticeSeconds?: number): void;
  /**
   * The instance stops responding (it stays Running, so ESS's health check — not Running = unhealthy — does not
   * see it; its Node goes NotReady; a reboot brings it back; feed: `failed`).
   */
  failInstance(instanceId: string): void;
  /** Injected machine failures a node simulation applies when an instance boots (see NodeFaults). */
  nodeFaults: NodeFaults;
  /**
   * A node whose bootstrap fails, or that registers and never becomes Ready: for one instance (`instanceId`) or
   * the next `count` launched into a scaling group (`scalingGroupId`) or with a tag (`tag: {key, value?}`).
   */
  addNodeFault(input: NodeFaultInput): ReturnType<NodeFaults['add']>;
  /**
   * A system event on an instance, executed `inSeconds` (simulated, default 300) from now; `inquiring`: it asks
   * first (Inquiring until AcceptInquiredSystemEvent or its NotBefore).
   */
  scheduleSystemEvent(
    instanceId: string,
    type: SystemEventType,
    inSeconds?: number,
    opts?: { reason?: string; inquiring?: boolean },
  ): SystemEvent;
  /** Publishes a newer image in a family (DescribeImages lists it as the family's newest; `POST /images`). */
  publishImage(input: PublishImage): Image;
  /** Cloud Assistant: commands and invocations; `commandResults` sets what commands return. */
  assistant: CloudAssistant;
  /** Adds a Cloud Assistant result rule (last added wins for a command containing `contains`). */
  setCommandResult(rule: CommandResultRule): void;
  /** The simulator's own OIDC provider (RRSA): its ARN, issuer, and a token signer for tests and the dev env. */
  oidc: { provider: OidcProvider; sign(claims: Record<string, unknown>): string };
  /** Writes the state file now (no-op without `stateFile`). */
  save(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the simulated Alibaba Cloud on 127.0.0.1. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const log = opts.log ?? createLogger({ name: 'sim' });
  const saved = opts.stateFile ? await readState(opts.stateFile) : undefined;
  const world =
    saved?.world ?? opts.world ?? (opts.worldFile ? await loadWorld(opts.worldFile) : defaultWorld());
  if (opts.writeWorldTo) await saveWorld(opts.writeWorldTo, world);
  const clock = new SimClock({
    scale: opts.timeScale ?? 1,
    ...(saved ? { start: Math.max(saved.simulatedTime, Date.now()) } : {}),
  });
  const cloud = new Cloud(world, clock, { ...DEFAULT_LATENCIES, ...opts.latencies });
  if (saved) restoreInstances(cloud, saved);
  const creds: Credential[] = (opts.credentials ?? [DEFAULT_CREDENTIAL]).map((c) => ({ ...c }));
  const first = creds[0];
  if (!first) throw new Error('the simulator needs at least one AccessKey pair');
  const auth = new Authenticator(creds);
  const latency = new LatencyRecorder();
  const calls = new ActionCounter();
  const faults = new Faults(Math.random, cloud.readLag);
  const ess = createEss(cloud, opts.essTickSeconds ?? 5);
  restoreEss(ess.state, saved?.ess);
  const assistant = new CloudAssistant(cloud);
  const generated = generateOidcProvider(world.accountId);
  const oidcProviders = [generated.provider, ...(opts.oidcProviders ?? [])];
  const api = new ApiServer({
    router: buildRouter(cloud, ess, assistant, { providers: oidcProviders, auth }),
    auth,
    log,
    latency,
    calls,
    interceptors: [faults.intercept],
    afterInterceptors: [faults.interceptAfter],
  });
  const nodeFaults = new NodeFaults();
  cloud.feed.on('lifecycle', (e) => nodeFaults.observe(e));
  const admin = new AdminServer({ cloud, faults, nodeFaults, latency, calls, log });
  let endpoint: string;
  let adminUrl: string;
  try {
    endpoint = await api.listen(opts.port ?? 0);
    adminUrl = await admin.listen(opts.adminPort ?? 0);
  } catch (err) {
    clock.stop();
    await api.close();
    throw err;
  }
  ess.engine.start();
  const regionId = opts.regionId ?? world.regions[0]?.regionId ?? 'cn-hangzhou';
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    const file = opts.stateFile;
    if (!file) return Promise.resolve();
    saving = saving
      .then(() => writeState(file, cloud, ess.state))
      .catch((err: unknown) => log.error({ err }, 'state file write failed'));
    return saving;
  };
  const saver = opts.stateFile ? setInterval(() => void save(), opts.saveIntervalMs ?? 2_000) : undefined;
  log.info(
    { endpoint, adminUrl, timeScale: clock.scale, restored: saved?.instances.length ?? 0 },
    'cloud simulator listening',
  );
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    adminUrl,
    credentials: { accessKeyId: first.accessKeyId, accessKeySecret: first.accessKeySecret },
    regionId,
    world,
    clock,
    cloud,
    ess,
    faults,
    latency,
    calls,
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
    onLifecycle: (fn) => {
      cloud.feed.on('lifecycle', fn);
      return () => cloud.feed.off('lifecycle', fn);
    },
    addFault: (rule) => faults.add(rule),
    setReadLag: (seconds) => cloud.readLag.set(seconds),
    setStock: (change) => setStock(cloud, change),
    reclaimSpot: (id, notice) => reclaimSpot(cloud, id, notice),
    failInstance: (id) => {
      const i = cloud.instances.get(id);
      if (!i) throw new Error(`instance ${id} not found`);
      failInstance(cloud, i);
    },
    nodeFaults,
    addNodeFault: (input) => nodeFaults.add(input, (id) => cloud.instances.has(id)),
    scheduleSystemEvent: (id, type, inSeconds = 300, o = {}) =>
      scheduleSystemEvent(cloud, id, type, inSeconds, o.reason, { inquiring: o.inquiring ?? false }),
    publishImage: (input) => publishImage(cloud, input),
    assistant,
    setCommandResult: (rule) => {
      assistant.rules.push(rule);
    },
    oidc: generated,
    save,
    stop: () => {
      stopped ??= (async () => {
        if (saver) clearInterval(saver);
        ess.engine.stop();
        await save();
        clock.stop();
        cloud.stopAll();
        await Promise.all([api.close(), admin.close()]);
      })();
      return stopped;
    },
  };
}
