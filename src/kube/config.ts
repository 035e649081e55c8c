import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { isIPv6 } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { runExecPlugin, type ExecClusterInfo, type ExecPlugin, type ExecResult } from './exec-credential.js';
import {
  describeIssues,
  KubeconfigFileSchema,
  type ClusterEntry,
  type UserEntry,
} from './kubeconfig-schema.js';

/** A cluster of the kubeconfig; file paths are absolute (relative ones resolved against their file's folder). */
export interface Cluster {
  name: string;
  server: string;
  caFile?: string | undefined;
  /** base64, as in the file */
  caData?: string | undefined;
  skipTLSVerify: boolean;
  tlsServerName?: string | undefined;
  /** The cluster's `client.authentication.k8s.io/exec` extension, passed to exec plugins with the cluster info. */
  execExtension?: unknown;
}

/** A user (kubectl's AuthInfo); file paths are absolute. */
export interface User {
  name: string;
  certFile?: string | undefined;
  /** base64, as in the file */
  certData?: string | undefined;
  keyFile?: string | undefined;
  /** base64, as in the file */
  keyData?: string | undefined;
  token?: string | undefined;
  /** Re-read at every `credentials()` call: it may rotate (a projected service account token). */
  tokenFile?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  exec?: ExecPlugin | undefined;
  /** The name of a legacy `auth-provider` (not supported: an error when it is the user's only credential). */
  authProvider?: string | undefined;
}

export interface Context {
  name: string;
  cluster: string;
  /** Empty or missing: anonymous. */
  user?: string | undefined;
  namespace?: string | undefined;
}

/** What a request carries: headers, and a client certificate when an exec plugin issued one. */
export interface Credentials {
  headers: Record<string, string>;
  cert?: Buffer;
  key?: Buffer;
  /** Epoch ms after which these must not be used (an exec credential's expirationTimestamp). */
  expiresAt?: number;
}

/** A kubeconfig that cannot be read or used; the message names the file and the field. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

/** Where an entry was defined, for error messages: `kubeconfig /x/y` and `users[0].user`. */
interface Located<T> {
  value: T;
  origin: string;
  path: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const EXEC_EXTENSION = 'client.authentication.k8s.io/exec';

/**
 * The client configuration: the kubeconfig files merged as kubectl merges them (the first file to define a
 * cluster, user or context name wins; `current-context` comes from the first file that sets one), the current
 * context resolved, and the credentials of its user (token, token file, basic auth, client certificate, exec
 * credential plugins with their expiry).
 */
export class KubeConfig {
  private clusters = new Map<string, Located<Cluster>>();
  private users = new Map<string, Located<User>>();
  private contexts = new Map<string, Located<Context>>();
  private currentContext: { name: string; origin: string } | undefined;
  private execCached: ExecResult | undefined;
  private execRunning: Promise<ExecResult> | undefined;
  private readonly now: () => number;
  private readonly execTimeoutMs: number;

  /** `now` (epoch ms) decides when an exec credential has expired. */
  constructor(opts: { now?: () => number; execTimeoutMs?: number } = {}) {
    this.now = opts.now ?? Date.now;
    this.execTimeoutMs = opts.execTimeoutMs ?? 60_000;
  }

  /** One kubeconfig file (it must exist). */
  loadFromFile(file: string): void {
    this.reset();
    this.addFile(file, true);
  }

  /** Several kubeconfig files merged (missing ones are skipped, as kubectl skips them; at least one must exist). */
  loadFromFiles(files: readonly string[]): void {
    this.reset();
    const found = files.filter((f) => this.addFile(f, false));
    if (found.length === 0) {
      throw new KubeConfigError(
        `kubeconfig: none of ${files.map((f) => JSON.stringify(f)).join(', ')} exists`,
      );
    }
  }

  /** `$KUBECONFIG` (a list separated by the path delimiter), else `~/.kube/config`. */
  loadFromDefault(env: NodeJS.ProcessEnv = process.env): void {
    const list = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f.length > 0);
    if (list.length > 0) return this.loadFromFiles(list);
    const file = join(env.HOME || homedir(), '.kube', 'config');
    this.reset();
    if (!this.addFile(file, false)) {
      throw new KubeConfigError(
        `kubeconfig: ${file} does not exist; set KUBECONFIG (or --kubeconfig), or run in a cluster`,
      );
    }
  }

  /** A configuration built in code (the in-cluster one); `origin` names it in errors. */
  loadFromOptions(o: {
    clusters: Cluster[];
    users: User[];
    contexts: Context[];
    currentContext: string;
    origin?: string;
  }): void {
    this.reset();
    const origin = o.origin ?? 'kubeconfig options';
    o.clusters.forEach((c, i) => this.clusters.set(c.name, { value: c, origin, path: `clusters[${i}]` }));
    o.users.forEach((u, i) => this.users.set(u.name, { value: u, origin, path: `users[${i}]` }));
    o.contexts.forEach((c, i) => this.contexts.set(c.name, { value: c, origin, path: `contexts[${i}]` }));
    this.currentContext = { name: o.currentContext, origin };
  }

  getCurrentContext(): string | undefined {
    return this.currentContext?.name;
  }
  getClusters(): Cluster[] {
    return [...this.clusters.values()].map((c) => c.value);
  }
  getUsers(): User[] {
    return [...this.users.values()].map((u) => u.value);
  }
  getContexts(): Context[] {
    return [...this.contexts.values()].map((c) => c.value);
  }

  /** The current context's cluster; undefined when there is no current context. Throws when it names nothing. */
  getCurrentCluster(): Cluster | undefined {
    return this.current()?.cluster.value;
  }

  /** The current context's user; undefined when there is no current context or it is anonymous. */
  getCurrentUser(): User | undefined {
    return this.current()?.user?.value;
  }

  /** The `Authorization` header (if any) the current user's requests carry. */
  async authHeaders(): Promise<Record<string, string>> {
    return (await this.credentials()).headers;
  }

  /**
   * The current user's credentials, read now: a token file is re-read at every call (it rotates); an exec
   * plugin runs when it has not run yet or its credential has expired (one run for concurrent callers).
   */
  async credentials(): Promise<Credentials> {
    const cur = this.current();
    if (!cur) throw new KubeConfigError('kubeconfig: no current context');
    const located = cur.user;
    if (!located) return { headers: {} };
    const u = located.value;
    const where = `${located.origin}: ${located.path}`;
    if (u.exec) {
      const r = await this.execCredential(u.exec, `${where}.exec`, cur.cluster.value);
      const out: Credentials = { headers: r.token ? { Authorization: `Bearer ${r.token}` } : {} };
      if (r.cert && r.key) Object.assign(out, { cert: r.cert, key: r.key });
      if (r.expiresAt !== undefined) out.expiresAt = r.expiresAt;
      return out;
    }
    if (u.tokenFile) {
      let token: string;
      try {
        token = (await readFile(u.tokenFile, 'utf8')).trim();
      } catch (err) {
        throw new KubeConfigError(
          `${where}.tokenFile: cannot read ${u.tokenFile}: ${(err as Error).message}`,
        );
      }
      if (!token) throw new KubeConfigError(`${where}.tokenFile: ${u.tokenFile} is empty`);
      return { headers: { Authorization: `Bearer ${token}` } };
    }
    if (u.token) return { headers: { Authorization: `Bearer ${u.token}` } };
    if (u.username !== undefined || u.password !== undefined) {
      const basic = Buffer.from(`${u.username ?? ''}:${u.password ?? ''}`).toString('base64');
      return { headers: { Authorization: `Basic ${basic}` } };
    }
    return { headers: {} };
  }

  /** Forget a cached exec credential (the server refused it with 401): the next call runs the plugin again. */
  expireCredentials(): void {
    this.execCached = undefined;
  }

  private async execCredential(plugin: ExecPlugin, where: string, cluster: Cluster): Promise<ExecResult> {
    const cached = this.execCached;
    if (cached && (cached.expiresAt === undefined || this.now() < cached.expiresAt)) return cached;
    this.execRunning ??= runExecPlugin(plugin, where, {
      cluster: plugin.provideClusterInfo ? clusterInfo(cluster) : undefined,
      timeoutMs: this.execTimeoutMs,
    })
      .then((r) => (this.execCached = r))
      .finally(() => (this.execRunning = undefined));
    return this.execRunning;
  }

  private reset(): void {
    this.clusters = new Map();
    this.users = new Map();
    this.contexts = new Map();
    this.currentContext = undefined;
    this.execCached = undefined;
    this.execRunning = undefined;
  }

  /** Merge one file in; false when it does not exist and need not. */
  private addFile(file: string, required: boolean): boolean {
    const abs = resolve(file);
    const origin = `kubeconfig ${abs}`;
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (err) {
      if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new KubeConfigError(`${origin}: cannot read: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text) ?? {};
    } catch (err) {
      throw new KubeConfigError(`${origin}: not YAML: ${(err as Error).message}`);
    }
    const parsed = KubeconfigFileSchema.safeParse(doc);
    if (!parsed.success) throw new KubeConfigError(`${origin}: ${describeIssues(parsed.error)}`);
    const kc = parsed.data;
    const dir = dirname(abs);
    const path = (p: string | undefined): string | undefined => (p === undefined ? p : resolve(dir, p));

    const merge = <E extends { name: string }, T>(
      section: string,
      entries: E[] | null | undefined,
      into: Map<string, Located<T>>,
      make: (e: E) => T,
    ): void => {
      // prettier-ignore
      const seen = new Map<string, number>();
      (entries ?? []).forEach((e, i) => {
        const before = seen.get(e.name);
        if (before !== undefined) {
          throw new KubeConfigError(
            `${origin}: ${section}[${i}]: the name ${JSON.stringify(e.name)} is also ${section}[${before}]'s`,
          );
        }
        seen.set(e.name, i);
        if (!into.has(e.name))
          into.set(e.name, { value: make(e), origin, path: `${section}[${i}].${section.slice(0, -1)}` });
      });
    };
    merge('clusters', kc.clusters, this.clusters, (e) => toCluster(e.name, e.cluster, path));
    merge('users', kc.users, this.users, (e) => toUser(e.name, e.user ?? {}, dir, path));
    merge('contexts', kc.contexts, this.contexts, (e) => ({
      name: e.name,
      cluster: e.context.cluster,
      user: e.context.user || undefined,
      namespace: e.context.namespace,
    }));
    const current = kc['current-context'];
    if (!this.currentContext && current) this.currentContext = { name: current, origin };
    return true;
  }

  /** The current context, its cluster and user, each checked to exist. */
  private current():
    { context: Located<Context>; cluster: Located<Cluster>; user?: Located<User> } | undefined {
    if (!this.currentContext) return undefined;
    const { name, origin } = this.currentContext;
    const context = this.contexts.get(name);
    if (!context) {
      throw new KubeConfigError(
        `${origin}: current-context ${JSON.stringify(name)} names a context which is not defined`,
      );
    }
    const ctx = context.value;
    const cluster = this.clusters.get(ctx.cluster);
    if (!cluster) {
      throw new KubeConfigError(
        `${context.origin}: context ${JSON.stringify(name)} names cluster ${JSON.stringify(ctx.cluster)} which is not defined`,
      );
    }
    if (!ctx.user) return { context, cluster };
    const user = this.users.get(ctx.user);
    if (!user) {
      throw new KubeConfigError(
        `${context.origin}: context ${JSON.stringify(name)} names user ${JSON.stringify(ctx.user)} which is not defined`,
      );
    }
    const u = user.value;
    const usable = u.exec || u.token || u.tokenFile || u.username !== undefined || u.certFile || u.certData;
    if (u.authProvider && !usable) {
      throw new KubeConfigError(
        `${user.origin}: ${user.path}.auth-provider: auth provider ${JSON.stringify(u.authProvider)} is not supported; use an exec credential plugin (user.exec)`,
      );
    }
    return { context, cluster, user };
  }
}

function toCluster(
  name: string,
  c: ClusterEntry,
  path: (p: string | undefined) => string | undefined,
): Cluster {
  const ext = (c.extensions ?? []).find((e) => e.name === EXEC_EXTENSION);
  return {
    name,
    server: c.server,
    caFile: path(c['certificate-authority']),
    caData: c['certificate-authority-data'],
    skipTLSVerify: c['insecure-skip-tls-verify'] ?? false,
    tlsServerName: c['tls-server-name'],
    ...(ext ? { execExtension: ext.extension } : {}),
  };
}

function toUser(
  name: string,
  u: UserEntry,
  dir: string,
  path: (p: string | undefined) => string | undefined,
): User {
  const exec = u.exec;
  return {
    name,
    certFile: path(u['client-certificate']),
    certData: u['client-certificate-data'],
    keyFile: path(u['client-key']),
    keyData: u['client-key-data'],
    token: u.token || undefined,
    tokenFile: path(u.tokenFile),
    username: u.username,
    password: u.password,
    authProvider: u['auth-provider']?.name,
    exec: exec
      ? {
          apiVersion: exec.apiVersion,
          // like kubectl: a command with a slash is relative to the kubeconfig's folder; a bare name is looked up on PATH
          command:
            isAbsolute(exec.command) || !exec.command.includes(sep)
              ? exec.command
              : resolve(dir, exec.command),
          args: exec.args ?? [],
          env: exec.env ?? [],
          installHint: exec.installHint,
          provideClusterInfo: exec.provideClusterInfo ?? false,
          interactiveMode: exec.interactiveMode,
        }
      : undefined,
  };
}

function clusterInfo(c: Cluster): ExecClusterInfo {
  const info: ExecClusterInfo = { server: c.server };
  if (c.tlsServerName) info['tls-server-name'] = c.tlsServerName;
  if (c.skipTLSVerify) info['insecure-skip-tls-verify'] = true;
  const ca = c.caData ?? (c.caFile ? readFileSync(c.caFile).toString('base64') : undefined);
  if (ca) info['certificate-authority-data'] = ca.replace(/\s+/g, '');
  if (c.execExtension !== undefined) info.config = c.execExtension;
  return info;
}

/**
 * The client configuration: in-cluster (the pod's service account token, re-read as it rotates, and CA) when
 * `KUBERNETES_SERVICE_HOST` is set and no kubeconfig is given, else the kubeconfig file(s) (`kubeconfig` — a
 * list separated by the path delimiter is merged, as `$KUBECONFIG` is —, or `$KUBECONFIG`, or `~/.kube/config`).
 */
export function loadKubeConfig(
  opts: { kubeconfig?: string | undefined; env?: NodeJS.ProcessEnv; serviceAccountDir?: string } = {},
): KubeConfig {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  if (opts.kubeconfig?.includes(delimiter))
    kc.loadFromFiles(opts.kubeconfig.split(delimiter).filter(Boolean));
  else if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else if (env.KUBERNETES_SERVICE_HOST) loadInCluster(kc, env, opts.serviceAccountDir ?? SA_DIR);
  else kc.loadFromDefault(env);
  if (!kc.getCurrentCluster()) {
    throw new KubeConfigError(
      `no Kubernetes cluster configured: ${opts.kubeconfig ? `${opts.kubeconfig} has no current context` : 'the kubeconfig has no current context; set KUBECONFIG (or --kubeconfig), or run in a cluster'}`,
    );
  }
  return kc;
}

function loadInCluster(kc: KubeConfig, env: NodeJS.ProcessEnv, dir: string): void {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: `${dir}/ca.crt`, skipTLSVerify: false }],
    users: [{ name: 'in-cluster', tokenFile: `${dir}/token` }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster' }],
    currentContext: 'in-cluster',
    origin: `in-cluster configuration (${dir})`,
  });
}
