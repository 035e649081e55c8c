import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { API_VERSION, Annotation } from '../../src/apis/v1beta1/constants.js';
import { POOL_LABEL } from '../../src/bootstrap/labels.js';
import { readApplied, syncNodeMetadata, type DesiredMetadata } from '../../src/controllers/node/labels-taints/index.js'; // prettier-ignore
import { KubeClient, NodeSchema, Resources, TypedResource, loadKubeConfig } from '../../src/kube/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { testCluster } from '../support/access.js';
import { eventually, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { createKwokNode, eventsAbout, quietLogger, recorder } from './support.js';

const pool = uniqueName('lt-pool');
const nodeName = uniqueName('lt-node');
let client: KubeClient;
let nodes: TypedResource<typeof NodeSchema>;

const poolRef = { apiVersion: API_VERSION, kind: 'NodePool', name: pool };
const taintsOf = async (): Promise<string[]> =>
  ((await nodes.get(nodeName)).spec?.taints ?? []).map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`).sort();

beforeAll(async () => {
  client = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().kubeconfig }));
  nodes = new TypedResource(client, Resources.nodes, NodeSchema);
  // registered as the kubelet flags of the pool would have it: pool label, team=a, dedicated=batch:NoSchedule;
  // plus what someone else put there
  await createKwokNode(client, nodeName, {
    labels: { [POOL_LABEL]: pool, team: 'a', 'example.com/foreign': 'x' },
    taints: [
      { key: 'dedicated', value: 'batch', effect: 'NoSchedule' },
      { key: 'example.com/foreign', effect: 'PreferNoSchedule' },
    ],
  });
});

afterAll(async () => {
  await kubectl(['delete', 'node', nodeName, '--wait=false']);
  await client.close();
});

describe('syncNodeMetadata against the API server', () => {
  const deps = (): Parameters<typeof syncNodeMetadata>[0] => ({ client, clock: systemClock, logger: quietLogger, events: recorder(client) }); // prettier-ignore

  test('first adoption, a new label and a NoExecute taint: foreign keys untouched, a Warning Event on the pool', async () => {
    const desired: DesiredMetadata = {
      labels: { team: 'a', tier: 'web' },
      taints: [
        { key: 'dedicated', value: 'batch', effect: 'NoSchedule' },
        { key: 'gpu', value: 'true', effect: 'NoExecute' },
      ],
    };
    const r = await syncNodeMetadata(deps(), await nodes.get(nodeName), { pool, poolRef, desired });
    expect(r.outcome).toBe('updated');
    if (r.outcome !== 'updated') return;
    expect(r.addedNoExecute).toEqual([{ key: 'gpu', value: 'true', effect: 'NoExecute' }]);
    const n = await nodes.get(nodeName);
    expect(n.metadata.labels).toMatchObject({ [POOL_LABEL]: pool, team: 'a', tier: 'web', 'example.com/foreign': 'x' }); // prettier-ignore
    expect(await taintsOf()).toEqual(expect.arrayContaining(['dedicated=batch:NoSchedule', 'example.com/foreign=:PreferNoSchedule', 'gpu=true:NoExecute'])); // prettier-ignore
    expect(n.spec?.taints?.find((t) => t.key === 'gpu')?.timeAdded).toBeDefined();
    expect(readApplied(n)).toEqual({
      labels: ['team', 'tier'],
      taints: [
        { key: 'dedicated', effect: 'NoSchedule' },
        { key: 'gpu', effect: 'NoExecute' },
      ],
    });
    const events = await eventually('the NoExecute Warning on the pool', async () => {
      const e = (await eventsAbout(client, pool)).filter((x) => x.reason === 'NoExecuteTaintAdded');
      return e.length > 0 ? e : undefined;
    });
    expect(events[0]).toMatchObject({ type: 'Warning' });
    expect(events[0]?.note).toContain('gpu=true:NoExecute');
    expect(events[0]?.note).toContain(nodeName);
    // nothing left to do: no request, no further Event
    const again = await syncNodeMetadata(deps(), await nodes.get(nodeName), { pool, poolRef, desired });
    expect(again).toMatchObject({ outcome: 'unchanged', attempts: 1 });
  });

  test('a dropped label and taint are removed; labels and taints someone else set meanwhile stay', async () => {
    await kubectlOk(['label', 'node', nodeName, 'example.com/later=y']);
    await kubectlOk(['taint', 'node', nodeName, 'example.com/later=y:NoSchedule']);
    const desired: DesiredMetadata = { labels: { tier: 'api' }, taints: [{ key: 'gpu', value: 'true', effect: 'NoExecute' }] }; // prettier-ignore
    const r = await syncNodeMetadata(deps(), await nodes.get(nodeName), { pool, poolRef, desired });
    expect(r.outcome).toBe('updated');
    const n = await nodes.get(nodeName);
    expect(n.metadata.labels?.team).toBeUndefined();
    expect(n.metadata.labels).toMatchObject({ tier: 'api', 'example.com/foreign': 'x', 'example.com/later': 'y', [POOL_LABEL]: pool }); // prettier-ignore
    const taints = await taintsOf();
    expect(taints).not.toContain('dedicated=batch:NoSchedule');
    expect(taints).toEqual(expect.arrayContaining(['example.com/foreign=:PreferNoSchedule', 'example.com/later=y:NoSchedule', 'gpu=true:NoExecute'])); // prettier-ignore
    expect(n.metadata.annotations?.[Annotation.appliedLabels]).toBe('["tier"]');
    // the unchanged NoExecute taint raised no second Warning
    const warnings = (await eventsAbout(client, pool)).filter((x) => x.reason === 'NoExecuteTaintAdded');
    expect(warnings).toHaveLength(1);
  });

  test('a plan from a stale read gets 409 Conflict, is made again from a fresh read, and loses no concurrent edit', async () => {
    const stale = await nodes.get(nodeName);
    // someone else edits the taint list after our read
    await kubectlOk(['taint', 'node', nodeName, 'example.com/racer=1:NoSchedule']);
    const desired: DesiredMetadata = { labels: { tier: 'api' }, taints: [{ key: 'gpu', value: 'true', effect: 'NoExecute' }, { key: 'spot', effect: 'NoSchedule' }] }; // prettier-ignore
    const r = await syncNodeMetadata(deps(), stale, { pool, poolRef, desired });
    expect(r.outcome).toBe('updated');
    expect(r.attempts).toBeGreaterThanOrEqual(2);
    expect(await taintsOf()).toEqual(expect.arrayContaining(['example.com/racer=1:NoSchedule', 'spot=:NoSchedule', 'gpu=true:NoExecute'])); // prettier-ignore
  });

  test('a Node without a record whose pool changed since it registered: only what it registered with is removed', async () => {
    const other = uniqueName('lt-node');
    try {
      await createKwokNode(client, other, {
        labels: { [POOL_LABEL]: pool, team: 'a', 'example.com/mine': 'z' },
        taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
      });
      const registered: DesiredMetadata = { labels: { team: 'a' }, taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }] }; // prettier-ignore
      const r = await syncNodeMetadata(deps(), await nodes.get(other), { pool, desired: { labels: {}, taints: [] }, registered }); // prettier-ignore
      expect(r.outcome).toBe('updated');
      const n = await nodes.get(other);
      expect(n.metadata.labels?.team).toBeUndefined();
      expect(n.metadata.labels?.['example.com/mine']).toBe('z');
      expect((n.spec?.taints ?? []).some((t) => t.key === 'dedicated')).toBe(false);
    } finally {
      await kubectl(['delete', 'node', other, '--wait=false']);
    }
  });
});
