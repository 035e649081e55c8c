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
    { name: 'resourceGroupId set', kind: 'NodePool', file: 'nodepool-spot.yaml', edit: (s) => (s.resourceGroupId = 'rg-other'), message: /spec\.resourceGroupId is immutable: it cannot be set, changed or removed.*created with spec\.resourceGroupId=\(not set\)/ },
    { name: 'a ManagedNodePool resourceGroupId set', kind: 'ManagedNodePool', file: 'managednodepool.yaml', edit: (s) => (s.resourceGroupId = 'rg-other'), message: /spec\.resourceGroupId is immutable/ },
    { name: 'a ManagedNodePool ramRoleName', kind: 'ManagedNodePool', file: 'managednodepool.yaml', edit: (s) => (s.ramRoleName = 'other-role'), message: /spec\.ramRoleName is immutable/ },
  ];
  test.each(cases)('$name', ({ kind, file, edit, message }) => {
    const v = edited(kind, file, edit);
    if (!message) return expect(v.ok).toBe(true);
    expect(v).toMatchObject({ ok: false, reason: 'ImmutableFieldChanged' });
    if (!v.ok) expect(v.message).toMatch(message);
  });

  test('resourceGroupId changed or removed is refused; a record without it (an older operator) refuses neither', () => {
    const created = { ...example('nodepool-spot.yaml') };
    created.spec = { ...created.spec, resourceGroupId: 'rg-first' };
    const first = poolSpecOf('NodePool', created);
    if (!first.ok) throw new Error(JSON.stringify(first.problems));
    const createdWith = immutableSnapshot('NodePool', first.pool.spec);
    expect(createdWith['spec.resourceGroupId']).toBe('"rg-first"');
    const check = (spec: Spec, recorded: Record<string, string>) =>
      validatePool(
        'NodePool',
        { ...created, spec, status: { createdWith: recorded } } as unknown as CachedPool,
        poolSpecOf('NodePool', { ...created, spec }),
        undefined,
        settings,
      );
    const changed = { ...created.spec, resourceGroupId: 'rg-second' };
    const removed = { ...created.spec };
    delete removed.resourceGroupId;
    expect(check(changed, createdWith)).toMatchObject({ ok: false, reason: 'ImmutableFieldChanged' });
    expect(check(removed, createdWith)).toMatchObject({ ok: false, reason: 'ImmutableFieldChanged' });
    const older = { ...createdWith };
    delete older['spec.resourceGroupId'];
    expect(check(changed, older).ok).toBe(true);
    expect(check(removed, older).ok).toBe(true);
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
