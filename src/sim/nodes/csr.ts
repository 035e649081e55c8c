import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/**
 * A kubelet's client key and its PKCS#10 certificate signing request, made in process (the kubelet does the
 * same with Go's crypto; spawning `openssl` twice per simulated node cost more CPU than the rest of a boot).
 * The key is ECDSA P-256, the CSR signed with ecdsa-with-SHA256, as the kubelet's are.
 */
export interface KeyAndCsr {
  /** The private key, PKCS#8 PEM. */
  keyPem: string;
  /** The CSR, PEM ("CERTIFICATE REQUEST"). */
  csrPem: string;
}

export interface CsrSubject {
  commonName: string;
  organizations?: string[];
  /** Subject alternative names (a kubelet's serving certificate request carries its name and IPs). */
  dnsNames?: string[];
  ipAddresses?: string[];
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
} as const;

/** A DER length: short form below 128, else the long form with its byte count first. */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const sequence = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);
const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));

export function derOid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  if (parts.length < 2 || parts.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new Error(`not an object identifier: ${dotted}`);
  }
  const bytes = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A distinguished name: one RDN per organization, then the common name (openssl's `-subj /O=…/CN=…` order). */
function derName(subject: CsrSubject): Buffer {
  const rdn = (oid: string, value: string) => set(sequence(derOid(oid), utf8String(value)));
  return sequence(
    ...(subject.organizations ?? []).map((o) => rdn(OID.organization, o)),
    rdn(OID.commonName, subject.commonName),
  );
}

/** The `[0]` attributes: an extensionRequest with the subject alternative names, when there are any. */
function derAttributes(subject: CsrSubject): Buffer {
  const dns = (subject.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d, 'latin1')));
  const ips = (subject.ipAddresses ?? []).map((a) => tlv(0x87, ipBytes(a)));
  if (dns.length + ips.length === 0) return tlv(0xa0);
  const san = sequence(derOid(OID.subjectAltName), tlv(0x04, sequence(...dns, ...ips)));
  return tlv(0xa0, sequence(derOid(OID.extensionRequest), set(sequence(san))));
}

function ipBytes(a: string): Buffer {
  if (a.includes(':')) throw new Error('IPv6 SANs are not made by the simulated kubelet');
  return Buffer.from(a.split('.').map(Number));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The CSR for `subject`, signed with `key` (an EC P-256 private key). */
export function csrFor(key: KeyObject, subject: CsrSubject): string {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ec')
    throw new Error('csrFor needs an EC private key');
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const info = sequence(
    tlv(0x02, Buffer.from([0])), // version 0
    derName(subject),
    spki,
    derAttributes(subject),
  );
  const signature = sign('sha256', info, { key, dsaEncoding: 'der' });
  const der = sequence(
    info,
    sequence(derOid(OID.ecdsaWithSha256)),
    tlv(0x03, Buffer.from([0]), signature), // BIT STRING, no unused bits
  );
  return pem('CERTIFICATE REQUEST', der);
}

/** A fresh kubelet key and the CSR for it. */
export function newKeyAndCsr(subject: CsrSubject): KeyAndCsr {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    csrPem: csrFor(privateKey, subject),
  };
}
