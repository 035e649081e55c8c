// The side-by-side harness (bench/peers, `npm run bench:peers`) on its 20-pod smoke size, against each peer and
// our operator: each run starts its own control plane (not the suite's), its controller, and the basic workload
// with its consolidation phase. The full-size figures are a benchmark (docs/performance.md), never asserted here.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinaries, type Binaries } from '../../src/devstack/index.js';
import { ensureKarpenter, type KarpenterBuild } from '../../bench/peers/build.js';
import { catalogue } from '../../bench/peers/catalogue.js';
import { runOne, type BenchOptions } from '../../bench/peers/harness.js';
import { table } from '../../bench/peers/report.js';
import type { SystemName } from '../../bench/peers/systems.js';

const BOOT_S = 5;
const log = (line: string): void => void process.stderr.write(`[peers] ${line}\n`);
const opts: BenchOptions = {
  systems: ['karpenter', 'ours'],
  workloads: ['basic'],
  runs: 1,
  scale: 0.02, // 10 small + 10 large pods
  bootSeconds: BOOT_S,
  consolidateAfterSeconds: 10,
  burstMinutes: 1,
  timeoutSeconds: 300,
  stallSeconds: 120,
  quietSeconds: 60,
  workDir: join(tmpdir(), 'nodepool-operator-test-peers'),
  progress: log,
};
let binaries: Binaries;
let karpenter: KarpenterBuild;

beforeAll(async () => {
  binaries = await ensureBinaries({ report: log });
  karpenter = await ensureKarpenter({ report: log });
}, 3_600_000);

/** One smoke run of `system`: the 20 pods scale out on the shared catalogue after the boot time, then 14 remain. */
async function smoke(system: SystemName): Promise<void> {
  const r = await runOne(system, 'basic', 1, opts, binaries, karpenter);
  expect(r.error).toBeUndefined();
  const basic = r.phases.basic!;
  expect(basic.note).toBeUndefined();
  expect(basic.pods).toBe(20);
  expect(basic.podsRunning).toBe(20);
  // no pod can run before a node exists, and no node before the boot time every system is given
  expect(basic.allRunningS).toBeGreaterThanOrEqual(BOOT_S);
  expect(basic.podRunningS!.p50).toBeGreaterThanOrEqual(BOOT_S);
  expect(basic.decisionS!.p50).toBeGreaterThanOrEqual(0);
  expect(basic.fleet.nodes).toBeGreaterThan(0);
  // every node is of the catalogue, priced from it
  const names = new Set(catalogue().types.map((t) => t.name));
  for (const t of Object.keys(basic.fleet.byType)) expect(names.has(t)).toBe(true);
  expect(basic.fleet.costPerHour).toBeGreaterThanOrEqual(basic.costLowerBound);
  expect(basic.fleet.cpuUtilisation).toBeGreaterThan(0);
  expect(basic.fleet.cpuUtilisation).toBeLessThanOrEqual(100);
  expect(basic.fleet.memoryUtilisation).toBeLessThanOrEqual(100);
  expect(basic.process.peakRssMB).toBeGreaterThan(10);
  const consolidation = r.phases.consolidation!;
  expect(consolidation.pods).toBe(14);
  expect(consolidation.fleetBefore).toEqual(basic.fleet);
  expect(consolidation.fleet.costPerHour).toBeLessThanOrEqual(basic.fleet.costPerHour);
  const printed = table([r], [system]);
  expect(printed).toContain('| all Running (s) |');
  log(`\n${printed}`);
}

describe('bench:peers smoke (20 pods)', () => {
  test('Karpenter scales the basic workload out on the shared catalogue after the equal boot time, consolidates, and every figure is reported', () =>
    smoke('karpenter'));

  test('our operator scales the same workload out with its Auto pools after the same boot time, and every figure is reported', () =>
    smoke('ours'));
});
