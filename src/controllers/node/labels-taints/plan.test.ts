import { describe, expect, test } from '@jest/globals';
import { Annotation } from '../../../apis/v1beta1/constants.js';
import { POOL_LABEL } from '../../../bootstrap/labels.js';
import {
  adoptApplied,
  appliedAnnotations,
  desiredMetadataOf,
  nodeMetadataPatch,
  planNodeMetadata,
  readApplied,
  type AppliedMetadata,
  type DesiredMetadata,
  type NodeMetadataView,
  type NodeTaint,
} from './plan.js';

const NOW = '2026-01-01T00:00:00Z';

function node(
  labels: Record<string, string>,
  taints: NodeTaint[],
  applied?: AppliedMetadata,
): NodeMetadataView & { metadata: { annotations?: Record<string, string> | undefined } } {
  return {
    metadata: { labels, annotations: applied ? appliedAnnotations(applied) : {} },
    spec: { taints },
  };
}

const none: AppliedMetadata = { labels: [], taints: [] };
const want = (labels: Record<string, string>, taints: NodeTaint[] = []): DesiredMetadata => ({
  labels,
  taints,
});

describe('planNodeMetadata: labels', () => {
  const cases: {
    name: string;
    labels: Record<string, string>;
    applied: AppliedMetadata;
    desired: Record<string, string>;
    set: Record<string, string>;
    remove: string[];
  }[] = [
    {
      name: 'adds a new label',
      labels: { other: 'x' },
      applied: none,
      desired: { team: 'a' },
      set: { team: 'a' },
      remove: [],
    },
    {
      name: 'changes a value the pool owns',
      labels: { team: 'a' },
      applied: { labels: ['team'], taints: [] },
      desired: { team: 'b' },
      set: { team: 'b' },
      remove: [],
    },
    {
      name: 'takes over a key someone else set when the pool wants it',
      labels: { team: 'z' },
      applied: none,
      desired: { team: 'a' },
      set: { team: 'a' },
      remove: [],
    },
    {
      name: 'removes a label the pool dropped',
      labels: { team: 'a', other: 'x' },
      applied: { labels: ['team'], taints: [] },
      desired: {},
      set: {},
      remove: ['team'],
    },
    {
      name: 'leaves a label the pool never applied',
      labels: { other: 'x' },
      applied: { labels: ['team'], taints: [] },
      desired: {},
      set: {},
      remove: [],
    },
    {
      name: 'never removes the pool label',
      labels: { [POOL_LABEL]: 'p' },
      applied: { labels: [POOL_LABEL], taints: [] },
      desired: {},
      set: {},
      remove: [],
    },
  ];
  test.each(cases)('$name', ({ labels, applied, desired, set, remove }) => {
    const plan = planNodeMetadata(node(labels, [], applied), want(desired), applied);
    expect(plan?.setLabels ?? {}).toEqual(set);
    expect(plan?.removeLabels ?? []).toEqual(remove);
    expect(plan?.taints).toBeUndefined();
  });
});

describe('planNodeMetadata: taints', () => {
  const foreign: NodeTaint = {
    key: 'node.kubernetes.io/unreachable',
    effect: 'NoExecute',
    timeAdded: '2025-12-31T00:00:00Z',
  };
  const cases: {
    name: string;
    taints: NodeTaint[];
    applied: AppliedMetadata;
    desired: NodeTaint[];
    next: NodeTaint[] | undefined;
    noExecute: string[];
  }[] = [
    {
      name: 'appends a new taint after the others',
      taints: [foreign],
      applied: none,
      desired: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
      next: [foreign, { key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
      noExecute: [],
    },
    {
      name: 'updates the value in place, matched by key and effect',
      taints: [{ key: 'a', value: '1', effect: 'NoSchedule' }, foreign],
      applied: { labels: [], taints: [{ key: 'a', effect: 'NoSchedule' }] },
      desired: [{ key: 'a', value: '2', effect: 'NoSchedule' }],
      next: [{ key: 'a', value: '2', effect: 'NoSchedule' }, foreign],
      noExecute: [],
    },
    {
      name: 'removes a taint the pool owned and dropped, keeps the foreign one',
      taints: [{ key: 'a', effect: 'NoSchedule' }, foreign],
      applied: { labels: [], taints: [{ key: 'a', effect: 'NoSchedule' }] },
      desired: [],
      next: [foreign],
      noExecute: [],
    },
    {
      name: "same key, other effect is not the pool's",
      taints: [{ key: 'a', effect: 'PreferNoSchedule' }],
      applied: { labels: [], taints: [{ key: 'a', effect: 'NoSchedule' }] },
      desired: [],
      next: undefined,
      noExecute: [],
    },
    {
      name: 'a new NoExecute taint is reported and stamped',
      taints: [],
      applied: none,
      desired: [{ key: 'gpu', effect: 'NoExecute' }],
      next: [{ key: 'gpu', effect: 'NoExecute', timeAdded: NOW }],
      noExecute: ['gpu'],
    },
    {
      name: 'an unchanged NoExecute taint is not reported and keeps its timeAdded',
      taints: [{ key: 'gpu', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' }],
      applied: { labels: [], taints: [{ key: 'gpu', effect: 'NoExecute' }] },
      desired: [{ key: 'gpu', effect: 'NoExecute' }],
      next: undefined,
      noExecute: [],
    },
    {
      name: 'a NoExecute value change is reported',
      taints: [{ key: 'gpu', value: 'a', effect: 'NoExecute' }],
      applied: { labels: [], taints: [{ key: 'gpu', effect: 'NoExecute' }] },
      desired: [{ key: 'gpu', value: 'b', effect: 'NoExecute' }],
      next: [{ key: 'gpu', value: 'b', effect: 'NoExecute', timeAdded: NOW }],
      noExecute: ['gpu'],
    },
    {
      name: "a foreign taint of the wanted key and effect becomes the pool's, without a duplicate",
      taints: [{ key: 'a', value: 'theirs', effect: 'NoSchedule' }],
      applied: none,
      desired: [{ key: 'a', value: 'ours', effect: 'NoSchedule' }],
      next: [{ key: 'a', value: 'ours', effect: 'NoSchedule' }],
      noExecute: [],
    },
    {
      name: 'an empty value equals no value',
      taints: [{ key: 'a', value: '', effect: 'NoSchedule' }],
      applied: { labels: [], taints: [{ key: 'a', effect: 'NoSchedule' }] },
      desired: [{ key: 'a', effect: 'NoSchedule' }],
      next: undefined,
      noExecute: [],
    },
  ];
  test.each(cases)('$name', ({ taints, applied, desired, next, noExecute }) => {
    const plan = planNodeMetadata(node({}, taints, applied), want({}, desired), applied, { now: NOW });
    expect(plan?.taints).toEqual(next);
    expect((plan?.addedNoExecute ?? []).map((t) => t.key)).toEqual(noExecute);
  });
});

describe('planNodeMetadata: the applied record', () => {
  test('nothing to do when the node matches and its record is current', () => {
    const desired = want({ team: 'a' }, [{ key: 'd', value: 'x', effect: 'NoSchedule' }]);
    const applied = { labels: ['team'], taints: [{ key: 'd', effect: 'NoSchedule' }] };
    const n = node({ team: 'a', other: '1' }, [{ key: 'd', value: 'x', effect: 'NoSchedule' }], applied);
    expect(planNodeMetadata(n, desired, applied)).toBeUndefined();
  });

  test('a matching node without a record gets only the record', () => {
    const desired = want({ team: 'a' });
    const n = node({ team: 'a' }, []);
    const plan = planNodeMetadata(n, desired, adoptApplied(n, desired));
    expect(plan).toMatchObject({ setLabels: {}, removeLabels: [], taints: undefined });
    expect(plan?.annotations).toEqual({
      [Annotation.appliedLabels]: '["team"]',
      [Annotation.appliedTaints]: '[]',
    });
  });

  test('the record written is read back as the same applied set', () => {
    const desired = want({ b: '2', a: '1' }, [{ key: 't', effect: 'NoExecute' }]);
    const plan = planNodeMetadata(node({}, []), desired, none);
    const written = node({}, [], undefined);
    written.metadata.annotations = plan?.annotations;
    expect(readApplied(written)).toEqual({ labels: ['a', 'b'], taints: [{ key: 't', effect: 'NoExecute' }] });
  });

  test('an unreadable record counts as no record', () => {
    const n = node({}, []);
    n.metadata.annotations = { [Annotation.appliedLabels]: '{not json', [Annotation.appliedTaints]: '[]' };
    expect(readApplied(n)).toBeUndefined();
    n.metadata.annotations = { [Annotation.appliedLabels]: '[1]', [Annotation.appliedTaints]: '[]' };
    expect(readApplied(n)).toBeUndefined();
  });
});

describe('adoptApplied (first adoption)', () => {
  test('what the node registered with, and still carries, counts as applied; the rest is foreign', () => {
    const registered = want({ team: 'a', zone: 'z' }, [
      { key: 'dedicated', value: 'batch', effect: 'NoSchedule' },
      { key: 'gone', effect: 'NoSchedule' },
    ]);
    const n = node({ team: 'a', zone: 'edited', mine: 'x' }, [
      { key: 'dedicated', value: 'batch', effect: 'NoSchedule' },
      { key: 'theirs', effect: 'NoSchedule' },
    ]);
    expect(adoptApplied(n, registered)).toEqual({
      labels: ['team'],
      taints: [{ key: 'dedicated', effect: 'NoSchedule' }],
    });
    // the pool has since dropped `team` and the taint: adoption then removes them, and nothing foreign
    const plan = planNodeMetadata(n, want({}), adoptApplied(n, registered));
    expect(plan?.removeLabels).toEqual(['team']);
    expect(plan?.taints).toEqual([{ key: 'theirs', effect: 'NoSchedule' }]);
  });
});

describe('nodeMetadataPatch', () => {
  test('labels set and nulled, the whole taint list, the record, guarded by resourceVersion', () => {
    const applied = { labels: ['old'], taints: [] };
    const plan = planNodeMetadata(
      node({ old: '1' }, [], applied),
      want({ new: '2' }, [{ key: 't', effect: 'NoSchedule' }]),
      applied,
    );
    expect(plan).toBeDefined();
    expect(nodeMetadataPatch(plan!, '42')).toEqual({
      metadata: {
        resourceVersion: '42',
        labels: { new: '2', old: null },
        annotations: {
          [Annotation.appliedLabels]: '["new"]',
          [Annotation.appliedTaints]: '[{"key":"t","effect":"NoSchedule"}]',
        },
      },
      spec: { taints: [{ key: 't', effect: 'NoSchedule' }] },
    });
  });

  test('desiredMetadataOf drops empty taint values', () => {
    expect(desiredMetadataOf({ taints: [{ key: 'a', value: '', effect: 'NoSchedule' }] })).toEqual({
      labels: {},
      taints: [{ key: 'a', effect: 'NoSchedule' }],
    });
  });
});
