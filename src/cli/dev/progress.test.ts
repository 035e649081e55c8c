import { describe, expect, test } from '@jest/globals';
import { formatProgress, poolView, progressDone, unknownPool, type ProgressState } from './progress.js';

const active = (nodes: ProgressState['nodes'], readySize = 2): ProgressState => ({
  pool: poolView({
    metadata: { name: 'sample' },
    status: {
      phase: 'Active',
      desiredSize: 2,
      currentSize: 2,
      readySize,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'AllNodesReady', message: '2 of 2 nodes are Ready' },
        { type: 'Progressing', status: 'False', reason: 'Reconciled', message: '' },
        { type: 'Degraded', status: 'False', reason: 'Reconciled', message: '' },
      ],
    },
  }),
  nodes,
});

describe('formatProgress', () => {
  test('before the pool exists, and while it has no status', () => {
    expect(formatProgress({ pool: unknownPool('sample'), nodes: [] })).toBe(
      'pool sample: not created yet · no nodes yet',
    );
    const created = { pool: poolView({ metadata: { name: 'sample' } }), nodes: [] };
    expect(formatProgress(created)).toBe(
      'pool sample: waiting for the operator (no status yet) · no nodes yet',
    );
    expect(progressDone(created)).toBe(false);
  });

  test('scaling: sizes, joining nodes and the conditions that explain the wait', () => {
    const state: ProgressState = {
      pool: poolView({
        metadata: { name: 'sample' },
        status: {
          phase: 'Scaling',
          desiredSize: 2,
          currentSize: 2,
          readySize: 1,
          conditions: [
            { type: 'Ready', status: 'False', reason: 'NodesNotReady', message: '1 of 2 nodes are Ready' },
            { type: 'Progressing', status: 'True', reason: 'Scaling', message: 'scaling from 0 to 2 nodes' },
            { type: 'Degraded', status: 'False', reason: 'Reconciled' },
          ],
        },
      }),
      nodes: [
        { name: 'cn-hangzhou.10.0.0.9', ready: false },
        { name: 'cn-hangzhou.10.0.0.3', ready: true },
      ],
    };
    expect(formatProgress(state)).toBe(
      'pool sample: Scaling · desired 2 current 2 ready 1 · ' +
        'nodes 1/2 Ready (cn-hangzhou.10.0.0.3 Ready, cn-hangzhou.10.0.0.9 joining) · ' +
        'Ready=False: 1 of 2 nodes are Ready · Progressing=True: scaling from 0 to 2 nodes',
    );
    expect(progressDone(state)).toBe(false);
  });

  test('done: Active, and as many Ready Nodes as desired; many nodes are counted, long messages clipped', () => {
    const two = [
      { name: 'a', ready: true },
      { name: 'b', ready: true },
    ];
    expect(formatProgress(active(two))).toBe(
      'pool sample: Active · desired 2 current 2 ready 2 · nodes 2/2 Ready (a Ready, b Ready) · done',
    );
    expect(progressDone(active(two))).toBe(true);
    // the status says ready but a Node is not (yet) seen Ready: not done
    expect(
      progressDone(
        active([
          { name: 'a', ready: true },
          { name: 'b', ready: false },
        ]),
      ),
    ).toBe(false);
    expect(progressDone(active(two, 1))).toBe(false);
    const many = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, ready: name !== 'e' }));
    expect(formatProgress(active(many))).toContain('nodes 4/5 Ready · done');
    const degraded = active(two);
    degraded.pool.conditions.push({ type: 'Degraded', status: 'True', message: 'x'.repeat(300) });
    const line = formatProgress(degraded);
    expect(line).toContain(`Degraded=True: ${'x'.repeat(119)}…`);
    expect(line).not.toContain('x'.repeat(121));
  });
});
