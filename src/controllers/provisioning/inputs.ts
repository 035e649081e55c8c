import { z } from 'zod';
import { ObjectMetaSchema, PodSchema, type Pod } from '../../kube/index.js';
import type { Informer } from '../../runtime/informer.js';
import { isDaemonSetPod } from '../disruption/pods.js';
import { ZONE_LABEL, selectorMatches, simPodOf, type SimPod } from './scheduling/index.js';
import type { LabelSelector } from '../../kube/index.js';

/** A DaemonSet: its pod template is what lands on every node it selects. */
export const DaemonSetSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z
    .object({
      template: z.object({
        metadata: z.object({ labels: z.record(z.string(), z.string()).optional() }).optional(),
        spec: PodSchema.shape.spec,
      }),
    })
    .optional(),
});
export type DaemonSet = z.infer<typeof DaemonSetSchema>;

/** A claim: the volume it is bound to. */
export const ClaimSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z.object({ volumeName: z.string().optional() }).optional(),
});
export type Claim = z.infer<typeof ClaimSchema>;

const requirement = z.object({
  key: z.string(),
  operator: z.string(),
  values: z.array(z.string()).optional(),
});
/** A volume: the zones its node affinity (or zone label) allows. */
export const VolumeSchema = z.object({
  metadata: ObjectMetaSchema,
  spec: z
    .object({
      nodeAffinity: z
        .object({
          required: z
            .object({
              nodeSelectorTerms: z.array(z.object({ matchExpressions: z.array(requirement).optional() })),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
});
export type Volume = z.infer<typeof VolumeSchema>;

const ZONE_KEYS = [ZONE_LABEL, 'failure-domain.beta.kubernetes.io/zone'];

/** The zones a bound volume lives in (undefined: not zonal). */
export function volumeZones(v: Volume): string[] | undefined {
  const zones = new Set<string>();
  for (const t of v.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [])
    for (const e of t.matchExpressions ?? [])
      if (ZONE_KEYS.includes(e.key) && e.operator === 'In') for (const z of e.values ?? []) zones.add(z);
  const label = v.metadata.labels?.[ZONE_LABEL];
  if (label) for (const z of label.split('__')) zones.add(z);
  return zones.size > 0 ? [...zones] : undefined;
}

/** The zones a pod's bound claims allow (their intersection), or undefined when none is zonal. */
export function podVolumeZones(
  pod: Pod,
  claims: Informer<Claim>,
  volumes: Informer<Volume>,
): string[] | undefined {
  let out: string[] | undefined;
  for (const vol of pod.spec?.volumes ?? []) {
    const claimName = vol.persistentVolumeClaim?.claimName;
    if (!claimName) continue;
    const pvName = claims.get(`${pod.metadata.namespace ?? 'default'}/${claimName}`)?.spec?.volumeName;
    const pv = pvName ? volumes.get(pvName) : undefined;
    const zones = pv ? volumeZones(pv) : undefined;
    if (!zones) continue;
    out = out === undefined ? zones : out.filter((z) => zones.includes(z));
  }
  return out;
}

/**
 * Pods provisioning acts for: unschedulable ones (the index), not a DaemonSet's (a new node would not help it),
 * not waiting for a preemption (`nominatedNodeName`), and for the default scheduler.
 */
export function provisionable(p: Pod): boolean {
  return (
    !isDaemonSetPod(p) &&
    !p.status?.nominatedNodeName &&
    (p.spec?.schedulerName ?? 'default-scheduler') === 'default-scheduler'
  );
}

/** The DaemonSets' pod templates as pods for the simulation (their overhead on a new node). */
export function daemonSetPods(list: readonly DaemonSet[]): SimPod[] {
  return list
    .filter((d) => d.spec && !d.metadata.deletionTimestamp)
    .map((d) =>
      simPodOf({
        metadata: {
          name: d.metadata.name,
          namespace: d.metadata.namespace,
          labels: d.spec!.template.metadata?.labels ?? {},
        },
        spec: d.spec!.template.spec,
      }),
    );
}

/**
 * Matching pods per zone among the running (bound) pods, for zone spread and zone anti-affinity; `zoneOfNode`
 * gives a node's zone. One pass over the pods per distinct (namespace, selector) a batch asks about.
 */
export function zoneCounter(pods: () => readonly Pod[], zoneOfNode: (node: string) => string | undefined) {
  const memo = new Map<string, Map<string, number>>();
  return (ns: string, selector: LabelSelector | undefined): Map<string, number> => {
    const key = `${ns}|${JSON.stringify(selector ?? null)}`;
    let m = memo.get(key);
    if (!m) {
      m = new Map();
      for (const p of pods()) {
        if (!p.spec?.nodeName || (p.metadata.namespace ?? 'default') !== ns) continue;
        if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
        if (!selectorMatches(selector, p.metadata.labels ?? {})) continue;
        const z = zoneOfNode(p.spec.nodeName);
        if (z) m.set(z, (m.get(z) ?? 0) + 1);
      }
      memo.set(key, m);
    }
    return m;
  };
}
