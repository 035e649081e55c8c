import { expect, test } from '@jest/globals';
import { crashRig } from './crash-rig.js';
import { count } from './invariants.js';
import { rng, runLifecycle, summarize, writeResults, type TrialResult } from './trials.js';

/**
 * The SIGKILL trials, shared by `npm test` (test/safety/crash.test.ts: one lifecycle, 6 kills) and
 * `npm run test:long` (test/safety/crash.long.ts: NODEPOOL_CRASH_LIFECYCLES lifecycles, ≥ 50 kills).
 * The test process is the cloud (simulator + node simulation); the operator is `nodepool-operator run`, a
 * child process behind a recording proxy that kills it at a chosen cloud write.
 */
export function crashSuite(opts: { clusterId: string; lifecycles: number; name: string }): void {
  const rig = crashRig({ clusterId: opts.clusterId, name: opts.name });
  const { seed, readLag } = rig;

  test(
    `${opts.lifecycles} pool lifecycle(s), the operator SIGKILLed in every step (create, scale out, consolidation of empty nodes, scale in with drain, Subscription launch + attach, delete): every pool converges, 0 leaked / 0 duplicate / 0 Subscription released (seed ${seed}, reads lagging ${readLag} s)`,
    async () => {
      const { cloud, proxy, operator } = rig;
      const random = rng(seed);
      const results: TrialResult[] = [];
      const log = (l: string) => process.stderr.write(`${l}\n`);
      for (let i = 0; i < opts.lifecycles; i++) {
        results.push(...(await runLifecycle({ cloud, operator, proxy, random, log }, i)));
      }
      const summary = summarize(results);
      const file = await writeResults(`${opts.name}-${seed}`, results, summary);
      log(
        `[crash] seed ${seed}: ${JSON.stringify(summary)} (details: ${file}; operator log: ${operator.logFile})`,
      );
      const bad = results.filter((r) => count(r.violations) > 0);
      expect(bad).toEqual([]);
      expect(summary.trials).toBe(opts.lifecycles * 6);
      // most kills must land inside the operation, or the trials test little
      expect(summary.midOperation).toBeGreaterThanOrEqual(Math.ceil(summary.trials / 2));
    },
    opts.lifecycles * 300_000,
  );
}
