import type { Command } from 'commander';
import { CloudError, cloudConfigured, createCloud, CLUSTER_TAG } from '../../cloud/index.js';
import { createLogger } from '../../log.js';
import { addSettingsOptions, settingsOrExit } from '../settings-options.js';

const CLOUD_FLAGS = new Set([
  'region',
  'cluster-id',
  'vpc-id',
  'access-key-id',
  'access-key-secret',
  'security-token',
  'credentials-file',
  'role-arn',
  'oidc-provider-arn',
  'oidc-token-file',
  'ecs-endpoint',
  'ess-endpoint',
  'vpc-endpoint',
  'sts-endpoint',
  'cloud-protocol',
  'cloud-qps',
  'cloud-burst',
  'cloud-action-default-qps',
  'cloud-action-qps',
  'cloud-max-concurrency',
  'cloud-timeout',
  'cloud-max-attempts',
  'log-level',
]);

/**
 * `nodepool-operator cloud check`: the operator's cloud settings tried for real, read-only — credentials,
 * endpoints, the region's instance types, the cluster's VPC vSwitches and the scaling groups tagged with the
 * cluster. What a user runs when a pool says AuthFailed.
 */
export function register(program: Command): void {
  const cloud = program.command('cloud').description('the Alibaba Cloud connection the operator uses');
  const cmd = cloud
    .command('check')
    .description('try the cloud settings read-only: credentials, endpoints, catalogue, VPC, scaling groups');
  addSettingsOptions(cmd, (flag) => CLOUD_FLAGS.has(flag));
  cmd.action(async (flags: Record<string, unknown>) => {
    const settings = settingsOrExit(flags);
    if (!settings) return;
    if (!cloudConfigured(settings)) {
      process.stderr.write(
        'error: no cloud configured: set the region (ALIBABA_CLOUD_REGION_ID) and credentials (see --help)\n',
      );
      process.exitCode = 2;
      return;
    }
    const { provider } = createCloud(settings, { log: createLogger({ level: settings.logLevel }) });
    const out = (line: string): boolean => process.stdout.write(`${line}\n`);
    const step = async <T>(what: string, fn: () => Promise<T>, show: (v: T) => string): Promise<boolean> => {
      const t0 = performance.now();
      try {
        const v = await fn();
        out(`ok    ${what}: ${show(v)} (${Math.round(performance.now() - t0)} ms)`);
        return true;
      } catch (err) {
        const e = err instanceof CloudError ? `${err.kind}: ${err.message}` : String(err);
        out(`FAIL  ${what}: ${e}`);
        return false;
      }
    };
    out(`region ${provider.region}`);
    let ok = await step(
      'instance types',
      () => provider.instanceTypes(),
      (t) => `${t.length} in the catalogue`,
    );
    if (settings.vpcId) {
      const vpcId = settings.vpcId;
      ok =
        (await step(
          `vSwitches of ${vpcId}`,
          () => provider.vSwitchesOfVpc(vpcId),
          (v) => v.map((x) => `${x.id} (${x.zoneId}, ${x.availableIps} free IPs)`).join(', ') || 'none',
        )) && ok;
    }
    if (settings.clusterId) {
      const cluster = settings.clusterId;
      ok =
        (await step(
          `scaling groups tagged ${CLUSTER_TAG}=${cluster}`,
          () => provider.listClusterScalingGroups(cluster),
          (g) => g.map((x) => `${x.id} ${x.name} ${x.state}`).join(', ') || 'none',
        )) && ok;
    }
    process.exitCode = ok ? 0 : 1;
  });
}
