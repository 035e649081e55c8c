import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { stringify } from 'yaml';
import { API_VERSION, KINDS, type Kind } from '../../src/apis/v1beta1/constants.js';
import { RESOURCE_GROUP_FIXED } from '../../src/apis/v1beta1/common.js';
import {
  IMMUTABLE_FIELDS,
  SET_ONCE_FIELDS,
  updateProblems,
  validateObject,
} from '../../src/apis/v1beta1/validate.js';
import { buildCrd } from '../../src/crdgen/crd.js';
import type { Schema } from '../../src/crdgen/structural.js';
import { testCluster } from '../support/access.js';
import { eventually, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { baseManagedSpec, baseNodePoolSpec, manifest, type Spec } from './corpus.js';
import { ensureCrds } from './support/crds.js';
import { AdminRest } from './support/rest.js';

let rest: AdminRest;
const prefix = uniqueName('imm');
const created: { kind: Kind; name: string }[] = [];
const objPath = (kind: Kind, name: string, group = API_VERSION): string =>
  `/apis/${group}/${KINDS[kind].plural}/${name}`;

async function create(kind: Kind, suffix: string, spec: Spec): Promise<string> {
  const name = `${prefix}-${suffix}`;
  const r = await rest.request(
    'POST',
    `/apis/${API_VERSION}/${KINDS[kind].plural}?fieldValidation=Strict`,
    manifest(kind, name, spec),
  );
  if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.message}`);
  created.push({ kind, name });
  return name;
}

/** Dry-run a merge patch; and check the zod side (updateProblems + validateObject) agrees. */
async function update(
  kind: Kind,
  name: string,
  oldSpec: Spec,
  patch: Spec,
): Promise<{ status: number; message: string; local: string[] }> {
  const r = await rest.mergePatch(objPath(kind, name), { spec: patch }, { dryRun: true });
  const merged = mergePatch(structuredClone(oldSpec), patch);
  const before = validateObject(manifest(kind, name, oldSpec));
  const after = validateObject(manifest(kind, name, merged));
  const local: string[] = [];
  if (!after.ok) local.push(...after.problems.map((p) => `${p.path}: ${p.message}`));
  if (before.ok && after.ok)
    local.push(
      ...updateProblems(kind, before.value.spec, after.value.spec).map((p) => `${p.path}: ${p.message}`),
    );
  return { status: r.status, message: r.message, local };
}

function mergePatch(target: Spec, patch: Spec): Spec {
  for (const [k, v] of Object.entries(patch) as [string, unknown][]) {
    if (v === null) delete target[k];
    else if (
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof target[k] === 'object' &&
      target[k] !== null &&
      !Array.isArray(target[k])
    ) {
      target[k] = mergePatch(target[k] as Spec, v);
    } else target[k] = v;
  }
  return target;
}

beforeAll(async () => {
  await ensureCrds();
  rest = new AdminRest(testCluster());
});

afterAll(async () => {
  for (const o of created) await rest.request('DELETE', objPath(o.kind, o.name));
  rest.close();
});

describe('immutable fields', () => {
  const pool = (): Spec => ({ ...baseNodePoolSpec(), instanceMetadataOptions: { httpTokens: 'optional' } });
  const changes: [string, Spec][] = [
    ['region', { region: 'cn-shanghai' }],
    ['vpcId', { vpcId: 'vpc-other' }],
    ['securityHardening', { securityHardening: 'OS' }],
    ['securityGroup.type', { securityGroup: { type: 'Advanced' } }],
    ['ramRoleName', { ramRoleName: 'another-role' }],
    ['instanceMetadataOptions.httpTokens', { instanceMetadataOptions: { httpTokens: 'required' } }],
  ];
  let name: string;
  beforeAll(async () => {
    name = await create('NodePool', 'np', pool());
  });

  test('the list covers every transition rule of the CRDs', () => {
    for (const kind of ['NodePool', 'ManagedNodePool'] as const) {
      const found: string[] = [];
      const walk = (node: Schema, path: string): void => {
        const rules = (node['x-kubernetes-validations'] as { rule: string }[] | undefined) ?? [];
        if (rules.some((r) => r.rule === 'self == oldSelf')) found.push(path);
        for (const [k, sub] of Object.entries((node.properties as Record<string, Schema> | undefined) ?? {}))
          walk(sub, path ? `${path}.${k}` : k);
      };
      const crd = buildCrd(kind) as {
        spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: Schema } } } }[] };
      };
      walk(crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec, '');
      expect(found.sort()).toEqual([...IMMUTABLE_FIELDS[kind]].sort());
    }
  });

  test.each(changes)(
    'changing %s is refused, by the apiserver and by updateProblems',
    async (field, patch) => {
      const r = await update('NodePool', name, pool(), patch);
      expect({ status: r.status, message: r.message }).toEqual({
        status: 422,
        message: expect.stringContaining(
          `spec.${field} is immutable: it cannot be changed after the pool is created`,
        ),
      });
      expect(r.local).toContain(
        `spec.${field}: spec.${field} is immutable: it cannot be changed after the pool is created`,
      );
    },
  );

  test('ManagedNodePool: region is immutable too', async () => {
    const mname = await create('ManagedNodePool', 'mnp', baseManagedSpec());
    const r = await update('ManagedNodePool', mname, baseManagedSpec(), { region: 'cn-beijing' });
    expect(r.status).toBe(422);
    expect(r.message).toContain('spec.region is immutable');
    expect(r.local).toContain(
      'spec.region: spec.region is immutable: it cannot be changed after the pool is created',
    );
  });
});

describe('resourceGroupId: fixed at create, set or not (issue 21 item 3: the operator does not move resources)', () => {
  const cases: [string, Kind, Spec, Spec][] = [
    ['set', 'NodePool', baseNodePoolSpec(), { resourceGroupId: 'rg-new' }],
    [
      'changed',
      'NodePool',
      { ...baseNodePoolSpec(), resourceGroupId: 'rg-first' },
      { resourceGroupId: 'rg-new' },
    ],
    [
      'removed',
      'NodePool',
      { ...baseNodePoolSpec(), resourceGroupId: 'rg-first' },
      { resourceGroupId: null },
    ],
    ['set on a ManagedNodePool', 'ManagedNodePool', baseManagedSpec(), { resourceGroupId: 'rg-new' }],
  ];
  test.each(cases)('%s: refused by the apiserver and by updateProblems', async (what, kind, spec, patch) => {
    const name = await create(kind, `rg-${what.split(' ')[0]!}-${kind === 'NodePool' ? 'np' : 'mnp'}`, spec);
    const r = await update(kind, name, spec, patch);
    expect({ status: r.status, message: r.message }).toEqual({
      status: 422,
      message: expect.stringContaining(RESOURCE_GROUP_FIXED),
    });
    expect(r.local).toEqual([`spec.resourceGroupId: ${RESOURCE_GROUP_FIXED}`]);
  });

  test('an edit elsewhere of a pool with a resource group passes', async () => {
    const spec = { ...baseNodePoolSpec(), resourceGroupId: 'rg-first' };
    const name = await create('NodePool', 'rg-kept-np', spec);
    const r = await update('NodePool', name, spec, { labels: { team: 'c' } });
    expect({ status: r.status, message: r.message, local: r.local }).toEqual({
      status: 200,
      message: '',
      local: [],
    });
  });

  test('the CRDs carry the rule on spec for both kinds', () => {
    expect(Object.keys(SET_ONCE_FIELDS)).toEqual(['resourceGroupId']);
    for (const kind of ['NodePool', 'ManagedNodePool'] as const) {
      const crd = buildCrd(kind) as {
        spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: Schema } } } }[] };
      };
      const rules = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec[
        'x-kubernetes-validations'
      ] as {
        rule: string;
        message: string;
      }[];
      expect(rules.filter((x) => x.rule.includes('oldSelf')).map((x) => x.message)).toEqual([
        RESOURCE_GROUP_FIXED,
      ]);
    }
  });
});

describe('billing changes', () => {
  test('PayAsYouGo -> Spot is refused; PayAsYouGo -> Subscription is allowed', async () => {
    const name = await create('NodePool', 'payg', baseNodePoolSpec());
    const spot = await update('NodePool', name, baseNodePoolSpec(), { billing: { chargeType: 'Spot' } });
    expect(spot.status).toBe(422);
    expect(spot.message).toContain(
      'billing.chargeType cannot change between Spot and PayAsYouGo or Subscription',
    );
    expect(spot.local.join('\n')).toContain('cannot change between Spot');
    const sub = await update('NodePool', name, baseNodePoolSpec(), {
      billing: { chargeType: 'Subscription', subscription: { period: 1, periodUnit: 'Month' } },
    });
    expect({ status: sub.status, message: sub.message, local: sub.local }).toEqual({
      status: 200,
      message: '',
      local: [],
    });
  });

  test('Spot -> PayAsYouGo is refused', async () => {
    const spec = { ...baseNodePoolSpec(), billing: { chargeType: 'Spot' } };
    const name = await create('NodePool', 'spot', spec);
    const r = await update('NodePool', name, spec, { billing: { chargeType: 'PayAsYouGo' } });
    expect(r.status).toBe(422);
    expect(r.message).toContain('cannot change between Spot');
    expect(r.local.join('\n')).toContain('cannot change between Spot');
  });
});

describe('allowed updates', () => {
  const allowed: [string, Spec][] = [
    ['labels', { labels: { team: 'b', tier: 'gold' } }],
    ['taints', { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }] }],
    ['tags', { tags: { cost: 'center-7' } }],
    ['instanceTypes', { instanceTypes: ['ecs.c7.xlarge'] }],
    ['vSwitchIds', { vSwitchIds: ['vsw-bp1zonec', 'vsw-bp1zoned', 'vsw-bp1zonee'] }],
    ['desiredSize', { scaling: { desiredSize: 7 } }],
    ['Manual -> Auto', { scaling: { mode: 'Auto', desiredSize: null, minSize: 1, maxSize: 9 } }],
    ['image', { image: { type: 'Ubuntu' } }],
    ['systemDisk', { systemDisk: { sizeGiB: 200 } }],
  ];
  let name: string;
  beforeAll(async () => {
    name = await create('NodePool', 'allowed', baseNodePoolSpec());
  });
  test.each(allowed)('%s can change', async (_what, patch) => {
    const r = await update('NodePool', name, baseNodePoolSpec(), patch);
    expect({ status: r.status, message: r.message, local: r.local }).toEqual({
      status: 200,
      message: '',
      local: [],
    });
  });
});

describe('ratcheting', () => {
  // An object created under an older API (modelled by a copy of the CRD under a test-only group whose tags lacked
  // the reserved-key rule) keeps working after the rule arrives: edits elsewhere pass, because the rule sits on
  // spec.tags and the apiserver ratchets validation of unchanged fields. Editing the tags themselves must fix them.
  const group = 'ratchet-test.nodepool.alicloud.dev';
  const gv = `${group}/v1beta1`;
  const crdName = `nodepools.${group}`;
  const name = `${prefix}-old`;
  const path = `/apis/${gv}/nodepools/${name}`;

  const applyCrd = (crd: Schema): Promise<string> =>
    kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=ratchet-test', '-f', '-'], {
      input: stringify(crd),
    });

  afterAll(async () => {
    await kubectl(['delete', 'crd', crdName, '--ignore-not-found', '--wait=false']);
  });

  test('an object that predates a new rule can still be edited elsewhere', async () => {
    const withoutTagRules = buildCrd('NodePool', {
      group,
      mapSpec: (spec) => {
        const props = spec.properties as Record<string, Schema>;
        const tags = { ...props.tags };
        delete tags['x-kubernetes-validations'];
        return { ...spec, properties: { ...props, tags } };
      },
    });
    await applyCrd(withoutTagRules);
    // Polled rather than `kubectl wait`: that fails at once on a CRD that has no conditions yet (a busy machine).
    await eventually(`CRD ${crdName} to be Established`, async () => {
      const r = await kubectl([
        'get',
        'crd',
        crdName,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ]);
      return r.code === 0 && r.stdout.trim() === 'True' ? true : undefined;
    });
    const old = {
      ...manifest('NodePool', name, { ...baseNodePoolSpec(), tags: { 'ack.aliyun.com': 'legacy' } }),
      apiVersion: gv,
    };
    await eventually('the old object to be created', async () => {
      const r = await rest.request('POST', `/apis/${gv}/nodepools`, old);
      return r.status === 201 || r.status === 409 ? r : undefined;
    });

    await applyCrd(buildCrd('NodePool', { group }));
    const fresh = { ...old, metadata: { name: `${name}-new` } };
    await eventually('the new rule to be served', async () => {
      const r = await rest.request('POST', `/apis/${gv}/nodepools?dryRun=All`, fresh);
      return r.status === 422 && r.message.includes('tag key "ack.aliyun.com" is reserved') ? r : undefined;
    });

    const labels = await rest.mergePatch(path, { spec: { labels: { team: 'b' } } });
    expect({ status: labels.status, message: labels.message }).toEqual({ status: 200, message: '' });
    const meta = await rest.mergePatch(path, { metadata: { annotations: { note: 'edited' } } });
    expect({ status: meta.status, message: meta.message }).toEqual({ status: 200, message: '' });
    const tags = await rest.mergePatch(path, { spec: { tags: { 'ack.aliyun.com': 'legacy', team: 'b' } } });
    expect(tags.status).toBe(422);
    expect(tags.message).toContain('tag key "ack.aliyun.com" is reserved');
  });
});
