import { describe, expect, test } from '@jest/globals';
import {
  classify,
  decide,
  KUBELET_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  MEMBER_GRACE_MS,
  nodeNameOf,
  type ClaimFacts,
  type CsrFacts,
} from './approval.js';
import { poolGroup } from './token.js';

const content = (over: Partial<Extract<CsrFacts['content'], { commonName: unknown }>> = {}) => ({
  commonName: 'system:node:cn-hangzhou.10.0.0.7',
  organizations: ['system:nodes'],
  otherSubject: [],
  dnsNames: [],
  ipAddresses: [],
  otherNames: 0,
  ...over,
});
const client = (over: Partial<CsrFacts> = {}): CsrFacts => ({
  signerName: KUBELET_CLIENT_SIGNER,
  username: 'system:bootstrap:abcdef',
  groups: ['system:bootstrappers', poolGroup('web'), 'system:authenticated'],
  usages: ['digital signature', 'client auth'],
  content: content(),
  ...over,
});
const serving = (over: Partial<CsrFacts> = {}): CsrFacts => ({
  signerName: KUBELET_SERVING_SIGNER,
  username: 'system:node:cn-hangzhou.10.0.0.7',
  groups: ['system:nodes', 'system:authenticated'],
  usages: ['digital signature', 'server auth'],
  content: content({ dnsNames: ['cn-hangzhou.10.0.0.7'], ipAddresses: ['10.0.0.7'] }),
  ...over,
});

describe('classify: which requests the operator decides', () => {
  test('a client request made with a pool token claims that pool and the node name', () => {
    expect(classify(client())).toEqual({ kind: 'client', pool: 'web', nodeName: 'cn-hangzhou.10.0.0.7' });
  });
  test.each([
    [
      "kubeadm's token",
      client({ groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'] }),
    ],
    [
      "a node renewing its certificate (the controller manager's business)",
      client({ username: 'system:node:x', groups: ['system:nodes'] }),
    ],
    ['another signer', client({ signerName: 'kubernetes.io/kube-apiserver-client' })],
    [
      'a serving request by someone who is not a node',
      serving({ username: 'alice', groups: ['system:authenticated'] }),
    ],
  ])('left alone: %s', (_, csr) => {
    expect(classify(csr).kind).toBe('ignore');
  });
  test.each([
    [
      'a common name that is not a node',
      client({ content: content({ commonName: 'admin' }) }),
      /common name/,
    ],
    [
      'system:masters in the subject',
      client({ content: content({ organizations: ['system:nodes', 'system:masters'] }) }),
      /organizations/,
    ],
    [
      'other subject attributes',
      client({ content: content({ otherSubject: ['2.5.4.11'] }) }),
      /other attributes/,
    ],
    [
      'server auth on a client request',
      client({ usages: ['digital signature', 'client auth', 'server auth'] }),
      /usages server auth/,
    ],
    [
      'SANs on a client request',
      client({ content: content({ ipAddresses: ['10.0.0.7'] }) }),
      /subject alternative names/,
    ],
    [
      'an unreadable request',
      client({ content: { error: 'truncated DER' } }),
      /cannot be read: truncated DER/,
    ],
    [
      'a serving request for another node',
      serving({ content: content({ commonName: 'system:node:other' }) }),
      /not the requester/,
    ],
    [
      'a serving request with an email SAN',
      serving({ content: content({ otherNames: 1, ipAddresses: ['10.0.0.7'] }) }),
      /other than DNS/,
    ],
  ])('denied: %s', (_, csr, message) => {
    const c = classify(csr);
    expect(c.kind).toBe('deny');
    expect(c.kind === 'deny' ? c.message : '').toMatch(message);
  });
});

describe('decide: a client certificate only for a member instance without a Node', () => {
  const claim = { kind: 'client', pool: 'web', nodeName: 'cn-hangzhou.10.0.0.7' } as const;
  const member = { instanceId: 'i-1', status: 'Running', privateIp: '10.0.0.7' };
  const facts = (over: Partial<ClaimFacts> = {}): ClaimFacts => ({
    poolExists: true,
    ageMs: 1_000,
    pool: {
      name: 'web',
      region: 'cn-hangzhou',
      deleting: false,
      members: [member, { instanceId: 'i-2', status: 'Running', privateIp: '10.0.0.8' }],
    },
    ...over,
  });
  test('a member with no Node yet: approved, naming the instance', () => {
    expect(decide(claim, facts())).toEqual({
      kind: 'approve',
      message: 'instance i-1 (10.0.0.7) of pool web, no Node yet',
    });
  });
  test("an existing node's name: denied, even for a member's own name", () => {
    const d = decide(claim, facts({ node: { providerID: 'cn-hangzhou.i-1' } }));
    expect(d).toMatchObject({ kind: 'deny', message: expect.stringMatching(/exists already/) });
  });
  test('a name no member has: waits a while (an instance may not be listed yet), then denied', () => {
    const other = { ...claim, nodeName: 'cn-hangzhou.10.0.0.99' };
    expect(decide(other, facts()).kind).toBe('wait');
    expect(decide(other, facts({ ageMs: MEMBER_GRACE_MS })).kind).toBe('deny');
  });
  test("another pool's member is not this pool's", () => {
    const d = decide(
      { ...claim, pool: 'web' },
      facts({ pool: { ...facts().pool!, members: [] }, ageMs: MEMBER_GRACE_MS }),
    );
    expect(d.kind).toBe('deny');
  });
  test("a stopped or released instance, a pool being deleted, a deleted pool: denied; another shard's pool: left alone", () => {
    expect(
      decide(claim, facts({ pool: { ...facts().pool!, members: [{ ...member, status: 'Stopped' }] } })).kind,
    ).toBe('deny');
    expect(decide(claim, facts({ pool: { ...facts().pool!, deleting: true } })).kind).toBe('deny');
    expect(decide(claim, facts({ pool: undefined, poolExists: false })).kind).toBe('deny');
    expect(decide(claim, facts({ pool: undefined, poolExists: true })).kind).toBe('ignore');
  });
  test.each([
    ['Pending', 'approve'],
    ['Starting', 'approve'],
    ['Running', 'approve'],
    ['Stopping', 'deny'],
    ['Stopped', 'deny'],
    [undefined, 'deny'],
  ] as const)('a member instance that is %s: %s', (status, kind) => {
    const f = facts({ pool: { ...facts().pool!, members: [{ ...member, status }] } });
    expect(decide(claim, f).kind).toBe(kind);
  });
  test('a member without a private IP yet has no node name: the request waits, then is denied', () => {
    const f = facts({ pool: { ...facts().pool!, members: [{ ...member, privateIp: undefined }] } });
    expect(decide(claim, f).kind).toBe('wait');
    expect(decide(claim, { ...f, ageMs: MEMBER_GRACE_MS }).kind).toBe('deny');
  });
  test('a member ESS is removing (scale-in, its hook wait): denied, naming the state; InService and Pending approved', () => {
    const withState = (lifecycleState: string) =>
      decide(claim, facts({ pool: { ...facts().pool!, members: [{ ...member, lifecycleState }] } }));
    expect(withState('Removing:Wait')).toEqual({
      kind: 'deny',
      message: 'instance i-1 is being removed from the scaling group (Removing:Wait)',
    });
    expect(withState('Removing').kind).toBe('deny');
    expect(withState('InService').kind).toBe('approve');
    expect(withState('Pending:Wait').kind).toBe('approve');
  });
  test('an instance some other Node registered for already: denied', () => {
    expect(
      decide(claim, facts({ nodeOfInstance: (id) => (id === 'i-1' ? 'elsewhere' : undefined) })).kind,
    ).toBe('deny');
  });
  test('custom node names: prefix + IP + suffix, lower-cased', () => {
    expect(
      nodeNameOf({ region: 'cn-hangzhou', customNodeName: { prefix: 'Web-', suffix: '.hz' } }, '10.0.0.7'),
    ).toBe('web-10.0.0.7.hz');
    const named = facts({ pool: { ...facts().pool!, customNodeName: { prefix: 'web-' } } });
    expect(decide({ ...claim, nodeName: 'web-10.0.0.7' }, named).kind).toBe('approve');
    expect(decide(claim, { ...named, ageMs: MEMBER_GRACE_MS }).kind).toBe('deny');
  });
});

describe("decide: a serving certificate only for the node's own instance", () => {
  const claim = {
    kind: 'serving',
    nodeName: 'cn-hangzhou.10.0.0.7',
    dnsNames: ['cn-hangzhou.10.0.0.7'],
    ipAddresses: ['10.0.0.7'],
  } as const;
  const facts = (over: Partial<ClaimFacts> = {}): ClaimFacts => ({
    poolExists: true,
    ageMs: 1_000,
    node: { providerID: 'cn-hangzhou.i-1', pool: 'web' },
    pool: {
      name: 'web',
      region: 'cn-hangzhou',
      deleting: false,
      members: [{ instanceId: 'i-1', status: 'Running', privateIp: '10.0.0.7', hostName: 'iZbp1' }],
    },
    nodeOfInstance: () => 'cn-hangzhou.10.0.0.7',
    ...over,
  });
  test('its name, its host name and its IP: approved', () => {
    expect(decide({ ...claim, dnsNames: [claim.nodeName, 'izbp1'] }, facts()).kind).toBe('approve');
  });
  test.each([
    ['another IP', { ...claim, ipAddresses: ['10.0.0.8'] }, facts()],
    ['another DNS name', { ...claim, dnsNames: ['kubernetes.default.svc'] }, facts()],
    [
      'a Node whose providerID is another instance',
      claim,
      facts({ node: { providerID: 'cn-hangzhou.i-2', pool: 'web' } }),
    ],
    ['no Node', claim, facts({ node: undefined })],
  ] as const)('denied: %s', (_, c, f) => {
    expect(decide(c, f).kind).toBe('deny');
  });
});
