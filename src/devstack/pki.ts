import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
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
    'req', '-x509', '-new', '-key', files.key, '-subj', subjectString({ commonName: name }), '-days', String(days),
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
    '-out', files.cert,
  ]); // prettier-ignore
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
    ['x509', '-req', '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', String(opts.days ?? 365),
      '-extfile', extPath, '-out', files.cert], // prettier-ignore
    csr,
  );
  return files;
}

/** Every certificate and key a local cluster needs, written under `dir`. */
export async function createClusterPki(dir: string): Promise<ClusterPki> {
  const ca = await newCa(dir, 'ca');
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  await newKey(saKey);
  await openssl(['pkey', '-in', saKey, '-pubout', '-out', saPub]);
  const [apiserver, admin, developer, controllerManager, scheduler] = await Promise.all([
    issue(
      ca,
      dir,
      'apiserver',
      { commonName: 'kube-apiserver' },
      {
        sans: ['IP:127.0.0.1', 'DNS:localhost', 'IP:10.0.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local'], // prettier-ignore
      },
    ),
    issue(ca, dir, 'admin', { commonName: 'admin', organizations: ['system:masters'] }),
    issue(ca, dir, 'developer', { commonName: 'developer', organizations: ['developers'] }),
    issue(ca, dir, 'kube-controller-manager', { commonName: 'system:kube-controller-manager' }),
    issue(ca, dir, 'kube-scheduler', { commonName: 'system:kube-scheduler' }),
  ]);
  return {
    ca,
    apiserver,
    serviceAccount: { key: saKey, pub: saPub },
    admin,
    developer,
    controllerManager,
    scheduler,
  };
}
