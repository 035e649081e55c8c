import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { derOid, newKeyAndCsr } from './csr.js';

describe('the in-process kubelet CSR', () => {
  it('encodes object identifiers with multi-byte arcs', () => {
    expect(derOid('1.2.840.10045.4.3.2').toString('hex')).toBe('06082a8648ce3d040302');
    expect(derOid('2.5.4.3').toString('hex')).toBe('0603550403');
  });

  it('is a CSR openssl verifies, with the subject and key asked for', () => {
    const { keyPem, csrPem } = newKeyAndCsr({
      commonName: 'system:node:cn-hangzhou.10.0.0.7',
      organizations: ['system:nodes'],
    });
    const dir = mkdtempSync(join(tmpdir(), 'csr-test-'));
    try {
      writeFileSync(join(dir, 'req.pem'), csrPem);
      writeFileSync(join(dir, 'key.pem'), keyPem);
      const text = execFileSync(
        'openssl',
        ['req', '-in', join(dir, 'req.pem'), '-noout', '-verify', '-subject'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      expect(text).toMatch(/O\s*=\s*system:nodes,\s*CN\s*=\s*system:node:cn-hangzhou\.10\.0\.0\.7/);
      const fromCsr = execFileSync('openssl', ['req', '-in', join(dir, 'req.pem'), '-noout', '-pubkey'], {
        encoding: 'utf8',
      });
      const fromKey = execFileSync('openssl', ['pkey', '-in', join(dir, 'key.pem'), '-pubout'], {
        encoding: 'utf8',
      });
      expect(fromCsr).toBe(fromKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes a new key every time', () => {
    const a = newKeyAndCsr({ commonName: 'a' });
    const b = newKeyAndCsr({ commonName: 'a' });
    expect(a.keyPem).not.toBe(b.keyPem);
  });
});
