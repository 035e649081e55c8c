import { describe, expect, test } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { csrFor } from '../../sim/nodes/csr.js';
import { CsrParseError, parseCsr } from './csr.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

describe('reading a certificate signing request', () => {
  test("a kubelet's client request: CN and O, no SANs", () => {
    const pem = csrFor(privateKey, {
      commonName: 'system:node:cn-hangzhou.10.0.0.7',
      organizations: ['system:nodes'],
    });
    expect(parseCsr(pem)).toEqual({
      commonName: 'system:node:cn-hangzhou.10.0.0.7',
      organizations: ['system:nodes'],
      otherSubject: [],
      dnsNames: [],
      ipAddresses: [],
      otherNames: 0,
    });
  });

  test("a kubelet's serving request: its name and IP as SANs", () => {
    const pem = csrFor(privateKey, {
      commonName: 'system:node:web-10.0.0.7',
      organizations: ['system:nodes'],
      dnsNames: ['web-10.0.0.7'],
      ipAddresses: ['10.0.0.7'],
    });
    const c = parseCsr(pem);
    expect(c.dnsNames).toEqual(['web-10.0.0.7']);
    expect(c.ipAddresses).toEqual(['10.0.0.7']);
  });

  test('several organizations are all seen (a request for system:masters is not missed)', () => {
    const pem = csrFor(privateKey, {
      commonName: 'system:node:a',
      organizations: ['system:nodes', 'system:masters'],
    });
    expect(parseCsr(pem).organizations).toEqual(['system:nodes', 'system:masters']);
  });

  test('what is not a request is an error', () => {
    expect(() => parseCsr('hello')).toThrow(CsrParseError);
    expect(() =>
      parseCsr('-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----'),
    ).toThrow(CsrParseError);
    const pem = csrFor(privateKey, { commonName: 'system:node:a', organizations: ['system:nodes'] });
    const b64 = pem.split('\n').slice(1, -2).join('');
    const cut = Buffer.from(b64, 'base64').subarray(0, 40).toString('base64');
    expect(() =>
      parseCsr(`-----BEGIN CERTIFICATE REQUEST-----\n${cut}\n-----END CERTIFICATE REQUEST-----`),
    ).toThrow(CsrParseError);
  });
});
