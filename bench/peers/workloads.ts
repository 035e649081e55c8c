// The workloads every system gets, as Kubernetes objects (pause containers; kwok runs them). Sizes scale with
// `scale` so a smoke run (20 pods) and a full run share one definition.

export const NAMESPACE = 'bench';
export const WORKLOADS = ['basic', 'spread', 'bursts'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

/** Each run group's phases, as reported (basic is followed by its consolidation phase). */
export const PHASES = ['basic', 'consolidation', 'spread', 'bursts'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface Shape {
  cpu: string;
  memory: string;
}

/** Karpenter's basic performance test: half small, half large pods. */
export const BASIC = [
  { name: 'small', replicas: 500, shape: { cpu: '900m', memory: '3.1Gi' } },
  { name: 'large', replicas: 500, shape: { cpu: '3500m', memory: '28Gi' } },
] as const;
/** Its consolidation phase: the same deployments scaled to this share (1,000 → 700 pods). */
export const CONSOLIDATE_TO = 0.7;
export const SPREAD = { name: 'spread', replicas: 300, shape: { cpu: '1', memory: '2Gi' } } as const;
export const BURST = {
  pods: 100,
  everySeconds: 10,
  minutes: 5,
  shape: { cpu: '250m', memory: '512Mi' },
} as const;

export function scaled(n: number, scale: number): number {
  return Math.max(1, Math.round(n * scale));
}

function podSpec(shape: Shape, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { ...shape } } }],
    ...extra,
  };
}

export function deployment(
  name: string,
  replicas: number,
  shape: Shape,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: podSpec(shape, extra) },
    },
  };
}

/** The spread Deployment: one pod per zone in turn (maxSkew 1 on the zone, DoNotSchedule). */
export function spreadDeployment(replicas: number): Record<string, unknown> {
  return deployment(SPREAD.name, replicas, SPREAD.shape, {
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: SPREAD.name } },
      },
    ],
  });
}

/** One burst: `count` bare pods. */
export function burstPods(burst: number, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `burst-${String(burst).padStart(2, '0')}-${String(i).padStart(3, '0')}`, namespace: NAMESPACE, labels: { app: 'burst' } }, // prettier-ignore
    spec: podSpec(BURST.shape),
  }));
}
