import { parseAllDocuments, stringify } from 'yaml';

/**
 * The node simulation's word on a simulated machine's kubelet, as a Node annotation:
 * - `stopped`: the instance is stopped, failed or released, so its kubelet posts nothing more. kwok's node
 *   stages leave the Node alone and our `kubelet-stopped` stage marks its conditions Unknown the way the node
 *   lifecycle controller does for a Node whose kubelet went silent;
 * - `not-ready`: the kubelet runs but never gets Ready (an injected fault): kwok's node stages leave the
 *   NotReady status the node registered with as it is (kwok still renews its Lease: the kubelet is alive).
 * No annotation: kwok acts as the kubelet (Ready, heartbeats, pods).
 */
export const SIM_KUBELET_ANNOTATION = 'sim.nodepool.alicloud.dev/kubelet';
export type SimKubeletState = 'stopped' | 'not-ready';

/** What the node lifecycle controller writes on every kubelet condition of a Node that stopped posting status. */
export const KUBELET_STOPPED = {
  reason: 'NodeStatusUnknown',
  message: 'Kubelet stopped posting node status.',
} as const;

const GUARD = {
  key: `.metadata.annotations["${SIM_KUBELET_ANNOTATION}"]`,
  operator: 'DoesNotExist',
} as const;

interface StageDoc {
  kind?: unknown;
  metadata?: { name?: unknown };
  spec?: { resourceRef?: { kind?: unknown }; selector?: { matchExpressions?: unknown[] } };
}

/** Our stage: a Node whose kubelet is gone gets its kubelet conditions Unknown (the Ready one first to change). */
function kubeletStoppedStage(): Record<string, unknown> {
  const { reason, message } = KUBELET_STOPPED;
  const template = [
    'conditions:',
    '{{ range .status.conditions }}',
    '{{ if ne .type "NetworkUnavailable" }}',
    '- type: {{ .type | Quote }}',
    '  status: "Unknown"',
    `  reason: ${JSON.stringify(reason)}`,
    `  message: ${JSON.stringify(message)}`,
    '  {{ with .lastHeartbeatTime }}lastHeartbeatTime: {{ . | Quote }}{{ end }}',
    '  lastTransitionTime: {{ Now | Quote }}',
    '{{ end }}',
    '{{ end }}',
    '',
  ].join('\n');
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name: 'nodepool-sim-kubelet-stopped' },
    spec: {
      resourceRef: { apiGroup: 'v1', kind: 'Node' },
      selector: {
        matchAnnotations: { [SIM_KUBELET_ANNOTATION]: 'stopped' },
        matchExpressions: [
          {
            key: '.status.conditions[] | select(.type == "Ready") | .status',
            operator: 'NotIn',
            values: ['Unknown'],
          },
        ],
      },
      next: { statusTemplate: template },
    },
  };
}

/**
 * Our stage: a `not-ready` Node's kubelet is up again after a stop (its conditions Unknown) and posts NotReady
 * again, as it did when it registered.
 */
function kubeletNotReadyStage(): Record<string, unknown> {
  const template = [
    'conditions:',
    '- type: "Ready"',
    '  status: "False"',
    '  reason: "KubeletNotReady"',
    '  message: "container runtime network not ready: NetworkReady=false"',
    '  lastHeartbeatTime: {{ Now | Quote }}',
    '  lastTransitionTime: {{ Now | Quote }}',
    '',
  ].join('\n');
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name: 'nodepool-sim-kubelet-not-ready' },
    spec: {
      resourceRef: { apiGroup: 'v1', kind: 'Node' },
      selector: {
        matchAnnotations: { [SIM_KUBELET_ANNOTATION]: 'not-ready' },
        matchExpressions: [
          {
            key: '.status.conditions[] | select(.type == "Ready") | .status',
            operator: 'In',
            values: ['Unknown'],
          },
        ],
      },
      next: { statusTemplate: template },
    },
  };
}

/**
 * The stages kwok runs with: the ones of the kwok module (built with the binaries), with every Node stage
 * limited to Nodes without SIM_KUBELET_ANNOTATION, plus our `kubelet-stopped` and `kubelet-not-ready` stages. Written at control-plane
 * start, so a binaries cache built before this existed serves as it is.
 */
export function kwokStages(moduleStagesYaml: string): string {
  const docs = parseAllDocuments(moduleStagesYaml).map((d) => {
    if (d.errors.length) throw new Error(`kwok stages: ${d.errors[0]?.message ?? 'invalid YAML'}`);
    return d.toJS() as StageDoc | null;
  });
  const out: unknown[] = [];
  for (const doc of docs) {
    if (!doc) continue;
    if (doc.kind === 'Stage' && doc.spec?.resourceRef?.kind === 'Node') {
      const selector = (doc.spec.selector ??= {});
      selector.matchExpressions = [...(selector.matchExpressions ?? []), { ...GUARD }];
    }
    out.push(doc);
  }
  out.push(kubeletStoppedStage(), kubeletNotReadyStage());
  return out.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
