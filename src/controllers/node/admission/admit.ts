import { ADMITTED_LABEL } from '../../../apis/v1beta1/constants.js';
import type { CloudInstance } from '../../../cloud/types.js';
import type { Node } from '../../../kube/index.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import { instanceIdOf } from '../../nodepool/observe.js';

export { ADMITTED_LABEL };

/** Whether the Node carries this pool's admission label (set by the operator only). */
export function isAdmitted(node: DeepReadonly<Node>, pool: string): boolean {
  return node.metadata.labels?.[ADMITTED_LABEL] === pool;
}

export type Admission = { admit: true } | { admit: false; why: string };

/**
 * Whether a Node may be admitted into a pool — pure. Membership must not rest on what a kubelet says about
 * itself (its labels, its providerID): a Node is admitted only when its providerID names an instance of the
 * pool's scaling group, that instance's private IP is the Node's InternalIP and appears in the Node's name
 * (`<region>.<ip>` or the pool's `<prefix><ip><suffix>`, dotted or dashed) or the name is the instance's host
 * name, and no other Node claims the same instance. `claimants`: every Node whose providerID names it.
 */
export function admission(
  node: DeepReadonly<Node>,
  instance: DeepReadonly<Pick<CloudInstance, 'instanceId' | 'privateIp' | 'hostName'>> | undefined,
  claimants: readonly DeepReadonly<Node>[],
): Admission {
  const id = instanceIdOf(node);
  if (!id) return { admit: false, why: 'it has no providerID naming an ECS instance' };
  if (!instance || instance.instanceId !== id)
    return {
      admit: false,
      why: `its providerID names ${id}, which is not a member of the pool's scaling group`,
    };
  const others = claimants.filter((n) => n.metadata.name !== node.metadata.name);
  if (others.length > 0)
    return {
      admit: false,
      why: `instance ${id} is also claimed by Node ${others.map((n) => n.metadata.name).join(', ')}`,
    };
  const ip = instance.privateIp;
  if (!ip) return { admit: false, why: `instance ${id} has no private IP yet` };
  const addresses = (node.status?.addresses ?? [])
    .filter((a) => a.type === 'InternalIP')
    .map((a) => a.address);
  if (!addresses.includes(ip))
    return {
      admit: false,
      why: `its InternalIP ${addresses.join(', ') || '(none)'} is not instance ${id}'s private IP ${ip}`,
    };
  const name = node.metadata.name.toLowerCase();
  const named =
    name.includes(ip) ||
    name.includes(ip.replaceAll('.', '-')) ||
    (instance.hostName !== undefined && name === instance.hostName.toLowerCase());
  if (!named) return { admit: false, why: `its name does not carry instance ${id}'s private IP ${ip}` };
  return { admit: true };
}
