import type { Command } from 'commander';
import { KubeClient, loadKubeConfig } from '../../kube/index.js';
import { UninstallError, cloudResourcesChoice } from '../../uninstall/plan.js';
import { uninstall } from '../../uninstall/uninstall.js';

interface Flags {
  keepCloudResources?: boolean;
  deleteCloudResources?: boolean;
  kubeconfig?: string;
  namespace: string;
  leaderElectionId: string;
  force?: boolean;
}

/** `nodepool-operator uninstall`: remove the operator's finalizers once it is stopped (see README, Uninstall). */
export function register(program: Command): void {
  program
    .command('uninstall')
    .description(
      "after the operator is stopped: remove its finalizers from every NodePool, ManagedNodePool and Node, so none is left stuck; say whether the cloud's scaling groups and instances stay or go",
    )
    .option('--keep-cloud-resources', 'leave scaling groups and instances in the cloud, unmanaged')
    .option('--delete-cloud-resources', 'delete the pools and their instances first (Subscription instances always stay); not available yet')
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--namespace <ns>', "the operator's namespace (where its Lease is)", 'kube-system')
    .option('--leader-election-id <name>', "the operator's Lease", 'alicloud-nodepool-operator')
    .option('--force', 'go on even though the Lease shows a running operator')
    .action(async (f: Flags) => {
      let client: KubeClient | undefined;
      try {
        const cloudResources = cloudResourcesChoice(f);
        client = new KubeClient(loadKubeConfig({ kubeconfig: f.kubeconfig }));
        await uninstall({
          client,
          cloudResources,
          lease: { namespace: f.namespace, name: f.leaderElectionId },
          force: f.force === true,
          report: (l) => process.stdout.write(`${l}\n`),
        });
      } catch (err) {
        if (!(err instanceof UninstallError)) throw err;
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = 2;
      } finally {
        await client?.close();
      }
    }); // prettier-ignore
}
