import { randomBytes } from 'node:crypto';
import { run, type ExecResult } from '../../src/devstack/exec.js';
import { testCluster } from './access.js';

/** Poll `probe` until it returns a value (not undefined) or the deadline passes; never a fixed sleep. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** kubectl against the test cluster (admin unless `kubeconfig` is given). */
export function kubectl(
  args: readonly string[],
  opts: { kubeconfig?: string; input?: string } = {},
): Promise<ExecResult> {
  const c = testCluster();
  return run(
    c.kubectl,
    ['--kubeconfig', opts.kubeconfig ?? c.kubeconfig, ...args],
    opts.input === undefined ? {} : { input: opts.input },
  );
}

/** kubectl that must succeed; returns stdout. */
export async function kubectlOk(
  args: readonly string[],
  opts: { kubeconfig?: string; input?: string } = {},
): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** `kubectl get -o json`, parsed. */
export async function getJson<T = Record<string, unknown>>(args: readonly string[]): Promise<T> {
  return JSON.parse(await kubectlOk(['get', ...args, '-o', 'json'])) as T;
}

/** A unique, DNS-safe name for this test's objects. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 50);
}

/** A bootstrap token Secret in kube-system (as `kubeadm token create` makes); `remove()` deletes it. */
/** A bootstrap token Secret in kube-system; `expiresInMs: null` makes one that never expires (`--ttl 0`). */
export async function createBootstrapToken(
  opts: { expiresInMs?: number | null; signing?: boolean } = {},
): Promise<{
  id: string;
  token: string;
  remove: () => Promise<void>;
}> {
  const id = randomBytes(3).toString('hex');
  const secret = randomBytes(8).toString('hex');
  await kubectlOk(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'bootstrap.kubernetes.io/token',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      stringData: {
        'token-id': id,
        'token-secret': secret,
        'usage-bootstrap-authentication': 'true',
        ...(opts.signing ? { 'usage-bootstrap-signing': 'true' } : {}),
        'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
        ...(opts.expiresInMs === null
          ? {}
          : {
              expiration: new Date(Date.now() + (opts.expiresInMs ?? 3600_000))
                .toISOString()
                .replace(/\.\d+Z$/, 'Z'),
            }),
      },
    }),
  });
  return {
    id,
    token: `${id}.${secret}`,
    remove: async () => {
      await kubectl(['delete', 'secret', `bootstrap-token-${id}`, '-n', 'kube-system', '--wait=false']);
    },
  };
}
