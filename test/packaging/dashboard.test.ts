import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { POOL_LABEL } from '../../src/bootstrap/labels.js';
import { ensureHelm } from '../../src/devstack/helm.js';
import { freePort } from '../../src/devstack/ports.js';
import { helmTemplate } from '../../src/packaging/helm.js';
import { startSimulator } from '../../src/sim/cloud/index.js';
import { NodeSimulation } from '../../src/sim/nodes/index.js';
import { ensureCrds } from '../api/support/crds.js';
import { quietLogger } from '../disruption/support.js';
import { TEST_RUNS_DIR, testCluster } from '../support/access.js';
import { eventually, getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { DASHBOARD_FILE, checkDashboardAgainst, dashboardQueries, namesIn } from './dashboard/queries.js';

// The chart's Grafana dashboard: shipped as a ConfigMap only when asked for, and every query it makes names
// metrics (and labels) the operator really exports — checked against the /metrics of a real `nodepool-operator
// run` that brought a pool to Active against the simulator (so the cloud, controller and pool series have samples).

let helm: string;
beforeAll(async () => {
  helm = await ensureHelm({ report: (l) => process.stderr.write(`[helm] ${l}\n`) });
}, 900_000);

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

const objects = (rendered: string): K8sObject[] =>
  parseAllDocuments(rendered)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);

describe('reading PromQL', () => {
  test.each([
    ['sum by (phase) (max by (kind, phase) (nodepool_pools))', ['nodepool_pools'], ['phase', 'kind']],
    ['max by (pool, state) (nodepool_nodes{pool=~"$pool"})', ['nodepool_nodes'], ['pool', 'state']],
    [
      'sum by (action, code) (rate(alibabacloud_api_requests_total{code!="Success"}[$__rate_interval]))',
      ['alibabacloud_api_requests_total'],
      ['code', 'action'],
    ],
    [
      'histogram_quantile(0.99, sum by (action, le) (rate(x_seconds_bucket[5m])))',
      ['x_seconds_bucket'],
      ['action', 'le'],
    ],
    ['a_total / on (pool) group_left (kind) b offset 5m', ['a_total', 'b'], ['pool', 'kind']],
    ['label_values(nodepool_nodes, pool)', ['nodepool_nodes'], ['pool']],
  ])('%s', (expr, metrics, labels) => {
    const r = namesIn(expr);
    expect({ metrics: r.metrics.sort(), labels: r.labels.sort() }).toEqual({
      metrics: metrics.sort(),
      labels: labels.sort(),
    });
  });
});

describe('the Grafana dashboard ConfigMap', () => {
  test('off by default; when enabled, labelled grafana_dashboard: "1", holding the chart\'s dashboard JSON, in the namespace asked for; the server accepts it', async () => {
    const off = objects(await helmTemplate(helm, { release: 'npo', namespace: 'kube-system' }));
    expect(off.filter((o) => o.kind === 'ConfigMap')).toEqual([]);
    const on = objects(
      await helmTemplate(helm, {
        release: 'npo',
        namespace: 'kube-system',
        set: [
          'grafanaDashboard.enabled=true',
          'grafanaDashboard.namespace=monitoring',
          'grafanaDashboard.labels.team=platform',
        ],
      }),
    );
    const cms = on.filter((o) => o.kind === 'ConfigMap');
    expect(cms).toHaveLength(1);
    const cm = cms[0]!;
    expect(cm.metadata).toMatchObject({
      name: 'npo-alicloud-nodepool-operator-dashboard',
      namespace: 'monitoring',
      labels: { grafana_dashboard: '1', team: 'platform' },
    });
    const json = cm.data?.['alicloud-nodepool-operator.json'] ?? '';
    expect(JSON.parse(json)).toEqual(JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')));
    const dry = await kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: JSON.stringify({ ...cm, metadata: { ...cm.metadata, namespace: 'default' } }),
    });
    expect({ code: dry.code, stderr: dry.stderr.trim() }).toEqual({ code: 0, stderr: '' });
    const bad = await helmTemplate(helm, {
      release: 'npo',
      namespace: 'kube-system',
      set: ['grafanaDashboard.folder=x'],
    }).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/additional properties 'folder' not allowed/);
  });

  test('its panels: pools by phase, nodes by pool and state, elasticity, cloud calls / errors / throttling, drains, reconcile errors', () => {
    const metrics = new Set(dashboardQueries().flatMap((q) => namesIn(q.expr).metrics));
    for (const m of [
      'nodepool_pools',
      'nodepool_nodes',
      'nodepool_pods_pending',
      'nodepool_provisioning_decision_seconds_bucket',
      'nodepool_provisioning_nodes_requested_total',
      'alibabacloud_api_requests_total',
      'alibabacloud_api_throttled_total',
      'nodepool_nodes_draining',
      'nodepool_drains_total',
      'controller_runtime_reconcile_errors_total',
    ])
      expect({ m, shown: metrics.has(m) }).toEqual({ m, shown: true });
  });
});

describe("every dashboard query against a real operator's /metrics", () => {
  const leaseId = uniqueName('dash-lease');
  const selector = uniqueName('dash');
  let operator: ChildProcess | undefined;
  afterAll(() => {
    if (operator && operator.exitCode === null && operator.signalCode === null) operator.kill('SIGKILL');
  });

  test('names only exported metrics, and only labels their samples carry; a query naming anything else is reported', async () => {
    await ensureCrds();
    const c = testCluster();
    const sim = await startSimulator({ log: quietLogger, timeScale: 200 });
    const nodeSim = new NodeSimulation(sim, { apiServer: c.server, log: quietLogger });
    nodeSim.start();
    const world = sim.world.regions[0]!;
    const vpc = world.vpcs[0]!;
    const [health, metricsPort] = [await freePort(), await freePort()];
    await mkdir(TEST_RUNS_DIR, { recursive: true });
    const log = createWriteStream(join(TEST_RUNS_DIR, `${selector}-operator.log`));
    operator = spawn(
      process.execPath,
      [
        'bin/nodepool-operator.js',
        'run',
        '--kubeconfig',
        c.kubeconfig,
        '--namespace',
        'kube-system',
        '--identity',
        selector,
        '--leader-election-id',
        leaseId,
        '--health-probe-bind-address',
        `127.0.0.1:${health}`,
        '--metrics-bind-address',
        `127.0.0.1:${metricsPort}`,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          KUBECONFIG: '',
          ...sim.env(),
          NODEPOOL_CLUSTER_ID: 'c-dash',
          NODEPOOL_POOL_SELECTOR: `nodepool-e2e=${selector}`,
          NODEPOOL_VPC_ID: vpc.vpcId,
          NODEPOOL_APISERVER_ENDPOINT: c.server,
        },
      },
    );
    operator.stdout?.pipe(log);
    operator.stderr?.pipe(log);
    const child = operator;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const pool = uniqueName('dash-pool');
    try {
      await eventually(
        'the operator ready',
        async () => ((await fetch(`http://127.0.0.1:${health}/readyz`)).ok ? true : undefined),
        { intervalMs: 200, timeoutMs: 30_000 },
      );
      await kubectlOk(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'nodepool.alicloud.dev/v1beta1',
          kind: 'NodePool',
          metadata: { name: pool, labels: { 'nodepool-e2e': selector } },
          spec: {
            region: world.regionId,
            vpcId: vpc.vpcId,
            vSwitchIds: vpc.vSwitches
              .filter((v) => v.name.startsWith('nodes-'))
              .map((v) => v.vSwitchId)
              .slice(0, 1),
            scaling: { mode: 'Manual', desiredSize: 1 },
            instanceTypes: ['ecs.g7.xlarge'],
            image: { type: 'AliyunLinux3ContainerOptimized' },
            securityGroup: { ids: [world.securityGroups[0]!.securityGroupId] },
            ramRoleName: 'k8s-worker-role',
          },
        }),
      });
      await eventually(
        'the pool Active with its node Ready',
        async () => {
          const p = await getJson<{ status?: { phase?: string; readySize?: number } }>(['nodepool', pool]);
          return p.status?.phase === 'Active' && p.status.readySize === 1 ? true : undefined;
        },
        { timeoutMs: 120_000 },
      );
      const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      // the pool's own series are there: the panels have something to show
      expect(scrape).toContain(`nodepool_pools{kind="NodePool",phase="Active"} 1`);
      expect(scrape).toContain(`nodepool_nodes{kind="NodePool",pool="${pool}",state="ready"} 1`);
      expect(checkDashboardAgainst(dashboardQueries(), scrape)).toEqual([]);
      // and the check can fail
      expect(
        checkDashboardAgainst(
          [
            { where: 'typo', expr: 'sum by (acton) (rate(alibabacloud_api_requests_total[5m]))' },
            { where: 'missing', expr: 'nodepool_no_such_metric' },
          ],
          scrape,
        ),
      ).toEqual([
        'typo: no sample of alibabacloud_api_requests_total has a label acton',
        'missing: nodepool_no_such_metric is not exported',
      ]);
      await kubectlOk(['delete', 'nodepool', pool, '--wait=false']);
      await eventually(
        'the pool and its node gone',
        async () => {
          const nodes = await getJson<{ items: unknown[] }>(['nodes', '-l', `${POOL_LABEL}=${pool}`]);
          return (await kubectl(['get', 'nodepool', pool])).code !== 0 && nodes.items.length === 0
            ? true
            : undefined;
        },
        { timeoutMs: 90_000 },
      );
    } finally {
      child.kill('SIGTERM');
      await nodeSim.stop();
      await sim.stop();
    }
    expect(await exited).toBe(0);
  }, 300_000);
});
