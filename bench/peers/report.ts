// The side-by-side table: per phase, each figure's median over the runs of each system, and the ratios
// ours ÷ each peer. Markdown, printed and kept in docs/performance.md.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TABLE_FIGURES, medians, ratio, type FigureName, type PhaseFigures } from './figures.js';
import type { RunResult } from './harness.js';
import { SYSTEMS, type SystemName } from './systems.js';
import { PHASES, WORKLOADS, type PhaseName } from './workloads.js';

export const SYSTEM_LABELS: Record<SystemName, string> = {
  karpenter: 'Karpenter',
  ours: 'ours',
};

const fmt = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : String(x));

/** Lower is better for every figure but utilisation. */
const HIGHER_IS_BETTER: ReadonlySet<FigureName> = new Set(['cpuUtilisation', 'memoryUtilisation']);

export function table(results: readonly RunResult[], systems: readonly SystemName[]): string {
  const peers = systems.filter((s) => s !== 'ours');
  const lines: string[] = [];
  for (const phase of PHASES) {
    const bySystem = new Map<SystemName, PhaseFigures[]>();
    for (const s of systems) {
      const runs = results
        .filter((r) => r.system === s)
        .flatMap((r) => (r.phases[phase] ? [r.phases[phase]] : []));
      if (runs.length) bySystem.set(s, runs);
    }
    if (!bySystem.size) continue;
    const med = new Map([...bySystem].map(([s, runs]) => [s, medians(runs)]));
    const present = systems.filter((s) => bySystem.has(s));
    const showRatios = present.includes('ours') ? peers.filter((p) => bySystem.has(p)) : [];
    lines.push(`#### ${phase} (${present.map((s) => `${SYSTEM_LABELS[s]} ${bySystem.get(s)!.length} run${bySystem.get(s)!.length > 1 ? 's' : ''}`).join(', ')})`, ''); // prettier-ignore
    const head = ['figure (median)', ...present.map((s) => SYSTEM_LABELS[s]), ...showRatios.map((p) => `ours ÷ ${SYSTEM_LABELS[p]}`)]; // prettier-ignore
    lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`);
    for (const [name, label] of TABLE_FIGURES) {
      const values = present.map((s) => med.get(s)?.[name]);
      if (values.every((v) => v === undefined)) continue;
      const ratios = showRatios.map((p) => {
        const r = ratio(med.get('ours')?.[name], med.get(p)?.[name]);
        if (r === undefined) return '—';
        const better = HIGHER_IS_BETTER.has(name) ? r >= 1 : r <= 1;
        return `${r}${better ? '' : ' ✗'}`;
      });
      lines.push(`| ${[label, ...values.map(fmt), ...ratios].join(' | ')} |`);
    }
    const types = present.map((s) => {
      const last = bySystem.get(s)!.at(-1)!;
      return `${SYSTEM_LABELS[s]}: ${Object.entries(last.fleet.byType).map(([t, n]) => `${n}× ${t}`).join(', ') || 'no nodes'}`; // prettier-ignore
    });
    lines.push('', `Nodes by type (last run): ${types.join('; ')}.`);
    const bound = bySystem.get(present[0]!)!.at(-1)!.costLowerBound;
    if (bound)
      lines.push(`Cost floor for these requests (cheapest allocatable, no packing loss): ${bound} CNY/h.`);
    for (const s of present) {
      const notes = [...new Set(bySystem.get(s)!.flatMap((f) => (f.note ? [f.note] : [])))];
      if (notes.length) lines.push(`${SYSTEM_LABELS[s]}: ${notes.join(' · ')}`);
    }
    lines.push('');
  }
  const failures = results.filter((r) => r.error);
  if (failures.length) {
    lines.push('Runs that failed:', ...failures.map((r) => `- ${SYSTEM_LABELS[r.system]} × ${r.workload} run ${r.run}: ${r.error}`), ''); // prettier-ignore
  }
  const setup = [...new Set(results.flatMap((r) => r.notes.map((n) => `${SYSTEM_LABELS[r.system]}: ${n}`)))];
  if (setup.length) lines.push('Setup notes:', ...setup.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

/** Figures missing from a phase that should have them, for a quick check in tests. */
export function phaseOf(results: readonly RunResult[], system: SystemName, phase: PhaseName): PhaseFigures[] {
  return results
    .filter((r) => r.system === system)
    .flatMap((r) => (r.phases[phase] ? [r.phases[phase]] : []));
}

const quantilesSchema = z.object({ p50: z.number(), p90: z.number(), max: z.number() });
const fleetSchema = z.object({
  nodes: z.number(),
  byType: z.record(z.string(), z.number()),
  costPerHour: z.number(),
  cpuUtilisation: z.number(),
  memoryUtilisation: z.number(),
});
const phaseSchema = z.object({
  allRunningS: z.number().optional(),
  podRunningS: quantilesSchema.optional(),
  pods: z.number(),
  podsRunning: z.number(),
  decisionS: quantilesSchema.optional(),
  lastNodeReadyS: z.number().optional(),
  fleet: fleetSchema,
  settledS: z.number().optional(),
  fleetBefore: fleetSchema.optional(),
  costLowerBound: z.number(),
  process: z.object({ peakRssMB: z.number(), meanCpuCores: z.number() }),
  note: z.string().optional(),
});
/** A `--json` file of bench:peers (what `--report` reads back). */
export const savedRunsSchema = z.object({
  command: z.string(),
  startedAt: z.string(),
  machine: z.object({ before: z.string(), after: z.string() }),
  results: z.array(
    z.object({
      system: z.enum(SYSTEMS),
      workload: z.enum(WORKLOADS),
      run: z.number(),
      phases: z.partialRecord(z.enum(PHASES), phaseSchema),
      notes: z.array(z.string()),
      error: z.string().optional(),
    }),
  ),
});
export type SavedRuns = z.infer<typeof savedRunsSchema>;

/** The saved runs of one or more `--json` files, checked; an error names the file and the field. */
export async function readSavedRuns(files: readonly string[]): Promise<SavedRuns[]> {
  return Promise.all(
    files.map(async (f) => {
      const parsed = savedRunsSchema.safeParse(JSON.parse(await readFile(f, 'utf8')));
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new Error(`${f}: not a bench:peers --json file (${i?.path.join('.') || 'top'}: ${i?.message})`);
      }
      return parsed.data;
    }),
  );
}
