import { z } from 'zod';
import { AutomationStatus } from '../../apis/v1beta1/index.js';

/** What the preview reads of a pool: its name, kind and `status.automation`. */
export const PoolPreviewSchema = z.object({
  kind: z.string().optional(),
  metadata: z.object({ name: z.string() }),
  status: z
    .object({ automation: z.record(z.string(), AutomationStatus).optional() })
    .loose()
    .optional(),
});
export type PoolPreview = z.output<typeof PoolPreviewSchema>;

/** One line of the preview: what a method of a pool will do next, or did last. */
export interface PreviewRow {
  pool: string;
  kind: string;
  method: string;
  action: string;
  nodes: string[];
  reason: string;
  notBefore: string;
  blockedBy: { kind: string; message: string }[];
  last: string;
}

/** Rows for these pools: each method with a `next`; a pool with none says so. `pool` filters by name. */
export function previewRows(pools: readonly PoolPreview[], pool?: string): PreviewRow[] {
  const rows: PreviewRow[] = [];
  for (const p of [...pools].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    if (pool !== undefined && p.metadata.name !== pool) continue;
    const kind = p.kind ?? 'NodePool';
    const automation = Object.entries(p.status?.automation ?? {});
    const last = (a: AutomationStatus): string =>
      a.lastAction
        ? `${a.lastAction.time ?? ''} ${a.lastAction.action ?? ''} ${(a.lastAction.nodes ?? []).join(',')}`.trim()
        : '';
    const next = automation.filter(([, a]) => a.next);
    for (const [method, a] of next) {
      const n = a.next!;
      rows.push({
        pool: p.metadata.name,
        kind,
        method,
        action: n.action ?? '',
        nodes: n.nodes ?? [],
        reason: n.reason ?? '',
        notBefore: n.notBefore ?? '',
        blockedBy: n.blockedBy ?? [],
        last: last(a),
      });
    }
    if (next.length === 0) {
      const recent = automation
        .filter(([, a]) => a.lastAction)
        .sort(([, a], [, b]) => (b.lastAction?.time ?? '').localeCompare(a.lastAction?.time ?? ''));
      rows.push({
        pool: p.metadata.name,
        kind,
        method: '-',
        action: '-',
        nodes: [],
        reason: 'nothing to disrupt',
        notBefore: '',
        blockedBy: [],
        last: recent[0] ? `${recent[0][0]}: ${last(recent[0][1])}` : '',
      });
    }
  }
  return rows;
}

const blocked = (r: PreviewRow): string =>
  r.blockedBy.length
    ? r.blockedBy.map((b) => `${b.kind}: ${b.message}`).join('; ')
    : r.action === '-'
      ? ''
      : 'nothing (under way)';

/** A table with aligned columns (kubectl style); `wide` adds the kind and the last action. */
export function formatTable(rows: readonly PreviewRow[], wide: boolean): string {
  const head = [
    'POOL',
    ...(wide ? ['KIND'] : []),
    'METHOD',
    'ACTION',
    'NODES',
    'NOT-BEFORE',
    'BLOCKED-BY',
    'REASON',
    ...(wide ? ['LAST'] : []),
  ];
  const cells = rows.map((r) => [
    r.pool,
    ...(wide ? [r.kind] : []),
    r.method,
    r.action,
    r.nodes.join(',') || '-',
    r.notBefore || (r.action === '-' ? '-' : 'now'),
    blocked(r) || '-',
    r.reason,
    ...(wide ? [r.last || '-'] : []),
  ]);
  const cut = (s: string, i: number): string =>
    wide || i < head.length - 1 ? s : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string =>
    c
      .map((x, i) => (i === c.length - 1 ? cut(x, i) : x.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(head), ...cells.map(line)].join('\n');
}
