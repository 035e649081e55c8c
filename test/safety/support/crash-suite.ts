import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { kubectl, kubectlOk, uniqueName } from '../../support/kube.js';
import { ensureCrds } from '../../api/support/crds.js';
import { CloudProxy } from './cloud-proxy.js';
import { startTestCloud, type TestCloud } from './cloud.js';
import { OperatorProcess } from './operator-process.js';
import { count } from './invariants.js';
import { rng, runLifecycle, summarize, writeResults, type TrialResult } from './trials.js';

/**
 * The SIGKILL trials, shared by `npm test` (test/safety/crash.test.ts: one lifecycle, 6 kills) and
 * `npm run test:long` (test/safety/crash.long.ts: NODEPOOL_CRASH_LIFECYCLES lifecycles, ≥ 50 kills).
 * The test process is the cloud (simulator + node simulation); the operator is `nodepool-operator run`, a
 * child process behind a recording proxy that kills it at a chosen cloud write.
 */
export function crashSuite(opts: { clusterId: string; lifecycles: number; name: string }): void {
  let cloud: TestCloud;
  let proxy: CloudProxy;
  let operator: OperatorProcess;
  const ns = uniqueName(`${opts.clusterId}-lease`);
  const seed = Number(process.env.NODEPOOL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  /** Lagging reads (seconds; NODEPOOL_CRASH_READ_LAG, default 3): lookups cannot stand in for idempotency. */
  const readLag = Number(process.env.NODEPOOL_CRASH_READ_LAG ?? 3);

  beforeAll(async () => {
    await ensureCrds();
    await kubectlOk(['create', 'namespace', ns]);
    cloud = await startTestCloud(opts.clusterId, 200, readLag);
    proxy = new CloudProxy(cloud.sim.endpoint);
    const endpoint = await proxy.start();
    operator = new OperatorProcess({
      identity: `${opts.clusterId}-0`,
      leaseName: `${opts.clusterId}-lease`,
      leaseNamespace: ns,
      cloudEndpoint: endpoint,
      simEnv: cloud.sim.env(),
      clusterId: opts.clusterId,
      vpcId: cloud.world.vpcId,
      logName: `${opts.name}-${ns}`,
    });
    await operator.start();
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
    await proxy?.stop();
    await cloud?.stop();
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  });

  test(
    `${opts.lifecycles} pool lifecycle(s), the operator SIGKILLed in every step (create, scale out, consolidation of empty nodes, scale in with drain, Subscription launch + attach, delete): every pool converges, 0 leaked / 0 duplicate / 0 Subscription released (seed ${seed}, reads lagging ${readLag} s)`,
    async () => {
      const random = rng(seed);
      const results: TrialResult[] = [];
      const log = (l: string) => process.stderr.write(`${l}\n`);
      for (let i = 0; i < opts.lifecycles; i++) {
        results.push(...(await runLifecycle({ cloud, operator, proxy, random, log }, i)));
      }
      const summary = summarize(results);
      const file = await writeResults(`${opts.name}-${seed}`, results, summary);
      log(`[crash] seed ${seed}: ${JSON.stringify(summary)} (details: ${file}; operator log: ${operator.logFile})`); // prettier-ignore
      const bad = results.filter((r) => count(r.violations) > 0);
      expect(bad).toEqual([]);
      expect(summary.trials).toBe(opts.lifecycles * 6);
      // most kills must land inside the operation, or the trials test little
      expect(summary.midOperation).toBeGreaterThanOrEqual(Math.ceil(summary.trials / 2));
    },
    opts.lifecycles * 300_000,
  );
}
