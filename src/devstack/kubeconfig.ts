import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigUser {
  /** Client certificate and key files (absolute paths). */
  clientCert?: string;
  clientKey?: string;
  /** A bearer token, e.g. a bootstrap token `abcdef.0123456789abcdef`. */
  token?: string;
}

/** A kubeconfig for one server and one user, with the CA embedded so the file stands alone. */
export async function writeKubeconfig(
  path: string,
  opts: { server: string; caFile: string; user: KubeconfigUser; userName: string; clusterName?: string },
): Promise<void> {
  const cluster = opts.clusterName ?? 'nodepool-dev';
  const ca = await readFile(opts.caFile);
  const user: Record<string, string> = {};
  if (opts.user.clientCert)
    user['client-certificate-data'] = (await readFile(opts.user.clientCert)).toString('base64');
  if (opts.user.clientKey) user['client-key-data'] = (await readFile(opts.user.clientKey)).toString('base64');
  if (opts.user.token) user.token = opts.user.token;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster,
        cluster: { server: opts.server, 'certificate-authority-data': ca.toString('base64') },
      },
    ],
    users: [{ name: opts.userName, user }],
    contexts: [{ name: `${opts.userName}@${cluster}`, context: { cluster, user: opts.userName } }],
    'current-context': `${opts.userName}@${cluster}`,
    preferences: {},
  };
  await writeFile(path, stringify(doc), { mode: 0o600 });
}
