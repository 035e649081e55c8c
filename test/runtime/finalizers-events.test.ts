import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { ConfigMapSchema, InvalidError, KubeClient, NotFoundError, Resources, TypedResource, loadKubeConfig } from '../../src/kube/index.js'; // prettier-ignore
import { EventRecorder, EventSchema } from '../../src/runtime/events.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../../src/runtime/finalizers.js';
import { testCluster } from '../support/access.js';
import { eventually, kubectlOk, uniqueName } from '../support/kube.js';

const ns = uniqueName('rt-fin');
let client: KubeClient;
let cms: TypedResource<typeof ConfigMapSchema>;

beforeAll(async () => {
  client = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().kubeconfig }));
  cms = new TypedResource(client, Resources.configMaps, ConfigMapSchema);
  await kubectlOk(['create', 'namespace', ns]);
});

afterAll(async () => {
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
  await client.close();
});

describe('finalizers', () => {
  test('add and remove are guarded: a patch computed from a stale read is refused, never drops another finalizer', async () => {
    const A = 'example.com/a';
    const B = 'example.com/b';
    const fresh = await cms.create({ metadata: { name: 'f', namespace: ns } }, ns);
    const stale = fresh;
    const withA = await addFinalizer(cms, fresh, A);
    expect(withA.metadata.finalizers).toEqual([A]);
    expect(await addFinalizer(cms, withA, A)).toBe(withA); // already there: no request
    // a second writer working from the read before A was added
    await expect(addFinalizer(cms, stale, B)).rejects.toBeInstanceOf(InvalidError);
    const withAB = await addFinalizer(cms, await cms.get('f', ns), B);
    expect(withAB.metadata.finalizers).toEqual([A, B]);
    // someone removes A; a removal of B computed from the [A, B] read must not remove the wrong entry
    await removeFinalizer(cms, withAB, A);
    await expect(removeFinalizer(cms, withAB, B)).rejects.toBeInstanceOf(InvalidError);
    expect((await cms.get('f', ns)).metadata.finalizers).toEqual([B]);
    // deletion waits for the finalizer
    await cms.delete('f', { namespace: ns });
    const terminating = await cms.get('f', ns);
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(hasFinalizer(terminating.metadata, B)).toBe(true);
    await removeFinalizer(cms, terminating, B);
    await eventually('the object to go', async () => ((await cms.get('f', ns).catch((e: unknown) => e)) instanceof NotFoundError ? true : undefined)); // prettier-ignore
  });
});

describe('events', () => {
  test('repeats of one event update its series instead of creating more; a different note is a new Event', async () => {
    const rec = new EventRecorder({ client, controller: 'nodepool.alicloud.dev/operator', instance: 'test', logger: pino({ level: 'silent' }) }); // prettier-ignore
    const subject = { apiVersion: 'v1', kind: 'ConfigMap', name: 'subject', namespace: ns };
    for (let i = 0; i < 3; i++)
      await rec.warning(subject, 'ScaleOutFailed', 'ScaleOut', 'no stock in cn-hangzhou-k');
    await rec.normal(subject, 'ScaledOut', 'ScaleOut', 'added 2 nodes');
    const events = await new TypedResource(client, Resources.events, EventSchema).list({ namespace: ns });
    const byReason = new Map(events.items.map((e) => [e.reason, e]));
    expect(events.items.length).toBe(2);
    expect(byReason.get('ScaleOutFailed')?.series?.count).toBe(3);
    expect(byReason.get("ScaleOutFailed")).toMatchObject({ type: 'Warning', action: 'ScaleOut', note: 'no stock in cn-hangzhou-k', reportingController: 'nodepool.alicloud.dev/operator', regarding: { kind: 'ConfigMap', name: 'subject', namespace: ns } }); // prettier-ignore
    expect(byReason.get('ScaledOut')?.series).toBeUndefined();
  });
});
