import { X509Certificate } from 'node:crypto';
import type { Agent } from 'node:https';
import { newKeyAndCsr } from './csr.js';
import { kubeletAgent, kubeRequest } from './kube-http.js';
import { NodeBootError } from './node-config.js';

const KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

interface Csr {
  status?: { certificate?: string; conditions?: { type: string; status: string; message?: string }[] };
}

/**
 * The kubelet's TLS bootstrap: with the bootstrap token, submit a CSR for `system:node:<name>`; the
 * controller manager approves and signs it; the result is the node's client certificate. A wrong token,
 * an expired one or an unreachable API server fails here, as on a real node.
 */
export async function tlsBootstrap(opts: {
  server: string;
  caPem: string;
  token: string;
  nodeName: string;
  timeoutMs?: number;
  /** A connection pool to use (and leave open); by default one of its own, closed at the end. */
  agent?: Agent;
}): Promise<{ cert: string; key: string }> {
  const agent = opts.agent ?? kubeletAgent();
  try {
    const { keyPem, csrPem } = newKeyAndCsr({
      commonName: `system:node:${opts.nodeName}`,
      organizations: ['system:nodes'],
    });
    const name = `node-csr-${opts.nodeName}-${Date.now().toString(36)}`.slice(0, 253);
    const creds = { token: opts.token, agent };
    const created = await kubeRequest(
      opts.server,
      opts.caPem,
      creds,
      'POST',
      '/apis/certificates.k8s.io/v1/certificatesigningrequests',
      {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name },
        spec: {
          request: Buffer.from(csrPem).toString('base64'),
          signerName: KUBELET_SIGNER,
          usages: ['digital signature', 'client auth'],
        },
      },
    ).catch((err: unknown) => {
      throw new NodeBootError(
        `kubelet TLS bootstrap: cannot reach ${opts.server}: ${String(err)}`,
        'kubelet-start',
      );
    });
    if (created.status === 401) {
      throw new NodeBootError(
        'kubelet TLS bootstrap: the bootstrap token was rejected (401 Unauthorized: unknown or expired)',
        'kubelet-start',
      );
    }
    if (created.status !== 201) {
      throw new NodeBootError(
        `kubelet TLS bootstrap: creating the CSR failed (${created.status}): ${created.text.slice(0, 300)}`,
        'kubelet-start',
      );
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    let delay = 50;
    for (;;) {
      const got = await kubeRequest(
        opts.server,
        opts.caPem,
        creds,
        'GET',
        `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`,
      );
      const csr = got.body as Csr | undefined;
      const denied = csr?.status?.conditions?.find(
        (c) => (c.type === 'Denied' || c.type === 'Failed') && c.status === 'True',
      );
      if (denied)
        throw new NodeBootError(
          `kubelet TLS bootstrap: the CSR was ${denied.type.toLowerCase()}: ${denied.message ?? ''}`,
          'kubelet-start',
        );
      if (got.status === 200 && csr?.status?.certificate) {
        const cert = Buffer.from(csr.status.certificate, 'base64').toString('utf8');
        const subject = new X509Certificate(cert).subject;
        if (!subject.includes(`CN=system:node:${opts.nodeName}`)) {
          throw new NodeBootError(
            `kubelet TLS bootstrap: the certificate is for ${subject}`,
            'kubelet-start',
          );
        }
        return { cert, key: keyPem };
      }
      if (Date.now() > deadline)
        throw new NodeBootError('kubelet TLS bootstrap: the CSR was not signed in time', 'kubelet-start');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 500);
    }
  } finally {
    if (!opts.agent) agent.destroy();
  }
}
