/**
 * What a PKCS#10 certificate signing request asks for: its subject and its subject alternative names — the
 * parts that end up in the certificate the controller manager signs once the request is approved. A small DER
 * reader (Node's crypto reads certificates but not requests); anything it does not understand is an error, and
 * an error means "not approved".
 */
export interface CsrContent {
  commonName: string | undefined;
  organizations: string[];
  /** Subject attributes other than CN and O (their OIDs): a kubelet's request has none. */
  otherSubject: string[];
  dnsNames: string[];
  ipAddresses: string[];
  /** SANs of other kinds (email, URI, …): a kubelet's request has none. */
  otherNames: number;
}

export class CsrParseError extends Error {
  override readonly name = 'CsrParseError';
}

interface Tlv {
  tag: number;
  body: Buffer;
}

/** The TLVs one after another in `buf`. */
function children(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let i = 0;
  while (i < buf.length) {
    const tag = buf[i++]!;
    if ((tag & 0x1f) === 0x1f) throw new CsrParseError('multi-byte DER tags are not expected in a CSR');
    let len = buf[i++];
    if (len === undefined) throw new CsrParseError('truncated DER');
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) throw new CsrParseError('unsupported DER length');
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + (buf[i++] ?? NaN);
    }
    if (!Number.isFinite(len) || i + len > buf.length) throw new CsrParseError('truncated DER');
    out.push({ tag, body: buf.subarray(i, i + len) });
    i += len;
  }
  return out;
}

function one(buf: Buffer, tag: number, what: string): Tlv {
  const [t, ...rest] = children(buf);
  if (!t || t.tag !== tag || rest.length > 0) throw new CsrParseError(`${what}: not the expected DER`);
  return t;
}

function oid(body: Buffer): string {
  const first = body[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let v = 0;
  for (const b of body.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const STRING_TAGS = new Set([0x0c, 0x13, 0x16, 0x14, 0x1e]);
function text(t: Tlv): string {
  if (!STRING_TAGS.has(t.tag)) throw new CsrParseError(`a subject value of DER tag ${t.tag}`);
  if (t.tag === 0x1e) return Buffer.from(t.body).swap16().toString('utf16le'); // BMPString: UTF-16BE
  return t.body.toString(t.tag === 0x0c ? 'utf8' : 'latin1');
}

function ip(body: Buffer): string {
  if (body.length === 4) return [...body].join('.');
  if (body.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(body.readUInt16BE(i).toString(16));
    return groups.join(':');
  }
  throw new CsrParseError('an IP address SAN of neither 4 nor 16 bytes');
}

const OIDS = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
} as const;

function readSubject(name: Buffer, out: CsrContent): void {
  for (const rdn of children(name)) {
    if (rdn.tag !== 0x31) throw new CsrParseError('subject: an RDN that is not a SET');
    for (const atv of children(rdn.body)) {
      const [type, value] = children(atv.body);
      if (!type || type.tag !== 0x06 || !value) throw new CsrParseError('subject: a malformed attribute');
      const id = oid(type.body);
      if (id === OIDS.commonName) {
        if (out.commonName !== undefined) throw new CsrParseError('subject: more than one common name');
        out.commonName = text(value);
      } else if (id === OIDS.organization) out.organizations.push(text(value));
      else out.otherSubject.push(id);
    }
  }
}

function readSans(extensions: Tlv, out: CsrContent): void {
  if (extensions.tag !== 0x30) throw new CsrParseError('extensions: not a SEQUENCE');
  for (const ext of children(extensions.body)) {
    const parts = children(ext.body);
    if (parts[0]?.tag !== 0x06 || oid(parts[0].body) !== OIDS.subjectAltName) continue;
    const value = parts.at(-1);
    if (value?.tag !== 0x04) throw new CsrParseError('subjectAltName: not an OCTET STRING');
    for (const gn of children(one(value.body, 0x30, 'subjectAltName').body)) {
      if (gn.tag === 0x82) out.dnsNames.push(gn.body.toString('latin1'));
      else if (gn.tag === 0x87) out.ipAddresses.push(ip(gn.body));
      else out.otherNames++;
    }
  }
}

/** Parse a PEM "CERTIFICATE REQUEST" (as in a CertificateSigningRequest's `spec.request`, base64-decoded). */
export function parseCsr(pem: string): CsrContent {
  const m =
    /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]+)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(
      pem,
    );
  if (!m) throw new CsrParseError('not a PEM certificate request');
  const der = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const [info] = children(one(der, 0x30, 'CertificationRequest').body);
  if (info?.tag !== 0x30) throw new CsrParseError('CertificationRequestInfo: not a SEQUENCE');
  const [version, subject, , attributes, ...extra] = children(info.body);
  if (version?.tag !== 0x02 || subject?.tag !== 0x30 || extra.length > 0)
    throw new CsrParseError('CertificationRequestInfo: unexpected structure');
  const out: CsrContent = {
    commonName: undefined,
    organizations: [],
    otherSubject: [],
    dnsNames: [],
    ipAddresses: [],
    otherNames: 0,
  };
  readSubject(subject.body, out);
  if (attributes && attributes.tag !== 0xa0) throw new CsrParseError('attributes: not [0]');
  for (const attr of attributes ? children(attributes.body) : []) {
    const [type, values] = children(attr.body);
    if (type?.tag !== 0x06 || values?.tag !== 0x31) throw new CsrParseError('a malformed CSR attribute');
    if (oid(type.body) !== OIDS.extensionRequest) continue;
    for (const extensions of children(values.body)) readSans(extensions, out);
  }
  return out;
}
