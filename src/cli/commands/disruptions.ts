import type { Command } from 'commander';
import { POOL_KINDS } from '../../controllers/nodepool/kinds.js';
import { KubeClient, TypedResource, loadKubeConfig } from '../../kube/index.js';
import { PoolPreviewSchema, formatTable, previewRows, type PoolPreview } from './disruptions-format.js';

interface Flags {
  pool?: string;
  output: string;
  kubeconfig?: string;
}

/**
 * `nodepool-operator disruptions`: what the disruption engine will do next in each pool — which nodes, why,
 * the earliest time, and what holds it (the budget, which PodDisruptionBudget, the window, which do-not-disrupt
 * pod) — read from each pool's `status.automation`, as a table (`-o wide` adds the kind and the last action) or
 * JSON.
 */
export function register(program: Command): void {
  program
    .command('disruptions')
    .description(
      'what will be disrupted next in each pool, why, the earliest time, and what holds it back (from status.automation)',
    )
    .option('--pool <name>', 'only this pool (NodePool or ManagedNodePool)')
    .option('-o, --output <format>', 'table, wide or json', 'table')
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config or in-cluster)')
    .action(async (f: Flags) => {
      if (!['table', 'wide', 'json'].includes(f.output)) {
        process.stderr.write(`error: -o ${f.output}: must be table, wide or json\n`);
        process.exitCode = 2;
        return;
      }
      const client = new KubeClient(loadKubeConfig({ kubeconfig: f.kubeconfig }));
      try {
        const pools: PoolPreview[] = [];
        for (const k of Object.values(POOL_KINDS)) {
          const { items } = await new TypedResource(client, k.ref, PoolPreviewSchema).list();
          pools.push(...items.map((p) => ({ ...p, kind: k.kind })));
        }
        const rows = previewRows(pools, f.pool);
        if (f.pool !== undefined && rows.length === 0) {
          process.stderr.write(`error: --pool ${f.pool}: no NodePool or ManagedNodePool of that name\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(
          `${f.output === 'json' ? JSON.stringify(rows, null, 2) : formatTable(rows, f.output === 'wide')}\n`,
        );
      } finally {
        await client.close();
      }
    });
}
