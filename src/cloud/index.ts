import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { AlibabaCloudProvider } from './alibaba/provider.js';
import {
  FileCredentialsProvider,
  OidcRoleCredentialsProvider,
  StaticCredentialsProvider,
  type CredentialSource,
  type CredentialsProvider,
} from './alibaba/credentials.js';
import { AlibabaTransport, resolveEndpoints, sdkErrorToCloudError } from './alibaba/transport.js';
import { CloudMetrics } from './metrics.js';
import { RequestPipeline, type PipelineOptions } from './pipeline.js';

export * from './errors.js';
export * from './types.js';
export type { CloudProvider, PoolOwner, WriteOptions } from './provider.js';
export { clientToken } from './client-token.js';
export { AlibabaCloudProvider } from './alibaba/provider.js';
export type { CredentialSource } from './alibaba/credentials.js';

/** What the cloud layer needs from the operator's settings (see src/operator/settings.ts). */
export interface CloudSettings {
  region?: string | undefined;
  accessKeyId?: string | undefined;
  accessKeySecret?: string | undefined;
  securityToken?: string | undefined;
  credentialsFile?: string | undefined;
  roleArn?: string | undefined;
  oidcProviderArn?: string | undefined;
  oidcTokenFile?: string | undefined;
  ecsEndpoint?: string | undefined;
  essEndpoint?: string | undefined;
  vpcEndpoint?: string | undefined;
  stsEndpoint?: string | undefined;
  cloudProtocol: 'https' | 'http';
  cloudQps: number;
  cloudBurst: number;
  cloudActionDefaultQps?: number | undefined;
  cloudActionQps?: Record<string, number> | undefined;
  cloudMaxConcurrency: number;
  cloudTimeout: number;
  cloudMaxAttempts: number;
}

/** True when the settings name a region and some credentials. */
export function cloudConfigured(s: CloudSettings): boolean {
  return Boolean(
    s.region &&
    (s.credentialsFile ||
      (s.accessKeyId && s.accessKeySecret) ||
      (s.roleArn && s.oidcProviderArn && s.oidcTokenFile)),
  );
}

/** Which credential source the settings choose: a credentials file, else an AccessKey pair, else RRSA. */
export function credentialSource(s: CloudSettings): CredentialSource {
  if (s.credentialsFile) return { kind: 'file', path: s.credentialsFile };
  if (s.accessKeyId && s.accessKeySecret)
    return {
      kind: 'static',
      accessKeyId: s.accessKeyId,
      accessKeySecret: s.accessKeySecret,
      securityToken: s.securityToken,
    };
  if (s.roleArn && s.oidcProviderArn && s.oidcTokenFile)
    return {
      kind: 'oidc',
      roleArn: s.roleArn,
      oidcProviderArn: s.oidcProviderArn,
      oidcTokenFile: s.oidcTokenFile,
    };
  throw new Error(
    'no Alibaba Cloud credentials: set ALIBABA_CLOUD_CREDENTIALS_FILE, or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or RRSA (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE)',
  );
}

export interface CloudDeps {
  log?: Logger | undefined;
  /** The operator's metrics registry: the cloud metrics are added to it. */
  registry?: Registry | undefined;
  clock?: Clock | undefined;
  /** Overrides of the pipeline (tests). */
  pipeline?: Partial<PipelineOptions> | undefined;
  signature?: 'v3' | 'v1' | undefined;
  /** The leader lease's fence: once aborted, no cloud call starts (src/runtime/fence.ts). */
  fence?: AbortSignal | undefined;
}

export interface Cloud {
  provider: AlibabaCloudProvider;
  pipeline: RequestPipeline;
  transport: AlibabaTransport;
}

/**
 * Builds the cloud layer from settings: credentials, the one request pipeline (limits, retries, metrics),
 * the SDK transport with endpoints derived from the region (or the overrides `.dev/env` sets for the
 * simulator), and the CloudProvider controllers use.
 */
export function createCloud(s: CloudSettings, deps: CloudDeps = {}): Cloud {
  if (!s.region) throw new Error('the region is not set (ALIBABA_CLOUD_REGION_ID / --region)');
  const clock = deps.clock ?? systemClock;
  const metrics = deps.registry ? new CloudMetrics(deps.registry) : undefined;
  const pipeline = new RequestPipeline(sdkErrorToCloudError, {
    qps: s.cloudQps,
    burst: s.cloudBurst,
    defaultActionQps: s.cloudActionDefaultQps,
    actionQps: s.cloudActionQps,
    maxConcurrency: s.cloudMaxConcurrency,
    attemptTimeoutMs: s.cloudTimeout,
    maxAttempts: s.cloudMaxAttempts,
    ...deps.pipeline,
    clock,
    metrics,
    log: deps.log,
    fence: deps.fence,
  });
  const endpoints = resolveEndpoints(s.region, {
    ecs: s.ecsEndpoint,
    ess: s.essEndpoint,
    vpc: s.vpcEndpoint,
    sts: s.stsEndpoint,
  });
  const source = credentialSource(s);
  // The transport needs the credentials provider and the OIDC provider needs the transport (STS): the
  // closure below runs only after `transport` exists.
  const credentials: CredentialsProvider =
    source.kind === 'file'
      ? new FileCredentialsProvider(source.path, clock)
      : source.kind === 'static'
        ? new StaticCredentialsProvider(source)
        : new OidcRoleCredentialsProvider(
            source,
            (params) => transport.rpc('sts', 'AssumeRoleWithOIDC', params),
            clock,
          );
  const transport: AlibabaTransport = new AlibabaTransport({
    region: s.region,
    endpoints,
    protocol: s.cloudProtocol,
    credentials,
    pipeline,
    ...(deps.signature ? { signature: deps.signature } : {}),
  });
  const provider = new AlibabaCloudProvider({ transport, log: deps.log });
  return { provider, pipeline, transport };
}
