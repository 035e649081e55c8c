import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import {
  ApiException,
  ConfigMapSchema,
  ConflictError,
  FIELD_MANAGER,
  ForbiddenError,
  InvalidError,
  KubeClient,
  NodeSchema,
  NotFoundError,
  PodSchema,
  Resources,
  SchemaError,
  TooManyRequestsError,
  TypedResource,
  evictPod,
  loadKubeConfig,
  toKubeError,
} from '../../src/kube/index.js';
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from '../../src/devstack/index.js';
import { testCluster } from '../support/access.js';
import { eventually, kubectlOk, uniqueName } from '../support/kube.js';

const ns = uniqueName('rt-kube');
const nodeName = uniqueName('rt-kube-node');
let client: KubeClient;
let configMaps: TypedResource<typeof ConfigMapSchema>;

beforeAll(async () => {
  client = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().kubeconfig }));
  configMaps = new TypedResource(client, Resources.configMaps, ConfigMapSchema);
  await kubectlOk(['create', 'namespace', ns]);
  await eventually('the default ServiceAccount', async () =>
    (await kubectlOk(['get', 'serviceaccounts', '-n', ns, '-o', 'name'])).includes('default')
      ? true
      : undefined,
  );
});

afterAll(async () => {
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
  await kubectlOk(['delete', 'node', nodeName, '--ignore-not-found', '--wait=false']);
  await client.close();
});

describe('kube client', () => {
  test('loads the kubeconfig; in-cluster configuration is chosen when KUBERNETES_SERVICE_HOST is set', () => {
    expect(client.server).toBe(testCluster().server);
    const inCluster = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' } }); // prettier-ignore
    expect(inCluster.getCurrentCluster()?.server).toBe('https://10.0.0.1:443');
    expect(inCluster.getCurrentCluster()?.caFile).toBe(
      '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    );
    expect(inCluster.getCurrentUser()?.authProvider).toEqual({ name: 'tokenFile', config: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } }); // prettier-ignore
  });

  test('typed create / get / merge patch / json patch with a test guard / delete, and typed errors', async () => {
    const name = uniqueName('cm');
    const created = await configMaps.create({ metadata: { name, namespace: ns }, data: { a: '1' } }, ns);
    expect(created.data).toEqual({ a: '1' });
    await expect(configMaps.create({ metadata: { name, namespace: ns } }, ns)).rejects.toBeInstanceOf(ConflictError); // prettier-ignore
    const patched = await configMaps.mergePatch(name, { data: { b: '2' } }, { namespace: ns });
    expect(patched.data).toEqual({ a: '1', b: '2' });
    // a JSON patch guarded by a `test` op: applies only while the guard holds
    await configMaps.jsonPatch(name, [{ op: 'test', path: '/data/a', value: '1' }, { op: 'replace', path: '/data/a', value: 'x' }], { namespace: ns }); // prettier-ignore
    const guarded = configMaps.jsonPatch(name, [{ op: 'test', path: '/data/a', value: '1' }, { op: 'replace', path: '/data/a', value: 'y' }], { namespace: ns }); // prettier-ignore
    await expect(guarded).rejects.toBeInstanceOf(InvalidError);
    expect((await configMaps.get(name, ns)).data?.a).toBe('x');
    // optimistic locking: a PUT with a stale resourceVersion is a Conflict
    const stale = { ...created, data: { a: 'stale' } };
    await expect(configMaps.replace(name, stale, ns)).rejects.toBeInstanceOf(ConflictError);
    await configMaps.delete(name, { namespace: ns });
    const err = await configMaps.get(name, ns).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).statusCode).toBe(404);
    expect((err as NotFoundError).reason).toBe('NotFound');
  });

  test('data that breaks the schema is refused at the edge with the field named', async () => {
    const name = uniqueName('cm');
    await configMaps.create({ metadata: { name, namespace: ns }, data: { n: '1' } }, ns);
    const strict = new TypedResource(client, Resources.configMaps, ConfigMapSchema.extend({ data: z.object({ n: z.literal('2') }) })); // prettier-ignore
    const err = await strict.get(name, ns).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaError);
    expect((err as Error).message).toContain('data.n');
  });

  test('an identity RBAC grants nothing gets ForbiddenError', async () => {
    const dev = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().developerKubeconfig }));
    try {
      const nodes = new TypedResource(dev, Resources.nodes, NodeSchema);
      await expect(nodes.list()).rejects.toBeInstanceOf(ForbiddenError);
    } finally {
      await dev.close();
    }
  });

  test('server-side apply of status with the fixed field manager; merge patch of status', async () => {
    const nodes = new TypedResource(client, Resources.nodes, NodeSchema.extend({ metadata: NodeSchema.shape.metadata.extend({ managedFields: z.array(z.object({ manager: z.string(), subresource: z.string().optional() })).optional() }) })); // prettier-ignore
    // kwok keeps this Node Ready and runs the pods bound to it (the eviction test needs Running pods)
    await nodes.create({ metadata: { name: nodeName, labels: { 'rt-test': 'kube' }, annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE } }, spec: { unschedulable: true } }); // prettier-ignore
    const applied = await nodes.applyStatus(nodeName, {
      conditions: [{ type: 'RuntimeTest', status: 'True', reason: 'Applied', lastHeartbeatTime: null, lastTransitionTime: '2026-01-01T00:00:00Z', message: '' }], // prettier-ignore
    });
    expect(applied.status?.conditions?.find((c) => c.type === 'RuntimeTest')?.reason).toBe('Applied');
    expect(applied.metadata.managedFields?.some((m) => m.manager === FIELD_MANAGER && m.subresource === 'status')).toBe(true); // prettier-ignore
    const merged = await nodes.patchStatus(nodeName, { capacity: { pods: '7' } });
    expect(merged.status?.capacity?.pods).toBe('7');
  });

  test('the Eviction API: a PodDisruptionBudget that blocks is TooManyRequests; a free pod is evicted; a missing one NotFound', async () => {
    const pods = new TypedResource(client, Resources.pods, PodSchema);
    const pod = (name: string, app: string): unknown => ({
      metadata: { name, namespace: ns, labels: { app } },
      spec: { nodeName, containers: [{ name: 'c', image: 'registry.example/app:1' }] },
    });
    await pods.create(pod('guarded', 'guarded'), ns);
    await pods.create(pod('free', 'free'), ns);
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb', namespace: ns }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } }), // prettier-ignore
    });
    // a Pending pod may be evicted whatever its budget says: wait for Running and for the budget's status
    await eventually('both pods Running', async () => {
      const list = await pods.list({ namespace: ns });
      return list.items.filter((p) => p.status?.phase === 'Running').length === 2 ? true : undefined;
    });
    await eventually('the budget to be computed', async () => {
      const pdb = JSON.parse(await kubectlOk(['get', 'pdb', 'pdb', '-n', ns, '-o', 'json'])) as { status?: { currentHealthy?: number } }; // prettier-ignore
      return pdb.status?.currentHealthy === 1 ? true : undefined;
    });
    const blocked = await evictPod(client, ns, 'guarded').catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(TooManyRequestsError);
    await evictPod(client, ns, 'free');
    await eventually('the evicted pod to be deleted or terminating', async () => {
      const p = await pods.get('free', ns).catch((e: unknown) => e);
      return p instanceof NotFoundError || (p as { metadata?: { deletionTimestamp?: string } }).metadata?.deletionTimestamp ? true : undefined; // prettier-ignore
    });
    await expect(evictPod(client, ns, 'missing')).rejects.toBeInstanceOf(NotFoundError);
  });

  test("toKubeError maps client-node's ApiException to the typed errors", () => {
    const e = toKubeError(new ApiException(410, 'gone', JSON.stringify({ kind: 'Status', reason: 'Expired', code: 410 }), {})); // prettier-ignore
    expect((e as Error).name).toBe('GoneError');
    expect(toKubeError(new ApiException(429, 'x', { reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } }, {}))).toMatchObject({ retryAfterSeconds: 3 }); // prettier-ignore
  });
});
