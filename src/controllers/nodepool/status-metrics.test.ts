import { describe, expect, test } from '@jest/globals';
import { Registry } from 'prom-client';
import { Annotation } from '../../apis/v1beta1/constants.js';
import { POOL_LABEL } from '../../bootstrap/labels.js';
import type { Node } from '../../kube/schemas.js';
import { nodeState, nodesByPool, poolsByPhase, registerPoolStatusMetrics } from './status-metrics.js';

const node = (name: string, pool: string | undefined, ready?: string, draining = false): Node => ({
  metadata: {
    name,
    ...(pool ? { labels: { [POOL_LABEL]: pool } } : {}),
    ...(draining ? { annotations: { [Annotation.drainStarted]: '2026-01-01T00:00:00Z' } } : {}),
  },
  ...(ready ? { status: { conditions: [{ type: 'Ready', status: ready }] } } : {}),
});

const pool = (name: string, phase?: string) => ({
  metadata: { name },
  ...(phase ? { status: { phase } } : {}),
});

describe('pool status metrics', () => {
  test('pools by phase: every phase present, pools without a phase under Unknown', () => {
    const counts = poolsByPhase([pool('a', 'Active'), pool('b', 'Active'), pool('c', 'Degraded'), pool('d')]);
    expect(Object.fromEntries(counts)).toEqual({
      Initializing: 0,
      Active: 2,
      Updating: 0,
      Scaling: 0,
      Deleting: 0,
      Degraded: 1,
      Unknown: 1,
    });
  });

  test.each([
    ['True', 'ready'],
    ['False', 'not_ready'],
    ['Unknown', 'unknown'],
    [undefined, 'unknown'],
  ])('a Node whose Ready condition is %s is %s', (ready, state) => {
    expect(nodeState(node('n', 'p', ready))).toBe(state);
  });

  test("nodes by pool and state: only the given pools' Nodes, every pool with every state, draining Nodes apart", () => {
    const nodes = [
      node('1', 'a', 'True'),
      node('2', 'a', 'False', true),
      node('3', 'b', 'True'),
      node('4', 'other', 'True'),
      node('5', undefined, 'True'),
    ];
    const r = nodesByPool(['a', 'b', 'empty'], nodes);
    expect(Object.fromEntries(r.states)).toEqual({
      a: { ready: 1, not_ready: 1, unknown: 0 },
      b: { ready: 1, not_ready: 0, unknown: 0 },
      empty: { ready: 0, not_ready: 0, unknown: 0 },
    });
    expect(Object.fromEntries(r.draining)).toEqual({ a: 1, b: 0, empty: 0 });
  });

  test('one set of gauges per registry, each kind adding its pools; values read at scrape time', async () => {
    const registry = new Registry();
    const nodePools = [pool('a', 'Active')];
    const nodes = [node('1', 'a', 'True'), node('2', 'm', 'True', true)];
    registerPoolStatusMetrics(registry, {
      kind: 'NodePool',
      pools: { list: () => nodePools },
      nodes: { list: () => nodes },
    });
    registerPoolStatusMetrics(registry, {
      kind: 'ManagedNodePool',
      pools: { list: () => [pool('m')] },
      nodes: { list: () => nodes },
    });
    nodePools.push(pool('b', 'Scaling'));
    const text = await registry.metrics();
    const sample = (line: string): boolean => text.split('\n').includes(line);
    expect(
      [
        'nodepool_pools{kind="NodePool",phase="Active"} 1',
        'nodepool_pools{kind="NodePool",phase="Scaling"} 1',
        'nodepool_pools{kind="ManagedNodePool",phase="Unknown"} 1',
        'nodepool_nodes{kind="NodePool",pool="a",state="ready"} 1',
        'nodepool_nodes{kind="ManagedNodePool",pool="m",state="ready"} 1',
        'nodepool_nodes_draining{kind="ManagedNodePool",pool="m"} 1',
        'nodepool_nodes_draining{kind="NodePool",pool="a"} 0',
      ].filter((l) => !sample(l)),
    ).toEqual([]);
    // a Node is counted for the kind of its pool only
    expect(sample('nodepool_nodes{kind="NodePool",pool="m",state="ready"} 1')).toBe(false);
  });
});
