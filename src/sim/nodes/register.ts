import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from '../../devstack/controlplane.js';
import { allocatableOf } from '../../bootstrap/reservations.js';
import { kubeRequest, type Credentials } from './kube-http.js';
import { NodeBootError, type NodeConfig } from './node-config.js';

/** CPU, memory, GPUs and pods of the instance type: what the kubelet reports as capacity. */
export interface NodeResources {
  cpu: number;
  memoryMiB: number;
  gpus?: number;
  maxPods?: number;
}

/** What the kubelet reports of its machine (`status.nodeInfo`): from the image the instance booted. */
export interface NodeSoftware {
  osImage: string;
  kubeletVersion: string;
  containerRuntimeVersion: string;
}

/**
 * The Node the kubelet registers, exactly as the bootstrap configured it: name, providerID, addresses, the
 * labels and taints of its flags, capacity from the instance type, allocatable by the kubelet's rule and the
 * operator's reservation formula with the kubelet configuration the boot wrote.
 * It registers NotReady; kwok, which acts as its kubelet from then on, makes it Ready and runs its pods.
 */
export function nodeObject(
  config: NodeConfig,
  resources: NodeResources,
  annotations: Record<string, string> = {},
  software?: NodeSoftware,
): Record<string, unknown> {
  // the kubelet's rule with the operator's reservation formula (src/bootstrap/reservations.ts)
  const alloc = allocatableOf(
    { cpuMilli: resources.cpu * 1000, memoryMiB: resources.memoryMiB, gpus: resources.gpus },
    { ...config.kubelet, ...(resources.maxPods !== undefined ? { maxPods: resources.maxPods } : {}) },
  );
  const capacity: Record<string, string> = {
    cpu: String(resources.cpu),
    memory: `${resources.memoryMiB}Mi`,
    pods: String(alloc.pods),
    'ephemeral-storage': '100Gi',
  };
  if (resources.gpus) capacity['nvidia.com/gpu'] = String(resources.gpus);
  const allocatable = { ...capacity, cpu: `${alloc.cpuMilli}m`, memory: `${alloc.memoryMiB}Mi` };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: config.nodeName,
      // kwok acts as this node's kubelet from registration on: it reports Ready (after the NotReady the node
      // registers with), heartbeats, and runs the pods bound to it. kwok only adopts Nodes that carry the
      // annotation when they appear.
      annotations: { ...annotations, [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
      labels: {
        ...config.labels,
        'kubernetes.io/hostname': config.nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
    },
    spec: {
      providerID: config.providerId,
      ...(config.taints.length ? { taints: config.taints } : {}),
    },
    status: {
      capacity,
      allocatable,
      ...(software
        ? {
            nodeInfo: {
              osImage: software.osImage,
              kubeletVersion: software.kubeletVersion,
              containerRuntimeVersion: software.containerRuntimeVersion,
              operatingSystem: 'linux',
              architecture: 'amd64',
            },
          }
        : {}),
      addresses: [
        { type: 'InternalIP', address: config.nodeIp },
        { type: 'Hostname', address: config.nodeName },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'KubeletNotReady',
          message: 'container runtime network not ready: node initializing',
          lastHeartbeatTime: new Date().toISOString(),
          lastTransitionTime: new Date().toISOString(),
        },
      ],
    },
  };
}

/**
 * Create the Node as `system:node:<name>` (the Node authorizer and NodeRestriction apply), with its status as
 * the kubelet registers it (the API server keeps a Node's status on create). One write: a separate status
 * update after it would race kwok, which may already have made the Node Ready, and flip it back to NotReady.
 */
export async function registerNode(
  server: string,
  caPem: string,
  creds: Credentials,
  node: Record<string, unknown>,
): Promise<void> {
  const res = await kubeRequest(server, caPem, creds, 'POST', '/api/v1/nodes', node);
  if (res.status === 409) return; // already registered (a reboot): the kubelet carries on with the existing Node
  if (res.status !== 201) {
    throw new NodeBootError(
      `registering the Node failed (${res.status}): ${res.text.slice(0, 300)}`,
      'kubelet-start',
    );
  }
}
