import { relative, resolve } from 'node:path';
import { installCrds } from '../apis/install.js';
import { DevStack, DevstackError, EnvFile, VERSIONS } from '../devstack/index.js';
import { createLogger } from '../log.js';
import { startSimulator, type Simulator } from '../sim/cloud/index.js';
import { NodeSimulation } from '../sim/nodes/index.js';

export interface DevOptions {
  /** The folder for `env` and the run folder (default `.dev` in the working directory). */
  dir: string;
  apiserverPort?: number;
}

function say(line: string): void {
  process.stderr.write(`[dev] ${line}\n`);
}

/**
 * `nodepool-operator dev` (what `npm start` runs): the local control plane, then `.dev/env`, then wait for
 * Ctrl-C / SIGTERM and stop everything. Later parts of the project (cloud simulator, node simulation, the
 * operator) start here too and add their settings to the env file.
 */
export async function dev(opts: DevOptions): Promise<number> {
  const started = Date.now();
  const dir = resolve(opts.dir);
  const env = new EnvFile(resolve(dir, 'env'));
  await env.remove(); // never leave an env file that points at a cluster that is not running
  let stack: DevStack | undefined;
  let sim: Simulator | undefined;
  let nodes: NodeSimulation | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      say('stopping');
      await env.remove();
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

  try {
    stack = await DevStack.start({
      runDir: resolve(dir, 'run'),
      report: say,
      ...(opts.apiserverPort === undefined ? {} : { ports: { apiserver: opts.apiserverPort } }),
    });
    say('installing the NodePool and ManagedNodePool CRDs');
    await installCrds(stack.binaries.bin.kubectl, stack.kubeconfig);
    say('starting the Alibaba Cloud simulator');
    const log = createLogger({ name: 'dev', level: process.env.LOG_LEVEL ?? 'warn', pretty: true });
    sim = await startSimulator({
      writeWorldTo: resolve(dir, 'sim-world.yaml'),
      log: log.child({ component: 'sim' }),
    });
    // simulated machines: every instance that reaches Running boots its user data and joins this cluster
    nodes = new NodeSimulation(sim, { apiServer: stack.server, log: log.child({ component: 'nodes' }) });
    nodes.start();
  } catch (err) {
    await stop();
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
  await env.write();
  const envPath = relative(process.cwd(), env.path) || env.path;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    [
      '',
      `ready in ${seconds} s: Kubernetes ${VERSIONS.kubernetes} at ${stack.server}; Alibaba Cloud simulator at ${sim.endpoint}`,
      `  source ${envPath}; $KUBECTL get nodes`,
      `  logs: ${relative(process.cwd(), stack.runDir) || stack.runDir}/logs/`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  const crash = await stack.crashed();
  if (stopping) {
    await stopping;
    return 0;
  }
  process.stderr.write(`error: ${crash.describe()}\n`);
  await stop();
  return 1;
}

export { DevstackError };
