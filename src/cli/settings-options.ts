import type { Command } from 'commander';
import { SETTINGS, SettingsError, resolveSettings, type Settings } from '../operator/settings.js';

/** Adds the operator's settings as options of `cmd` (all, or those whose flag `only` accepts). */
export function addSettingsOptions(cmd: Command, only: (flag: string) => boolean = () => true): Command {
  for (const s of Object.values(SETTINGS)) {
    if (!only(s.flag)) continue;
    const env = 'env' in s && s.env ? ` [env: ${s.env.join(', ')}]` : '';
    const def = 'default' in s ? ` (default: ${s.default})` : '';
    cmd.option(`--${s.flag} <value>`, `${s.description}${def}${env}`);
  }
  return cmd;
}

/** Resolves the settings; on bad input prints every problem, sets exit code 2 and returns undefined. */
export function settingsOrExit(flags: Record<string, unknown>): Settings | undefined {
  try {
    return resolveSettings(flags);
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 2;
      return undefined;
    }
    throw err;
  }
}
