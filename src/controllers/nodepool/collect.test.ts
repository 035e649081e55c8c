import { describe, expect, test } from '@jest/globals';
import { ADMITTED_LABEL } from '../../apis/v1beta1/constants.js';
import type { Node } from '../../kube/schemas.js';
import { nodesOutsideGroup } from './collect.js';

const node = (name: string, instance: string | undefined, admittedTo?: string): Node => ({
  metadata: { name, labels: admittedTo ? { [ADMITTED_LABEL]: admittedTo } : {} },
  spec: instance ? { providerID: `cn-hangzhou.${instance}` } : {},
});

describe("the pool's Nodes outside its group", () => {
  const nodes = [
    node('member', 'i-1', 'web'),
    node('detached', 'i-2', 'web'),
    node('late', 'i-3'), // registered as its instance was being released: never admitted
    node('other-pool', 'i-4', 'api'),
    node('no-provider', undefined),
  ];
  const split = nodesOutsideGroup(nodes, new Set(['i-1']), 'web');
  const names = (ns: readonly { metadata: { name: string } }[]) => ns.map((n) => n.metadata.name);
  test("admitted to this pool: the pool's to let go of or remove", () => {
    expect(names(split.admitted)).toEqual(['detached']);
  });
  test("never admitted to this pool (another pool's admission counts as none): stray, removed only once gone", () => {
    expect(names(split.stray)).toEqual(['late', 'other-pool']);
  });
  test('members and Nodes without an instance are neither', () => {
    expect(names([...split.admitted, ...split.stray])).not.toContain('member');
    expect(names([...split.admitted, ...split.stray])).not.toContain('no-provider');
  });
});
