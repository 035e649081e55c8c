import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeKubeconfig } from '../src/devstack/kubeconfig.js';
import { newCsr, newKey } from '../src/devstack/pki.js';
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from '../src/devstack/index.js';
import { testCluster } from './support/access.js';
import { createBootstrapToken, eventually, getJson, kubectl, kubectlOk, uniqueName } from './support/kube.js';

interface Item {
  metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    certificate?: string;
    disruptionsAllowed?: number;
  };
}
interface List {
  items: Item[];
}

const ns = uniqueName('cp');
const nodeName = uniqueName('kwok-node');

function kwokNode(name: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok' },
    },
    spec: {},
    status: {
      allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
      capacity: { cpu: '32', memory: '128Gi', pods: '110' },
    },
  });
}

function deployment(name: string, replicas: number, labels: Record<string, string>): string {
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { type: 'kwok' },
          containers: [{ name: 'app', image: 'registry.example/app:1' }],
        },
      },
    },
  });
}

async function podsOf(app: string): Promise<Item[]> {
  return (await getJson<List>(['pods', '-n', ns, '-l', `app=${app}`])).items;
}

async function runningPods(app: string, n: number): Promise<Item[] | undefined> {
  const pods = await podsOf(app);
  const running = pods.filter((p) => p.status?.phase === 'Running' && p.spec?.nodeName === nodeName);
  return running.length === n && pods.length === n ? pods : undefined;
}

beforeAll(async () => {
  await kubectlOk(['apply', '-f', '-'], { input: kwokNode(nodeName) });
  await kubectlOk(['create', 'namespace', ns]);
  // the ServiceAccount admission plugin needs the namespace's default ServiceAccount before pods are admitted
  await eventually('the default ServiceAccount', async () =>
    (await kubectl(['get', 'sa', 'default', '-n', ns])).code === 0 ? true : undefined,
  );
});

afterAll(async () => {
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
  await kubectl(['delete', 'node', nodeName, '--wait=false']);
});

describe('the local control plane', () => {
  test('the apiserver reports Kubernetes v1.34', async () => {
    const v = JSON.parse(await kubectlOk(['version', '-o', 'json'])) as {
      serverVersion: { gitVersion: string; major: string; minor: string };
      clientVersion: { gitVersion: string };
    };
    expect(v.serverVersion.gitVersion).toMatch(/^v1\.34\.\d+$/);
    expect(v.serverVersion.minor).toBe('34');
    expect(v.clientVersion.gitVersion).toMatch(/^v1\.34\.\d+$/);
  });

  test('a kwok-managed Node becomes Ready', async () => {
    await eventually(
      'the kwok node to be Ready',
      async () => {
        const node = await getJson<Item>(['node', nodeName]);
        return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ? true
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
  });

  test('a Deployment gets a ReplicaSet and Running pods bound to the kwok node; deleting it garbage-collects them', async () => {
    await kubectlOk(['apply', '-f', '-'], { input: deployment('web', 3, { app: 'web' }) });
    const rs = await eventually('a ReplicaSet owned by the Deployment', async () => {
      const list = await getJson<List>(['rs', '-n', ns]);
      return list.items.find((r) =>
        r.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === 'web'),
      );
    });
    const pods = await eventually('3 Running pods on the kwok node', () => runningPods('web', 3), {
      timeoutMs: 90_000,
    });
    for (const p of pods) {
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: rs.metadata.name });
    }

    await kubectlOk(['delete', 'deployment', 'web', '-n', ns, '--wait=false']);
    await eventually(
      'the ReplicaSet and pods to be garbage-collected',
      async () => {
        const [rsLeft, podsLeft] = await Promise.all([getJson<List>(['rs', '-n', ns]), podsOf('web')]);
        return rsLeft.items.length === 0 && podsLeft.length === 0 ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
  });

  test('deleting a namespace finishes', async () => {
    const other = uniqueName('gone');
    await kubectlOk(['create', 'namespace', other]);
    await kubectlOk(['create', 'configmap', 'c', '-n', other, '--from-literal=a=b']);
    await kubectlOk(['delete', 'namespace', other, '--wait=false']);
    await eventually(
      'the namespace to be gone',
      async () => ((await kubectl(['get', 'namespace', other])).code !== 0 ? true : undefined),
      { timeoutMs: 90_000 },
    );
  });

  test('the non-admin identity is denied what RBAC does not grant it, and allowed once granted', async () => {
    const { developerKubeconfig } = testCluster();
    const denied = await kubectl(['get', 'configmaps', '-n', ns], { kubeconfig: developerKubeconfig });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);
    expect(denied.stderr).toContain('User "developer"');
    const secrets = await kubectl(['get', 'secrets', '-n', 'kube-system'], {
      kubeconfig: developerKubeconfig,
    });
    expect(secrets.stderr).toMatch(/forbidden/i);

    await kubectlOk(['create', 'role', 'cm-reader', '-n', ns, '--verb=get,list', '--resource=configmaps']);
    await kubectlOk([
      'create',
      'rolebinding',
      'cm-reader',
      '-n',
      ns,
      '--role=cm-reader',
      '--group=developers',
    ]);
    await eventually('the RoleBinding to take effect', async () =>
      (await kubectl(['get', 'configmaps', '-n', ns], { kubeconfig: developerKubeconfig })).code === 0
        ? true
        : undefined,
    );
    // still denied outside what was granted
    const stillDenied = await kubectl(['get', 'secrets', '-n', ns], { kubeconfig: developerKubeconfig });
    expect(stillDenied.stderr).toMatch(/forbidden/i);
  });

  test('an eviction that a PodDisruptionBudget forbids is refused with 429, and allowed once the budget permits', async () => {
    await kubectlOk(['apply', '-f', '-'], { input: deployment('guarded', 2, { app: 'guarded' }) });
    const pods = await eventually('2 Running guarded pods', () => runningPods('guarded', 2), {
      timeoutMs: 90_000,
    });
    const pdb = (minAvailable: number): string =>
      stringify({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'guarded', namespace: ns },
        spec: { minAvailable, selector: { matchLabels: { app: 'guarded' } } },
      });
    await kubectlOk(['apply', '-f', '-'], { input: pdb(2) });
    // the disruption controller computes the budget's status: 2 healthy, 2 required → 0 allowed
    await eventually('the PDB status to be computed', async () => {
      const p = await getJson<{
        status?: { currentHealthy?: number; disruptionsAllowed?: number; observedGeneration?: number };
      }>(['pdb', 'guarded', '-n', ns]);
      return p.status?.currentHealthy === 2 && p.status.disruptionsAllowed === 0 ? true : undefined;
    });
    const victim = pods[0]?.metadata.name ?? '';
    const eviction = JSON.stringify({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: victim, namespace: ns },
    });
    const evictPath = `/api/v1/namespaces/${ns}/pods/${victim}/eviction`;
    const refused = await kubectl(['create', '--raw', evictPath, '-f', '-'], { input: eviction });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/429|TooManyRequests|disruption budget/i);

    await kubectlOk(['apply', '-f', '-'], { input: pdb(1) });
    await eventually('the PDB to allow one disruption', async () => {
      const p = await getJson<{ status?: { disruptionsAllowed?: number } }>(['pdb', 'guarded', '-n', ns]);
      return p.status?.disruptionsAllowed === 1 ? true : undefined;
    });
    const allowed = await kubectl(['create', '--raw', evictPath, '-f', '-'], { input: eviction });
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    await eventually('the evicted pod to go', async () => {
      const r = await kubectl(['get', 'pod', victim, '-n', ns]);
      return r.code !== 0 ? true : undefined;
    });
  });

  test('a kubelet client CSR made with a bootstrap token is approved and signed', async () => {
    const { id, token, remove } = await createBootstrapToken({ signing: true });
    const node = uniqueName('joining');
    const dir = await mkdtemp(join(tmpdir(), 'csr-'));
    try {
      const c = testCluster();
      const bootstrapKubeconfig = join(dir, 'bootstrap.kubeconfig');
      await writeKubeconfig(bootstrapKubeconfig, {
        server: c.server,
        caFile: c.caFile,
        userName: 'kubelet-bootstrap',
        user: { token },
      });
      const key = join(dir, 'kubelet.key');
      await newKey(key);
      const csrPem = await newCsr(key, {
        commonName: `system:node:${node}`,
        organizations: ['system:nodes'],
      });
      const csrName = `node-csr-${node}`;
      // as the bootstrap token, not as admin
      const whoami = JSON.parse(
        await kubectlOk(['auth', 'whoami', '-o', 'json'], { kubeconfig: bootstrapKubeconfig }),
      ) as {
        status: { userInfo: { username: string; groups: string[] } };
      };
      expect(whoami.status.userInfo.username).toBe(`system:bootstrap:${id}`);
      expect(whoami.status.userInfo.groups).toContain('system:bootstrappers');
      await kubectlOk(['create', '-f', '-'], {
        kubeconfig: bootstrapKubeconfig,
        input: stringify({
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { name: csrName },
          spec: {
            request: Buffer.from(csrPem).toString('base64'),
            signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
            usages: ['digital signature', 'client auth'],
          },
        }),
      });
      const signed = await eventually(
        'the CSR to be approved and signed',
        async () => {
          const csr = await getJson<Item>(['csr', csrName]);
          return csr.status?.certificate ? csr : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(
        signed.status?.conditions?.some((cond) => cond.type === 'Approved' && cond.status === 'True'),
      ).toBe(true);
      const cert = Buffer.from(signed.status?.certificate ?? '', 'base64').toString('utf8');
      expect(cert).toContain('BEGIN CERTIFICATE');
      await kubectl(['delete', 'csr', csrName, '--wait=false']);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await remove();
    }
  });

  test('the cluster-info ConfigMap is public and signed by the bootstrap signer', async () => {
    const { id, remove } = await createBootstrapToken({ signing: true });
    try {
      await eventually('cluster-info to carry a JWS signature for the token', async () => {
        const cm = await getJson<{ data: Record<string, string> }>([
          'configmap',
          'cluster-info',
          '-n',
          'kube-public',
        ]);
        return cm.data[`jws-kubeconfig-${id}`] ? true : undefined;
      });
    } finally {
      await remove();
    }
  });
});
