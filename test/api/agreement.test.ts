import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { Kind } from '../../src/apis/v1beta1/constants.js';
import { validateObject } from '../../src/apis/v1beta1/validate.js';
import { testCluster } from '../support/access.js';
import { specArbitrary } from './arbitraries.js';
import { manifest } from './corpus.js';
import { ensureCrds } from './support/crds.js';
import { AdminRest } from './support/rest.js';

// Property: for every generated spec, the apiserver (CRD schema + CEL, server-side dry-run create) and the zod
// schema agree on accept / reject. A disagreement is a bug in one of them. `npm test` runs RUNS specs per kind;
// `npm run test:long` sets NODEPOOL_AGREEMENT_RUNS for a longer search.

const RUNS = Number(process.env.NODEPOOL_AGREEMENT_RUNS ?? 500);
let rest: AdminRest;
const tally: Record<Kind, { accepted: number; rejected: number }> = {
  NodePool: { accepted: 0, rejected: 0 },
  ManagedNodePool: { accepted: 0, rejected: 0 },
};

beforeAll(async () => {
  await ensureCrds();
  rest = new AdminRest(testCluster());
});
afterAll(() => rest.close());

describe.each(['NodePool', 'ManagedNodePool'] as const)('%s: apiserver and zod agree', (kind) => {
  test(`on ${RUNS} random specs, valid and invalid`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(specArbitrary(kind), async (spec) => {
        const obj = manifest(kind, `agree-${n++}`, spec);
        const api = await rest.dryRunCreate(kind, obj);
        const local = validateObject(obj);
        const apiAccepts = api.status === 201;
        if (api.status !== 201 && api.status !== 422 && api.status !== 400)
          throw new Error(`apiserver: ${api.status} ${api.message}`);
        if (apiAccepts !== local.ok) {
          throw new Error(
            `disagreement: apiserver ${apiAccepts ? 'accepts' : `rejects (${api.message})`}; zod ${local.ok ? 'accepts' : `rejects (${JSON.stringify(local.problems)})`}`,
          );
        }
        tally[kind][apiAccepts ? 'accepted' : 'rejected']++;
      }),
      {
        numRuns: RUNS,
        seed: process.env.NODEPOOL_AGREEMENT_SEED ? Number(process.env.NODEPOOL_AGREEMENT_SEED) : undefined,
      },
    );
    // the generator must exercise both outcomes, or the property says little
    expect(tally[kind].accepted).toBeGreaterThan(RUNS / 5);
    expect(tally[kind].rejected).toBeGreaterThan(RUNS / 5);
  }, 600_000);
});
