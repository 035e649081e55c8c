import type { LabelSelector, NodeSelectorTerm, Toleration } from '../../../kube/index.js';
import type { Taint } from './types.js';

type Labels = Readonly<Record<string, string>>;
type Requirement = { key: string; operator: string; values?: readonly string[] | undefined };

/** One node-selector requirement against a node's labels (In, NotIn, Exists, DoesNotExist, Gt, Lt). */
export function requirementMatches(r: Requirement, labels: Labels): boolean {
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
      return v !== undefined && (r.values ?? []).includes(v);
    case 'NotIn':
      return v === undefined || !(r.values ?? []).includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      const want = Number(r.values?.[0]);
      const have = Number(v);
      if (v === undefined || !Number.isInteger(have) || !Number.isInteger(want)) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/**
 * A required node affinity term: every expression matches; `matchFields` (only `metadata.name`) matches the
 * node's name, which a node not launched yet does not have.
 */
export function termMatches(t: NodeSelectorTerm, labels: Labels, nodeName?: string): boolean {
  for (const r of t.matchExpressions ?? []) if (!requirementMatches(r, labels)) return false;
  for (const f of t.matchFields ?? []) {
    if (f.key !== 'metadata.name' || nodeName === undefined) return false;
    if (!requirementMatches({ ...f, key: 'name' }, { name: nodeName })) return false;
  }
  return true;
}

/** nodeSelector and required node affinity (terms ORed; an empty list matches nothing, as the scheduler). */
export function nodeMatches(
  p: { nodeSelector: Labels; nodeAffinity: readonly NodeSelectorTerm[] | undefined },
  labels: Labels,
  nodeName?: string,
): boolean {
  for (const k in p.nodeSelector) if (labels[k] !== p.nodeSelector[k]) return false;
  if (p.nodeAffinity === undefined) return true;
  return p.nodeAffinity.some((t) => termMatches(t, labels, nodeName));
}

/** Whether a toleration tolerates a taint (the scheduler's rule; an empty key with Exists tolerates all). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/** The first NoSchedule / NoExecute taint no toleration tolerates (PreferNoSchedule does not block). */
export function untoleratedTaint(
  tolerations: readonly Toleration[],
  taints: readonly Taint[],
): Taint | undefined {
  return taints.find(
    (taint) => taint.effect !== 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)),
  );
}

/** A label selector (matchLabels AND matchExpressions); undefined selects nothing, `{}` everything. */
export function selectorMatches(s: LabelSelector | undefined, labels: Labels): boolean {
  if (!s) return false;
  for (const k in s.matchLabels ?? {}) if (labels[k] !== s.matchLabels![k]) return false;
  for (const e of s.matchExpressions ?? []) if (!requirementMatches(e, labels)) return false;
  return true;
}

export const taintText = (t: Taint): string => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
