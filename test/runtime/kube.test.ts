import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import {
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
  UnauthorizedError,
  evictPod,
  loadKubeConfig,
  parseAs,
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
    expect(inCluster.getCurrentUser()?.tokenFile).toBe('/var/run/secrets/kubernetes.io/serviceaccount/token');
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

  test('toKubeError passes the typed errors through', async () => {
    const err = await configMaps.get(uniqueName('missing'), ns).catch((e: unknown) => e);
    expect(toKubeError(err)).toBe(err);
    expect(toKubeError(err)).toBeInstanceOf(NotFoundError);
  });
});

const SelfSubjectReviewSchema = z.looseObject({
  status: z.looseObject({ userInfo: z.looseObject({ username: z.string() }) }),
});

/** Who the API server says the client is (SelfSubjectReview). */
async function whoami(c: KubeClient): Promise<string> {
  const review = await c.request({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return parseAs(SelfSubjectReviewSchema, review, 'SelfSubjectReview').status.userInfo.username;
}

describe('kubeconfig credentials against the API server', () => {
  let dir: string;
  let saToken: string;
  /** The developer's client certificate and key (PEM), from its kubeconfig. */
  let developer: { cert: string; key: string };
  const tempClients: KubeClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rt-kubeconfig-'));
    saToken = (await kubectlOk(['create', 'token', 'default', '-n', ns, '--duration=10m'])).trim();
    const dev = z
      .object({
        users: z.array(
          z.object({
            user: z.object({ 'client-certificate-data': z.string(), 'client-key-data': z.string() }),
          }),
        ),
      }) // prettier-ignore
      .parse(parseYaml(readFileSync(testCluster().developerKubeconfig, 'utf8')));
    const u = dev.users[0]!.user;
    developer = { cert: Buffer.from(u['client-certificate-data'], 'base64').toString(), key: Buffer.from(u['client-key-data'], 'base64').toString() }; // prettier-ignore
  });
  afterAll(async () => {
    await Promise.all(tempClients.map((c) => c.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A client of a kubeconfig written to the temp dir, the CA given as a file; `user` is the kubeconfig user. */
  function clientOf(name: string, user: Record<string, unknown>): KubeClient {
    const file = join(dir, `${name}.kubeconfig`);
    writeFileSync(file, stringify({
      clusters: [{ name: 'test', cluster: { server: testCluster().server, 'certificate-authority': testCluster().caFile } }],
      users: [{ name, user }],
      contexts: [{ name, context: { cluster: 'test', user: name } }],
      'current-context': name,
    })); // prettier-ignore
    const c = new KubeClient(loadKubeConfig({ kubeconfig: file }));
    tempClients.push(c);
    return c;
  }

  /** An exec plugin script printing `status` as its ExecCredential (v1). */
  function execPlugin(name: string, status: Record<string, unknown>): string {
    const script = join(dir, `${name}.sh`);
    writeFileSync(script, `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status })}\nEOF\n`); // prettier-ignore
    chmodSync(script, 0o755);
    return script;
  }

  test('the developer kubeconfig (client certificate data) authenticates as developer', async () => {
    const dev = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().developerKubeconfig }));
    tempClients.push(dev);
    expect(await whoami(dev)).toBe('developer');
  });

  test('a token and a tokenFile (relative to the kubeconfig); a token the server refuses is Unauthorized', async () => {
    expect(await whoami(clientOf('token', { token: saToken }))).toBe(`system:serviceaccount:${ns}:default`);
    writeFileSync(join(dir, 'sa-token'), saToken);
    expect(await whoami(clientOf('token-file', { tokenFile: 'sa-token' }))).toBe(`system:serviceaccount:${ns}:default`); // prettier-ignore
    await expect(whoami(clientOf('bad-token', { token: 'not-a-token' }))).rejects.toBeInstanceOf(UnauthorizedError); // prettier-ignore
  });

  test('exec plugins: a token, or a client certificate that the connections use', async () => {
    const token = execPlugin('token', { token: saToken, expirationTimestamp: new Date(Date.now() + 600_000).toISOString() }); // prettier-ignore
    expect(await whoami(clientOf('exec-token', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: token, interactiveMode: 'Never' } }))).toBe(`system:serviceaccount:${ns}:default`); // prettier-ignore
    const cert = execPlugin('cert', { clientCertificateData: developer.cert, clientKeyData: developer.key });
    const viaCert = clientOf('exec-cert', {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: cert },
    });
    expect(await whoami(viaCert)).toBe('developer');
    // a list goes through the other connection pool: it carries the certificate too (Forbidden, not Unauthorized)
    await expect(new TypedResource(viaCert, Resources.nodes, NodeSchema).list()).rejects.toBeInstanceOf(ForbiddenError); // prettier-ignore
  });

  test('in-cluster: the service account token and ca.crt of the service account folder', async () => {
    const sa = join(dir, 'serviceaccount');
    rmSync(sa, { recursive: true, force: true });
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), saToken);
    writeFileSync(join(sa, 'ca.crt'), readFileSync(testCluster().caFile));
    const server = new URL(testCluster().server);
    const c = new KubeClient(loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port }, serviceAccountDir: sa })); // prettier-ignore
    tempClients.push(c);
    expect(await whoami(c)).toBe(`system:serviceaccount:${ns}:default`);
  });
});
