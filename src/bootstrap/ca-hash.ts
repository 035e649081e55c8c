import { X509Certificate, createHash } from 'node:crypto';

/**
 * `sha256:<hex>` of a CA certificate's public key (DER SubjectPublicKeyInfo): the pin kubeadm's
 * `--discovery-token-ca-cert-hash` uses, and the one the Managed bootstrap checks before trusting the CA.
 */
export function caCertHash(pem: string | Buffer): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}
