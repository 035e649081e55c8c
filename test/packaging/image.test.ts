import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, readdirSync, lstatSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureHelm } from '../../src/devstack/helm.js';
import { PACKAGE_ROOT } from '../../src/devstack/paths.js';
import { freePort } from '../../src/devstack/ports.js';
import { helmTemplate } from '../../src/packaging/helm.js';
import { POOL_LABEL } from '../../src/bootstrap/labels.js';
import { startSimulator, type Simulator } from '../../src/sim/cloud/index.js';
import { NodeSimulation } from '../../src/sim/nodes/index.js';
import { ensureCrds } from '../api/support/crds.js';
import { quietLogger } from '../disruption/support.js';
import { TEST_RUNS_DIR, testCluster } from '../support/access.js';
import { eventually, getJson, kubectl, kubectlOk, uniqueName } from '../support/kube.js';
import { buildImage, type Built } from './image/build.js';
import { podmanRunArgs, type Deployment } from './image/pod.js';
import { containerTools, mustSucceed, type ContainerTools } from './image/tools.js';
import { checkDashboardAgainst, dashboardQueries } from './dashboard/queries.js';

// The image users deploy, built from the repository's Dockerfile with buildah and run with podman (runc) the way
// the chart runs it: the rendered Deployment's arguments, environment, security contexts, volumes and memory
// limit, a token of the chart's ServiceAccount, on the host's network (where the test API server and the cloud
// simulator listen). Only the base images are local stand-ins (test/packaging/image/bases.ts): no registry
// serves node:24 or distroless here. docs/packaging.md has the figures.

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

const report = (l: string): void => void process.stderr.write(`[image] ${l}\n`);
let tools: ContainerTools;
let built: Built;
let helm: string;

beforeAll(async () => {
  tools = await containerTools();
  helm = await ensureHelm({ report: (l) => process.stderr.write(`[helm] ${l}\n`) });
  await ensureCrds();
  await mkdir(TEST_RUNS_DIR, { recursive: true });
  built = await buildImage(tools, join(TEST_RUNS_DIR, 'image-build.log'), report);
}, 1_800_000);

/** Every path under `dir` (relative), without following symbolic links. */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel))) {
    const p = rel ? `${rel}/${e}` : e;
    out.push(p);
    if (lstatSync(join(dir, p)).isDirectory()) out.push(...walk(dir, p));
  }
  return out;
}

describe('the image built from the Dockerfile', () => {
  test('runs `node bin/nodepool-operator.js run` as 65532 on Node 24, holds production dependencies only and no npm, npx or corepack; its size and layers', async () => {
    const [info] = JSON.parse(
      mustSucceed('podman image inspect', await tools.podman(['image', 'inspect', built.image])),
    ) as [
      {
        Size: number;
        Config: { User: string; Entrypoint: string[]; Cmd: string[]; Env: string[]; WorkingDir: string };
        RootFS: { Layers: string[] };
      },
    ];
    expect(info.Config).toMatchObject({
      User: '65532:65532',
      Entrypoint: ['/usr/local/bin/node', 'bin/nodepool-operator.js'],
      Cmd: ['run'],
      WorkingDir: '/app',
    });
    expect(info.Config.Env).toEqual(
      expect.arrayContaining([
        'NODE_ENV=production',
        'MALLOC_ARENA_MAX=2',
        'NODE_OPTIONS=--max-semi-space-size=8',
      ]),
    );
    const history = JSON.parse(
      mustSucceed('podman history', await tools.podman(['history', '--format', 'json', built.image])),
    ) as { size: number; CreatedBy: string }[];
    const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
    report(
      `size ${mb(info.Size)}, ${info.RootFS.Layers.length} layers; build ${built.buildSeconds.toFixed(1)} s, base images ${built.baseSeconds.toFixed(1)} s`,
    );
    for (const h of history.filter((x) => x.size > 0).reverse())
      report(
        `  ${mb(h.size).padStart(9)}  ${h.CreatedBy.replace(/^\/bin\/sh -c #\(nop\) /, '').slice(0, 100)}`,
      );

    const mount = mustSucceed(
      'podman image mount',
      await tools.podman(['image', 'mount', built.image]),
    ).trim();
    try {
      const files = walk(mount);
      // no package manager: npm, npx, corepack (and yarn) stay in the build stage
      expect(
        files.filter(
          (f) =>
            /(^|\/)(npm|npx|corepack|yarn|yarnpkg)(\/|$|-cli\.js$)/.test(f) &&
            !f.startsWith('app/node_modules/'),
        ),
      ).toEqual([]);
      expect(files.filter((f) => f.startsWith('usr/local/lib/node_modules'))).toEqual([]);
      // production dependencies only (and every one of them), no TypeScript sources or maps in them
      const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
        devDependencies: Record<string, string>;
        optionalDependencies: Record<string, string>;
      };
      const top = new Set(
        files
          .filter((f) => /^app\/node_modules\/(@[^/]+\/)?[^/@]+$/.test(f))
          .map((f) => f.slice('app/node_modules/'.length)),
      );
      for (const dep of Object.keys(pkg.dependencies))
        expect({ dep, present: top.has(dep) }).toEqual({ dep, present: true });
      for (const dep of [...Object.keys(pkg.devDependencies), ...Object.keys(pkg.optionalDependencies)])
        expect({ dep, present: top.has(dep) }).toEqual({ dep, present: false });
      expect(files.filter((f) => f.startsWith('app/node_modules/') && /\.(ts|mts|cts|map)$/.test(f))).toEqual(
        [],
      );
      expect(files.filter((f) => f.startsWith('app/dist/') && f.endsWith('.map'))).toEqual([]);
      // the application's files belong to root and nobody else may write them
      const writable = files
        .filter((f) => f.startsWith('app/') && !lstatSync(join(mount, f)).isSymbolicLink())
        .filter((f) => {
          const s = lstatSync(join(mount, f));
          return s.uid !== 0 || (s.mode & 0o022) !== 0;
        });
      expect(writable).toEqual([]);
    } finally {
      await tools.podman(['image', 'unmount', built.image]);
    }
  });

  describe('run the way the chart runs it', () => {
    const release = uniqueName('img').slice(0, 24);
    const leaseId = `${release}-lease`;
    const fullname = `${release}-alicloud-nodepool-operator`;
    const podName = `${fullname}-5d8f7c9b4-x2x7k`;
    let sim: Simulator | undefined;
    let nodeSim: NodeSimulation | undefined;
    let applied = '';
    let container: ChildProcess | undefined;

    afterAll(async () => {
      await tools.podman(['rm', '--force', '--time', '0', podName]);
      if (container && container.exitCode === null) container.kill('SIGKILL');
      await nodeSim?.stop();
      await sim?.stop();
      if (applied)
        await kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], { input: applied });
    });

    test("a read-only root, UID 65532, no capabilities, the chart's args and env, its ServiceAccount token: Ready, takes the Lease, brings a pool to Active against the simulator, stops within 3 s of SIGTERM and releases the Lease", async () => {
      const c = testCluster();
      sim = await startSimulator({ log: quietLogger, timeScale: 200 });
      nodeSim = new NodeSimulation(sim, { apiServer: c.server, log: quietLogger });
      nodeSim.start();
      const world = sim.world.regions[0]!;
      const vpc = world.vpcs[0]!;
      const env = sim.env();
      const [metricsPort, probesPort] = [await freePort(), await freePort()];
      const rendered = await helmTemplate(helm, {
        release,
        namespace: 'kube-system',
        set: [
          'credentials.mode=secret',
          `credentials.secret.accessKeyId=${env.ALIBABA_CLOUD_ACCESS_KEY_ID}`,
          `credentials.secret.accessKeySecret=${env.ALIBABA_CLOUD_ACCESS_KEY_SECRET}`,
          'settings.clusterId=c-image',
          `settings.region=${world.regionId}`,
          `settings.vpcId=${vpc.vpcId}`,
          `settings.apiserverEndpoint=${c.server}`,
          `settings.poolSelector=nodepool-e2e=${release}`,
          `settings.leaderElection.id=${leaseId}`,
          'settings.protocol=http',
          ...['ecs', 'ess', 'vpc', 'sts'].map(
            (p) => `settings.endpoints.${p}=${env.ALIBABA_CLOUD_ECS_ENDPOINT}`,
          ),
          `metrics.port=${metricsPort}`,
          `probes.port=${probesPort}`,
        ],
      });
      const objects = parseAllDocuments(rendered)
        .map((d) => d.toJS() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null);
      const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as Deployment;
      // everything but the Deployment: the image is run here, as the Deployment's pod would be
      applied = objects
        .filter((o) => o.kind !== 'Deployment')
        .map((o) => JSON.stringify(o))
        .join('\n');
      await kubectlOk(['apply', '-f', '-'], { input: applied });
      const sa = deployment.spec.template.spec.serviceAccountName;
      expect(sa).toBe(fullname);
      const token = (await kubectlOk(['create', 'token', sa, '-n', 'kube-system', '--duration=10m'])).trim();
      const secrets: Record<string, Record<string, string>> = {};
      for (const s of objects.filter((o) => o.kind === 'Secret'))
        secrets[s.metadata.name] = (
          await getJson<{ data: Record<string, string> }>(['secret', s.metadata.name, '-n', 'kube-system'])
        ).data;
      const dir = await mkdtemp(join(TEST_RUNS_DIR, `${release}-pod-`));
      const args = await podmanRunArgs(deployment, built.image, {
        podName,
        namespace: 'kube-system',
        apiServer: new URL(c.server),
        serviceAccountToken: token,
        caCert: readFileSync(c.caFile, 'utf8'),
        secrets,
        dir,
      });
      for (const flag of ['--read-only', '--cap-drop', '--security-opt']) expect(args).toContain(flag);
      expect(args.slice(args.indexOf('--user'), args.indexOf('--user') + 2)).toEqual([
        '--user',
        '65532:65532',
      ]);
      const argv = tools.podmanArgv(['run', ...tools.ulimits(), ...args]);
      report(argv.join(' ').replace(token, '<token>'));

      const logFile = join(TEST_RUNS_DIR, `${release}-container.log`);
      const log = createWriteStream(logFile);
      container = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      container.stdout?.pipe(log);
      container.stderr?.pipe(log);
      const child = container;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const pool = uniqueName('img-pool');
      try {
        const started = Date.now();
        await eventually(
          'the container ready (/readyz)',
          async () => ((await fetch(`http://127.0.0.1:${probesPort}/readyz`)).ok ? true : undefined),
          { intervalMs: 200, timeoutMs: 60_000 },
        );
        report(`ready ${((Date.now() - started) / 1000).toFixed(1)} s after podman run`);
        await eventually(
          'the container holding the Lease',
          async () => {
            const lease = await getJson<{ spec?: { holderIdentity?: string } }>([
              'lease',
              leaseId,
              '-n',
              'kube-system',
            ]);
            return lease.spec?.holderIdentity === podName ? true : undefined;
          },
          { timeoutMs: 30_000 },
        );
        // inside: the process is UID 65532 with no capabilities, and the root file system refuses writes
        const status = mustSucceed(
          'podman exec',
          await tools.podman([
            'exec',
            podName,
            '/usr/local/bin/node',
            '-e',
            'const fs = require("fs"); let w; try { fs.writeFileSync("/app/x", "x"); w = "written" } catch (e) { w = e.code } console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), caps: fs.readFileSync("/proc/1/status", "utf8").match(/^Cap(Eff|Prm|Bnd):.*$/gm), write: w, tmp: (fs.writeFileSync("/tmp/x", "x"), "ok") }))',
          ]),
        );
        expect(JSON.parse(status)).toEqual({
          uid: 65532,
          gid: 65532,
          caps: ['CapPrm:\t0000000000000000', 'CapEff:\t0000000000000000', 'CapBnd:\t0000000000000000'],
          write: 'EROFS',
          tmp: 'ok',
        });

        await kubectlOk(['apply', '-f', '-'], {
          input: JSON.stringify({
            apiVersion: 'nodepool.alicloud.dev/v1beta1',
            kind: 'NodePool',
            metadata: { name: pool, labels: { 'nodepool-e2e': release } },
            spec: {
              region: world.regionId,
              vpcId: vpc.vpcId,
              vSwitchIds: vpc.vSwitches
                .filter((v) => v.name.startsWith('nodes-'))
                .map((v) => v.vSwitchId)
                .slice(0, 2),
              scaling: { mode: 'Manual', desiredSize: 2 },
              instanceTypes: ['ecs.g7.xlarge'],
              image: { type: 'AliyunLinux3ContainerOptimized' },
              securityGroup: { ids: [world.securityGroups[0]!.securityGroupId] },
              ramRoleName: 'k8s-worker-role',
              customNodeName: { prefix: 'image' },
              labels: { via: 'image' },
            },
          }),
        });
        const t0 = Date.now();
        await eventually(
          'the pool Active with 2 Ready nodes',
          async () => {
            const p = await getJson<{ status?: { phase?: string; readySize?: number } }>(['nodepool', pool]);
            const nodes = await getJson<{ items: unknown[] }>([
              'nodes',
              '-l',
              `${POOL_LABEL}=${pool},via=image`,
            ]);
            return p.status?.phase === 'Active' && p.status.readySize === 2 && nodes.items.length === 2
              ? true
              : undefined;
          },
          { timeoutMs: 120_000 },
        );
        report(
          `pool ${pool} Active with 2 Ready nodes ${((Date.now() - t0) / 1000).toFixed(1)} s after it was applied`,
        );

        // what the chart's dashboard graphs is what this image exports
        const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        expect(checkDashboardAgainst(dashboardQueries(), scrape)).toEqual([]);

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
        // SIGTERM to the container's PID 1 (node), as the kubelet stops a pod
        const t0 = Date.now();
        mustSucceed('podman kill', await tools.podman(['kill', '--signal', 'TERM', podName]));
        const code = (await exited) ?? -1;
        const seconds = (Date.now() - t0) / 1000;
        report(`stopped ${seconds.toFixed(2)} s after SIGTERM, exit code ${code}`);
        expect({ code, withinThreeSeconds: seconds < 3 }).toEqual({ code: 0, withinThreeSeconds: true });
      }
      const lease = await getJson<{ spec?: { holderIdentity?: string } }>([
        'lease',
        leaseId,
        '-n',
        'kube-system',
      ]);
      expect(lease.spec?.holderIdentity ?? '').toBe('');
      const text = readFileSync(logFile, 'utf8');
      expect(text).not.toMatch(/forbidden/i);
      expect(text).toMatch(/"msg":"stopped"/);
      await rm(dir, { recursive: true, force: true });
    }, 300_000);
  });
});
