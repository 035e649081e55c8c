import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DevstackError } from './errors.js';
import { run } from './exec.js';

/** A key and certificate written to disk as PEM. */
export interface CertFiles {
  cert: string;
  key: string;
}

export interface Subject {
  commonName: string;
  organizations?: string[];
}

export interface ClusterPki {
  ca: CertFiles;
  apiserver: CertFiles;
  /** Key pair that signs and verifies service-account tokens. */
  serviceAccount: { key: string; pub: string };
  admin: CertFiles;
  developer: CertFiles;
  controllerManager: CertFiles;
  scheduler: CertFiles;
}

async function openssl(args: string[], input?: string): Promise<string> {
  let res;
  try {
    res = await run('openssl', args, input === undefined ? {} : { input });
  } catch (err) {
    throw new DevstackError('openssl could not be run', {
      component: 'openssl',
      hint: 'install it (`apt-get install openssl`)',
      cause: err,
    });
  }
  if (res.code !== 0) {
    throw new DevstackError(`openssl ${args[0] ?? ''} failed: ${res.stderr.trim()}`, {
      component: 'openssl',
    });
  }
  return res.stdout;
}

function subjectString(s: Subject): string {
  const esc = (v: string): string => v.replace(/[/\\]/g, (c) => `\\${c}`);
  return [...(s.organizations ?? []).map((o) => `/O=${esc(o)}`), `/CN=${esc(s.commonName)}`].join('');
}

/** A new EC P-256 private key (PKCS#8 PEM) at `path`. */
export async function newKey(path: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

/** A PEM certificate signing request for `subject`, signed with the key at `keyPath`. */
export async function newCsr(keyPath: string, subject: Subject): Promise<string> {
  return openssl(['req', '-new', '-key', keyPath, '-subj', subjectString(subject)]);
}

/** Write a self-signed CA certificate and key. */
export async function newCa(dir: string, name: string, days = 3650): Promise<CertFiles> {
  const files = { key: join(dir, `${name}.key`), cert: join(dir, `${name}.crt`) };
  await newKey(files.key);
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    files.key,
    '-subj',
    subjectString({ commonName: name }),
    '-days',
    String(days),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
    '-out',
    files.cert,
  ]);
  return files;
}

/** Issue a certificate from `ca`: a client certificate, or a serving one when `sans` are given. */
export async function issue(
  ca: CertFiles,
  dir: string,
  name: string,
  subject: Subject,
  opts: { sans?: string[]; days?: number } = {},
): Promise<CertFiles> {
  const files = { key: join(dir, `${name}.key`), cert: join(dir, `${name}.crt`) };
  await newKey(files.key);
  const csr = await newCsr(files.key, subject);
  const extPath = join(dir, `${name}.ext`);
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${opts.sans ? 'serverAuth,clientAuth' : 'clientAuth'}`,
    ...(opts.sans ? [`subjectAltName=${opts.sans.join(',')}`] : []),
  ];
  await writeFile(extPath, ext.join('\n') + '\n');
  await openssl(
    [
      'x509',
      '-req',
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      String(opts.days ?? 365),
      '-extfile',
      extPath,
      '-out',
      files.cert,
    ],
    csr,
  );
  return files;
}

/** Where the files of a cluster PKI live under `dir`. */
export function clusterPkiFiles(dir: string): ClusterPki {
  const pair = (name: string): CertFiles => ({
    key: join(dir, `${name}.key`),
    cert: join(dir, `${name}.crt`),
  });
  return {
    ca: pair('ca'),
    apiserver: pair('apiserver'),
    serviceAccount: { key: join(dir, 'sa.key'), pub: join(dir, 'sa.pub') },
    admin: pair('admin'),
    developer: pair('developer'),
    controllerManager: pair('kube-controller-manager'),
    scheduler: pair('kube-scheduler'),
  };
}

/** Every certificate and key a local cluster needs, written under `dir`. */
export async function createClusterPki(dir: string): Promise<ClusterPki> {
  const files = clusterPkiFiles(dir);
  const ca = await newCa(dir, 'ca');
  await newKey(files.serviceAccount.key);
  await openssl(['pkey', '-in', files.serviceAccount.key, '-pubout', '-out', files.serviceAccount.pub]);
  const [apiserver, admin, developer, controllerManager, scheduler] = await Promise.all([
    issue(
      ca,
      dir,
      'apiserver',
      { commonName: 'kube-apiserver' },
      {
        sans: [
          'IP:127.0.0.1',
          'DNS:localhost',
          'IP:10.0.0.1',
          'DNS:kubernetes',
          'DNS:kubernetes.default',
          'DNS:kubernetes.default.svc',
          'DNS:kubernetes.default.svc.cluster.local',
        ],
      },
    ),
    issue(ca, dir, 'admin', { commonName: 'admin', organizations: ['system:masters'] }),
    issue(ca, dir, 'developer', { commonName: 'developer', organizations: ['developers'] }),
    issue(ca, dir, 'kube-controller-manager', { commonName: 'system:kube-controller-manager' }),
    issue(ca, dir, 'kube-scheduler', { commonName: 'system:kube-scheduler' }),
  ]);
  return { ...files, ca, apiserver, admin, developer, controllerManager, scheduler };
}

/** Whether the certificate at `cert` is still valid `seconds` from now. */
async function validFor(cert: string, seconds: number): Promise<boolean> {
  const r = await run('openssl', ['x509', '-checkend', String(seconds), '-noout', '-in', cert]).catch(
    () => undefined,
  );
  return r?.code === 0;
}

/**
 * The cluster PKI under `dir` when a previous run left a complete one that is valid for at least another week
 * (so the kubeconfigs and tokens made with it stay valid across restarts); otherwise a new one. `reused` says
 * which.
 */
export async function reuseOrCreateClusterPki(dir: string): Promise<{ pki: ClusterPki; reused: boolean }> {
  const files = clusterPkiFiles(dir);
  const certs = [
    files.ca,
    files.apiserver,
    files.admin,
    files.developer,
    files.controllerManager,
    files.scheduler,
  ];
  const paths = [
    ...certs.flatMap((c) => [c.cert, c.key]),
    files.serviceAccount.key,
    files.serviceAccount.pub,
  ];
  if (paths.every((p) => existsSync(p))) {
    const valid = await Promise.all(certs.map((c) => validFor(c.cert, 7 * 86_400)));
    if (valid.every(Boolean)) return { pki: files, reused: true };
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return { pki: await createClusterPki(dir), reused: false };
}
