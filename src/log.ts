import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The project's logger: JSON lines on stderr (pretty with `pretty: true`, used by `dev`). Messages are
 * constant; what varies goes in the fields `controller`, `pool`, `node`, `instance`, `action`, `reconcileId`.
 */
export function createLogger(opts: { level?: string; pretty?: boolean; name?: string } = {}): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  if (opts.pretty) {
    return pino({
      level,
      name: opts.name,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: process.stderr.isTTY, ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level, name: opts.name }, pino.destination(2));
}
