import type { Command } from 'commander';
import { KubeClient, loadKubeConfig } from '../../kube/index.js';
import { parseDuration } from '../../controllers/disruption/duration.js';
import { UninstallError, UninstallTimeout, cloudResourcesChoice } from '../../uninstall/plan.js';
import { uninstall } from '../../uninstall/uninstall.js';

interface Flags {
  keepCloudResources?: boolean;
  deleteCloudResources?: boolean;
  kubeconfig?: string;
  namespace: string;
  leaderElectionId: string;
  selector?: string;
  timeout: string;
  force?: boolean;
}

/** `nodepool-operator uninstall`: remove the operator's finalizers once it is stopped (see README, Uninstall). */
export function register(program: Command): void {
  program
    .command('uninstall')
    .description(
      "before removing the operator: say whether the cloud's scaling groups and instances stay (--keep-cloud-resources, with the operator stopped: its finalizers are removed from every NodePool, ManagedNodePool and Node) or go (--delete-cloud-resources, with the operator running: every pool is deleted and its instances released), so no object is left stuck",
    )
    .option(
      '--keep-cloud-resources',
      'the operator is stopped: remove its finalizers; scaling groups and instances stay in the cloud, unmanaged',
    )
    .option(
      '--delete-cloud-resources',
      'the operator runs: delete the pools and wait until their instances are released and groups deleted (Subscription and attached instances always stay)',
    )
    .option('--selector <labels>', 'only the pools with these labels (e.g. team=data), and their Nodes')
    .option(
      '--timeout <duration>',
      'with --delete-cloud-resources: how long to wait for the pools to go (90s, 15m, 1h)',
      '30m',
    )
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--namespace <ns>', "the operator's namespace (where its Lease is)", 'kube-system')
    .option('--leader-election-id <name>', "the operator's Lease", 'alicloud-nodepool-operator')
    .option('--force', 'go on even though the Lease shows a running operator')
    .action(async (f: Flags) => {
      let client: KubeClient | undefined;
      try {
        const cloudResources = cloudResourcesChoice(f);
        let timeoutMs: number;
        try {
          timeoutMs = parseDuration(f.timeout);
        } catch (err) {
          throw new UninstallError(`--timeout: ${(err as Error).message}`);
        }
        client = new KubeClient(loadKubeConfig({ kubeconfig: f.kubeconfig }));
        await uninstall({
          client,
          cloudResources,
          lease: { namespace: f.namespace, name: f.leaderElectionId },
          ...(f.selector ? { selector: f.selector } : {}),
          timeoutMs,
          force: f.force === true,
          report: (l) => process.stdout.write(`${l}\n`),
        });
      } catch (err) {
        if (!(err instanceof UninstallError)) throw err;
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = err instanceof UninstallTimeout ? 1 : 2;
      } finally {
        await client?.close();
      }
    });
}
