import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { immutableSnapshot } from '../../../apis/v1beta1/validate.js';
import type { CachedPool } from '../context.js';
import { poolSpecOf, type PoolKindName } from '../kinds.js';
import { validatePool } from './validate.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a spec edited freely, as a user would
type Spec = Record<string, any>;
type Obj = Record<string, unknown> & { spec: Record<string, unknown> };
const example = (file: string): Obj => parse(readFileSync(`examples/${file}`, 'utf8')) as Obj;
const settings = { region: 'cn-hangzhou', vpcId: undefined };

/** The pool as created (its status recording what it was created with), then its spec edited. */
function edited(kind: PoolKindName, file: string, edit: (spec: Record<string, unknown>) => void) {
  const created = example(file);
  const first = poolSpecOf(kind, created);
  if (!first.ok) throw new Error(JSON.stringify(first.problems));
  const createdWith = immutableSnapshot('NodePool', first.pool.spec);
  const spec = structuredClone(created.spec);
  edit(spec);
  const o = { ...created, spec, status: { createdWith } } as unknown as CachedPool;
  return validatePool(kind, o, poolSpecOf(kind, { ...created, spec }), undefined, settings);
}

describe('validation: an immutable field changed behind admission', () => {
  // prettier-ignore
  const cases: { name: string; kind: PoolKindName; file: string; edit: (s: Spec) => void; message?: RegExp }[] = [
    { name: 'no change', kind: 'NodePool', file: 'nodepool-spot.yaml', edit: () => undefined },
    { name: 'a mutable field', kind: 'NodePool', file: 'nodepool-spot.yaml', edit: (s) => (s.labels = { a: 'b' }) },
    { name: 'ramRoleName', kind: 'NodePool', file: 'nodepool-spot.yaml', edit: (s) => (s.ramRoleName = 'other-role'), message: /spec\.ramRoleName is immutable.*created with spec\.ramRoleName="k8s-worker-role"/ },
    { name: 'httpTokens', kind: 'NodePool', file: 'nodepool-spot.yaml', edit: (s) => (s.instanceMetadataOptions = { httpTokens: 'optional' }), message: /spec\.instanceMetadataOptions\.httpTokens is immutable/ },
    { name: 'Spot to PayAsYouGo', kind: 'NodePool', file: 'nodepool-spot.yaml', edit: (s) => (s.billing = { chargeType: 'PayAsYouGo' }), message: /cannot change between Spot and PayAsYouGo/ },
    { name: 'resourceGroupId set after create (changeable: moved, not refused)', kind: 'NodePool', file: 'nodepool-spot.yaml', edit: (s) => (s.resourceGroupId = 'rg-other') },
    { name: 'a ManagedNodePool resourceGroupId set after create', kind: 'ManagedNodePool', file: 'managednodepool.yaml', edit: (s) => (s.resourceGroupId = 'rg-other') },
    { name: 'a ManagedNodePool ramRoleName', kind: 'ManagedNodePool', file: 'managednodepool.yaml', edit: (s) => (s.ramRoleName = 'other-role'), message: /spec\.ramRoleName is immutable/ },
  ];
  test.each(cases)('$name', ({ kind, file, edit, message }) => {
    const v = edited(kind, file, edit);
    if (!message) return expect(v.ok).toBe(true);
    expect(v).toMatchObject({ ok: false, reason: 'ImmutableFieldChanged' });
    if (!v.ok) expect(v.message).toMatch(message);
  });

  test('a resourceGroupId an earlier operator recorded in createdWith (when it was refused) refuses nothing now', () => {
    const created = example('nodepool-spot.yaml');
    const first = poolSpecOf('NodePool', {
      ...created,
      spec: { ...created.spec, resourceGroupId: 'rg-first' },
    });
    if (!first.ok) throw new Error(JSON.stringify(first.problems));
    const createdWith = {
      ...immutableSnapshot('NodePool', first.pool.spec),
      'spec.resourceGroupId': '"rg-first"',
    };
    for (const resourceGroupId of ['rg-second', undefined]) {
      const spec = { ...created.spec, resourceGroupId };
      const o = { ...created, spec, status: { createdWith } } as unknown as CachedPool;
      const v = validatePool(
        'NodePool',
        o,
        poolSpecOf('NodePool', { ...created, spec }),
        undefined,
        settings,
      );
      expect(v.ok).toBe(true);
    }
  });

  test('a pool whose status has recorded nothing yet (created by an older operator) is not refused', () => {
    const created = example('nodepool-spot.yaml');
    const spec = { ...created.spec, ramRoleName: 'other-role' };
    const o = { ...created, spec, status: {} } as unknown as CachedPool;
    expect(
      validatePool('NodePool', o, poolSpecOf('NodePool', { ...created, spec }), undefined, settings).ok,
    ).toBe(true);
  });
});
