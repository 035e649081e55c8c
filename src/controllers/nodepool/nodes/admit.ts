import { ADMITTED_LABEL } from '../../../apis/v1beta1/constants.js';
import type { PoolInstance } from '../../../cloud/types.js';
import {
  InvalidError,
  NodeSchema,
  NotFoundError,
  Resources,
  TypedResource,
  type JsonPatchOp,
  type Node,
} from '../../../kube/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { admission } from '../../node/admission/admit.js';
import { NODE_FINALIZER } from '../../disruption/executor.js';
import type { PoolDeps, PoolReconcile } from '../context.js';
import { instanceIdOf } from '../observe.js';

/** The informer index of Nodes by the instance their providerID names (every claimant of an instance). */
export const NODE_BY_INSTANCE = 'instance';
export const nodeByInstance = (n: Node): string[] => {
  const id = instanceIdOf(n);
  return id ? [id] : [];
};

/** The JSON patch that admits a Node: label and finalizer in one write, guarded by its resourceVersion. */
export function admitPatch(node: DeepReadonly<Node>, pool: string): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: node.metadata.resourceVersion },
  ];
  const key = ADMITTED_LABEL.replaceAll('~', '~0').replaceAll('/', '~1');
  if (!node.metadata.labels)
    ops.push({ op: 'add', path: '/metadata/labels', value: { [ADMITTED_LABEL]: pool } });
  else ops.push({ op: 'add', path: `/metadata/labels/${key}`, value: pool });
  const f = node.metadata.finalizers;
  if (!f?.includes(NODE_FINALIZER))
    ops.push(
      f?.length
        ? { op: 'add', path: '/metadata/finalizers/-', value: NODE_FINALIZER }
        : { op: 'add', path: '/metadata/finalizers', value: [NODE_FINALIZER] },
    );
  return ops;
}

/**
 * Admits a pool Node (security finding 3): only when `admission` holds — its providerID names a member of the
 * group whose private IP is its InternalIP and in its name, and no other Node claims that instance. Returns
 * the admitted Node, or undefined (not admissible — a Warning Event once — moved since the read, or gone).
 */
export async function admitNode(
  d: PoolDeps,
  r: PoolReconcile,
  node: DeepReadonly<Node>,
  byInstance: ReadonlyMap<string, PoolInstance>,
  reported: Set<string>,
): Promise<DeepReadonly<Node> | undefined> {
  const id = instanceIdOf(node);
  const claimants = id ? d.nodes.byIndex(NODE_BY_INSTANCE, id) : [];
  const a = admission(node, id ? byInstance.get(id) : undefined, claimants);
  if (!a.admit) {
    // an instance still joining the group's listing is admitted at a later look: only a claimant is reported
    const key = `${node.metadata.name}/${a.why}`;
    if (/also claimed|InternalIP|name does not carry/.test(a.why) && !reported.has(key)) {
      reported.add(key);
      await d.events.warning(
        r.subject,
        'NodeNotAdmitted',
        'Admit',
        `Node ${node.metadata.name} is not admitted into the pool: ${a.why}; the operator never acts on it`,
      );
      r.log.warn(
        { node: node.metadata.name, instance: id, action: 'admit', why: a.why },
        'node not admitted',
      );
    }
    return undefined;
  }
  const api = new TypedResource(d.client, Resources.nodes, NodeSchema);
  try {
    const admitted = await api.jsonPatch(node.metadata.name, admitPatch(node, r.name));
    r.log.info({ node: node.metadata.name, instance: id, action: 'admit' }, 'node admitted into the pool');
    return admitted;
  } catch (err) {
    if (err instanceof InvalidError) r.progress.push(`admission of Node ${node.metadata.name} to try again`);
    else if (!(err instanceof NotFoundError)) throw err;
    return undefined;
  }
}
