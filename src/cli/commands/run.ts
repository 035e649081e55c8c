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
    // a lost lease ends the process within 2 s, like controller-runtime: every write is fenced off at once, and
    // whatever is still pending (a reconcile waiting on a slow call, an open watch) does not keep it alive
    const operator = await startOperator(settings, {
      onLeaseLost: () => setTimeout(() => process.exit(EXIT.lostLease), 1_000).unref(),
    });
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
    if (code === EXIT.lostLease) process.exit(code);
  });
}
