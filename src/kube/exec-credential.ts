import { spawn } from 'node:child_process';
import { describeIssues, ExecCredentialSchema, type ExecApiVersion } from './kubeconfig-schema.js';

/** An exec plugin as the loader resolved it (command path made absolute when it was relative with a slash). */
export interface ExecPlugin {
  apiVersion: ExecApiVersion;
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  installHint?: string | undefined;
  provideClusterInfo: boolean;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always' | undefined;
}

/** The cluster as the plugin is told it when `provideClusterInfo` is set (ExecCredential `spec.cluster`). */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'certificate-authority-data'?: string;
  config?: unknown;
}

/** What a plugin gave: a bearer token and / or a client certificate (PEM), valid until `expiresAt` (ms) if set. */
export interface ExecResult {
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  expiresAt?: number;
}

/** A credential plugin failed (could not run, exited non-zero, or printed no valid ExecCredential). */
export class ExecCredentialError extends Error {
  override readonly name = 'ExecCredentialError';
}

const OUTPUT_LIMIT = 1 << 20;

/**
 * Run a credential plugin the way kubectl does: its args, the operator's environment plus the plugin's `env`,
 * `KUBERNETES_EXEC_INFO` describing the request (never interactive: stdin is closed), and parse the
 * ExecCredential it prints. `where` prefixes every error (`kubeconfig /x/y: users[0].user.exec`).
 */
export async function runExecPlugin(
  plugin: ExecPlugin,
  where: string,
  opts: { cluster?: ExecClusterInfo | undefined; timeoutMs?: number } = {},
): Promise<ExecResult> {
  const fail = (why: string): ExecCredentialError =>
    new ExecCredentialError(`${where}: command ${JSON.stringify(plugin.command)} ${why}`);
  if (plugin.interactiveMode === 'Always') {
    throw fail('needs a terminal (interactiveMode: Always), and the operator runs without one');
  }
  const info = {
    apiVersion: plugin.apiVersion,
    kind: 'ExecCredential',
    spec: {
      interactive: false,
      ...(plugin.provideClusterInfo && opts.cluster ? { cluster: opts.cluster } : {}),
    },
  };
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const e of plugin.env) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify(info);
  const hint = plugin.installHint ? `\n${plugin.installHint.trim()}` : '';

  const out = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(plugin.command, plugin.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // our own timer, not spawn's `timeout`: that one is not cleared when the command cannot be started
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size <= OUTPUT_LIMIT) stdout.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.reduce((n, x) => n + x.length, 0) < 64 * 1024) stderr.push(b);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(fail(`failed: ${err.code === 'ENOENT' ? 'not found' : err.message}${hint}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // What the plugin printed never goes into an error (errors are logged and shown): stdout may hold a
      // credential, and so may stderr. Only its size is told; run the command by hand to read it.
      const err = Buffer.concat(stderr).toString('utf8').trim();
      if (code !== 0) {
        const how = timedOut
          ? `timed out after ${opts.timeoutMs ?? 60_000} ms`
          : signal
            ? `was killed (${signal})`
            : `exited ${code}`;
        reject(
          fail(
            `failed: ${how}${err ? ` (it printed ${err.length} characters on stderr; run it by hand to read them)` : ''}`,
          ),
        );
      } else if (size > OUTPUT_LIMIT) {
        reject(fail(`failed: printed more than ${OUTPUT_LIMIT} bytes`));
      } else {
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: err });
      }
    });
  });

  let json: unknown;
  try {
    json = JSON.parse(out.stdout);
  } catch {
    throw fail(
      `printed no ExecCredential JSON (${out.stdout.length} characters on stdout, not shown: they may hold a credential)`,
    );
  }
  const parsed = ExecCredentialSchema.safeParse(json);
  if (!parsed.success) throw fail(`printed an invalid ExecCredential: ${describeIssues(parsed.error)}`);
  const cred = parsed.data;
  if (cred.apiVersion !== plugin.apiVersion) {
    throw fail(
      `printed an ExecCredential of ${cred.apiVersion}, but the kubeconfig asks for ${plugin.apiVersion}`,
    );
  }
  const result: ExecResult = {};
  if (cred.status.token !== undefined) result.token = cred.status.token;
  if (cred.status.clientCertificateData && cred.status.clientKeyData) {
    result.cert = Buffer.from(cred.status.clientCertificateData, 'utf8');
    result.key = Buffer.from(cred.status.clientKeyData, 'utf8');
  }
  if (cred.status.expirationTimestamp) result.expiresAt = Date.parse(cred.status.expirationTimestamp);
  return result;
}
