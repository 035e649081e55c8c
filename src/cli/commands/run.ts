import type { Command } from 'commander';
import { EXIT, startOperator } from '../../operator/operator.js';
import { SETTINGS, SettingsError, resolveSettings } from '../../operator/settings.js';

/** `nodepool-operator run`: the operator itself (what the Deployment runs). */
export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description(
      'run the operator: informers, leader election on a Lease, the controllers, /healthz /readyz and /metrics',
    );
  for (const s of Object.values(SETTINGS)) {
    const env = 'env' in s && s.env ? ` [env: ${s.env.join(', ')}]` : '';
    const def = 'default' in s ? ` (default: ${s.default})` : '';
    cmd.option(`--${s.flag} <value>`, `${s.description}${def}${env}`);
  }
  cmd.action(async (flags: Record<string, unknown>) => {
    let settings;
    try {
      settings = resolveSettings(flags);
    } catch (err) {
      if (err instanceof SettingsError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      throw err;
    }
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
