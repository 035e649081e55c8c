import { describe, expect, test } from '@jest/globals';
import {
  REUSE_MIN_REMAINING_MS,
  formatExpiration,
  generateToken,
  parseTokenSecret,
  pickReusable,
  poolGroup,
  poolOfGroups,
  tokenSecretManifest,
  type PoolToken,
  type TokenSecret,
} from './token.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3600_000;

/** What the API server returns for a created manifest: stringData moved to base64 data. */
function asStored(manifest: Record<string, unknown>): TokenSecret {
  const m = manifest as {
    metadata: TokenSecret['metadata'];
    type: string;
    stringData: Record<string, string>;
  };
  const data = Object.fromEntries(
    Object.entries(m.stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  return { metadata: m.metadata, type: m.type, data };
}

function token(over: Partial<PoolToken>): PoolToken {
  return {
    secretName: 'bootstrap-token-abcdef',
    id: 'abcdef',
    secret: '0123456789abcdef',
    expiresAt: NOW + 3 * HOUR,
    ownerUid: 'uid-1',
    deleting: false,
    groups: ['system:bootstrappers:nodepool:web'],
    ...over,
  };
}

describe('bootstrap tokens', () => {
  test('generated ids and secrets have the authenticator format, and differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const t = generateToken();
      expect(t.id).toMatch(/^[a-z0-9]{6}$/);
      expect(t.secret).toMatch(/^[a-z0-9]{16}$/);
      seen.add(`${t.id}.${t.secret}`);
    }
    expect(seen.size).toBe(200);
  });

  test('the manifest carries the fields the authenticator and the token cleaner read, owned by the pool', () => {
    const m = tokenSecretManifest({
      pool: 'web',
      owner: { kind: 'NodePool', name: 'web', uid: 'uid-1' },
      id: 'abc123',
      secret: 'abcdefghij012345',
      expiresAt: NOW + 24 * HOUR,
    });
    expect(m).toMatchObject({
      type: 'bootstrap.kubernetes.io/token',
      metadata: {
        name: 'bootstrap-token-abc123',
        namespace: 'kube-system',
        labels: { 'nodepool.alicloud.dev/pool': 'web' },
        ownerReferences: [
          { apiVersion: 'nodepool.alicloud.dev/v1beta1', kind: 'NodePool', name: 'web', uid: 'uid-1' },
        ],
      },
      stringData: {
        'token-id': 'abc123',
        'token-secret': 'abcdefghij012345',
        expiration: '2026-03-02T12:00:00Z',
        'usage-bootstrap-authentication': 'true',
        'auth-extra-groups': 'system:bootstrappers:nodepool:web',
      },
    });
    expect(parseTokenSecret(asStored(m))).toEqual({
      secretName: 'bootstrap-token-abc123',
      id: 'abc123',
      secret: 'abcdefghij012345',
      expiresAt: NOW + 24 * HOUR,
      ownerUid: 'uid-1',
      deleting: false,
      groups: ['system:bootstrappers:nodepool:web'],
    });
  });

  test('expiration is RFC 3339 in UTC without fractions', () => {
    expect(formatExpiration(Date.parse('2026-03-01T12:00:00.789Z'))).toBe('2026-03-01T12:00:00Z');
  });

  test('Secrets that are not usable tokens are ignored', () => {
    const good = asStored(
      tokenSecretManifest({
        pool: 'p',
        owner: undefined,
        id: 'abc123',
        secret: 'abcdefghij012345',
        expiresAt: NOW,
      }),
    );
    expect(parseTokenSecret(good)?.id).toBe('abc123');
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    expect(parseTokenSecret({ ...good, type: 'Opaque' })).toBeUndefined();
    expect(
      parseTokenSecret({ ...good, metadata: { ...good.metadata, name: 'bootstrap-token-zzzzzz' } }),
    ).toBeUndefined();
    expect(
      parseTokenSecret({ ...good, data: { ...good.data, 'token-secret': b64('TOOSHORT') } }),
    ).toBeUndefined();
    expect(
      parseTokenSecret({ ...good, data: { ...good.data, expiration: b64('tomorrow') } }),
    ).toBeUndefined();
    expect(
      parseTokenSecret({ ...good, data: { ...good.data, 'usage-bootstrap-authentication': b64('false') } }),
    ).toBeUndefined();
  });

  test("pool groups: one per pool, in the authenticator's charset, read back", () => {
    const authenticator = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
    for (const pool of ['web', 'a.b-c', 'x'.repeat(63)]) {
      expect(poolGroup(pool)).toMatch(authenticator);
      expect(poolOfGroups(['system:bootstrappers', poolGroup(pool)])).toBe(pool);
    }
    expect(poolGroup('a.b')).not.toBe(poolGroup('a-b'));
    expect(
      poolOfGroups(['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token']),
    ).toBeUndefined();
  });

  test("a token of an earlier version (kubeadm's auto-approved group) or of another pool is not reused", () => {
    expect(
      pickReusable(
        [token({ groups: ['system:bootstrappers:kubeadm:default-node-token'] })],
        NOW,
        'uid-1',
        'web',
      ),
    ).toBeUndefined();
    expect(
      pickReusable(
        [token({ groups: [poolGroup('web'), 'system:bootstrappers:kubeadm:default-node-token'] })],
        NOW,
        'uid-1',
        'web',
      ),
    ).toBeUndefined();
    expect(pickReusable([token({ groups: [poolGroup('other')] })], NOW, 'uid-1', 'web')).toBeUndefined();
  });

  test('reuse: more than 2 h left, this pool object, not being deleted; the longest-lived wins', () => {
    expect(pickReusable([token({})], NOW, 'uid-1', 'web')?.id).toBe('abcdef');
    // exactly 2 h left is not enough: a node booting from a scaling configuration may need it for hours
    expect(
      pickReusable([token({ expiresAt: NOW + REUSE_MIN_REMAINING_MS })], NOW, 'uid-1', 'web'),
    ).toBeUndefined();
    expect(
      pickReusable([token({ expiresAt: NOW + REUSE_MIN_REMAINING_MS + 1 })], NOW, 'uid-1', 'web'),
    ).toBeDefined();
    expect(pickReusable([token({ expiresAt: NOW - HOUR })], NOW, 'uid-1', 'web')).toBeUndefined();
    // an earlier pool of the same name: not its token
    expect(pickReusable([token({ ownerUid: 'uid-0' })], NOW, 'uid-1', 'web')).toBeUndefined();
    expect(pickReusable([token({ ownerUid: undefined })], NOW, 'uid-1', 'web')).toBeUndefined();
    expect(pickReusable([token({ deleting: true })], NOW, 'uid-1', 'web')).toBeUndefined();
    const older = token({ id: 'older1', expiresAt: NOW + 2.5 * HOUR });
    const newer = token({ id: 'newer1', expiresAt: NOW + 3.5 * HOUR });
    expect(pickReusable([older, newer], NOW, 'uid-1', 'web')?.id).toBe('newer1');
    expect(pickReusable([newer, older], NOW, 'uid-1', 'web')?.id).toBe('newer1');
  });
});
