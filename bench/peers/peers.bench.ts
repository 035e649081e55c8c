// npm run bench:peers — our operator side by side with Karpenter's kwok provider on the same control plane,
// catalogue, boot time and workloads (issue #20). `-- --build` builds the peers ahead and exits; `-- --help`.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cachedBinaries, ensureBinaries } from '../../src/devstack/index.js';
import { cachedKarpenter, ensureKarpenter, KARPENTER_VERSION } from './build.js';
import { runBench, stopRunning, type BenchOptions, type RunResult } from './harness.js';
import { readSavedRuns, table } from './report.js';
import { SYSTEMS, type SystemName } from './systems.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

const HELP = `npm run bench:peers [-- options]
  --build                   build the peers (Karpenter ${KARPENTER_VERSION}) and the control plane if needed, then exit
  --systems LIST            comma-separated: ${SYSTEMS.join(',')} (default: all)
  --workloads LIST          comma-separated: ${WORKLOADS.join(',')} (default: all; basic includes consolidation)
  --runs N                  runs of each (default 3; the table shows medians)
  --scale F                 multiply every pod count (default 1; 0.02 = 20-pod smoke run)
  --boot-seconds S          node boot time every system is given (default 15)
  --consolidate-after S     how long a node is empty/underused before consolidation (default 30)
  --burst-minutes M         length of the burst workload (default 5)
  --timeout-seconds S       a phase unfinished after this is reported as such (default 900)
  --stall-seconds S         …or after this long without progress while pods wait (default 180)
  --quiet-seconds S         consolidation is over after this long without a node change (default 90)
  --json FILE               also write every run's figures as JSON
  --report FILE             print the table of saved --json files instead of running (repeat to combine files,
                            e.g. each system's runs made at different times)
  --keep                    keep the run folders (logs of the control plane and the controllers)`;

const { values: a } = parseArgs({
  options: {
    build: { type: 'boolean' },
    help: { type: 'boolean' },
    systems: { type: 'string' },
    workloads: { type: 'string' },
    runs: { type: 'string' },
    scale: { type: 'string' },
    'boot-seconds': { type: 'string' },
    'consolidate-after': { type: 'string' },
    'burst-minutes': { type: 'string' },
    'timeout-seconds': { type: 'string' },
    'stall-seconds': { type: 'string' },
    'quiet-seconds': { type: 'string' },
    json: { type: 'string' },
    report: { type: 'string', multiple: true },
    keep: { type: 'boolean' },
  },
});

function num(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: a positive number, got ${v}`);
  return n;
}

function list<T extends string>(name: string, v: string | undefined, all: readonly T[]): T[] {
  if (v === undefined) return [...all];
  const items = v.split(',').map((s) => s.trim()).filter(Boolean); // prettier-ignore
  const bad = items.filter((s) => !all.includes(s as T));
  if (bad.length || !items.length) throw new Error(`--${name}: one or more of ${all.join(', ')}; got ${v}`);
  return items as T[];
}

const progress = (line: string): void => void process.stderr.write(`[bench:peers ${new Date().toISOString().slice(11, 19)}] ${line}\n`); // prettier-ignore

function machine(): string {
  const load = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim();
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${load()}`; // prettier-ignore
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping the run under way (not reported)`);
    void stopRunning().finally(() => process.exit(130));
  });
}

if (a.help) {
  console.log(HELP);
  process.exit(0);
}

const loadOf = (m: string): string => m.replace(/^.*?(load average[^;]*)$/, '$1');

try {
  const systems = list<SystemName>('systems', a.systems, SYSTEMS);
  if (a.report) {
    const saved = await readSavedRuns(a.report);
    const lines = saved.map((f) => `- \`${f.command}\`, ${f.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${f.machine.before.replace(/;[^;]*load average.*$/, '')}; load before \`${loadOf(f.machine.before)}\`, after \`${loadOf(f.machine.after)}\``); // prettier-ignore
    const results = saved.flatMap((f) => f.results);
    console.log([`### bench:peers (${saved.length} file${saved.length > 1 ? 's' : ''})`, '', ...lines, '', table(results, SYSTEMS.filter((s) => results.some((r) => r.system === s)))].join('\n')); // prettier-ignore
    process.exit(0);
  }
  if (a.build) {
    await ensureBinaries({ report: progress });
    const k = await ensureKarpenter({ report: progress });
    progress(`Karpenter ${KARPENTER_VERSION}: ${k.binary}`);
    progress(
      'cluster-autoscaler: not built — the Go module proxy refuses every cluster-autoscaler-1.34.x version (docs/performance.md)',
    );
    process.exit(0);
  }
  const opts: BenchOptions = {
    systems,
    workloads: list<WorkloadName>('workloads', a.workloads, WORKLOADS),
    runs: Math.round(num('runs', a.runs, 3)),
    scale: num('scale', a.scale, 1),
    bootSeconds: num('boot-seconds', a['boot-seconds'], 15),
    consolidateAfterSeconds: num('consolidate-after', a['consolidate-after'], 30),
    burstMinutes: num('burst-minutes', a['burst-minutes'], 5),
    timeoutSeconds: num('timeout-seconds', a['timeout-seconds'], 900),
    stallSeconds: num('stall-seconds', a['stall-seconds'], 180),
    quietSeconds: num('quiet-seconds', a['quiet-seconds'], 90),
    workDir: join(tmpdir(), 'nodepool-operator-bench', 'peers'),
    keep: a.keep ?? false,
    progress,
  };
  const binaries = cachedBinaries() ?? (await ensureBinaries({ report: progress }));
  const karpenter = systems.includes('karpenter')
    ? (cachedKarpenter() ?? (await ensureKarpenter({ report: progress })))
    : undefined;
  const command = `npm run bench:peers -- ${process.argv.slice(2).join(' ')}`.trim();
  const before = machine();
  const started = new Date();
  progress(`${opts.runs} run(s) × ${opts.workloads.join(', ')} × ${systems.join(', ')}; scale ${opts.scale}, boot ${opts.bootSeconds} s; ${before}`); // prettier-ignore
  const results: RunResult[] = await runBench(opts, binaries, karpenter, (r) =>
    progress(`done: ${r.system} × ${r.workload} run ${r.run}${r.error ? ` FAILED: ${r.error}` : ''}`),
  );
  const after = machine();
  const out = [
    `### bench:peers, ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Command: \`${command}\`  `,
    `Machine: ${before.replace(/;[^;]*load average.*$/, '')}  `,
    `Load: before \`${loadOf(before)}\`, after \`${loadOf(after)}\`  `,
    `Setup: Karpenter ${KARPENTER_VERSION} (kwok provider), boot ${opts.bootSeconds} s for every node, consolidation after ${opts.consolidateAfterSeconds} s, scale ${opts.scale}, ${opts.runs} run(s) each, medians`, // prettier-ignore
    '',
    table(results, systems),
  ].join('\n');
  console.log(out);
  if (a.json) await writeFile(a.json, JSON.stringify({ command, startedAt: started.toISOString(), machine: { before, after }, options: { ...opts, progress: undefined }, results }, null, 1)); // prettier-ignore
  process.exit(results.some((r) => r.error) ? 1 : 0);
} catch (err) {
  process.stderr.write(`bench:peers: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
