import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { pino } from 'pino';
import { installCrds } from '../apis/install.js';
import { DevStack, DevstackError, EnvFile, VERSIONS } from '../devstack/index.js';
import { run } from '../devstack/exec.js';
import { KubeClient, loadKubeConfig } from '../kube/index.js';
import { createLogger } from '../log.js';
import { startOperator, type OperatorHandle } from '../operator/operator.js';
import { startSimulator, type Simulator } from '../sim/cloud/index.js';
import { NodeSimulation } from '../sim/nodes/index.js';
import { devOperatorEnv, devOperatorSettings } from './dev/operator-settings.js';
import { devState, portOf, resetDevState, saveSimPorts, simPorts } from './dev/state.js';
import { samplePool } from './dev/sample-pool.js';
import { watchPoolProgress } from './dev/watch-progress.js';

export interface DevOptions {
  /** The folder for `env` and the run folder (default `.dev` in the working directory). */
  dir: string;
  apiserverPort?: number;
  /** Apply the sample NodePool and show its progress (default true; `--no-sample`). */
  sample?: boolean;
  /**
   * Start from nothing: forget the state kept in `<dir>/state/` (etcd's data, certificates, the simulator's
   * state) by earlier runs (`--fresh`). Without it a restart continues with the same pools, Nodes and instances.
   */
  fresh?: boolean;
  /** The cloud simulator's time scale (default 1: instances take as long as in Alibaba Cloud). */
  timeScale?: number;
}

function say(line: string): void {
  process.stderr.write(`[dev] ${line}\n`);
}

/** The progress lines: stdout, `[+SECONDS]` first, one line each time the pool's picture changes. */
function show(started: number, line: string): void {
  process.stdout.write(`[+${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
}

/**
 * `nodepool-operator dev` (what `npm start` runs): the local control plane with the CRDs, the Alibaba Cloud
 * simulator, the simulated nodes and the operator (in process, logging to `.dev/operator.log`); `.dev/env`;
 * then the sample NodePool and its progress until it is Active with its nodes Ready; then it waits for
 * Ctrl-C / SIGTERM and stops everything in reverse order.
 */
export async function dev(opts: DevOptions): Promise<number> {
  const started = Date.now();
  const dir = resolve(opts.dir);
  const env = new EnvFile(resolve(dir, 'env'));
  await env.remove(); // never leave an env file that points at a cluster that is not running
  let stack: DevStack | undefined;
  let sim: Simulator | undefined;
  let nodes: NodeSimulation | undefined;
  let operator: OperatorHandle | undefined;
  let operatorEnv: Record<string, string> | undefined;
  let client: KubeClient | undefined;
  let progress: Promise<void> | undefined;
  const progressStop = new AbortController();
  const operatorLogPath = resolve(dir, 'operator.log');
  const operatorLog = pino(
    { level: process.env.LOG_LEVEL ?? 'info', name: 'operator' },
    pino.destination({ dest: operatorLogPath, mkdir: true, sync: true, append: false }),
  );
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      say('stopping');
      await env.remove();
      progressStop.abort();
      await progress;
      await client?.close();
      if (operator) {
        say('stopping the operator');
        await operator.stop();
      }
      await nodes?.stop();
      await sim?.stop();
      await stack?.stop();
      say('stopped');
    })();
    return stopping;
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      say(`${signal} again: exiting now (components are killed with this process)`);
      process.exit(130);
    }
    void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const state = devState(dir);
  const runDir = resolve(dir, 'run');
  const hadState = !opts.fresh && existsSync(state.dir);
  try {
    if (opts.fresh) {
      await resetDevState(state, runDir);
      say(`--fresh: removed the state of earlier runs (${relative(process.cwd(), state.dir) || state.dir})`);
    }
    stack = await DevStack.start({
      runDir,
      stateDir: state.dir,
      report: say,
      ...(opts.apiserverPort === undefined ? {} : { ports: { apiserver: opts.apiserverPort } }),
    });
    say('installing the NodePool and ManagedNodePool CRDs');
    await installCrds(stack.binaries.bin.kubectl, stack.kubeconfig);
    say('starting the Alibaba Cloud simulator');
    const log = createLogger({ name: 'dev', level: process.env.LOG_LEVEL ?? 'warn', pretty: true });
    const simOptions = {
      writeWorldTo: resolve(dir, 'sim-world.yaml'),
      stateFile: state.simStateFile,
      timeScale: opts.timeScale ?? 1,
      log: log.child({ component: 'sim' }),
    };
    // the ports of the last run when free, so that .dev/env keeps its values; new ones if one was just taken
    sim = await startSimulator({ ...simOptions, ...(await simPorts(state)) })
      .catch(() => startSimulator(simOptions))
      .catch((err: unknown) => {
        throw new Error(
          `the cloud simulator could not start with the state kept in ${state.simStateFile} (--fresh starts from nothing): ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    await saveSimPorts(state, { port: portOf(sim.endpoint), adminPort: portOf(sim.adminUrl) });
    if (stack.restored || sim.cloud.instances.size > 0) {
      say(
        `continuing from the state of the last run (${relative(process.cwd(), state.dir) || state.dir}: ${sim.cloud.instances.size} instances, ${sim.ess.state.groups.size} scaling groups); --fresh starts from nothing`,
      );
    }
    // simulated machines: every instance that reaches Running boots its user data and joins this cluster
    nodes = new NodeSimulation(sim, {
      apiServer: stack.server,
      kubeconfig: stack.kubeconfig,
      log: log.child({ component: 'nodes' }),
    });
    nodes.start();
    const settings = devOperatorSettings({
      kubeconfig: stack.kubeconfig,
      apiServer: stack.server,
      simEnv: sim.env(),
      world: sim.world,
      logLevel: process.env.LOG_LEVEL,
    });
    say(`starting the operator (log: ${relative(process.cwd(), operatorLogPath) || operatorLogPath})`);
    operator = await startOperator(settings, { logger: operatorLog });
    operatorEnv = devOperatorEnv(settings);
  } catch (err) {
    await stop();
    if (hadState)
      say(
        `this run started from the state an earlier run kept in ${relative(process.cwd(), state.dir) || state.dir}: if that is what fails, \`npm start -- --fresh\` starts from nothing`,
      );
    throw err;
  }
  env
    .set('KUBECONFIG', stack.kubeconfig, 'admin credentials (group system:masters) for the local cluster')
    .set(
      'KUBECTL',
      stack.binaries.bin.kubectl,
      `kubectl ${VERSIONS.kubernetes}, built with the control plane`,
    )
    .set(
      'NODEPOOL_DEV_KUBECONFIG_DEVELOPER',
      stack.developerKubeconfig,
      'a non-admin identity: RBAC grants it nothing',
    )
    .set('NODEPOOL_DEV_APISERVER', stack.server)
    .set('NODEPOOL_DEV_RUN_DIR', stack.runDir, 'certificates, kubeconfigs and component logs (logs/)');
  for (const [name, value] of Object.entries(sim.env())) {
    env.set(
      name,
      value,
      name === 'SIM_ADMIN_URL'
        ? "the simulator's admin API (faults, stock, events): docs/simulator.md"
        : undefined,
    );
  }
  // what `nodepool-operator run` needs besides the cloud settings above, to run against this cluster
  for (const [name, value] of Object.entries(operatorEnv ?? {})) env.set(name, value);
  env
    .set('NODEPOOL_DEV_OPERATOR_LOG', operatorLogPath, "the in-process operator's log (JSON lines)")
    .set('NODEPOOL_DEV_METRICS_URL', `http://127.0.0.1:${operator.metricsPort ?? 0}/metrics`)
    .set('NODEPOOL_DEV_HEALTH_URL', `http://127.0.0.1:${operator.healthPort ?? 0}/readyz`);
  await env.write();
  const envPath = relative(process.cwd(), env.path) || env.path;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    [
      '',
      `ready in ${seconds} s: Kubernetes ${VERSIONS.kubernetes} at ${stack.server}; Alibaba Cloud simulator at ${sim.endpoint}`,
      `  source ${envPath}; $KUBECTL get nodes`,
      `  logs: ${relative(process.cwd(), stack.runDir) || stack.runDir}/logs/`,
      `  operator: ${relative(process.cwd(), operatorLogPath) || operatorLogPath}; metrics ${env.get('NODEPOOL_DEV_METRICS_URL') ?? ''}`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  if (opts.sample !== false) {
    const kubectl = stack.binaries.bin.kubectl;
    const kubeconfig = stack.kubeconfig;
    const sample = samplePool(sim.world, { regionId: sim.regionId });
    const file = resolve(dir, 'sample-nodepool.yaml');
    const shown = relative(process.cwd(), file) || file;
    client = new KubeClient(loadKubeConfig({ kubeconfig }));
    const watcher = client;
    progress = (async () => {
      await writeFile(file, sample.yaml);
      const applied = await run(kubectl, ['--kubeconfig', kubeconfig, 'apply', '-f', file]);
      if (applied.code !== 0) {
        say(`applying the sample pool failed: ${applied.stderr.trim()}`);
        return;
      }
      say(`applied the sample NodePool ${sample.name} (${shown}); its progress:`);
      const sampleStarted = Date.now();
      const done = await watchPoolProgress({
        client: watcher,
        logger: operatorLog.child({ component: 'dev-progress' }),
        pool: sample.name,
        signal: progressStop.signal,
        onLine: (line) => show(sampleStarted, line),
      });
      if (!done) return;
      const seconds = ((Date.now() - sampleStarted) / 1000).toFixed(1);
      process.stderr.write(
        [
          '',
          `the sample pool ${sample.name} is Active with its nodes Ready (${seconds} s after it was applied)`,
          `  . ${envPath}; $KUBECTL get np,nodes`,
          'Ctrl-C stops everything.',
          '',
        ].join('\n'),
      );
    })().catch((err: unknown) =>
      say(`the sample pool's progress stopped: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  const running = operator;
  const ended = await Promise.race([
    stack.crashed().then((crash) => `error: ${crash.describe()}`),
    running.exited.then(
      (code) =>
        `error: the operator stopped (exit code ${code}); see ${relative(process.cwd(), operatorLogPath) || operatorLogPath}`,
    ),
  ]);
  if (stopping) {
    await stopping;
    return 0;
  }
  process.stderr.write(`${ended}\n`);
  await stop();
  return 1;
}

export { DevstackError };
