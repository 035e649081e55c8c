import { pino } from 'pino';
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from '../../src/devstack/index.js';
import { NodeSchema, Resources, TypedResource, type KubeClient, type Node } from '../../src/kube/index.js';
import { EventRecorder, EventSchema } from '../../src/runtime/events.js';
import { eventually } from '../support/kube.js';

// TEST_LOG_LEVEL=debug TEST_LOG_FILE=/tmp/x.log: the in-process operator's log, to a file (jest does not show
// what pino writes to stdout)
export const quietLogger = pino(
  { level: process.env.TEST_LOG_LEVEL ?? 'silent' },
  process.env.TEST_LOG_FILE ? pino.destination({ dest: process.env.TEST_LOG_FILE, sync: true }) : undefined,
);

export function recorder(client: KubeClient): EventRecorder {
  return new EventRecorder({ client, controller: 'nodepool.alicloud.dev/operator', instance: 'disruption-test', logger: quietLogger }); // prettier-ignore
}

/** A Node kwok keeps Ready and whose bound pods it runs; resolves once it is Ready. */
export async function createKwokNode(
  client: KubeClient,
  name: string,
  opts: {
    labels?: Record<string, string>;
    taints?: { key: string; value?: string; effect: string }[];
    unschedulable?: boolean;
  } = {},
): Promise<Node> {
  const nodes = new TypedResource(client, Resources.nodes, NodeSchema);
  await nodes.create({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok', ...opts.labels },
      annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
    },
    spec: { taints: opts.taints ?? [], ...(opts.unschedulable ? { unschedulable: true } : {}) },
    status: {
      allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
      capacity: { cpu: '32', memory: '128Gi', pods: '110' },
    },
  });
  return eventually(`node ${name} Ready`, async () => {
    const n = await nodes.get(name);
    return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
  });
}

/** Events (events.k8s.io/v1) about the object named `name`, in `namespace` (cluster-scoped ones: default). */
export async function eventsAbout(
  client: KubeClient,
  name: string,
  namespace = 'default',
): Promise<{ reason?: string | undefined; type?: string | undefined; note?: string | undefined }[]> {
  const list = await new TypedResource(client, Resources.events, EventSchema).list({ namespace });
  return list.items.filter((e) => e.regarding?.name === name);
}
