import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { run } from '../../src/devstack/exec.js';
import { ensureHelm } from '../../src/devstack/helm.js';
import { PACKAGE_ROOT } from '../../src/devstack/paths.js';
import { freePort } from '../../src/devstack/ports.js';
import { renderDeployBase } from '../../src/packaging/gen-deploy.js';
import { CHART_DIR, CRD_CHART_DIR, helmEnv, helmTemplate } from '../../src/packaging/helm.js';
import { DEPLOY_BASE_DIR } from '../../src/packaging/kustomize-base.js';
import { ensureCrds } from '../api/support/crds.js';
import { TEST_RUNS_DIR, testCluster } from '../support/access.js';
import { eventually, getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { startSimulator } from '../../src/sim/cloud/index.js';
import { NodeSimulation } from '../../src/sim/nodes/index.js';
import { POOL_LABEL } from '../../src/bootstrap/labels.js';
import { quietLogger } from '../disruption/support.js';

// The chart against the real API server: lint, render in every credentials mode and dry-run on the server,
// install into kube-system, then prove its RBAC with the ServiceAccount's own identity (impersonation and a
// real token used by a real `nodepool-operator run`).
let helm: string;
const release = uniqueName('npo').slice(0, 30);
const leaseId = `${release}-lease`;
const sa = `${release}-alicloud-nodepool-operator`;
const asSA = `system:serviceaccount:kube-system:${sa}`;
const otherNs = uniqueName('pkg-other');
let operator: ChildProcess | undefined;

const MODES: Record<string, string[]> = {
  existingSecret: [],
  secret: [
    'credentials.mode=secret',
    'credentials.secret.accessKeyId=LTAIexample',
    'credentials.secret.accessKeySecret=example',
  ],
  rrsaWebhook: ['credentials.mode=rrsa', 'credentials.rrsa.roleName=nodepool-operator'],
  rrsaInjectEnv: [
    'credentials.mode=rrsa',
    'credentials.rrsa.injectEnv=true',
    'credentials.rrsa.roleArn=acs:ram::1234567890:role/nodepool-operator',
    'credentials.rrsa.oidcProviderArn=acs:ram::1234567890:oidc-provider/ack-rrsa-c0123',
  ],
};

async function helmRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(helm, [...args, '--kubeconfig', testCluster().kubeconfig], { env: helmEnv() });
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [k: string]: unknown;
}

function objects(rendered: string): K8sObject[] {
  return parseAllDocuments(rendered)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** Server-side dry run of rendered manifests (schema, admission and RBAC escalation checks all run). */
async function dryRunOnServer(rendered: string): Promise<{ code: number; stderr: string }> {
  const r = await kubectl(
    [
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=chart-test',
      '--dry-run=server',
      '-f',
      '-',
    ],
    { input: rendered },
  );
  return { code: r.code, stderr: r.stderr.trim() };
}

beforeAll(async () => {
  helm = await ensureHelm({ report: (l) => process.stderr.write(`[helm] ${l}\n`) });
  await ensureCrds();
  await kubectlOk(['create', 'namespace', otherNs]);
}, 900_000);

afterAll(async () => {
  if (operator && operator.exitCode === null && operator.signalCode === null) operator.kill('SIGKILL');
  await helmRun(['uninstall', release, '-n', 'kube-system']);
  await kubectl(['delete', 'namespace', otherNs, '--wait=false']);
});

describe('helm lint', () => {
  test.each(Object.entries(MODES))(
    'the operator chart lints cleanly (--strict) in mode %s',
    async (_, set) => {
      const r = await helmRun(['lint', '--strict', CHART_DIR, ...set.flatMap((s) => ['--set', s])]);
      expect({ code: r.code, out: r.stdout.includes('0 chart(s) failed') }).toEqual({ code: 0, out: true });
    },
  );

  test('the CRD chart lints cleanly (--strict)', async () => {
    const r = await helmRun(['lint', '--strict', CRD_CHART_DIR]);
    expect(r.code).toBe(0);
  });
});

describe('values.schema.json', () => {
  test.each([
    ['an unknown key', ['replicas=2'], /additional properties 'replicas' not allowed/],
    ['mode secret without a key', ['credentials.mode=secret'], /accessKeyId/],
    ['an unknown mode', ['credentials.mode=env'], /mode/],
    ['a bad region', ['settings.region=Hangzhou'], /region/],
    ['a bad duration', ['settings.leaderElection.leaseDuration=15'], /leaseDuration/],
    ['rrsa without a role', ['credentials.mode=rrsa'], /needs credentials\.rrsa\.roleName/],
  ])('rejects %s', async (_, set, message) => {
    const err = await helmTemplate(helm, { release, namespace: 'kube-system', set }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
  });
});

describe('helm template → kubectl apply --dry-run=server', () => {
  test.each(Object.entries(MODES))('credentials mode %s', async (mode, set) => {
    const rendered = await helmTemplate(helm, { release, namespace: 'kube-system', set, includeCrds: true });
    const objs = objects(rendered);
    const deployment = objs.find((o) => o.kind === 'Deployment');
    expect(deployment).toBeDefined();
    const text = JSON.stringify(deployment);
    if (mode === 'rrsaInjectEnv') {
      expect(text).toContain('ALIBABA_CLOUD_OIDC_TOKEN_FILE');
      expect(text).not.toContain('ALIBABA_CLOUD_CREDENTIALS_FILE');
    } else if (mode === 'rrsaWebhook') {
      expect(text).not.toContain('ALIBABA_CLOUD_CREDENTIALS_FILE');
      const account = objs.find((o) => o.kind === 'ServiceAccount');
      expect(account?.metadata.annotations).toEqual({
        'pod-identity.alibabacloud.com/role-name': 'nodepool-operator',
      });
    } else {
      expect(text).toContain('"ALIBABA_CLOUD_CREDENTIALS_FILE"');
    }
    expect(objs.some((o) => o.kind === 'Secret')).toBe(mode === 'secret');
    expect(await dryRunOnServer(rendered)).toEqual({ code: 0, stderr: '' });
  });

  test('the CRD chart renders the generated CRDs, kept on uninstall, and the server accepts them', async () => {
    const rendered = await helmTemplate(helm, {
      release: 'crds',
      namespace: 'kube-system',
      chart: CRD_CHART_DIR,
    });
    const objs = objects(rendered);
    expect(objs.map((o) => o.metadata.name).sort()).toEqual([
      'managednodepools.nodepool.alicloud.dev',
      'nodepools.nodepool.alicloud.dev',
    ]);
    for (const o of objs) expect(o.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    const notKept = objects(
      await helmTemplate(helm, {
        release: 'crds',
        namespace: 'kube-system',
        chart: CRD_CHART_DIR,
        set: ['keep=false'],
      }),
    );
    for (const o of notKept) expect(o.metadata.annotations).toBeUndefined();
    expect(await dryRunOnServer(rendered)).toEqual({ code: 0, stderr: '' });
  });

  test('a ServiceMonitor is rendered only when asked for', async () => {
    const off = objects(await helmTemplate(helm, { release, namespace: 'kube-system' }));
    expect(off.some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    const on = objects(
      await helmTemplate(helm, { release, namespace: 'kube-system', set: ['serviceMonitor.enabled=true'] }),
    );
    expect(on.filter((o) => o.kind === 'ServiceMonitor').length).toBe(1);
  });
});

describe('settings.poolSelector', () => {
  test('reaches the operator as NODEPOOL_POOL_SELECTOR; unset, the variable is absent; a malformed one is refused naming the value', async () => {
    const envOf = (rendered: string) => {
      const d = objects(rendered).find((o) => o.kind === 'Deployment') as unknown as {
        spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
      };
      return d.spec.template.spec.containers[0]!.env.find((e) => e.name === 'NODEPOOL_POOL_SELECTOR');
    };
    expect(envOf(await helmTemplate(helm, { release, namespace: 'kube-system' }))).toBeUndefined();
    const set = await helmTemplate(helm, {
      release,
      namespace: 'kube-system',
      set: ['settings.poolSelector=team in (data\\,ml)'],
    });
    expect(envOf(set)).toEqual({ name: 'NODEPOOL_POOL_SELECTOR', value: 'team in (data,ml)' });
    const bad = await helmRun(['template', release, CHART_DIR, '--set', 'settings.poolSelector=team:data']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/settings\.poolSelector|poolSelector/);
  });
});

describe('the default install', () => {
  test('the Deployment: 2 replicas, probes, hardened pods, critical priority, spread, PDB', async () => {
    const objs = objects(await helmTemplate(helm, { release, namespace: 'kube-system' }));
    const d = objs.find((o) => o.kind === 'Deployment') as unknown as {
      spec: {
        replicas: number;
        template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
      };
    };
    expect(d.spec.replicas).toBe(2);
    const pod = d.spec.template.spec;
    const c = pod.containers[0]!;
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/healthz' } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' } });
    expect(c.args).toEqual(['run']);
    expect(JSON.stringify(pod.affinity)).toContain('"topologyKey":"kubernetes.io/hostname"');
    expect(objs.find((o) => o.kind === 'PodDisruptionBudget')).toMatchObject({ spec: { maxUnavailable: 1 } });
    expect(objs.find((o) => o.kind === 'Service')).toMatchObject({
      spec: { ports: [{ name: 'metrics', port: 8080 }] },
    });
  });

  test('RBAC: explicit verbs and resources, no wildcards', async () => {
    const objs = objects(await helmTemplate(helm, { release, namespace: 'kube-system' }));
    const rules = objs
      .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
      .flatMap(
        (o) =>
          (o as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }).rules,
      );
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules)
      for (const v of [...r.apiGroups, ...r.resources, ...r.verbs]) expect(v).not.toContain('*');
  });

  test(`${DEPLOY_BASE_DIR}/ is the chart's defaults (run \`npm run gen:deploy\`) and the server accepts it`, async () => {
    const expected = await renderDeployBase(helm);
    const dir = join(PACKAGE_ROOT, DEPLOY_BASE_DIR);
    expect(readdirSync(dir).sort()).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected)
      expect({ name, content: readFileSync(join(dir, name), 'utf8') }).toEqual({ name, content });
    const built = await kubectlOk(['kustomize', dir]);
    expect(objects(built).length).toBe(expected.size - 1);
    expect(await dryRunOnServer(built)).toEqual({ code: 0, stderr: '' });
    // what the README tells users to run (client-side apply: the CRDs fit in the last-applied annotation)
    // (the tests installed the CRDs server-side, so kubectl warns that it adds its annotation to them)
    const applied = await kubectl(['apply', '-k', dir, '--dry-run=server']);
    const stderr = applied.stderr
      .split('\n')
      .filter(
        (l) =>
          l &&
          !/^Warning: resource customresourcedefinitions\/\S+ is missing the kubectl\.kubernetes\.io\/last-applied-configuration annotation/.test(
            l,
          ),
      )
      .join('\n');
    expect({ code: applied.code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(applied.stdout).toMatch(
      /deployment\.apps\/alicloud-nodepool-operator (created|configured) \(server dry run\)/,
    );
  });
});

describe('helm install into kube-system, and the ServiceAccount identity', () => {
  test('helm install --dry-run=server renders against the live cluster and creates nothing', async () => {
    const r = await helmRun([
      'install',
      `${release}-dry`,
      CHART_DIR,
      '-n',
      'kube-system',
      '--dry-run=server',
    ]);
    expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain('kind: Deployment');
    const g = await kubectl([
      'get',
      'deployment',
      `${release}-dry-alicloud-nodepool-operator`,
      '-n',
      'kube-system',
    ]);
    expect(g.stderr).toMatch(/NotFound/);
  });

  test('helm install succeeds and creates the operator objects', async () => {
    const r = await helmRun([
      'install',
      release,
      CHART_DIR,
      '-n',
      'kube-system',
      '--set',
      `settings.leaderElection.id=${leaseId}`,
      '--set',
      'settings.region=cn-hangzhou',
      '--set',
      'settings.clusterId=c-test',
    ]);
    expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain('rollout status deployment/');
    const d = await getJson<{ spec: { replicas: number } }>(['deployment', sa, '-n', 'kube-system']);
    expect(d.spec.replicas).toBe(2);
    await kubectlOk(['get', 'serviceaccount', sa, '-n', 'kube-system']);
    await kubectlOk(['get', `clusterrole/${sa}`, `clusterrolebinding/${sa}`]);
    await kubectlOk(['get', 'pdb', sa, '-n', 'kube-system']);
  });

  // [verb, resource (#subresource), namespace ('cluster' for cluster-scoped, 'all' for every namespace), allowed]
  const CAN: [string, string, string, boolean][] = [
    ['watch', 'nodepools.nodepool.alicloud.dev', 'cluster', true],
    ['patch', 'managednodepools.nodepool.alicloud.dev', 'cluster', true],
    ['patch', 'nodepools.nodepool.alicloud.dev#status', 'cluster', true],
    ['update', 'nodepools.nodepool.alicloud.dev#status', 'cluster', true],
    ['update', 'certificatesigningrequests.certificates.k8s.io#approval', 'cluster', true],
    ['delete', 'nodes', 'cluster', true],
    ['list', 'pods', 'all', true],
    ['create', 'pods#eviction', 'default', true],
    ['list', 'poddisruptionbudgets.policy', 'all', true],
    ['create', 'events.events.k8s.io', 'default', true],
    ['create', 'leases.coordination.k8s.io', 'kube-system', true],
    ['list', 'secrets', 'kube-system', true],
    ['create', 'secrets', 'kube-system', true],
    ['delete', 'secrets', 'kube-system', true],
    // outside the chart's rules
    ['update', 'nodepools.nodepool.alicloud.dev#finalizers', 'cluster', false],
    ['watch', 'secrets', 'kube-system', false],
    ['update', 'secrets', 'kube-system', false],
    ['create', 'events', 'default', false],
    ['update', 'nodes', 'cluster', false],
    ['get', 'secrets', 'default', false],
    ['list', 'secrets', 'all', false],
    ['create', 'secrets', 'default', false],
    ['delete', 'nodepools.nodepool.alicloud.dev', 'cluster', false],
    ['create', 'nodepools.nodepool.alicloud.dev#finalizers', 'cluster', false],
    ['update', 'nodes#status', 'cluster', false],
    ['create', 'nodepools.nodepool.alicloud.dev', 'cluster', false],
    ['create', 'nodes', 'cluster', false],
    ['delete', 'pods', 'default', true], // RBAC; the admission policy allows finished pods only (test/security/rbac.test.ts)
    ['update', 'leases.coordination.k8s.io', 'default', false],
    ['patch', 'configmaps', 'kube-system', false],
    ['create', 'clusterrolebindings.rbac.authorization.k8s.io', 'cluster', false],
  ];
  test.each(CAN)('the ServiceAccount may %s %s in %s: %s', async (verb, resource, ns, allowed) => {
    const where = ns === 'all' ? ['--all-namespaces'] : ns === 'cluster' ? [] : ['-n', ns];
    const [res = resource, sub] = resource.split('#');
    const r = await kubectl([
      'auth',
      'can-i',
      verb,
      res,
      ...(sub ? [`--subresource=${sub}`] : []),
      ...where,
      '--as',
      asSA,
    ]);
    expect(r.stdout.trim()).toBe(allowed ? 'yes' : 'no');
  });

  test('the Lease is usable only under its own name; the bootstrap-signing ConfigMap only by name', async () => {
    const lease = await kubectl([
      'auth',
      'can-i',
      'update',
      `leases.coordination.k8s.io/${leaseId}`,
      '-n',
      'kube-system',
      '--as',
      asSA,
    ]);
    const other = await kubectl([
      'auth',
      'can-i',
      'update',
      'leases.coordination.k8s.io/kube-scheduler',
      '-n',
      'kube-system',
      '--as',
      asSA,
    ]);
    const agent = await kubectl([
      'auth',
      'can-i',
      'get',
      'configmaps/ack-agent-config',
      '-n',
      'kube-system',
      '--as',
      asSA,
    ]);
    expect([lease.stdout.trim(), other.stdout.trim(), agent.stdout.trim()]).toEqual(['yes', 'no', 'yes']);
  });

  test('the operator runs with the ServiceAccount token: leads, is ready, is denied Secrets elsewhere, runs a NodePool lifecycle against the simulator, stops cleanly', async () => {
    const c = testCluster();
    const token = (await kubectlOk(['create', 'token', sa, '-n', 'kube-system', '--duration=10m'])).trim();
    await mkdir(TEST_RUNS_DIR, { recursive: true });
    const kubeconfig = join(TEST_RUNS_DIR, `${release}-sa.kubeconfig`);
    await writeFile(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'sa',
        clusters: [{ name: 'test', cluster: { server: c.server, 'certificate-authority': c.caFile } }],
        users: [{ name: sa, user: { token } }],
        contexts: [{ name: 'sa', context: { cluster: 'test', user: sa } }],
      }),
      { mode: 0o600 },
    );

    // the token is the chart's identity, and it is refused what the chart does not grant
    const whoami = await kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], {
      kubeconfig,
    });
    expect(whoami).toBe(asSA);
    await kubectlOk(['create', 'secret', 'generic', 'not-yours', '-n', otherNs, '--from-literal=k=v']);
    const denied = await kubectl(['get', 'secret', 'not-yours', '-n', otherNs], { kubeconfig });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Forbidden.*cannot get resource "secrets".*in the namespace "pkg-other/);

    // The cloud: the simulator, with simulated nodes that join with the operator's bootstrap tokens.
    const sim = await startSimulator({ log: quietLogger, timeScale: 200 });
    const nodeSim = new NodeSimulation(sim, { apiServer: c.server, log: quietLogger });
    nodeSim.start();
    const world = sim.world.regions[0]!;
    const vsw = world.vpcs[0]!.vSwitches.filter((v) => v.name.startsWith('nodes-')).map((v) => v.vSwitchId);
    const pool = uniqueName('sa-pool');
    const health = await freePort();
    const identity = `${release}-replica`;
    const log = createWriteStream(join(TEST_RUNS_DIR, `${release}-operator.log`));
    operator = spawn(
      process.execPath,
      [
        'bin/nodepool-operator.js',
        'run',
        '--kubeconfig',
        kubeconfig,
        '--namespace',
        'kube-system',
        '--identity',
        identity,
        '--leader-election-id',
        leaseId,
        '--health-probe-bind-address',
        `127.0.0.1:${health}`,
        '--metrics-bind-address',
        '0',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          KUBECONFIG: '',
          ...sim.env(),
          NODEPOOL_CLUSTER_ID: 'c-chart',
          NODEPOOL_POOL_SELECTOR: 'nodepool-e2e=c-chart',
          NODEPOOL_VPC_ID: world.vpcs[0]!.vpcId,
          NODEPOOL_APISERVER_ENDPOINT: c.server,
        },
      },
    );
    operator.stdout?.pipe(log);
    operator.stderr?.pipe(log);
    const child = operator;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await eventually(
      'the operator ready',
      async () => ((await fetch(`http://127.0.0.1:${health}/readyz`)).ok ? true : undefined),
      { intervalMs: 200, timeoutMs: 30_000 },
    );
    await eventually(
      'the operator holding the Lease',
      async () => {
        const lease = await getJson<{ spec?: { holderIdentity?: string } }>([
          'lease',
          leaseId,
          '-n',
          'kube-system',
        ]);
        return lease.spec?.holderIdentity === identity ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    // A whole NodePool lifecycle with only the chart's permissions: create → Active with Ready nodes → delete.
    try {
      await kubectlOk(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'nodepool.alicloud.dev/v1beta1',
          kind: 'NodePool',
          metadata: { name: pool, labels: { 'nodepool-e2e': 'c-chart' } },
          spec: {
            region: world.regionId,
            vpcId: world.vpcs[0]!.vpcId,
            vSwitchIds: vsw.slice(0, 2),
            scaling: { mode: 'Manual', desiredSize: 2 },
            instanceTypes: ['ecs.g7.xlarge'],
            image: { type: 'AliyunLinux3ContainerOptimized' },
            securityGroup: { ids: [world.securityGroups[0]!.securityGroupId] },
            ramRoleName: 'k8s-worker-role',
            customNodeName: { prefix: 'chartsa' },
            labels: { via: 'chart-sa' },
          },
        }),
      });
      await eventually(
        'the pool Active with 2 Ready nodes',
        async () => {
          const p = await getJson<{ status?: { phase?: string; readySize?: number } }>(['nodepool', pool]);
          const nodes = await getJson<{ items: unknown[] }>([
            'nodes',
            '-l',
            `${POOL_LABEL}=${pool},via=chart-sa`,
          ]);
          return p.status?.phase === 'Active' && p.status.readySize === 2 && nodes.items.length === 2
            ? true
            : undefined;
        },
        { timeoutMs: 120_000 },
      );
      await kubectlOk(['delete', 'nodepool', pool, '--wait=false']);
      await eventually(
        'the pool deleted, its nodes and instances gone',
        async () => {
          const g = await kubectl(['get', 'nodepool', pool]);
          const nodes = await getJson<{ items: unknown[] }>(['nodes', '-l', `${POOL_LABEL}=${pool}`]);
          return g.code !== 0 && nodes.items.length === 0 ? true : undefined;
        },
        { timeoutMs: 90_000 },
      );
      expect([...sim.cloud.instances.values()].filter((i) => i.status === 'Running')).toHaveLength(0);
    } finally {
      child.kill('SIGTERM');
      await nodeSim.stop();
      await sim.stop();
    }
    expect(await exited).toBe(0);
    const lease = await getJson<{ spec?: { holderIdentity?: string } }>([
      'lease',
      leaseId,
      '-n',
      'kube-system',
    ]);
    expect(lease.spec?.holderIdentity ?? '').toBe('');
    const text = readFileSync(join(TEST_RUNS_DIR, `${release}-operator.log`), 'utf8');
    expect(text).not.toMatch(/forbidden/i);
  }, 240_000);

  test('helm uninstall removes everything it installed and leaves the CRDs', async () => {
    const r = await helmRun(['uninstall', release, '-n', 'kube-system', '--wait']);
    expect(r.code).toBe(0);
    for (const what of [
      ['deployment', sa, '-n', 'kube-system'],
      ['serviceaccount', sa, '-n', 'kube-system'],
      [`clusterrole/${sa}`],
      [`role/${sa}-bootstrap-tokens`, '-n', 'kube-system'],
    ]) {
      const g = await kubectl(['get', ...what]);
      expect({ what, notFound: /NotFound/.test(g.stderr) }).toEqual({ what, notFound: true });
    }
    await kubectlOk(['get', 'crd', 'nodepools.nodepool.alicloud.dev']);
  });
});
