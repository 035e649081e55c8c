import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Keys whose values are credentials, wherever they sit in a log line (top level, or one or two objects deep):
 * pino writes `[redacted]` instead. A defence in depth — the code logs no secret on purpose — against an object
 * logged whole (settings, a request, an error's details).
 */
export const REDACTED_KEYS = [
  'password',
  'Password',
  'accessKeySecret',
  'AccessKeySecret',
  'securityToken',
  'SecurityToken',
  'token',
  'bootstrapToken',
  'authorization',
  'Authorization',
  'userData',
  'UserData',
  'joinCommand',
  'KUBEADM_JOIN_CMD',
  'clientKeyData',
  'client-key-data',
  'privateKey',
] as const;

export const REDACT_PATHS: string[] = REDACTED_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key.startsWith('[') ? k : key, join('*'), join('*.*')];
});

/**
 * The project's logger: JSON lines on stderr (pretty with `pretty: true`, used by `dev`). Messages are
 * constant; what varies goes in the fields `controller`, `pool`, `node`, `instance`, `action`, `reconcileId`.
 * Credential-shaped keys are redacted (REDACTED_KEYS).
 */
export function createLogger(
  opts: { level?: string; pretty?: boolean; name?: string; destination?: DestinationStream } = {},
): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  const redact = { paths: REDACT_PATHS, censor: '[redacted]' };
  if (opts.pretty) {
    return pino({
      level,
      name: opts.name,
      redact,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: process.stderr.isTTY, ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level, name: opts.name, redact }, opts.destination ?? pino.destination(2));
}
