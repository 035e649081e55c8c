import { describe, expect, test } from '@jest/globals';
import { formatTable, previewRows, type PoolPreview } from './disruptions-format.js';

const pools: PoolPreview[] = [
  {
    kind: 'NodePool',
    metadata: { name: 'web' },
    status: {
      automation: {
        scaleIn: {
          enabled: true,
          lastAction: {
            time: '2026-01-01T00:00:00Z',
            action: 'Released',
            nodes: ['web-1'],
            message: 'desiredSize is 3',
          },
          next: {
            action: 'Remove',
            reason: 'desiredSize is 2, the pool has 3',
            nodes: ['web-2'],
            blockedBy: [
              { kind: 'PodDisruptionBudget', message: 'PodDisruptionBudget shop/guard (pod shop/db-0)' },
            ],
          },
        },
      },
    },
  },
  { kind: 'ManagedNodePool', metadata: { name: 'batch' }, status: {} },
];

describe('the disruptions preview', () => {
  test('a row per method with a next action, what blocks it; a quiet pool says so', () => {
    const rows = previewRows(pools);
    expect(
      rows.map((r) => [r.pool, r.method, r.nodes.join(','), r.blockedBy.map((b) => b.kind).join(',')]),
    ).toEqual([
      ['batch', '-', '', ''],
      ['web', 'scaleIn', 'web-2', 'PodDisruptionBudget'],
    ]);
    expect(previewRows(pools, 'web')).toHaveLength(1);
    expect(previewRows(pools, 'nope')).toEqual([]);
  });

  test('the table names the PodDisruptionBudget; wide adds the kind and the last action', () => {
    const t = formatTable(previewRows(pools), false).split('\n');
    expect(t[0]).toMatch(/^POOL\s+METHOD\s+ACTION\s+NODES\s+NOT-BEFORE\s+BLOCKED-BY\s+REASON$/);
    expect(t[2]).toMatch(
      /^web\s+scaleIn\s+Remove\s+web-2\s+now\s+PodDisruptionBudget: PodDisruptionBudget shop\/guard \(pod shop\/db-0\)\s+desiredSize is 2/,
    );
    expect(t[1]).toMatch(/^batch\s+-\s+-\s+-\s+-\s+-\s+nothing to disrupt$/);
    const w = formatTable(previewRows(pools), true);
    expect(w).toMatch(/KIND/);
    expect(w).toMatch(/2026-01-01T00:00:00Z Released web-1/);
  });
});
