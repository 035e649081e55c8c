import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { KubeConfig, KubeConfigError, loadKubeConfig } from './config.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
/** A fresh folder under the temp dir. */
function folder(): string {
  const d = join(dir, `case-${++seq}`);
  mkdirSync(d, { recursive: true });
  return d;
}

/** A kubeconfig with one cluster, one user, one context (`ctx`), current; `extra` is merged over the top level. */
function kubeconfig(
  user: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'cl', cluster: { server: 'https://10.1.2.3:6443', 'certificate-authority': 'pki/ca.crt' } },
    ],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'cl', user: 'u' } }],
    'current-context': 'ctx',
    ...extra,
  };
}

function write(file: string, doc: unknown): string {
  writeFileSync(file, typeof doc === 'string' ? doc : stringify(doc));
  return file;
}

function load(
  doc: unknown,
  opts: { now?: () => number } = {},
): { kc: KubeConfig; file: string; dir: string } {
  const d = folder();
  const file = write(join(d, 'config'), doc);
  const kc = new KubeConfig(opts);
  kc.loadFromFile(file);
  return { kc, file, dir: d };
}

function loadError(doc: unknown): string {
  const d = folder();
  const file = write(join(d, 'config'), doc);
  try {
    loadKubeConfig({ kubeconfig: file });
  } catch (err) {
    expect(err).toBeInstanceOf(KubeConfigError);
    return (err as Error).message.replaceAll(file, '<file>');
  }
  throw new Error('loading succeeded');
}

/**
 * An exec credential plugin: a shell script that counts its runs in `runs` and prints an ExecCredential whose
 * token is `<first arg>-<env PREFIX>-<run>`; the expiry is read from the file `expires` when it exists.
 */
function plugin(d: string, body?: string): string {
  const script = join(d, 'bin', 'cred.sh');
  mkdirSync(join(d, 'bin'), { recursive: true });
  writeFileSync(
    script,
    body ??
      `#!/bin/sh
n=$(cat "${d}/runs" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${d}/runs"
printf '%s' "$KUBERNETES_EXEC_INFO" > "${d}/info.json"
exp=""; [ -f "${d}/expires" ] && exp=", \\"expirationTimestamp\\": \\"$(cat "${d}/expires")\\""
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s-%s-%s"%s}}' "$1" "$PREFIX" "$n" "$exp"
`,
  );
  chmodSync(script, 0o755);
  return script;
}

const runs = (d: string): number => Number(readFileSync(join(d, 'runs'), 'utf8').trim());

describe('kubeconfig: static credentials', () => {
  test('a token; the cluster with its CA file relative to the kubeconfig folder', async () => {
    const { kc, dir: d } = load(kubeconfig({ token: 'abc.def' }));
    expect(kc.getCurrentContext()).toBe('ctx');
    expect(kc.getCurrentCluster()).toMatchObject({
      name: 'cl',
      server: 'https://10.1.2.3:6443',
      caFile: join(d, 'pki/ca.crt'),
      skipTLSVerify: false,
    });
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer abc.def' });
  });

  test('a tokenFile relative to the kubeconfig folder, re-read at each call (it rotates)', async () => {
    const { kc, dir: d } = load(kubeconfig({ tokenFile: 'secrets/token' }));
    mkdirSync(join(d, 'secrets'));
    writeFileSync(join(d, 'secrets/token'), 'first\n');
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer first' });
    writeFileSync(join(d, 'secrets/token'), 'second');
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer second' });
    rmSync(join(d, 'secrets/token'));
    await expect(kc.authHeaders()).rejects.toThrow(
      /: users\[0\]\.user\.tokenFile: cannot read .*secrets\/token/,
    );
  });

  test('client certificate and key files relative to the kubeconfig folder; data kept as given', () => {
    const { kc, dir: d } = load(
      kubeconfig({ 'client-certificate': 'pki/me.crt', 'client-key': '/abs/me.key' }),
    );
    expect(kc.getCurrentUser()).toMatchObject({ certFile: join(d, 'pki/me.crt'), keyFile: '/abs/me.key' });
    const data = load(kubeconfig({ 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' })).kc;
    expect(data.getCurrentUser()).toMatchObject({ certData: 'Y2VydA==', keyData: 'a2V5' });
  });

  test('username / password: basic auth', async () => {
    const { kc } = load(kubeconfig({ username: 'ann', password: 's3cret:x' }));
    expect(await kc.authHeaders()).toEqual({
      Authorization: `Basic ${Buffer.from('ann:s3cret:x').toString('base64')}`,
    });
  });

  test('a context without a user is anonymous; insecure-skip-tls-verify and tls-server-name', async () => {
    const { kc } = load({
      clusters: [
        {
          name: 'cl',
          cluster: {
            server: 'https://h:1',
            'insecure-skip-tls-verify': true,
            'tls-server-name': 'api.internal',
          },
        },
      ],
      contexts: [{ name: 'ctx', context: { cluster: 'cl' } }],
      'current-context': 'ctx',
    });
    expect(kc.getCurrentUser()).toBeUndefined();
    expect(kc.getCurrentCluster()).toMatchObject({ skipTLSVerify: true, tlsServerName: 'api.internal' });
    expect(await kc.authHeaders()).toEqual({});
  });
});

describe('kubeconfig: exec credential plugins', () => {
  test('runs the command with its args and env, caches the token until expirationTimestamp, then runs again', async () => {
    const d = folder();
    plugin(d);
    let now = Date.parse('2030-01-01T00:00:00Z');
    writeFileSync(join(d, 'expires'), '2030-01-01T00:05:00Z');
    write(
      join(d, 'config'),
      kubeconfig({
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: './bin/cred.sh',
          args: ['arg1'],
          env: [{ name: 'PREFIX', value: 'px' }],
          interactiveMode: 'Never',
        },
      }),
    );
    const kc = new KubeConfig({ now: () => now });
    kc.loadFromFile(join(d, 'config'));
    expect(kc.getCurrentUser()?.exec?.command).toBe(join(d, 'bin/cred.sh'));
    // concurrent callers share one run
    const [a, b] = await Promise.all([kc.credentials(), kc.credentials()]);
    expect(a.headers).toEqual({ Authorization: 'Bearer arg1-px-1' });
    expect(b.headers).toEqual(a.headers);
    expect(a.expiresAt).toBe(Date.parse('2030-01-01T00:05:00Z'));
    expect(runs(d)).toBe(1);
    // the plugin was told the request is not interactive, in its own API version
    expect(JSON.parse(readFileSync(join(d, 'info.json'), 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    now = Date.parse('2030-01-01T00:04:59Z');
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer arg1-px-1' });
    expect(runs(d)).toBe(1);
    now = Date.parse('2030-01-01T00:05:00Z');
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer arg1-px-2' });
    expect(runs(d)).toBe(2);
    // expireCredentials (after a 401) forces a new run even before expiry
    writeFileSync(join(d, 'expires'), '2030-01-01T01:00:00Z');
    await kc.authHeaders();
    kc.expireCredentials();
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer arg1-px-4' });
  });

  test('without expirationTimestamp the credential is kept; v1beta1 works the same; cluster info when asked', async () => {
    const d = folder();
    const script = plugin(
      d,
      `#!/bin/sh\nn=$(cat "${d}/runs" 2>/dev/null || echo 0); echo $((n+1)) > "${d}/runs"\nprintf '%s' "$KUBERNETES_EXEC_INFO" > "${d}/info.json"\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"tok"}}'\n`,
    );
    const doc = kubeconfig({
      exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: script, provideClusterInfo: true },
    });
    (doc.clusters as { cluster: Record<string, unknown> }[])[0]!.cluster = {
      server: 'https://10.1.2.3:6443',
      'certificate-authority-data': Buffer.from('CA PEM').toString('base64'),
      extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'x' } }],
    };
    const kc = new KubeConfig({ now: () => Date.parse('2099-01-01T00:00:00Z') });
    kc.loadFromFile(write(join(d, 'config'), doc));
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer tok' });
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer tok' });
    expect(runs(d)).toBe(1);
    expect(JSON.parse(readFileSync(join(d, 'info.json'), 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: {
          server: 'https://10.1.2.3:6443',
          'certificate-authority-data': Buffer.from('CA PEM').toString('base64'),
          config: { audience: 'x' },
        },
      },
    });
  });

  test('a client certificate and key (PEM) from the plugin', async () => {
    const d = folder();
    const script = plugin(
      d,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"-----BEGIN CERTIFICATE-----\\\\nC\\\\n-----END CERTIFICATE-----\\\\n","clientKeyData":"K"}}'\n`,
    );
    const { kc } = load(
      kubeconfig({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: script } }),
    );
    const creds = await kc.credentials();
    expect(creds.headers).toEqual({});
    expect(creds.cert?.toString()).toBe('-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n');
    expect(creds.key?.toString()).toBe('K');
  });

  test('a failing, missing or lying plugin is an error naming the file, the field and the command', async () => {
    const d = folder();
    const fails = plugin(d, '#!/bin/sh\necho "token=s3cr3t-from-stderr" >&2\nexit 3\n');
    const exec = (command: string, more: Record<string, unknown> = {}): Record<string, unknown> =>
      kubeconfig({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command, ...more } });
    const err = async (doc: unknown): Promise<string> => {
      const { kc, file } = load(doc);
      const e = await kc.authHeaders().then(
        () => new Error('no error'),
        (x: unknown) => x as Error,
      );
      return e.message.replaceAll(file, '<file>');
    };
    // what the plugin printed is never in the error (it may be a credential): only how much
    expect(await err(exec(fails))).toBe(
      `kubeconfig <file>: users[0].user.exec: command ${JSON.stringify(fails)} failed: exited 3 (it printed 24 characters on stderr; run it by hand to read them)`,
    );
    expect(await err(exec('no-such-plugin-here', { installHint: 'install it with: brew install it' }))).toBe(
      'kubeconfig <file>: users[0].user.exec: command "no-such-plugin-here" failed: not found\ninstall it with: brew install it',
    );
    const garbage = join(d, 'garbage.sh');
    write(garbage, '#!/bin/sh\necho "token: s3cr3t-from-stdout"\n');
    chmodSync(garbage, 0o755);
    const garbled = await err(exec(garbage));
    expect(garbled).toContain(
      `command ${JSON.stringify(garbage)} printed no ExecCredential JSON (26 characters on stdout, not shown`,
    );
    expect(garbled).not.toContain('s3cr3t');
    const empty = join(d, 'empty.sh');
    write(
      empty,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"expirationTimestamp":"soon"}}'\n`,
    );
    chmodSync(empty, 0o755);
    expect(await err(exec(empty))).toMatch(
      /printed an invalid ExecCredential: status\.expirationTimestamp: .*; status: expected token, or clientCertificateData and clientKeyData/,
    );
    const other = join(d, 'other.sh');
    write(
      other,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}'\n`,
    );
    chmodSync(other, 0o755);
    expect(await err(exec(other))).toContain(
      'printed an ExecCredential of client.authentication.k8s.io/v1beta1, but the kubeconfig asks for client.authentication.k8s.io/v1',
    );
    expect(await err(exec(other, { interactiveMode: 'Always' }))).toContain(
      'needs a terminal (interactiveMode: Always)',
    );
    const hangs = join(d, 'hangs.sh');
    write(hangs, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(hangs, 0o755);
    const slow = new KubeConfig({ execTimeoutMs: 300 });
    slow.loadFromFile(write(join(d, 'hangs.yaml'), exec(hangs)));
    await expect(slow.authHeaders()).rejects.toThrow(
      `users[0].user.exec: command ${JSON.stringify(hangs)} failed: timed out after 300 ms`,
    );
  });
});

describe('kubeconfig: files and merging', () => {
  test('a KUBECONFIG list merges like kubectl: the first file to define a name wins, current-context from the first that sets it; missing files are skipped', async () => {
    const d = folder();
    const a = write(join(d, 'a.yaml'), {
      clusters: [{ name: 'shared', cluster: { server: 'https://a:1' } }],
      users: [{ name: 'shared', user: { token: 'from-a' } }],
      contexts: [{ name: 'ctx-a', context: { cluster: 'shared', user: 'shared' } }],
    });
    mkdirSync(join(d, 'b'));
    const b = write(join(d, 'b', 'config'), {
      clusters: [
        { name: 'shared', cluster: { server: 'https://b:1' } },
        { name: 'only-b', cluster: { server: 'https://b:2', 'certificate-authority': 'ca.crt' } },
      ],
      users: [
        { name: 'shared', user: { token: 'from-b' } },
        { name: 'bob', user: { tokenFile: 't' } },
      ],
      contexts: [
        { name: 'ctx-a', context: { cluster: 'only-b', user: 'bob' } },
        { name: 'ctx-b', context: { cluster: 'only-b', user: 'bob' } },
      ],
      'current-context': 'ctx-a',
    });
    const c = write(join(d, 'c.yaml'), { 'current-context': 'ctx-b' });
    const kc = new KubeConfig();
    kc.loadFromDefault({ KUBECONFIG: [join(d, 'missing'), a, '', b, c].join(delimiter) });
    expect(kc.getCurrentContext()).toBe('ctx-a'); // b sets it first (a does not); c's is ignored
    expect(kc.getCurrentCluster()?.server).toBe('https://a:1'); // a's ctx-a and a's cluster "shared"
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer from-a' });
    expect(kc.getClusters().map((x) => [x.name, x.server, x.caFile])).toEqual([
      ['shared', 'https://a:1', undefined],
      ['only-b', 'https://b:2', join(d, 'b', 'ca.crt')],
    ]);
    expect(kc.getUsers().find((u) => u.name === 'bob')?.tokenFile).toBe(join(d, 'b', 't'));
    expect(kc.getContexts().map((x) => x.name)).toEqual(['ctx-a', 'ctx-b']);
    // the same list through loadKubeConfig's `kubeconfig` (the operator's KUBECONFIG setting)
    expect(loadKubeConfig({ kubeconfig: [a, b].join(delimiter) }).getCurrentCluster()?.server).toBe(
      'https://a:1',
    );
    expect(() => new KubeConfig().loadFromDefault({ KUBECONFIG: join(d, 'missing') })).toThrow(
      /kubeconfig: none of ".*missing" exists/,
    );
  });

  test('the default is ~/.kube/config', () => {
    const home = folder();
    mkdirSync(join(home, '.kube'));
    write(join(home, '.kube', 'config'), kubeconfig({ token: 't' }));
    expect(loadKubeConfig({ env: { HOME: home } }).getCurrentCluster()?.server).toBe('https://10.1.2.3:6443');
    expect(() => loadKubeConfig({ env: { HOME: folder() } })).toThrow(
      /\.kube\/config does not exist; set KUBECONFIG/,
    );
  });

  test('in-cluster: the service account token (re-read as it rotates) and ca.crt', async () => {
    const sa = folder();
    writeFileSync(join(sa, 'token'), 'sa-1');
    const kc = loadKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' },
      serviceAccountDir: sa,
    });
    expect(kc.getCurrentCluster()).toMatchObject({
      server: 'https://[fd00::1]:6443',
      caFile: join(sa, 'ca.crt'),
    });
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer sa-1' });
    writeFileSync(join(sa, 'token'), 'sa-2');
    expect(await kc.authHeaders()).toEqual({ Authorization: 'Bearer sa-2' });
  });
});

describe('kubeconfig: bad input is refused naming the file and the field', () => {
  test.each([
    [
      'a field of the wrong type',
      kubeconfig({ token: 42 }),
      'kubeconfig <file>: users[0].user.token: Invalid input: expected string, received number',
    ],
    [
      'a server missing',
      { clusters: [{ name: 'c', cluster: {} }] },
      'kubeconfig <file>: clusters[0].cluster.server: Invalid input: expected string, received undefined',
    ],
    [
      'CA data that is not base64',
      {
        clusters: [
          { name: 'c', cluster: { server: 'https://x', 'certificate-authority-data': '-----BEGIN' } },
        ],
      },
      'kubeconfig <file>: clusters[0].cluster.certificate-authority-data: expected base64 data',
    ],
    [
      'an exec plugin of a retired API',
      kubeconfig({ exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' } }),
      'kubeconfig <file>: users[0].user.exec.apiVersion: expected one of client.authentication.k8s.io/v1, client.authentication.k8s.io/v1beta1 (v1alpha1 is no longer served by kubectl either)',
    ],
    [
      'a context naming a cluster not defined',
      kubeconfig(
        { token: 't' },
        { contexts: [{ name: 'c', context: { cluster: 'z', user: 'u' } }], 'current-context': 'c' },
      ),
      'kubeconfig <file>: context "c" names cluster "z" which is not defined',
    ],
    [
      'a context naming a user not defined',
      kubeconfig(
        { token: 't' },
        { contexts: [{ name: 'c', context: { cluster: 'cl', user: 'nobody' } }], 'current-context': 'c' },
      ),
      'kubeconfig <file>: context "c" names user "nobody" which is not defined',
    ],
    [
      'a current-context not defined',
      kubeconfig({ token: 't' }, { 'current-context': 'gone' }),
      'kubeconfig <file>: current-context "gone" names a context which is not defined',
    ],
    [
      'no current context',
      kubeconfig({ token: 't' }, { 'current-context': '' }),
      'no Kubernetes cluster configured: <file> has no current context',
    ],
    [
      'a name defined twice in one file',
      kubeconfig(
        { token: 't' },
        {
          users: [
            { name: 'u', user: {} },
            { name: 'u', user: {} },
          ],
        },
      ),
      'kubeconfig <file>: users[1]: the name "u" is also users[0]\'s',
    ],
    [
      'a legacy auth provider',
      kubeconfig({ 'auth-provider': { name: 'oidc', config: {} } }),
      'kubeconfig <file>: users[0].user.auth-provider: auth provider "oidc" is not supported; use an exec credential plugin (user.exec)',
    ],
    ['not YAML', 'clusters: [\n', 'kubeconfig <file>: not YAML: '],
    [
      'a list at the top',
      '- a\n',
      'kubeconfig <file>: (top level): Invalid input: expected object, received array',
    ],
  ])('%s', (_what, doc, message) => {
    const got = loadError(doc);
    expect(got.slice(0, message.length)).toBe(message);
  });
});
