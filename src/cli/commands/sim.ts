import { type Command, InvalidArgumentError } from 'commander';
import { createLogger } from '../../log.js';
import { startSimulator } from '../../sim/cloud/index.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a TCP port is 0-65535');
  return n;
}

function scale(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 10_000)
    throw new InvalidArgumentError('the time scale is a number in (0, 10000]');
  return n;
}

interface SimCliOptions {
  port?: number;
  adminPort?: number;
  world?: string;
  writeWorld?: string;
  state?: string;
  timeScale: number;
  region?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
}

/** `nodepool-operator sim`: the Alibaba Cloud simulator on 127.0.0.1 until Ctrl-C. */
export function register(program: Command): void {
  program
    .command('sim')
    .description(
      'run the Alibaba Cloud simulator (ECS, ESS, VPC, STS over the real protocol) on 127.0.0.1; prints the env to use it',
    )
    .option('--port <port>', 'cloud endpoint port (default: a free one)', port)
    .option('--admin-port <port>', 'admin HTTP API port (default: a free one)', port)
    .option('--world <file>', 'start from this world file (YAML or JSON) instead of the default world')
    .option('--write-world <file>', 'write the world the simulator starts with to this file (YAML)')
    .option('--state <file>', 'persist the state to this file (atomically) and restore it at start')
    .option('--time-scale <factor>', 'simulated seconds per wall second', scale, 1)
    .option('--region <id>', 'default region for the printed env (default: cn-hangzhou)')
    .option('--access-key-id <id>', 'the AccessKey id to accept (default: the development key)')
    .option('--access-key-secret <secret>', 'its secret')
    .action(async (o: SimCliOptions) => {
      if ((o.accessKeyId === undefined) !== (o.accessKeySecret === undefined)) {
        throw new InvalidArgumentError('--access-key-id and --access-key-secret go together');
      }
      const sim = await startSimulator({
        log: createLogger({ name: 'sim', pretty: process.stderr.isTTY }),
        timeScale: o.timeScale,
        ...(o.port === undefined ? {} : { port: o.port }),
        ...(o.adminPort === undefined ? {} : { adminPort: o.adminPort }),
        ...(o.world === undefined ? {} : { worldFile: o.world }),
        ...(o.writeWorld === undefined ? {} : { writeWorldTo: o.writeWorld }),
        ...(o.state === undefined ? {} : { stateFile: o.state }),
        ...(o.region === undefined ? {} : { regionId: o.region }),
        ...(o.accessKeyId === undefined || o.accessKeySecret === undefined
          ? {}
          : { credentials: [{ accessKeyId: o.accessKeyId, accessKeySecret: o.accessKeySecret }] }),
      });
      for (const [k, v] of Object.entries(sim.env())) process.stdout.write(`export ${k}=${v}\n`);
      process.stdout.write('ready\n');
      await new Promise<void>((resolve) => {
        const onSignal = (): void => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await sim.stop();
    });
}
