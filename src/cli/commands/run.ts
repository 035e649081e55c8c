import type { Command } from 'commander';
import { EXIT, startOperator } from '../../operator/operator.js';
import { addSettingsOptions, settingsOrExit } from '../settings-options.js';

/** `nodepool-operator run`: the operator itself (what the Deployment runs). */
export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description(
      'run the operator: informers, leader election on a Lease, the controllers, /healthz /readyz and /metrics',
    );
  addSettingsOptions(cmd);
  cmd.action(async (flags: Record<string, unknown>) => {
    const settings = settingsOrExit(flags);
    if (!settings) return;
    const operator = await startOperator(settings);
    let signals = 0;
    const onSignal = (): void => {
      signals++;
      if (signals > 1) process.exit(130); // a second signal: now
      void operator.stop();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    const code = await operator.exited;
    process.exitCode = code;
    // a lost lease must end the process even if something still holds the event loop
    if (code === EXIT.lostLease) setTimeout(() => process.exit(code), 1000).unref();
  });
}
