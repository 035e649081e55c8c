import { describe, expect, it } from '@jest/globals';
import { agentScriptPath, joinCommandToken, joinTokenProblem } from './external.js';

const FIELD = 'spec.bootstrap.external.joinCommandSecretRef';
const CMD =
  'kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00';
const NOW = Date.parse('2026-11-23T06:00:00Z');

describe('External bootstrap checks', () => {
  it('finds the token of a join command, in either flag form', () => {
    expect(joinCommandToken(CMD)).toEqual({ id: 'abcdef', token: 'abcdef.0123456789abcdef' });
    expect(joinCommandToken('kubeadm join x --token=abcdef.0123456789abcdef')?.id).toBe('abcdef');
    expect(joinCommandToken('kubeadm join x --token ABCDEF.0123456789abcdef')).toBeUndefined();
    expect(joinCommandToken('kubeadm join x')).toBeUndefined();
  });

  it('accepts a token that never expires (--ttl 0: no expiration)', () => {
    expect(
      joinTokenProblem(FIELD, CMD, { tokenSecret: '0123456789abcdef', usageAuthentication: 'true' }, NOW),
    ).toBeUndefined();
  });

  it('accepts a token that expires, while it lasts; refuses it once expired or about to, saying how to rotate it', () => {
    const t = (expiration: string) => ({
      tokenSecret: '0123456789abcdef',
      usageAuthentication: 'true',
      expiration,
    });
    expect(joinTokenProblem(FIELD, CMD, t('2026-11-24T06:00:00Z'), NOW)).toBeUndefined();
    const soon = joinTokenProblem(FIELD, CMD, t('2026-11-23T06:05:00Z'), NOW);
    expect(soon).toContain('expires at 2026-11-23T06:05:00Z, too soon');
    const past = joinTokenProblem(FIELD, CMD, t('2026-11-22T06:00:00Z'), NOW);
    expect(past).toContain(FIELD);
    expect(past).toContain('expired at 2026-11-22T06:00:00Z');
    expect(past).toContain('kubeadm token create --print-join-command');
    expect(joinTokenProblem(FIELD, CMD, t('tomorrow'), NOW)).toContain('not a time');
  });

  it('refuses a missing, mismatched or non-authenticating token, and a command that is not a join', () => {
    expect(joinTokenProblem(FIELD, CMD, undefined, NOW)).toContain('bootstrap-token-abcdef) does not exist');
    expect(
      joinTokenProblem(FIELD, CMD, { tokenSecret: 'ffffffffffffffff', usageAuthentication: 'true' }, NOW),
    ).toContain('does not match');
    expect(joinTokenProblem(FIELD, CMD, { tokenSecret: '0123456789abcdef' }, NOW)).toContain(
      'usage-bootstrap-authentication',
    );
    expect(joinTokenProblem(FIELD, 'kubeadm join 10.0.0.1:6443', undefined, NOW)).toContain('has no --token');
    expect(joinTokenProblem(FIELD, 'echo hi', undefined, NOW)).toContain('not a `kubeadm join` command');
  });

  it('reads the script location from ack-agent-config, or says what is missing', () => {
    expect(agentScriptPath({ addNodeScriptPath: ' https://x.example/join.sh ' })).toEqual({
      url: 'https://x.example/join.sh',
    });
    expect(agentScriptPath(undefined)).toMatchObject({
      problem: expect.stringContaining('kube-system/ack-agent-config does not exist'),
    });
    expect(agentScriptPath({})).toMatchObject({
      problem: expect.stringContaining('has no "addNodeScriptPath"'),
    });
    expect(agentScriptPath({ addNodeScriptPath: 'file:///x' })).toMatchObject({
      problem: expect.stringContaining('not an http(s) URL'),
    });
    // a plain-http location only with the pool's checksum (the script runs as root with the join command)
    expect(agentScriptPath({ addNodeScriptPath: 'http://x.example/join.sh' })).toMatchObject({
      problem: expect.stringContaining('set spec.bootstrap.external.scriptSHA256'),
    });
    expect(agentScriptPath({ addNodeScriptPath: 'http://x.example/join.sh' }, true)).toEqual({
      url: 'http://x.example/join.sh',
    });
  });
});
