import { z } from 'zod';
import { Annotation } from '../../../apis/v1beta1/constants.js';
import { POOL_LABEL } from '../../../bootstrap/labels.js';

/** A taint as a Node carries it (`timeAdded` is set by whoever added a NoExecute taint). */
export interface NodeTaint {
  key: string;
  value?: string | undefined;
  effect: string;
  timeAdded?: string | undefined;
}

/** What identifies a taint the pool owns: its key and effect (the value may change). */
export interface TaintRef {
  key: string;
  effect: string;
}

/** The labels and taints a pool wants on each of its Nodes (the pool spec's `labels` and `taints`). */
export interface DesiredMetadata {
  labels: Readonly<Record<string, string>>;
  taints: readonly NodeTaint[];
}

/** What the pool applied to a Node before: label keys and taint refs, recorded in the Node's annotations. */
export interface AppliedMetadata {
  labels: readonly string[];
  taints: readonly TaintRef[];
}

/** The parts of a Node the planner reads. */
export interface NodeMetadataView {
  readonly metadata: {
    readonly labels?: Readonly<Record<string, string>> | undefined;
    readonly annotations?: Readonly<Record<string, string>> | undefined;
  };
  readonly spec?: { readonly taints?: readonly Readonly<NodeTaint>[] | undefined } | undefined;
}

/** The change that brings a Node to the pool's labels and taints; `undefined` from the planner means none. */
export interface NodeMetadataPlan {
  /** Labels to set (new keys and changed values). */
  setLabels: Record<string, string>;
  /** Label keys the pool applied before and no longer wants, present on the Node. */
  removeLabels: string[];
  /** The Node's whole new taint list (spec.taints is atomic), or undefined when it does not change. */
  taints: NodeTaint[] | undefined;
  /** Taints the pool no longer wants, removed from the Node. */
  removedTaints: TaintRef[];
  /** NoExecute taints in the new list the Node did not have with that value: pods not tolerating them go. */
  addedNoExecute: NodeTaint[];
  /** The applied-* annotations to write (only those whose value changes). */
  annotations: Record<string, string>;
  /** What the pool has applied once the plan is written. */
  applied: AppliedMetadata;
}

const AppliedLabelsSchema = z.array(z.string());
const AppliedTaintsSchema = z.array(z.object({ key: z.string(), effect: z.string() }));

const refKey = (t: TaintRef): string => `${t.key}\u0000${t.effect}`;
const sameTaint = (a: NodeTaint, b: NodeTaint): boolean =>
  a.key === b.key && a.effect === b.effect && (a.value ?? '') === (b.value ?? '');

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * What the pool recorded as applied on this Node, or undefined when the Node has no valid record (never
 * adopted, or the annotations were edited into something unreadable: then it is adopted again).
 */
export function readApplied(node: NodeMetadataView): AppliedMetadata | undefined {
  const a = node.metadata.annotations ?? {};
  const labels = AppliedLabelsSchema.safeParse(parseJson(a[Annotation.appliedLabels]));
  const taints = AppliedTaintsSchema.safeParse(parseJson(a[Annotation.appliedTaints]));
  if (!labels.success || !taints.success) return undefined;
  return { labels: labels.data, taints: taints.data };
}

/**
 * First adoption of a Node that has no record yet: the labels and taints it registered with from the pool's
 * kubelet flags (`registered`, usually the pool's labels and taints when the node was launched) count as
 * applied where the Node carries them (labels by key and value, taints by key, effect and value). Anything else
 * on the Node is someone else's.
 */
export function adoptApplied(node: NodeMetadataView, registered: DesiredMetadata): AppliedMetadata {
  const labels = node.metadata.labels ?? {};
  const taints = node.spec?.taints ?? [];
  return {
    labels: Object.keys(registered.labels).filter((k) => labels[k] === registered.labels[k]),
    taints: registered.taints
      .filter((r) => taints.some((t) => sameTaint(t, r)))
      .map((t) => ({ key: t.key, effect: t.effect })),
  };
}

/** The recorded applied set, else the first-adoption one from what the Node registered with. */
export function appliedOrAdopted(node: NodeMetadataView, registered: DesiredMetadata): AppliedMetadata {
  return readApplied(node) ?? adoptApplied(node, registered);
}

/** The annotation values recording `applied` (sorted, so equal sets give equal strings). */
export function appliedAnnotations(applied: AppliedMetadata): Record<string, string> {
  const labels = [...new Set(applied.labels)].sort();
  const seen = new Set<string>();
  const taints = applied.taints
    .filter((t) => !seen.has(refKey(t)) && seen.add(refKey(t)))
    .map((t) => ({ key: t.key, effect: t.effect }))
    .sort((a, b) => (a.key === b.key ? a.effect.localeCompare(b.effect) : a.key.localeCompare(b.key)));
  return {
    [Annotation.appliedLabels]: JSON.stringify(labels),
    [Annotation.appliedTaints]: JSON.stringify(taints),
  };
}

/**
 * Plan bringing a Node to the pool's labels and taints, touching only what the pool owns:
 * - every desired label is set (the pool wins on its keys); a label in `applied` that the pool no longer wants
 *   is removed; any other label is left alone (the pool label itself is never removed);
 * - a desired taint replaces the Node's taint of the same key and effect in place (value updated), or is
 *   appended; a taint in `applied` (by key and effect) no longer desired is removed; others stay, in order;
 * - the applied-* annotations then record exactly the desired set.
 * `now` (RFC 3339) stamps `timeAdded` on NoExecute taints the plan adds or changes, as kubectl does.
 * Returns undefined when the Node already matches and its record is current.
 */
export function planNodeMetadata(
  node: NodeMetadataView,
  desired: DesiredMetadata,
  applied: AppliedMetadata,
  opts: { now?: string } = {},
): NodeMetadataPlan | undefined {
  const labels = node.metadata.labels ?? {};
  const setLabels: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired.labels)) if (labels[k] !== v) setLabels[k] = v;
  const removeLabels = [...new Set(applied.labels)]
    .filter((k) => !(k in desired.labels) && k in labels && k !== POOL_LABEL)
    .sort();

  const current = node.spec?.taints ?? [];
  const wanted = new Map<string, NodeTaint>();
  for (const t of desired.taints) if (!wanted.has(refKey(t))) wanted.set(refKey(t), t);
  const owned = new Set(applied.taints.map(refKey));
  const next: NodeTaint[] = [];
  const placed = new Set<string>();
  const removedTaints: TaintRef[] = [];
  const stamp = (t: NodeTaint): NodeTaint => {
    const out: NodeTaint = { key: t.key, effect: t.effect };
    if (t.value) out.value = t.value;
    if (t.effect === 'NoExecute' && opts.now) out.timeAdded = opts.now;
    return out;
  };
  for (const t of current) {
    const k = refKey(t);
    const want = wanted.get(k);
    if (want) {
      if (placed.has(k)) continue;
      placed.add(k);
      next.push(sameTaint(t, want) ? t : stamp(want));
    } else if (owned.has(k)) {
      removedTaints.push({ key: t.key, effect: t.effect });
    } else {
      next.push(t);
    }
  }
  for (const [k, t] of wanted) if (!placed.has(k)) next.push(stamp(t));

  const taintsChanged = next.length !== current.length || next.some((t, i) => t !== current[i]);
  const addedNoExecute = next
    .filter((t) => t.effect === 'NoExecute' && !current.some((c) => sameTaint(c, t)))
    .map((t) => ({ key: t.key, effect: t.effect, ...(t.value ? { value: t.value } : {}) }));

  const newApplied: AppliedMetadata = {
    labels: Object.keys(desired.labels).sort(),
    taints: [...wanted.values()].map((t) => ({ key: t.key, effect: t.effect })),
  };
  const record = appliedAnnotations(newApplied);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) if (node.metadata.annotations?.[k] !== v) annotations[k] = v;

  if (
    Object.keys(setLabels).length === 0 &&
    removeLabels.length === 0 &&
    !taintsChanged &&
    Object.keys(annotations).length === 0
  ) {
    return undefined;
  }
  return {
    setLabels,
    removeLabels,
    taints: taintsChanged ? next : undefined,
    removedTaints,
    addedNoExecute,
    annotations,
    applied: newApplied,
  };
}

/**
 * The JSON merge patch writing a plan, guarded by `resourceVersion` (the API server answers 409 Conflict when
 * the Node changed since it was read, so a concurrent edit of the taint list is never overwritten).
 */
export function nodeMetadataPatch(plan: NodeMetadataPlan, resourceVersion: string | undefined): unknown {
  const labels: Record<string, string | null> = { ...plan.setLabels };
  for (const k of plan.removeLabels) labels[k] = null;
  const metadata: Record<string, unknown> = {};
  if (resourceVersion !== undefined) metadata.resourceVersion = resourceVersion;
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  if (Object.keys(plan.annotations).length > 0) metadata.annotations = plan.annotations;
  return { metadata, ...(plan.taints ? { spec: { taints: plan.taints } } : {}) };
}

/** `key=value:Effect` (or `key:Effect`), as kubectl prints a taint. */
export function formatTaint(t: NodeTaint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/** A pool spec's labels and taints as the planner's `desired` (NodePool and ManagedNodePool alike). */
export function desiredMetadataOf(spec: {
  labels?: Record<string, string> | undefined;
  taints?: readonly { key: string; value?: string | undefined; effect: string }[] | undefined;
}): DesiredMetadata {
  return {
    labels: { ...(spec.labels ?? {}) },
    taints: (spec.taints ?? []).map((t) => ({
      key: t.key,
      effect: t.effect,
      ...(t.value ? { value: t.value } : {}),
    })),
  };
}

/** The label selector of a pool's Nodes. */
export function poolNodeSelector(pool: string): string {
  return `${POOL_LABEL}=${pool}`;
}
