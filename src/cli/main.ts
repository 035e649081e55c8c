import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DevstackError, cacheRoot, ensureBinaries, ensureHelm } from '../devstack/index.js';
import { PACKAGE_ROOT } from '../devstack/paths.js';
import { register as registerRenderUserData } from './commands/render-userdata.js';
import { register as registerValidate } from './commands/validate.js';
import { register as registerSim } from './commands/sim.js';
import { dev } from './dev.js';
import { register as registerRun } from './commands/run.js';
import { register as registerCloud } from './commands/cloud.js';
import { register as registerUninstall } from './commands/uninstall.js';
import { register as registerDisruptions } from './commands/disruptions.js';

const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('a TCP port is 1-65535');
  return n;
}

function timeScale(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 10_000)
    throw new InvalidArgumentError('the time scale is a number in (0, 10000]');
  return n;
}

export function buildProgram(): Command {
  const program = new Command('nodepool-operator')
    .description(
      'Manage Alibaba Cloud node pools (ESS scaling groups, ECS instances) as Kubernetes resources.',
    )
    .version(pkg.version)
    .showHelpAfterError()
    .enablePositionalOptions();

  program
    .command('dev')
    .description(
      'run the local development environment (what `npm start` runs): a real Kubernetes control plane, the cloud simulator, simulated nodes and the operator; writes .dev/env, applies a sample NodePool and shows its progress',
    )
    .option('--dir <path>', 'folder for env and the run folder', '.dev')
    .option('--apiserver-port <port>', 'fixed port for kube-apiserver (default: a free one)', port)
    .option('--no-sample', 'do not apply the sample NodePool')
    .option(
      '--fresh',
      'start from nothing: forget the cluster and cloud state kept in <dir>/state by earlier runs',
    )
    .option(
      '--time-scale <factor>',
      "the cloud simulator's simulated seconds per wall second (default 1)",
      timeScale,
    )
    .action(
      async (o: {
        dir: string;
        apiserverPort?: number;
        sample: boolean;
        fresh?: boolean;
        timeScale?: number;
      }) => {
        process.exitCode = await dev({
          dir: o.dir,
          sample: o.sample,
          fresh: o.fresh === true,
          ...(o.timeScale === undefined ? {} : { timeScale: o.timeScale }),
          ...(o.apiserverPort === undefined ? {} : { apiserverPort: o.apiserverPort }),
        });
      },
    );

  const devstack = program.command('devstack').description("the local control plane's binaries");
  devstack
    .command('build')
    .description(
      'build (or reuse) kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd and kwok, and helm for the chart tests, from the Go module proxy',
    )
    .option('--force', 'rebuild even when cached')
    .action(async (o: { force?: boolean }) => {
      const b = await ensureBinaries({ force: o.force === true });
      process.stdout.write(`${b.dir}\n`);
      process.stdout.write(`${await ensureHelm({ force: o.force === true })}\n`);
    });
  devstack
    .command('where')
    .description('print the binary cache folder')
    .action(() => {
      process.stdout.write(`${cacheRoot()}\n`);
    });
  registerRun(program);
  registerCloud(program);
  registerValidate(program);
  registerRenderUserData(program);
  registerSim(program);
  registerUninstall(program);
  registerDisruptions(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof DevstackError) {
    process.stderr.write(`error: ${err.describe()}\n`);
  } else {
    const detail =
      err instanceof Error
        ? process.env.NODEPOOL_DEBUG
          ? (err.stack ?? err.message)
          : err.message
        : String(err);
    process.stderr.write(`error: ${detail}\n`);
  }
  process.exitCode = 1;
}
