import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, KINDS, type Kind } from '../../src/apis/v1beta1/constants.js';
import { validateObject } from '../../src/apis/v1beta1/validate.js';
import { ensureHelm } from '../../src/devstack/helm.js';
import { helmTemplate } from '../../src/packaging/helm.js';
import { testCluster } from '../support/access.js';
import { kubectl } from '../support/kube.js';
import { baseManagedSpec, baseNodePoolSpec, manifest } from '../api/corpus.js';
import { ensureCrds } from '../api/support/crds.js';
import { AdminRest } from '../api/support/rest.js';

// Issue 17, finding 9 (the parts checked against the API server): pool names are at most 63 characters (a
// pool's name is a label value on its Nodes and a bootstrap token group), by the CRD schema and a CEL rule
// that holds on create only; and the chart's NetworkPolicy option admits /metrics from the peers given and
// nothing else.
let rest: AdminRest;
beforeAll(async () => {
  await ensureCrds();
  rest = new AdminRest(testCluster());
});
afterAll(() => rest.close());

describe('pool names', () => {
  const create = (kind: Kind, name: string) =>
    rest.request(
      'POST',
      `/apis/${API_VERSION}/${KINDS[kind].plural}?dryRun=All`,
      manifest(kind, name, kind === 'NodePool' ? baseNodePoolSpec() : baseManagedSpec()),
    );
  test.each(['NodePool', 'ManagedNodePool'] as const)(
    '%s: 63 characters are admitted, 64 refused naming the rule; validate agrees',
    async (kind) => {
      const ok = 'p'.repeat(63);
      const long = 'p'.repeat(64);
      expect((await create(kind, ok)).status).toBe(201);
      const refused = await create(kind, long);
      expect(refused.status).toBe(422);
      expect(refused.message).toMatch(/metadata\.name/);
      const spec = kind === 'NodePool' ? baseNodePoolSpec() : baseManagedSpec();
      const local = validateObject(manifest(kind, long, spec));
      expect(local.ok).toBe(false);
      expect(JSON.stringify(local)).toContain('at most 63 characters');
    },
  );
});

describe('the chart: NetworkPolicy', () => {
  test('off by default; on, it admits only the metrics port, only from metricsFrom, and the server accepts it', async () => {
    const helm = await ensureHelm({ report: (l) => process.stderr.write(`[helm] ${l}\n`) });
    const policies = async (set: string[]) =>
      parseAllDocuments(await helmTemplate(helm, { release: 'np-sec', namespace: 'kube-system', set }))
        .map((d) => d.toJS() as { kind?: string; spec?: Record<string, unknown> } | null)
        .filter((o) => o?.kind === 'NetworkPolicy');
    expect(await policies([])).toEqual([]);
    const [np] = await policies(['networkPolicy.enabled=true']);
    // on without peers: nobody may connect (ingress: [])
    expect(np?.spec).toMatchObject({ policyTypes: ['Ingress'], ingress: [] });
    const rendered = await helmTemplate(helm, {
      release: 'np-sec',
      namespace: 'kube-system',
      set: [
        'networkPolicy.enabled=true',
        'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.team=monitoring',
      ],
    });
    const open = parseAllDocuments(rendered)
      .map((d) => d.toJS() as { kind?: string; spec?: { ingress?: unknown[] } } | null)
      .find((o) => o?.kind === 'NetworkPolicy');
    expect(open?.spec?.ingress).toEqual([
      {
        ports: [{ port: 8080, protocol: 'TCP' }],
        from: [{ namespaceSelector: { matchLabels: { team: 'monitoring' } } }],
      },
    ]);
    const dry = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(open) });
    expect({ code: dry.code, stderr: dry.stderr.trim() }).toEqual({ code: 0, stderr: '' });
  });
});
