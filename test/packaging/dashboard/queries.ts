import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_DIR } from '../../../src/packaging/helm.js';

// The chart's Grafana dashboard, read as Grafana reads it, and what its PromQL names: the metric names and the
// label names (matchers, `by` / `without` / `on` / `ignoring` / `group_*` clauses, label_values()), to check
// against what the operator's /metrics really exports.

export const DASHBOARD_FILE = join(CHART_DIR, 'dashboards', 'nodepool-operator.json');

export interface Query {
  /** Where it is: the panel's title (and its target's refId), or the template variable's name. */
  where: string;
  expr: string;
}

interface Panel {
  title?: string;
  type?: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  panels?: Panel[];
  templating?: { list?: { name: string; type: string; query?: string | { query?: string } }[] };
}

/** Every PromQL expression of the dashboard: the panels' targets (rows included) and the query variables. */
export function dashboardQueries(file = DASHBOARD_FILE): Query[] {
  const d = JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
  const out: Query[] = [];
  const visit = (panels: Panel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? [])
        out.push({ where: `${p.title ?? '?'} (${t.refId ?? '?'})`, expr: t.expr ?? '' });
      visit(p.panels ?? []);
    }
  };
  visit(d.panels ?? []);
  for (const v of d.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    out.push({ where: `variable $${v.name}`, expr: q });
  }
  return out;
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
  'atan2',
]);

/** The metric names and label names a PromQL expression (or a `label_values(metric, label)` query) uses. */
export function namesIn(expr: string): { metrics: string[]; labels: string[] } {
  const labels = new Set<string>();
  const lv = /^\s*label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*([a-zA-Z_]\w*)\s*\)\s*$/.exec(expr);
  if (lv) return { metrics: [lv[1]!], labels: [lv[2]!] };
  let e = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""').replace(/\$\{?\w+\}?/g, ' ');
  e = e.replace(/\{([^}]*)\}/g, (_, inner: string) => {
    for (const m of inner.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.add(m[1]!);
    return ' ';
  });
  e = e.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_, _kw: string, inner: string) => {
      for (const l of inner
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean))
        labels.add(l);
      return ' ';
    },
  );
  e = e.replace(/\[[^\]]*\]/g, ' ');
  const metrics = new Set<string>();
  for (const m of e.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (m[2] !== undefined || KEYWORDS.has(m[1]!)) continue;
    metrics.add(m[1]!);
  }
  return { metrics: [...metrics], labels: [...labels] };
}

/** What a Prometheus text exposition declares: each series name with the label names its samples carry. */
export function exposition(text: string): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      const [, name, kind] = type;
      const names =
        kind === 'histogram'
          ? [`${name}_bucket`, `${name}_sum`, `${name}_count`]
          : kind === 'summary'
            ? [name!, `${name}_sum`, `${name}_count`]
            : [name!];
      for (const n of names) if (!series.has(n)) series.set(n, new Set());
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s/.exec(line);
    if (!sample || line.startsWith('#')) continue;
    const set = series.get(sample[1]!) ?? new Set<string>();
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="/g)) set.add(m[1]!);
    series.set(sample[1]!, set);
  }
  return series;
}

/**
 * What in the dashboard /metrics does not back: a metric it names that is not exported, and a label it uses
 * that none of its metrics' samples carry (checked only where those metrics have samples in this scrape).
 */
export function checkDashboardAgainst(queries: readonly Query[], metricsText: string): string[] {
  const exported = exposition(metricsText);
  const problems: string[] = [];
  for (const q of queries) {
    const { metrics, labels } = namesIn(q.expr);
    if (metrics.length === 0) problems.push(`${q.where}: names no metric: ${q.expr}`);
    for (const m of metrics) if (!exported.has(m)) problems.push(`${q.where}: ${m} is not exported`);
    const seen = metrics.flatMap((m) => [...(exported.get(m) ?? [])]);
    if (seen.length === 0) continue;
    for (const l of labels)
      if (!seen.includes(l)) problems.push(`${q.where}: no sample of ${metrics.join(', ')} has a label ${l}`);
  }
  return problems;
}
